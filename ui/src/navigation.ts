// Where the user is: a top-level view from the sidebar, or a page inside one (an album, an
// artist, a genre, a playlist, search results). Back goes to the previous place, as in a
// browser. Pure data; App keeps the history.

export type SectionId = "songs" | "albums" | "artists" | "genres" | "playlists" | "cloud" | "settings";

export type Route =
  | { view: SectionId }
  | { view: "album"; key: string; title: string }
  | { view: "artist"; name: string }
  | { view: "genre"; name: string }
  | { view: "playlist"; id: string }
  | { view: "search"; query: string };

/** The sidebar entry a route belongs to (highlighted while the user is there). */
export function sectionOf(route: Route): SectionId | null {
  switch (route.view) {
    case "album":
      return "albums";
    case "artist":
      return "artists";
    case "genre":
      return "genres";
    case "playlist":
    case "search":
      return null;
    default:
      return route.view;
  }
}

export function sameRoute(a: Route, b: Route): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Browser-like history: push a route, go back. */
export interface History {
  readonly stack: readonly Route[];
}

export function push(history: History, route: Route): History {
  const current = history.stack.at(-1);
  if (current && sameRoute(current, route)) return history;
  // Typing a search replaces the search page rather than stacking every keystroke.
  if (current?.view === "search" && route.view === "search") return { stack: [...history.stack.slice(0, -1), route] };
  return { stack: [...history.stack, route].slice(-50) };
}

export function back(history: History): History {
  return history.stack.length > 1 ? { stack: history.stack.slice(0, -1) } : history;
}
