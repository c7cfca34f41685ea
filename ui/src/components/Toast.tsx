// Short notes at the bottom of the window ("Added 3 songs to Road trip", or what went
// wrong and what to do), announced to screen readers and gone after a few seconds.
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from "react";

type Tone = "info" | "error";
/** A button on a toast ("Undo"). */
export interface ToastAction {
  label: string;
  run: () => void;
}
type Toaster = (message: string, tone?: Tone, action?: ToastAction) => void;

const ToastContext = createContext<Toaster>(() => {});

export const useToast = () => useContext(ToastContext);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<{ id: number; message: string; tone: Tone; action?: ToastAction }[]>([]);
  const next = useRef(0);
  const toast = useCallback<Toaster>((message, tone = "info", action) => {
    const id = next.current++;
    setToasts((current) => [...current.slice(-2), { id, message, tone, action }]);
    setTimeout(() => setToasts((current) => current.filter((t) => t.id !== id)), tone === "error" || action ? 8_000 : 4_000);
  }, []);
  return (
    <ToastContext.Provider value={toast}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast--${t.tone}`} role={t.tone === "error" ? "alert" : undefined}>
            {t.message}
            {t.action && (
              <button
                type="button"
                className="toast__action"
                onClick={() => {
                  setToasts((current) => current.filter((other) => other.id !== t.id));
                  t.action?.run();
                }}
              >
                {t.action.label}
              </button>
            )}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
