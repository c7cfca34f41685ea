// The Media Session API: what plays, on the phone's lock screen, in the notification shade
// and the OS media overlay, and the hardware keys (headphones, keyboard media keys) that
// control it. Follows the engine; absent in browsers without the API.
import type { WebPlayer } from "./engine";

export function bindMediaSession(player: WebPlayer, artworkUrl: (hash: string, size: number) => string): () => void {
  if (typeof navigator === "undefined" || !("mediaSession" in navigator)) return () => {};
  const session = navigator.mediaSession;
  const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
    ["play", () => void player.control({ kind: "resume" })],
    ["pause", () => void player.control({ kind: "pause" })],
    ["stop", () => void player.control({ kind: "stop" })],
    ["nexttrack", () => void player.control({ kind: "next" })],
    ["previoustrack", () => void player.control({ kind: "previous" })],
    ["seekto", (details) => details.seekTime !== undefined && void player.control({ kind: "seek", position_ms: details.seekTime * 1000 })],
    ["seekbackward", (details) => void player.control({ kind: "seek", position_ms: Math.max(0, player.position() - (details.seekOffset ?? 10)) * 1000 })],
    ["seekforward", (details) => void player.control({ kind: "seek", position_ms: (player.position() + (details.seekOffset ?? 10)) * 1000 })],
  ];
  for (const [action, handler] of handlers) {
    try {
      session.setActionHandler(action, handler);
    } catch {
      // An action this browser does not know.
    }
  }
  let shown: string | null = null;
  let lastPosition = 0;
  const unsubscribe = player.subscribe((change) => {
    const view = player.view();
    const track = view.current?.track;
    if (change === "current" || change === "status") {
      const key = track ? `${view.current?.entry}:${track.id}` : null;
      if (key !== shown) {
        shown = key;
        session.metadata = track
          ? new MediaMetadata({
              title: track.title,
              artist: track.artist ?? "",
              album: track.album ?? "",
              artwork: track.artwork_id
                ? [96, 256, 512].map((size) => ({ src: artworkUrl(track.artwork_id as string, size), sizes: `${size}x${size}` }))
                : [],
            })
          : null;
      }
      session.playbackState = view.status.state === "playing" ? "playing" : view.status.state === "paused" ? "paused" : "none";
    }
    // The lock screen's scrubber: set when it moves by more than the ticks do.
    const duration = view.current?.duration_ms;
    const position = view.position_ms / 1000;
    if (duration && (change !== "position" || Math.abs(position - lastPosition) > 1.5)) {
      try {
        session.setPositionState({ duration: duration / 1000, position: Math.min(position, duration / 1000), playbackRate: 1 });
      } catch {
        // A position past a rounded duration: the next tick sets it.
      }
    }
    lastPosition = position;
  });
  return () => {
    unsubscribe();
    for (const [action] of handlers) {
      try {
        session.setActionHandler(action, null);
      } catch {
        // As above.
      }
    }
  };
}
