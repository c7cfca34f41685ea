// The views both apps have: the library's sections (songs, albums, artists, genres,
// playlists) and the pages inside them. The desktop adds its own (`registry.ts`); the web
// player uses these as they are.
import type { ComponentType } from "react";
import type { IconName } from "../components/Icon";
import { artistName } from "../lib/format";
import type { Route, SectionId } from "../navigation";
import { AlbumPage, AlbumsView, ArtistPage, ArtistsView, GenrePage, GenresView, SongsView } from "./LibraryViews";
import { PlaylistPage, PlaylistsView } from "./PlaylistsView";
import { SearchView } from "./SearchView";

/** What every view receives: where it is, and a way to send the user elsewhere. */
export interface ViewProps {
  route: Route;
  navigate: (route: Route) => void;
}

export interface ViewEntry {
  id: SectionId;
  label: string;
  icon: IconName;
  section: "Library" | "Playlists" | "Cloud" | "App";
  component: ComponentType<ViewProps>;
}

export const browseViews: readonly ViewEntry[] = [
  { id: "songs", label: "Songs", icon: "note", section: "Library", component: SongsView },
  { id: "albums", label: "Albums", icon: "album", section: "Library", component: AlbumsView },
  { id: "artists", label: "Artists", icon: "artist", section: "Library", component: ArtistsView },
  { id: "genres", label: "Genres", icon: "genre", section: "Library", component: GenresView },
  { id: "playlists", label: "Playlists", icon: "playlist", section: "Playlists", component: PlaylistsView },
];

/** The component and the heading of any route, among `views`. */
export function resolveIn(views: readonly ViewEntry[], route: Route): { title: string; component: ComponentType<ViewProps> } {
  switch (route.view) {
    case "album":
      return { title: route.title || "Unknown album", component: AlbumPage };
    case "artist":
      return { title: artistName(route.name), component: ArtistPage };
    case "genre":
      return { title: route.name, component: GenrePage };
    case "playlist":
      return { title: "Playlist", component: PlaylistPage };
    case "search":
      return { title: "Search", component: SearchView };
    default: {
      const entry = views.find((view) => view.id === route.view) ?? views[0];
      if (!entry) throw new Error("no views");
      return { title: entry.label, component: entry.component };
    }
  }
}
