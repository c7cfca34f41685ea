// The library views. With no music folder yet they point the user to Settings; the tables
// and grids arrive with the library.
import { EmptyState } from "../components/EmptyState";
import type { IconName } from "../components/Icon";
import type { ViewProps } from "./registry";

function EmptyLibrary({ icon, navigate }: ViewProps & { icon: IconName }) {
  return (
    <EmptyState
      icon={icon}
      title="Add a music folder to get started"
      action={
        <button type="button" className="button button--primary" onClick={() => navigate("settings")}>
          Set up music folders
        </button>
      }
    >
      Tonearm reads the songs in your music folders, keeps watching them for changes, and lets you
      browse them by song, album, artist and genre.
    </EmptyState>
  );
}

export const SongsView = (props: ViewProps) => <EmptyLibrary icon="note" {...props} />;
export const AlbumsView = (props: ViewProps) => <EmptyLibrary icon="album" {...props} />;
export const ArtistsView = (props: ViewProps) => <EmptyLibrary icon="artist" {...props} />;
export const GenresView = (props: ViewProps) => <EmptyLibrary icon="genre" {...props} />;
