// What floats over the app: the context menu, the tag editor (Properties) and small prompts
// ("New playlist"). One provider hosts them so any list can open them, and each behaves as
// desktop users expect: keyboard navigation, Escape closes, focus returns where it was.
import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { describeError, useUndoTagEdit } from "@data";
import { describeFailures } from "../lib/tagForm";
import { TagEditorDialog } from "./TagEditor";
import { useToast } from "./Toast";

export interface MenuItem {
  label: string;
  action?: () => void;
  disabled?: boolean;
  submenu?: MenuItem[];
  /** Draws a line before this item. */
  separated?: boolean;
  /** One choice of several (a rating): set, the item is a radio item, checked or not. */
  checked?: boolean;
  /** Drawn after the label for the eye only ("★★★★☆" after "4 stars"). */
  hint?: string;
}

/** The role and state of an item: a choice of several says whether it is the one chosen. */
const itemRole = (item: MenuItem) =>
  item.checked === undefined ? { role: "menuitem" } : { role: "menuitemradio", "aria-checked": item.checked };

const itemClass = (item: MenuItem, active: boolean) =>
  `menu__item${active ? " is-active" : ""}${item.separated ? " menu__item--separated" : ""}${item.checked !== undefined ? " menu__item--choice" : ""}`;

interface Overlays {
  openMenu(items: MenuItem[], at: { x: number; y: number }): void;
  /** Opens the tag editor for these songs (it reads their whole records). */
  editTags(ids: readonly string[]): void;
  /** Asks for a line of text; null when cancelled. */
  prompt(title: string, label: string, initial?: string): Promise<string | null>;
  /** Asks before doing something that cannot be undone. */
  confirm(title: string, message: string, action: string): Promise<boolean>;
}

const OverlayContext = createContext<Overlays>({
  openMenu: () => {},
  editTags: () => {},
  prompt: () => Promise.resolve(null),
  confirm: () => Promise.resolve(false),
});

export const useOverlays = () => useContext(OverlayContext);

interface PromptState {
  title: string;
  label: string;
  initial: string;
  resolve: (value: string | null) => void;
}

interface ConfirmState {
  title: string;
  message: string;
  action: string;
  resolve: (yes: boolean) => void;
}

export function OverlayProvider({ children }: { children: ReactNode }) {
  const [menu, setMenu] = useState<{ items: MenuItem[]; x: number; y: number } | null>(null);
  const [editing, setEditing] = useState<readonly string[] | null>(null);
  const [prompt, setPrompt] = useState<PromptState | null>(null);
  const [confirm, setConfirm] = useState<ConfirmState | null>(null);
  const returnFocus = useRef<Element | null>(null);
  const toast = useToast();
  const undo = useUndoTagEdit();
  /** An edit was saved in this session: Ctrl+Z (outside text fields) undoes it. */
  const undoable = useRef(false);
  const undoEdit = () => {
    undoable.current = false;
    undo.mutate(undefined, {
      onSuccess: (report) => {
        if (report.edited.length > 0) toast("Undid the last edit");
        if (report.failed.length > 0) toast(describeFailures(report.failed), "error");
      },
      onError: (error) => toast(describeError(error), "error"),
    });
  };
  const undoRef = useRef(undoEdit);
  undoRef.current = undoEdit;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== "z" || !(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      const tag = target?.tagName?.toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || target?.isContentEditable) return;
      if (document.querySelector("[role=dialog]") || !undoable.current) return;
      event.preventDefault();
      undoRef.current();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const remember = () => {
    returnFocus.current = document.activeElement;
  };
  const restore = () => {
    const element = returnFocus.current;
    if (element instanceof HTMLElement) element.focus();
  };

  const [overlays] = useState<Overlays>(() => ({
    openMenu: (items, at) => {
      remember();
      setMenu({ items, ...at });
    },
    editTags: (ids) => {
      remember();
      setEditing(ids);
    },
    prompt: (title, label, initial = "") =>
      new Promise((resolve) => {
        remember();
        setPrompt({ title, label, initial, resolve });
      }),
    confirm: (title, message, action) =>
      new Promise((resolve) => {
        remember();
        setConfirm({ title, message, action, resolve });
      }),
  }));

  return (
    <OverlayContext.Provider value={overlays}>
      {children}
      {menu && (
        <Menu
          items={menu.items}
          x={menu.x}
          y={menu.y}
          onClose={() => {
            setMenu(null);
            restore();
          }}
        />
      )}
      {editing && (
        <TagEditorDialog
          ids={editing}
          onUndo={undoEdit}
          onSaved={() => (undoable.current = true)}
          onClose={() => {
            setEditing(null);
            restore();
          }}
        />
      )}
      {prompt && (
        <PromptDialog
          state={prompt}
          onClose={(value) => {
            prompt.resolve(value);
            setPrompt(null);
            restore();
          }}
        />
      )}
      {confirm && (
        <Dialog
          title={confirm.title}
          onClose={() => {
            confirm.resolve(false);
            setConfirm(null);
            restore();
          }}
        >
          <p>{confirm.message}</p>
          <div className="dialog__actions">
            <button
              type="button"
              className="button"
              onClick={() => {
                confirm.resolve(false);
                setConfirm(null);
                restore();
              }}
            >
              Cancel
            </button>
            <button
              type="button"
              className="button button--danger"
              onClick={() => {
                confirm.resolve(true);
                setConfirm(null);
                restore();
              }}
            >
              {confirm.action}
            </button>
          </div>
        </Dialog>
      )}
    </OverlayContext.Provider>
  );
}

/** A menu at a point, kept inside the window; arrows move, Enter picks, Escape closes. */
export function Menu({ items, x, y, onClose, label = "Actions" }: { items: MenuItem[]; x: number; y: number; onClose: () => void; label?: string }) {
  const list = useRef<HTMLUListElement>(null);
  const [position, setPosition] = useState({ left: x, top: y });
  const [active, setActive] = useState(() => items.findIndex((item) => !item.disabled));
  const [open, setOpen] = useState<number | null>(null);

  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const { width, height } = element.getBoundingClientRect();
    setPosition({
      left: Math.max(4, Math.min(x, window.innerWidth - width - 4)),
      top: Math.max(4, Math.min(y, window.innerHeight - height - 4)),
    });
    element.focus();
  }, [x, y]);

  useEffect(() => {
    const close = (event: Event) => {
      if (list.current && event.target instanceof Node && list.current.contains(event.target)) return;
      onClose();
    };
    window.addEventListener("mousedown", close);
    window.addEventListener("blur", onClose);
    return () => {
      window.removeEventListener("mousedown", close);
      window.removeEventListener("blur", onClose);
    };
  }, [onClose]);

  const pick = (item: MenuItem, index: number) => {
    if (item.disabled) return;
    if (item.submenu) {
      setOpen(index);
      return;
    }
    onClose();
    item.action?.();
  };

  const step = (from: number, delta: number) => nextEnabled(items, from, delta);

  return (
    <ul
      ref={list}
      className="menu"
      role="menu"
      aria-label={label}
      tabIndex={-1}
      style={{ left: position.left, top: position.top }}
      onContextMenu={(event) => event.preventDefault()}
      onKeyDown={(event) => {
        switch (event.key) {
          case "ArrowDown":
            setActive((current) => step(current, 1));
            break;
          case "ArrowUp":
            setActive((current) => step(current, -1));
            break;
          case "ArrowRight":
            if (items[active]?.submenu) setOpen(active);
            break;
          case "ArrowLeft":
          case "Escape":
            onClose();
            break;
          case "Enter":
          case " ":
            if (items[active]) pick(items[active], active);
            break;
          case "Tab":
            onClose();
            return;
          default:
            return;
        }
        event.preventDefault();
        event.stopPropagation();
      }}
    >
      {items.map((item, index) => (
        <li
          key={`${item.label}-${index}`}
          {...itemRole(item)}
          aria-disabled={item.disabled || undefined}
          aria-haspopup={item.submenu ? "menu" : undefined}
          aria-expanded={item.submenu ? open === index : undefined}
          className={itemClass(item, index === active)}
          onMouseEnter={() => {
            setActive(index);
            setOpen(item.submenu ? index : null);
          }}
          onClick={(event) => {
            event.stopPropagation();
            pick(item, index);
          }}
        >
          {item.label}
          {item.hint && <span className="menu__hint" aria-hidden="true">{item.hint}</span>}
          {item.submenu && <span aria-hidden="true"> ▸</span>}
          {item.submenu && open === index && (
            <SubMenu
              items={item.submenu}
              onPick={(sub) => {
                onClose();
                sub.action?.();
              }}
              onBack={() => {
                setOpen(null);
                list.current?.focus();
              }}
            />
          )}
        </li>
      ))}
    </ul>
  );
}

function SubMenu({ items, onPick, onBack }: { items: MenuItem[]; onPick: (item: MenuItem) => void; onBack: () => void }) {
  const list = useRef<HTMLUListElement>(null);
  // Of several choices (a rating), the keys start from the one chosen.
  const [active, setActive] = useState(() => Math.max(0, items.findIndex((item) => item.checked)));
  useEffect(() => list.current?.focus(), []);
  return (
    <ul
      ref={list}
      className="menu menu--sub"
      role="menu"
      tabIndex={-1}
      onKeyDown={(event) => {
        switch (event.key) {
          case "ArrowDown":
            setActive((current) => nextEnabled(items, current, 1));
            break;
          case "ArrowUp":
            setActive((current) => nextEnabled(items, current, -1));
            break;
          case "ArrowLeft":
          case "Escape":
            onBack();
            break;
          case "Enter":
          case " ":
            if (items[active] && !items[active].disabled) onPick(items[active]);
            break;
          default:
            return;
        }
        event.preventDefault();
        event.stopPropagation();
      }}
    >
      {items.map((item, index) => (
        <li
          key={`${item.label}-${index}`}
          {...itemRole(item)}
          aria-disabled={item.disabled || undefined}
          className={itemClass(item, index === active)}
          onMouseEnter={() => setActive(index)}
          onClick={(event) => {
            event.stopPropagation();
            if (!item.disabled) onPick(item);
          }}
        >
          {item.label}
          {item.hint && <span className="menu__hint" aria-hidden="true">{item.hint}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The item `delta` steps from `from`, round the end, passing over disabled ones. */
function nextEnabled(items: readonly MenuItem[], from: number, delta: number): number {
  for (let i = 1; i <= items.length; i++) {
    const next = (from + delta * i + items.length * 2) % items.length;
    if (!items[next]?.disabled) return next;
  }
  return from;
}

/** A modal dialog: focus moves in and stays there, Escape closes. */
export function Dialog({ title, onClose, children, className }: { title: string; onClose: () => void; children: ReactNode; className?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const first = box.current?.querySelector<HTMLElement>("input, button, [tabindex]");
    (first ?? box.current)?.focus();
  }, []);
  return (
    <div className="dialog-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div
        ref={box}
        className={`dialog ${className ?? ""}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby="dialog-title"
        tabIndex={-1}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.stopPropagation();
            onClose();
          }
          if (event.key === "Tab" && box.current) {
            // Keep Tab inside the dialog.
            const focusable = [...box.current.querySelectorAll<HTMLElement>("input, select, button, [href]")].filter((e) => !e.hasAttribute("disabled"));
            const [first, last] = [focusable[0], focusable.at(-1)];
            if (event.shiftKey && document.activeElement === first) {
              event.preventDefault();
              last?.focus();
            } else if (!event.shiftKey && document.activeElement === last) {
              event.preventDefault();
              first?.focus();
            }
          }
          event.stopPropagation();
        }}
      >
        <h2 id="dialog-title">{title}</h2>
        {children}
      </div>
    </div>
  );
}

function PromptDialog({ state, onClose }: { state: PromptState; onClose: (value: string | null) => void }) {
  const [value, setValue] = useState(state.initial);
  return (
    <Dialog title={state.title} onClose={() => onClose(null)}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) onClose(value.trim());
        }}
      >
        <label className="dialog__field">
          {state.label}
          <input className="input" value={value} onChange={(event) => setValue(event.target.value)} autoFocus />
        </label>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={() => onClose(null)}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!value.trim()}>
            OK
          </button>
        </div>
      </form>
    </Dialog>
  );
}
