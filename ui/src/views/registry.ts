// The app's views: the sidebar sections, and the pages inside them (an album, an artist, a
// genre, a playlist, search results). Adding a view means adding it here.
import type { ComponentType } from "react";
import type { IconName } from "../components/Icon";
import { artistName } from "../lib/format";
import type { Route, SectionId } from "../navigation";
import { CloudView } from "./CloudView";
import { AlbumPage, AlbumsView, ArtistPage, ArtistsView, GenrePage, GenresView, SongsView } from "./LibraryViews";
import { PlaylistPage, PlaylistsView } from "./PlaylistsView";
import { SearchView } from "./SearchView";
import { SettingsView } from "./SettingsView";

/** What every view receives: where it is, and a way to send the user elsewhere. */
export interface ViewProps {
  route: Route;
  navigate: (route: Route) => void;
}

/** Kept for views that only move between sections. */
export type ViewId = SectionId;

export interface ViewEntry {
  id: SectionId;
  label: string;
  icon: IconName;
  section: "Library" | "Playlists" | "Cloud" | "App";
  component: ComponentType<ViewProps>;
}

export const views: readonly ViewEntry[] = [
  { id: "songs", label: "Songs", icon: "note", section: "Library", component: SongsView },
  { id: "albums", label: "Albums", icon: "album", section: "Library", component: AlbumsView },
  { id: "artists", label: "Artists", icon: "artist", section: "Library", component: ArtistsView },
  { id: "genres", label: "Genres", icon: "genre", section: "Library", component: GenresView },
  { id: "playlists", label: "Playlists", icon: "playlist", section: "Playlists", component: PlaylistsView },
  { id: "cloud", label: "Cloud", icon: "cloud", section: "Cloud", component: CloudView },
  { id: "settings", label: "Settings", icon: "settings", section: "App", component: SettingsView },
];

export function viewById(id: SectionId): ViewEntry {
  const entry = views.find((view) => view.id === id);
  if (!entry) throw new Error(`unknown view ${id}`);
  return entry;
}

/** The component and the heading of any route. */
export function resolve(route: Route): { title: string; component: ComponentType<ViewProps> } {
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
      const entry = viewById(route.view);
      return { title: entry.label, component: entry.component };
    }
  }
}
