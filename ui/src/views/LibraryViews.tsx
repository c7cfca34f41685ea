// The library views. With no music yet they point the user to Settings; otherwise they list
// what the library holds. (The full browser, virtualised for 100,000 tracks, comes with the
// desktop-experience work; these lists show the first page.)
import type { ReactNode } from "react";
import { EmptyState } from "../components/EmptyState";
import type { IconName } from "../components/Icon";
import {
  describeError,
  useAlbums,
  useArtists,
  useControlPlayer,
  useGenres,
  useLibraryStats,
  useTracks,
  type NameSummary,
} from "../ipc";
import type { ViewProps } from "./registry";

const PAGE = 500;

function formatDuration(ms: number | null): string {
  if (ms === null) return "–";
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

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

/** Shows the empty state until the library has tracks, then `children`. */
function WhenLibraryHasMusic({ icon, navigate, children }: ViewProps & { icon: IconName; children: ReactNode }) {
  const stats = useLibraryStats();
  if (stats.isError) return <p role="alert" className="error">{describeError(stats.error)}</p>;
  if (!stats.data) return null;
  if (stats.data.tracks === 0) return <EmptyLibrary icon={icon} navigate={navigate} />;
  return <>{children}</>;
}

function Songs() {
  const tracks = useTracks("artist", 0, PAGE);
  const control = useControlPlayer();
  if (tracks.isError) return <p role="alert" className="error">{describeError(tracks.error)}</p>;
  if (!tracks.data) return null;
  const shown = tracks.data.items.length;
  return (
    <>
      <p className="count" data-testid="song-count">
        {tracks.data.total} songs{shown < tracks.data.total ? ` (showing the first ${shown})` : ""}
      </p>
      <table className="table" aria-label="Songs">
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Artist</th>
            <th scope="col">Album</th>
            <th scope="col" className="num">Time</th>
          </tr>
        </thead>
        <tbody>
          {tracks.data.items.map((track, index, items) => (
            <tr
              key={track.id}
              data-state={track.state}
              title={track.state_reason ?? undefined}
              tabIndex={0}
              // Play the list from this song, as in any music app.
              onDoubleClick={() => control.mutate({ kind: "play", track_ids: items.map((t) => t.id), start: index })}
              onKeyDown={(event) => {
                if (event.key === "Enter") control.mutate({ kind: "play", track_ids: items.map((t) => t.id), start: index });
              }}
            >
              <td>{track.title}</td>
              <td>{track.artist ?? "Unknown artist"}</td>
              <td>{track.album ?? ""}</td>
              <td className="num">{formatDuration(track.duration_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Albums() {
  const albums = useAlbums(PAGE);
  if (albums.isError) return <p role="alert" className="error">{describeError(albums.error)}</p>;
  if (!albums.data) return null;
  return (
    <ul className="grid" aria-label="Albums">
      {albums.data.items.map((album) => (
        <li key={album.key} className="card">
          <div className="card__title">{album.title}</div>
          <div className="card__meta">
            {album.artist}
            {album.year ? ` · ${album.year}` : ""} · {album.track_count} songs
          </div>
        </li>
      ))}
    </ul>
  );
}

function Names({ label, items }: { label: string; items: NameSummary[] }) {
  return (
    <ul className="names" aria-label={label}>
      {items.map((item) => (
        <li key={item.name}>
          <span className="names__name">{item.name}</span>
          <span className="names__meta">
            {item.album_count} albums · {item.track_count} songs
          </span>
        </li>
      ))}
    </ul>
  );
}

function Artists() {
  const artists = useArtists(PAGE);
  if (artists.isError) return <p role="alert" className="error">{describeError(artists.error)}</p>;
  return artists.data ? <Names label="Artists" items={artists.data.items} /> : null;
}

function Genres() {
  const genres = useGenres(PAGE);
  if (genres.isError) return <p role="alert" className="error">{describeError(genres.error)}</p>;
  return genres.data ? <Names label="Genres" items={genres.data.items} /> : null;
}

export const SongsView = (props: ViewProps) => (
  <WhenLibraryHasMusic icon="note" {...props}>
    <Songs />
  </WhenLibraryHasMusic>
);
export const AlbumsView = (props: ViewProps) => (
  <WhenLibraryHasMusic icon="album" {...props}>
    <Albums />
  </WhenLibraryHasMusic>
);
export const ArtistsView = (props: ViewProps) => (
  <WhenLibraryHasMusic icon="artist" {...props}>
    <Artists />
  </WhenLibraryHasMusic>
);
export const GenresView = (props: ViewProps) => (
  <WhenLibraryHasMusic icon="genre" {...props}>
    <Genres />
  </WhenLibraryHasMusic>
);
