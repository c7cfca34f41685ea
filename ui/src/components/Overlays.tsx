// What floats over the app: the context menu, the Properties dialog and small prompts
// ("New playlist"). One provider hosts them so any list can open them, and each behaves as
// desktop users expect: keyboard navigation, Escape closes, focus returns where it was.
import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import type { Track } from "../ipc";
import { formatDate, formatDuration, formatSize } from "../lib/format";

export interface MenuItem {
  label: string;
  action?: () => void;
  disabled?: boolean;
  submenu?: MenuItem[];
  /** Draws a line before this item. */
  separated?: boolean;
}

interface Overlays {
  openMenu(items: MenuItem[], at: { x: number; y: number }): void;
  showProperties(track: Track): void;
  /** Asks for a line of text; null when cancelled. */
  prompt(title: string, label: string, initial?: string): Promise<string | null>;
  /** Asks before doing something that cannot be undone. */
  confirm(title: string, message: string, action: string): Promise<boolean>;
}

const OverlayContext = createContext<Overlays>({
  openMenu: () => {},
  showProperties: () => {},
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
  const [properties, setProperties] = useState<Track | null>(null);
  const [prompt, setPrompt] = useState<PromptState | null>(null);
  const [confirm, setConfirm] = useState<ConfirmState | null>(null);
  const returnFocus = useRef<Element | null>(null);

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
    showProperties: (track) => {
      remember();
      setProperties(track);
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
      {properties && (
        <PropertiesDialog
          track={properties}
          onClose={() => {
            setProperties(null);
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
          role="menuitem"
          aria-disabled={item.disabled || undefined}
          aria-haspopup={item.submenu ? "menu" : undefined}
          aria-expanded={item.submenu ? open === index : undefined}
          className={`menu__item${index === active ? " is-active" : ""}${item.separated ? " menu__item--separated" : ""}`}
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
  const [active, setActive] = useState(0);
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
          role="menuitem"
          aria-disabled={item.disabled || undefined}
          className={`menu__item${index === active ? " is-active" : ""}${item.separated ? " menu__item--separated" : ""}`}
          onMouseEnter={() => setActive(index)}
          onClick={(event) => {
            event.stopPropagation();
            if (!item.disabled) onPick(item);
          }}
        >
          {item.label}
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

function PropertiesDialog({ track, onClose }: { track: Track; onClose: () => void }) {
  const position = (no: number | null, total: number | null) => (no === null ? "" : total ? `${no} of ${total}` : String(no));
  const rows: [string, ReactNode][] = [
    ["Title", track.title],
    ["Artist", track.artist ?? ""],
    ["Album", track.album ?? ""],
    ["Album artist", track.album_artist ?? ""],
    ["Track", position(track.track_no, track.track_total)],
    ["Disc", position(track.disc_no, track.disc_total)],
    ["Year", track.date ?? track.year ?? ""],
    ["Genre", track.genre ?? ""],
    ["Composer", track.composer ?? ""],
    ["Length", formatDuration(track.duration_ms)],
    ["Format", [track.codec ?? track.format, track.sample_rate && `${(track.sample_rate / 1000).toFixed(1)} kHz`, track.bit_depth && `${track.bit_depth}-bit`, track.bitrate_kbps && `${track.bitrate_kbps} kbit/s`].filter(Boolean).join(", ")],
    ["Size", track.size > 0 ? formatSize(track.size) : ""],
    ["ReplayGain", track.replaygain.track_gain !== null ? `${track.replaygain.track_gain.toFixed(2)} dB (track)${track.replaygain.album_gain !== null ? `, ${track.replaygain.album_gain.toFixed(2)} dB (album)` : ""}` : "none"],
    ["Plays", track.play_count],
    ["Added", formatDate(track.added_at)],
    ["Location", track.path ? <span className="path">{track.path}</span> : "In the cloud only"],
  ];
  return (
    <Dialog title="Properties" onClose={onClose} className="dialog--wide">
      <dl className="facts" aria-label={`Properties of ${track.title}`}>
        {rows
          .filter(([, value]) => value !== "" && value !== null)
          .map(([name, value]) => (
            <div key={name} className="facts__row">
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
      {track.state_reason && <p className="error">{track.state_reason}</p>}
      <div className="dialog__actions">
        <button type="button" className="button button--primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
