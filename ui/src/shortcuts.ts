// Keyboard shortcuts that work anywhere in the window, as in desktop music players. The
// mapping is a pure function of the key event, tested on its own; App carries out the action.

export type Shortcut =
  | { kind: "toggle_pause" }
  | { kind: "next" }
  | { kind: "previous" }
  | { kind: "stop" }
  | { kind: "volume"; delta: number }
  | { kind: "search" }
  | { kind: "queue" }
  | { kind: "back" };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** What has the focus: typing there must not trigger shortcuts. */
  target: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

/** Whether the event happens where the user types text. */
function typing(target: KeyLike["target"]): boolean {
  if (!target) return false;
  const tag = target.tagName?.toLowerCase();
  if (target.isContentEditable) return true;
  if (tag === "textarea" || tag === "select") return true;
  return tag === "input" && !["range", "checkbox", "radio", "button"].includes(target.type ?? "text");
}

/** The shortcut a key press means, or null. `mac` uses Cmd where others use Ctrl. */
export function shortcutFor(event: KeyLike, mac = false): Shortcut | null {
  const command = mac ? event.metaKey : event.ctrlKey;
  // Media keys work everywhere, even while typing.
  switch (event.key) {
    case "MediaPlayPause":
      return { kind: "toggle_pause" };
    case "MediaTrackNext":
      return { kind: "next" };
    case "MediaTrackPrevious":
      return { kind: "previous" };
    case "MediaStop":
      return { kind: "stop" };
  }
  if (command && !event.altKey && (event.key === "f" || event.key === "F")) return { kind: "search" };
  if (typing(event.target)) return null;
  if (command && !event.altKey) {
    switch (event.key) {
      case "ArrowRight":
        return { kind: "next" };
      case "ArrowLeft":
        return { kind: "previous" };
      case "ArrowUp":
        return { kind: "volume", delta: 0.05 };
      case "ArrowDown":
        return { kind: "volume", delta: -0.05 };
      case "l":
      case "L":
        return { kind: "queue" };
    }
    return null;
  }
  if (event.altKey && !command && event.key === "ArrowLeft") return { kind: "back" };
  if (event.key === " " && !command && !event.altKey) {
    // Space on a button or in a list presses it; elsewhere it plays and pauses.
    const tag = event.target?.tagName?.toLowerCase();
    if (tag === "button" || tag === "summary") return null;
    return { kind: "toggle_pause" };
  }
  return null;
}
