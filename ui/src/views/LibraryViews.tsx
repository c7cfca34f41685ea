// The library browser: all songs (a virtualised, sortable table), albums as a grid of
// covers, artists and genres as lists, and a page for each album, artist and genre. With no
// music yet they point the user to Settings.
import { useState, type ReactNode } from "react";
import { Cover } from "../components/Cover";
import { EmptyState } from "../components/EmptyState";
import { Icon, type IconName } from "../components/Icon";
import { useOverlays } from "../components/Overlays";
import { useLibraryRows } from "../components/rows";
import { SongList } from "../components/SongList";
import { LIBRARY_COLUMNS, type SortState } from "../components/TrackTable";
import { useToast } from "../components/Toast";
import { VirtualGrid, VirtualList } from "../components/Virtual";
import {
  allTracks,
  capabilities,
  describeError,
  sortable,
  useAlbums,
  useArtistAlbums,
  useArtists,
  useControlPlayer,
  useFetchTrackIds,
  useGenres,
  useLibraryStats,
  type AlbumSummary,
  type NameSummary,
  type TrackFilter,
} from "@data";
import { artistName, formatLength, plural } from "../lib/format";
import type { Route } from "../navigation";
import type { ViewProps } from "./browse";

function EmptyLibrary({ icon, navigate }: { icon: IconName; navigate: ViewProps["navigate"] }) {
  if (!capabilities.files) {
    return (
      <EmptyState icon={icon} title="Nothing in your cloud yet">
        Songs appear here once the Tonearm app on one of your computers has uploaded them. Then browse and play
        them from any browser, on any device.
      </EmptyState>
    );
  }
  return (
    <EmptyState
      icon={icon}
      title="Add a music folder to get started"
      action={
        <button type="button" className="button button--primary" onClick={() => navigate({ view: "settings" })}>
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
function WhenLibraryHasMusic({ icon, navigate, children }: { icon: IconName; navigate: ViewProps["navigate"]; children: ReactNode }) {
  const stats = useLibraryStats();
  if (stats.isError) return <p role="alert" className="error">{describeError(stats.error)}</p>;
  if (!stats.data) return null;
  if (stats.data.tracks === 0) return <EmptyLibrary icon={icon} navigate={navigate} />;
  return <>{children}</>;
}

// Each list's sort survives leaving the view and coming back.
const sorts = new Map<string, SortState>();
function useRememberedSort(list: string, initial: SortState) {
  const [sort, setSort] = useState<SortState>(() => sorts.get(list) ?? initial);
  return [
    sort,
    (next: SortState) => {
      sorts.set(list, next);
      setSort(next);
    },
  ] as const;
}

/** A library list (all songs, or an album's, an artist's, a genre's) as a songs table. */
function LibrarySongs({ label, filter, list, initial, columns = LIBRARY_COLUMNS }: { label: string; filter: TrackFilter; list: string; initial: SortState; columns?: typeof LIBRARY_COLUMNS }) {
  const [sort, setSort] = useRememberedSort(list, initial);
  const { rows, setWindow, error } = useLibraryRows(filter, sort.sort, sort.descending);
  if (error) return <p role="alert" className="error">{describeError(error)}</p>;
  const ordered = sortable(filter);
  return (
    <SongList
      label={label}
      rows={rows}
      columns={columns}
      sort={ordered ? sort : undefined}
      onSort={ordered ? setSort : undefined}
      onWindowChange={setWindow}
      dragSource="library"
    />
  );
}

function Songs() {
  const stats = useLibraryStats();
  return (
    <div className="view-songs">
      <p className="count" data-testid="song-count">
        {plural(stats.data?.tracks ?? 0, "song")}
        {stats.data && stats.data.cloud > 0 ? ` · ${stats.data.cloud.toLocaleString()} only in the cloud` : ""}
      </p>
      <LibrarySongs label="Songs" filter={allTracks} list="songs" initial={{ sort: "artist", descending: false }} />
    </div>
  );
}

function AlbumCard({ album, navigate }: { album: AlbumSummary; navigate: ViewProps["navigate"] }) {
  return (
    <button type="button" className="album-card" onClick={() => navigate(albumRoute(album))} title={`${album.title} — ${artistName(album.artist)}`}>
      <Cover artwork={album.artwork_id} size="medium" label={album.title} />
      <span className="album-card__title">{album.title || "Unknown album"}</span>
      <span className="album-card__meta">
        {artistName(album.artist)}
        {album.year ? ` · ${album.year}` : ""}
      </span>
    </button>
  );
}

const albumRoute = (album: AlbumSummary): Route => ({ view: "album", key: album.key, title: album.title });

/** Below a grid cover: its title and its artist and year. */
const CARD_TEXT_HEIGHT = 50;

function AlbumGrid({ albums, navigate, label }: { albums: readonly AlbumSummary[]; navigate: ViewProps["navigate"]; label: string }) {
  return (
    <VirtualGrid
      items={albums}
      minCardWidth={160}
      cardHeight={(width) => width + CARD_TEXT_HEIGHT}
      label={label}
      itemKey={(album) => album.key}
      card={(album) => <AlbumCard album={album} navigate={navigate} />}
    />
  );
}

function Albums({ navigate }: { navigate: ViewProps["navigate"] }) {
  const [byArtist, setByArtist] = useState(false);
  const albums = useAlbums(byArtist);
  if (albums.isError) return <p role="alert" className="error">{describeError(albums.error)}</p>;
  if (!albums.data) return null;
  return (
    <div className="view-albums">
      <div className="toolbar">
        <p className="count">{plural(albums.data.total, "album")}</p>
        <label className="toolbar__sort">
          Sort by{" "}
          <select value={byArtist ? "artist" : "title"} onChange={(event) => setByArtist(event.target.value === "artist")}>
            <option value="title">Title</option>
            <option value="artist">Artist</option>
          </select>
        </label>
      </div>
      <AlbumGrid albums={albums.data.items} navigate={navigate} label="Albums" />
    </div>
  );
}

function Names({ label, items, onOpen, display = (name) => name }: { label: string; items: readonly NameSummary[]; onOpen: (name: string) => void; display?: (name: string) => string }) {
  return (
    <VirtualList
      items={items}
      rowHeight={48}
      label={label}
      itemKey={(item) => item.name}
      row={(item) => (
        <button type="button" className="names__item" onClick={() => onOpen(item.name)}>
          <span className="names__name">{display(item.name)}</span>
          <span className="names__meta">
            {[item.album_count > 0 && plural(item.album_count, "album"), item.track_count > 0 && plural(item.track_count, "song")]
              .filter(Boolean)
              .join(" · ")}
          </span>
        </button>
      )}
    />
  );
}

function Artists({ navigate }: { navigate: ViewProps["navigate"] }) {
  const artists = useArtists();
  if (artists.isError) return <p role="alert" className="error">{describeError(artists.error)}</p>;
  if (!artists.data) return null;
  return <Names label="Artists" items={artists.data.items} display={artistName} onOpen={(name) => navigate({ view: "artist", name })} />;
}

function Genres({ navigate }: { navigate: ViewProps["navigate"] }) {
  const genres = useGenres();
  if (genres.isError) return <p role="alert" className="error">{describeError(genres.error)}</p>;
  if (!genres.data) return null;
  return <Names label="Genres" items={genres.data.items} onOpen={(name) => navigate({ view: "genre", name })} />;
}

/** "Play" and "Shuffle" for a whole list. */
function PlayButtons({ filter, sort, children }: { filter: TrackFilter; sort: SortState; children?: ReactNode }) {
  const control = useControlPlayer();
  const toast = useToast();
  // The player reads the list itself: shuffled, it starts anywhere; otherwise at the top.
  const play = (shuffle: boolean) =>
    control
      .mutateAsync({ kind: "play_list", filter, sort: sort.sort, descending: sort.descending, start: null, shuffle })
      .catch((error: unknown) => toast(describeError(error), "error"));
  return (
    <div className="page-header__actions">
      <button type="button" className="button button--primary" onClick={() => void play(false)}>
        <Icon name="play" size={14} /> Play
      </button>
      <button type="button" className="button" onClick={() => void play(true)}>
        <Icon name="shuffle" size={14} /> Shuffle
      </button>
      {children}
    </div>
  );
}

const albumOrder: SortState = { sort: "album", descending: false };

/** "Edit album": the tag editor for all of the album's songs. */
function EditAlbumButton({ filter }: { filter: TrackFilter }) {
  const fetchIds = useFetchTrackIds();
  const overlays = useOverlays();
  const toast = useToast();
  return (
    <button
      type="button"
      className="button"
      onClick={() =>
        void fetchIds(filter, albumOrder.sort, albumOrder.descending).then(
          (ids) => ids.length > 0 && overlays.editTags(ids),
          (error: unknown) => toast(describeError(error), "error"),
        )
      }
    >
      Edit album
    </button>
  );
}

export function AlbumPage({ route, navigate }: ViewProps) {
  const albums = useAlbums();
  if (route.view !== "album") return null;
  const album = albums.data?.items.find((a) => a.key === route.key);
  const filter: TrackFilter = { ...allTracks, album_key: route.key };
  return (
    <div className="page">
      <header className="page-header">
        <Cover artwork={album?.artwork_id ?? null} size="large" label={route.title} />
        <div>
          <p className="page-header__kind">Album</p>
          <h2 className="page-header__title">{route.title || "Unknown album"}</h2>
          {album && (
            <p className="page-header__meta">
              <button type="button" className="link" onClick={() => navigate({ view: "artist", name: album.artist })}>
                {artistName(album.artist)}
              </button>
              {album.year ? ` · ${album.year}` : ""} · {plural(album.track_count, "song")} · {formatLength(album.duration_ms)}
            </p>
          )}
          <PlayButtons filter={filter} sort={albumOrder}>
            {capabilities.files && <EditAlbumButton filter={filter} />}
          </PlayButtons>
        </div>
      </header>
      <LibrarySongs label={`Songs of ${route.title}`} filter={filter} list={`album:${route.key}`} initial={albumOrder} columns={["title", "artist", "duration", "plays", "cloud"]} />
    </div>
  );
}

export function ArtistPage({ route, navigate }: ViewProps) {
  const name = route.view === "artist" ? route.name : "";
  const albums = useArtistAlbums(name);
  const filter: TrackFilter = { ...allTracks, artist: name };
  const order: SortState = { sort: "album", descending: false };
  return (
    <div className="page">
      <header className="page-header page-header--compact">
        <div>
          <p className="page-header__kind">Artist</p>
          <h2 className="page-header__title">{artistName(name)}</h2>
          <PlayButtons filter={filter} sort={order} />
        </div>
      </header>
      {albums.data && albums.data.length > 0 && (
        <section aria-label={`Albums of ${artistName(name)}`} className="page__albums">
          <ul className="album-row">
            {albums.data.map((album) => (
              <li key={album.key}>
                <AlbumCard album={album} navigate={navigate} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <LibrarySongs label={`Songs of ${artistName(name)}`} filter={filter} list={`artist:${name}`} initial={order} />
    </div>
  );
}

export function GenrePage({ route }: ViewProps) {
  const name = route.view === "genre" ? route.name : "";
  const filter: TrackFilter = { ...allTracks, genre: name };
  const order: SortState = { sort: "artist", descending: false };
  return (
    <div className="page">
      <header className="page-header page-header--compact">
        <div>
          <p className="page-header__kind">Genre</p>
          <h2 className="page-header__title">{name}</h2>
          <PlayButtons filter={filter} sort={order} />
        </div>
      </header>
      <LibrarySongs label={`${name} songs`} filter={filter} list={`genre:${name}`} initial={order} />
    </div>
  );
}

export const SongsView = ({ navigate }: ViewProps) => (
  <WhenLibraryHasMusic icon="note" navigate={navigate}>
    <Songs />
  </WhenLibraryHasMusic>
);
export const AlbumsView = ({ navigate }: ViewProps) => (
  <WhenLibraryHasMusic icon="album" navigate={navigate}>
    <Albums navigate={navigate} />
  </WhenLibraryHasMusic>
);
export const ArtistsView = ({ navigate }: ViewProps) => (
  <WhenLibraryHasMusic icon="artist" navigate={navigate}>
    <Artists navigate={navigate} />
  </WhenLibraryHasMusic>
);
export const GenresView = ({ navigate }: ViewProps) => (
  <WhenLibraryHasMusic icon="genre" navigate={navigate}>
    <Genres navigate={navigate} />
  </WhenLibraryHasMusic>
);

export { AlbumCard, albumRoute };
