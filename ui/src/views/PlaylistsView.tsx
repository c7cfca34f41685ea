// The Playlists section and a playlist's page: make, rename, delete, import and export
// playlists; play, reorder and edit their songs. Playlists sync through the cloud locker, so
// each says whether its edits have reached it, and a page copes with its playlist having been
// deleted on another device.
import { useMemo, useState, type FormEvent, type MouseEvent } from "react";
import "../styles/playlists.css";
import { useDropSongs } from "../components/dropSongs";
import { EmptyState } from "../components/EmptyState";
import { Icon } from "../components/Icon";
import { useOverlays } from "../components/Overlays";
import { useMemoryRows } from "../components/rows";
import { SongList } from "../components/SongList";
import { useToast } from "../components/Toast";
import type { ColumnId, RowSource } from "../components/TrackTable";
import {
  capabilities,
  CommandFailure,
  describeError,
  useAddToPlaylist,
  useCloudStatus,
  useControlPlayer,
  useCreatePlaylist,
  useDeletePlaylist,
  useExportPlaylist,
  useImportPlaylist,
  usePlaylist,
  usePlaylists,
  useRemoveFromPlaylist,
  useRenamePlaylist,
  type CloudOverview,
  type Playlist,
  type PlaylistEntry,
  type TrackRow,
} from "@data";
import { useReorderPlaylist, type EntryMove } from "@data/playlists";
import { formatLength, plural } from "../lib/format";
import type { ViewProps } from "./browse";

const PLAYLIST_COLUMNS: readonly ColumnId[] = ["position", "title", "artist", "album", "duration", "cloud"];

const nameOf = (playlist: { name: string }) => playlist.name || "Untitled playlist";

/** "In sync", "3 edits waiting", or null when this device is not connected to a locker. */
export function syncLabel(cloud: CloudOverview | undefined, playlistId: string): string | null {
  if (!cloud?.status.account) return null;
  const state = cloud.playlists.find((p) => p.playlist_id === playlistId);
  if (!state) return null;
  return state.pending_edits === 0 ? "In sync" : `${plural(state.pending_edits, "edit")} waiting`;
}

/**
 * The `move_in_playlist` calls that put the rows at `indices` (in their order) just before
 * row `to` of the list as it is now (`to` = the length: at the end). Each move takes its
 * entry out and puts it at `index` of what is left, so every move is worked out on the
 * order the previous ones leave; moves that change nothing are left out.
 */
export function reorderMoves(entryIds: readonly string[], indices: readonly number[], to: number): EntryMove[] {
  const selected = [...new Set(indices)].filter((i) => i >= 0 && i < entryIds.length).sort((a, b) => a - b);
  if (selected.length === 0) return [];
  const chosen = new Set(selected);
  // The first row that stays put at or after `to`: the block goes right before it.
  let anchor: string | null = null;
  for (let i = Math.max(0, to); i < entryIds.length; i++) {
    if (!chosen.has(i)) {
      anchor = entryIds[i] ?? null;
      break;
    }
  }
  // Last row first, each right before the one placed after it: rows already where they
  // belong (a block dropped onto itself) are not moved at all.
  let order = [...entryIds];
  const moves: EntryMove[] = [];
  let next = anchor;
  for (const i of [...selected].reverse()) {
    const entry = entryIds[i]!;
    const others = order.filter((id) => id !== entry);
    const index = next !== null ? others.indexOf(next) : others.length;
    if (order.indexOf(entry) !== index) {
      moves.push({ entry, index });
      order = [...others.slice(0, index), entry, ...others.slice(index)];
    }
    next = entry;
  }
  return moves;
}

/** What playing from row `index` sends: the playlist's songs still in the library, and where
 * to start among them; null when that row's song is gone. */
export function playFrom(entries: readonly PlaylistEntry[], index: number): { track_ids: string[]; start: number } | null {
  if (!entries[index]?.track) return null;
  const track_ids: string[] = [];
  let start = 0;
  entries.forEach((entry, i) => {
    if (!entry.track) return;
    if (i === index) start = track_ids.length;
    track_ids.push(entry.track.id);
  });
  return { track_ids, start };
}

/** A row for an entry whose song has left the library (SongList would say "Loading…"). */
function unavailable(entry: PlaylistEntry): TrackRow {
  return {
    id: entry.track_id, path: "", title: "Unavailable", artist: "", album: null, duration_ms: null, year: null, genre: null,
    artwork_id: null, play_count: 0, rating: null, loved: false, added_at: 0, state: "missing",
    state_reason: "This song is no longer in your library", upload_state: "local_only", upload_error: null, kept_offline: false,
  };
}

/** New, rename and delete, each asking the user first and reporting what went wrong. */
function usePlaylistActions(navigate: ViewProps["navigate"]) {
  const overlays = useOverlays();
  const toast = useToast();
  const create = useCreatePlaylist();
  const rename = useRenamePlaylist();
  const remove = useDeletePlaylist();
  const cloud = useCloudStatus();
  const connected = Boolean(cloud.data?.status.account);
  return {
    async create() {
      const name = await overlays.prompt("New playlist", "Name");
      if (!name) return;
      try {
        const id = await create.mutateAsync(name);
        navigate({ view: "playlist", id });
      } catch (error) {
        toast(describeError(error), "error");
      }
    },
    async rename(playlist: { id: string; name: string }) {
      const name = await overlays.prompt("Rename playlist", "Name", playlist.name);
      if (!name || name === playlist.name) return;
      try {
        await rename.mutateAsync({ id: playlist.id, name });
      } catch (error) {
        toast(describeError(error), "error");
      }
    },
    /** True once the playlist is gone. */
    async remove(playlist: { id: string; name: string }): Promise<boolean> {
      const yes = await overlays.confirm(
        `Delete “${nameOf(playlist)}”?`,
        `Its songs stay in your library.${connected ? " The playlist is also deleted on your other devices." : ""}`,
        "Delete playlist",
      );
      if (!yes) return false;
      try {
        await remove.mutateAsync(playlist.id);
        toast(`Deleted “${nameOf(playlist)}”`);
        return true;
      } catch (error) {
        toast(describeError(error), "error");
        return false;
      }
    },
  };
}

export function PlaylistsView({ navigate }: ViewProps) {
  const playlists = usePlaylists();
  const cloud = useCloudStatus();
  const actions = usePlaylistActions(navigate);
  const [importing, setImporting] = useState(false);

  if (playlists.isError) return <p role="alert" className="error">{describeError(playlists.error)}</p>;
  if (!playlists.data) return <p className="count">Loading playlists…</p>;
  const list = playlists.data;

  const newButton = (
    <button type="button" className="button button--primary" onClick={() => void actions.create()}>
      <Icon name="plus" size={16} /> New playlist
    </button>
  );
  return (
    <div className="playlists">
      <div className="playlists__toolbar">
        {list.length > 0 && newButton}
        {capabilities.files && (
          <button
            type="button"
            className="button"
            aria-expanded={importing}
            aria-controls="playlist-import"
            onClick={() => setImporting((open) => !open)}
          >
            Import M3U…
          </button>
        )}
      </div>
      {importing && <ImportForm navigate={navigate} />}
      {list.length === 0 ? (
        <EmptyState icon="playlist" title="No playlists yet" action={newButton}>
          Playlists you make here are mirrored to your cloud locker and can be edited on all your devices, even
          offline. Drag songs onto a playlist, or choose Add to playlist in a song's menu.
        </EmptyState>
      ) : (
        <ul className="playlists__list" aria-label="Playlists">
          {list.map((playlist) => (
            <PlaylistItem
              key={playlist.id}
              playlist={playlist}
              sync={syncLabel(cloud.data, playlist.id)}
              navigate={navigate}
              actions={actions}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function PlaylistItem({
  playlist,
  sync,
  navigate,
  actions,
}: {
  playlist: { id: string; name: string; entry_count: number };
  sync: string | null;
  navigate: ViewProps["navigate"];
  actions: ReturnType<typeof usePlaylistActions>;
}) {
  const overlays = useOverlays();
  const drop = useDropSongs(playlist);
  const name = nameOf(playlist);
  const open = () => navigate({ view: "playlist", id: playlist.id });
  const menu = (event: MouseEvent) => {
    event.preventDefault();
    overlays.openMenu(
      [
        { label: "Open", action: open },
        { label: "Rename…", action: () => void actions.rename(playlist) },
        { label: "Delete…", action: () => void actions.remove(playlist), separated: true },
      ],
      { x: event.clientX, y: event.clientY },
    );
  };
  return (
    <li
      className={`playlists__item${drop.over ? " is-drop-target" : ""}`}
      data-playlist={playlist.id}
      onContextMenu={menu}
      {...drop.handlers}
    >
      <button type="button" className="playlists__open" onClick={open}>
        <Icon name="playlist" />
        <span className="playlists__name">{name}</span>
      </button>
      <span className="playlists__meta">{plural(playlist.entry_count, "song")}</span>
      <span className="playlists__sync" data-testid={`sync-${playlist.id}`}>
        {sync}
      </span>
      <span className="playlists__actions">
        <button type="button" className="button button--small" aria-label={`Rename ${name}`} onClick={() => void actions.rename(playlist)}>
          Rename
        </button>
        <button type="button" className="button button--small" aria-label={`Delete ${name}`} onClick={() => void actions.remove(playlist)}>
          Delete
        </button>
      </span>
    </li>
  );
}

/** There is no native file dialog: the user types the file's path. */
function ImportForm({ navigate }: { navigate: ViewProps["navigate"] }) {
  const [path, setPath] = useState("");
  const importing = useImportPlaylist();
  const playlists = usePlaylists();
  const result = importing.data;
  const imported = result ? playlists.data?.find((p) => p.id === result.playlist) : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (path.trim()) importing.mutate(path.trim());
  }

  return (
    <section id="playlist-import" className="playlist-form" aria-label="Import an M3U playlist">
      <form className="playlist-form__row" onSubmit={submit}>
        <label htmlFor="playlist-import-path">M3U file</label>
        <input
          id="playlist-import-path"
          className="input"
          value={path}
          onChange={(event) => setPath(event.target.value)}
          placeholder="/home/you/Music/Road trip.m3u"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" className="button" disabled={!path.trim() || importing.isPending}>
          {importing.isPending ? "Importing…" : "Import"}
        </button>
      </form>
      {importing.isError && (
        <p role="alert" className="error">
          {describeError(importing.error)}
        </p>
      )}
      {result && (
        <div className="playlist-form__result" data-testid="import-result">
          <p role="status">
            Imported {imported ? `“${nameOf(imported)}”` : "the playlist"}: {plural(result.added, "song")} added.{" "}
            <button type="button" className="link-button" onClick={() => navigate({ view: "playlist", id: result.playlist })}>
              Open it
            </button>
          </p>
          {result.unresolved.length > 0 && (
            <details className="playlist-form__unresolved">
              <summary>
                {plural(result.unresolved.length, "line")} named songs that are not in your library
              </summary>
              <ul className="path">
                {result.unresolved.map((line, index) => (
                  <li key={index}>{line}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </section>
  );
}

const isNotFound = (error: unknown) => error instanceof CommandFailure && error.error.kind === "notFound";

export function PlaylistPage({ route, navigate }: ViewProps) {
  const id = route.view === "playlist" ? route.id : null;
  const playlist = usePlaylist(id);
  if (!id) return null;
  // A playlist deleted elsewhere is not worth retrying: say so at the first "not found".
  if (isNotFound(playlist.error) || isNotFound(playlist.failureReason)) {
    return (
      <div className="playlist-page__gone" role="alert">
        <p>This playlist no longer exists. It may have been deleted on another device.</p>
        <button type="button" className="button" onClick={() => navigate({ view: "playlists" })}>
          Back to Playlists
        </button>
      </div>
    );
  }
  if (playlist.isError) return <p role="alert" className="error">{describeError(playlist.error)}</p>;
  if (!playlist.data) return <p className="count">Loading playlist…</p>;
  return <PlaylistContent playlist={playlist.data} navigate={navigate} />;
}

function PlaylistContent({ playlist, navigate }: { playlist: Playlist; navigate: ViewProps["navigate"] }) {
  const { id, entries } = playlist;
  const name = nameOf(playlist);
  const toast = useToast();
  const actions = usePlaylistActions(navigate);
  const cloud = useCloudStatus();
  const control = useControlPlayer();
  const add = useAddToPlaylist();
  const remove = useRemoveFromPlaylist();
  const reorder = useReorderPlaylist();
  const drop = useDropSongs(playlist);
  const [exporting, setExporting] = useState(false);

  const tracks = useMemo(() => entries.map((entry) => entry.track ?? unavailable(entry)), [entries]);
  const keys = useMemo(() => entries.map((entry) => entry.id), [entries]);
  const memory = useMemoryRows(tracks, keys);
  // Songs gone from the library are shown, but never played, queued or added elsewhere.
  const rows: RowSource = useMemo(
    () => ({ ...memory, idsOf: (indices) => memory.idsOf(indices.filter((index) => Boolean(entries[index]?.track))) }),
    [memory, entries],
  );

  const gone = entries.filter((entry) => !entry.track).length;
  const length = entries.reduce((sum, entry) => sum + (entry.track?.duration_ms ?? 0), 0);
  const sync = syncLabel(cloud.data, id);

  const fail = (error: unknown) => toast(describeError(error), "error");

  const play = (index: number) => {
    const from = playFrom(entries, index);
    if (!from) {
      toast("That song is no longer in your library, so it cannot play.", "error");
      return;
    }
    control.mutate({ kind: "play", ...from }, { onError: fail });
  };

  const removeRows = (indices: number[]) => {
    const ids = indices.map((index) => entries[index]?.id).filter((entry): entry is string => entry !== undefined);
    if (ids.length === 0) return;
    remove.mutate(
      { id, entries: ids },
      { onSuccess: () => toast(`Removed ${plural(ids.length, "song")} from “${name}”`), onError: fail },
    );
  };

  const onReorder = (indices: number[], to: number) => {
    const moves = reorderMoves(keys, indices, to);
    if (moves.length > 0) reorder.mutate({ id, moves }, { onError: fail });
  };

  const onDropTracks = (trackIds: string[], to: number) => {
    if (trackIds.length === 0) return;
    add.mutate(
      { id, tracks: trackIds, index: to },
      { onSuccess: () => toast(`Added ${plural(trackIds.length, "song")} to “${name}”`), onError: fail },
    );
  };

  const playable = entries.some((entry) => entry.track);
  return (
    <div className="playlist-page">
      <header className="playlist-page__header">
        <div className="playlist-page__title">
          <h2 data-testid="playlist-name">{name}</h2>
          <p className="count" data-testid="playlist-facts">
            {plural(entries.length, "song")}
            {length > 0 && ` · ${formatLength(length)}`}
            {sync && <span className="playlist-page__sync"> · {sync}</span>}
          </p>
        </div>
        <div className="playlist-page__actions">
          <button type="button" className="button button--primary" disabled={!playable} onClick={() => play(entries.findIndex((e) => e.track))}>
            <Icon name="play" size={14} /> Play
          </button>
          <button type="button" className="button" onClick={() => void actions.rename(playlist)}>
            Rename
          </button>
          {capabilities.files && (
            <button
              type="button"
              className="button"
              aria-expanded={exporting}
              aria-controls="playlist-export"
              onClick={() => setExporting((open) => !open)}
            >
              Export M3U…
            </button>
          )}
          <button
            type="button"
            className="button button--danger"
            onClick={() => void actions.remove(playlist).then((deleted) => deleted && navigate({ view: "playlists" }))}
          >
            Delete
          </button>
        </div>
      </header>
      {exporting && <ExportForm playlist={playlist} />}
      {gone > 0 && (
        <p className="playlist-page__note" data-testid="playlist-gone">
          {gone === 1 ? "1 song is" : `${gone.toLocaleString()} songs are`} no longer in your library; shown as
          Unavailable. Select {gone === 1 ? "it" : "them"} and press Delete to remove {gone === 1 ? "it" : "them"} from the
          playlist.
        </p>
      )}
      {entries.length === 0 ? (
        <div
          className={`playlist-page__empty${drop.over ? " is-drop-target" : ""}`}
          {...drop.handlers}
        >
          <EmptyState icon="playlist" title="This playlist is empty">
            Drag songs here, or choose Add to playlist in a song's menu.
          </EmptyState>
        </div>
      ) : (
        <SongList
          label={name}
          rows={rows}
          columns={PLAYLIST_COLUMNS}
          dragSource={`playlist:${id}`}
          onPlay={play}
          onReorder={onReorder}
          onDropTracks={onDropTracks}
          onDelete={removeRows}
          removeFromList={(indices) => ({ label: "Remove from playlist", run: () => removeRows(indices) })}
        />
      )}
    </div>
  );
}

function ExportForm({ playlist }: { playlist: Playlist }) {
  const [path, setPath] = useState("");
  const exporting = useExportPlaylist();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (path.trim()) exporting.mutate({ id: playlist.id, path: path.trim() });
  }

  return (
    <section id="playlist-export" className="playlist-form" aria-label="Export as an M3U file">
      <form className="playlist-form__row" onSubmit={submit}>
        <label htmlFor="playlist-export-path">Save as</label>
        <input
          id="playlist-export-path"
          className="input"
          value={path}
          onChange={(event) => setPath(event.target.value)}
          placeholder={`/home/you/Music/${nameOf(playlist)}.m3u`}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" className="button" disabled={!path.trim() || exporting.isPending}>
          {exporting.isPending ? "Exporting…" : "Export"}
        </button>
      </form>
      {exporting.isError && (
        <p role="alert" className="error">
          {describeError(exporting.error)}
        </p>
      )}
      {exporting.data !== undefined && !exporting.isError && (
        <p role="status" data-testid="export-result">
          Exported {plural(exporting.data, "song")}
        </p>
      )}
    </section>
  );
}
