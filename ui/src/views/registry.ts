// The app's views and where they sit in the sidebar. Adding a view means adding it here.
import type { ComponentType } from "react";
import { AlbumsView, ArtistsView, GenresView, SongsView } from "./LibraryViews";
import { CloudView } from "./CloudView";
import { PlaylistsView } from "./PlaylistsView";
import { SettingsView } from "./SettingsView";
import type { IconName } from "../components/Icon";

export type ViewId = "songs" | "albums" | "artists" | "genres" | "playlists" | "cloud" | "settings";

/** What every view receives: a way to send the user elsewhere (for example to add a folder). */
export interface ViewProps {
  navigate: (view: ViewId) => void;
}

export interface ViewEntry {
  id: ViewId;
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

export function viewById(id: ViewId): ViewEntry {
  const entry = views.find((view) => view.id === id);
  if (!entry) throw new Error(`unknown view ${id}`);
  return entry;
}
