// Marks on the page's performance timeline for the UI benchmark (`cargo xtask bench ui`):
// when the songs table first showed songs, and when each search's results were on screen.
// A mark costs a few microseconds; nothing reads them but the benchmark.

/** Marks `name` once the frame being prepared has been painted. */
export function markPainted(name: string) {
  if (typeof performance === "undefined" || typeof requestAnimationFrame === "undefined") return;
  // The frame callback runs before the paint; the task after it runs once it is done.
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}

export function mark(name: string) {
  if (typeof performance !== "undefined") performance.mark(name);
}

let songsShown = false;

/** The first time songs are drawn in this window. */
export function songsPainted() {
  if (songsShown) return;
  songsShown = true;
  markPainted("songs-painted");
}
