// The web player's addresses: each view has a path, so a reload, the browser's Back and a
// bookmarked link open the same place. The server answers every such path with the app.
import type { Route, SectionId } from "../navigation";

const sections: readonly SectionId[] = ["songs", "albums", "artists", "genres", "playlists"];

export function pathOfRoute(route: Route): string {
  switch (route.view) {
    case "album":
      return `/albums/${encodeURIComponent(route.key)}?title=${encodeURIComponent(route.title)}`;
    case "artist":
      return `/artists/${encodeURIComponent(route.name)}`;
    case "genre":
      return `/genres/${encodeURIComponent(route.name)}`;
    case "playlist":
      return `/playlists/${encodeURIComponent(route.id)}`;
    case "search":
      return `/search?q=${encodeURIComponent(route.query)}`;
    default:
      return route.view === "songs" ? "/" : `/${route.view}`;
  }
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function routeFromPath(pathname: string, search: string): Route {
  const [first = "", second, ...rest] = pathname.split("/").filter(Boolean);
  const params = new URLSearchParams(search);
  if (second !== undefined && rest.length === 0) {
    const value = decode(second);
    if (first === "albums") return { view: "album", key: value, title: params.get("title") ?? "" };
    if (first === "artists") return { view: "artist", name: value };
    if (first === "genres") return { view: "genre", name: value };
    if (first === "playlists") return { view: "playlist", id: value };
  }
  if (first === "search" && params.get("q")) return { view: "search", query: params.get("q") ?? "" };
  const section = sections.find((s) => s === first);
  return { view: section ?? "songs" };
}
