// The UI's only door to Rust. Components import from here, never from "./bindings" or
// "@tauri-apps/api" directly: this layer wraps the generated, typed bindings in React Query
// hooks, so caching, loading and error states are handled the same way everywhere.
import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useCallback, useEffect, useState } from "react";
import {
  commands,
  events,
  type CommandError,
  type CoverChoice,
  type DownloadProgress,
  type PlayerControl,
  type PlayerView,
  type Preferences,
  type ScanProgress,
  type ScanReport,
  type TagEdit,
  type Track,
  type TrackFilter,
  type TrackSort,
  type TrackUpload,
} from "./bindings";
import { changeQueue, oneAtATime } from "../lib/oneAtATime";
import { queryKeys } from "../lib/queryKeys";
import { searchHooks } from "../lib/search";

export type {
  AlbumSummary,
  ApiKey,
  AppInfo,
  CloudOverview,
  CommandError,
  CoverChoice,
  Discovery,
  DownloadProgress,
  DownloadReport,
  EditReport,
  ExportReport,
  FieldEdit,
  FreeUpPlan,
  FreeUpReport,
  ItunesImport,
  TagEdit,
  LibraryStats,
  LockerInfo,
  MusicFolder,
  NameSummary,
  NewApiKey,
  PlayerControl,
  PlayerView,
  Playlist,
  PlaylistEntry,
  PlaylistSummary,
  Place,
  Preferences,
  QueueEntry,
  Repeat,
  ReplayGainMode,
  ScanProgress,
  ScanReport,
  SearchResults,
  Theme,
  Track,
  TrackFilter,
  TrackRow,
  TrackSort,
  TrackUpload,
  UploadState,
} from "./bindings";

/**
 * What this data layer can do beyond browsing and playing: the desktop reaches files and the
 * cloud panel; the web player (`src/web/data`) answers the same hooks over HTTP and has neither.
 * Shared components hide what the layer they run on cannot do.
 */
export const capabilities = {
  /** Songs are files on this computer: "Show in folder", tag editing, imports and exports. */
  files: true,
} as const;

/** Whether a songs list can be shown in another order: here, every list is sorted by the
 * library's queries (the web player pages some lists from the server in its order). */
export function sortable(_filter: TrackFilter): boolean {
  return true;
}

/** A command's own error, thrown so React Query sees a failure. */
export class CommandFailure extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

export async function unwrap<T>(result: Promise<Result<T>>): Promise<T> {
  const settled = await result;
  if (settled.status === "error") throw new CommandFailure(settled.error);
  return settled.data;
}

/** A sentence for the user: what went wrong and what to do next. */
export function describeError(error: unknown): string {
  if (error instanceof CommandFailure) {
    const message = error.error.message.charAt(0).toUpperCase() + error.error.message.slice(1);
    switch (error.error.kind) {
      case "invalid":
        return `${message}. Check it and try again.`;
      case "notFound":
        return `${message}. It may have been removed; the list has been refreshed.`;
      case "busy":
        return `${message}. Wait for it to finish, then try again.`;
      case "unavailable":
        return `${message}. Check the connection; Tonearm keeps trying in the background.`;
      case "internal":
        return `${message}.`;
    }
  }
  return "Tonearm could not do that. Restart the app; if it keeps happening, the log file in the app's log folder says why.";
}

export { queryKeys } from "../lib/queryKeys";

/** Rows of a songs list fetched per page, as the virtualised table scrolls. */
export const TRACK_PAGE = 100;

/** Everything in the library: no filter. */
export const allTracks: TrackFilter = { album_key: null, artist: null, genre: null, present_only: false };

/** Version and directories of this installation; they never change while the app runs. */
export function useAppInfo() {
  return useQuery({ queryKey: queryKeys.appInfo, queryFn: () => commands.getAppInfo(), staleTime: Infinity });
}

export function useMusicFolders() {
  return useQuery({ queryKey: queryKeys.folders, queryFn: () => unwrap(commands.listMusicFolders()) });
}

export function useLibraryStats() {
  return useQuery({ queryKey: queryKeys.stats, queryFn: () => unwrap(commands.getLibraryStats()) });
}

/**
 * The pages of a sorted songs list that cover rows `pages` (page numbers of TRACK_PAGE rows).
 * Pages already fetched come from the cache, so scrolling back costs nothing.
 */
export function useTrackPages(filter: TrackFilter, sort: TrackSort, descending: boolean, pages: readonly number[]) {
  return useQueries({
    queries: pages.map((page) => ({
      queryKey: [...queryKeys.tracks(filter, sort, descending), page] as const,
      queryFn: () => unwrap(commands.listTracks(filter, sort, descending, page * TRACK_PAGE, TRACK_PAGE)),
      // Pages scrolled past are dropped soon: scrolling through 100,000 songs must not keep
      // them all in the page's memory.
      gcTime: 20_000,
    })),
  });
}

/** Every id of a sorted list (to play it all, or act on a selection past the loaded rows). */
export function useFetchTrackIds() {
  const client = useQueryClient();
  return useCallback(
    (filter: TrackFilter, sort: TrackSort, descending: boolean) =>
      client.fetchQuery({
        queryKey: queryKeys.trackIds(filter, sort, descending),
        queryFn: () => unwrap(commands.listTrackIds(filter, sort, descending)),
        staleTime: 5_000,
      }),
    [client],
  );
}

/** These tracks, in this order (the queue panel). */
export function useTracksById(ids: readonly string[]) {
  return useQuery({
    queryKey: queryKeys.tracksById(ids),
    queryFn: () => unwrap(commands.getTracks([...ids])),
    enabled: ids.length > 0,
    placeholderData: keepPreviousData,
  });
}

/** Edits the tags of songs; the lists and the player's record of them refresh after. */
export function useEditTags() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, edit, cover = { kind: "leave" } }: { ids: string[]; edit: TagEdit; cover?: CoverChoice }) =>
      unwrap(commands.editTags(ids, edit, cover)),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.library });
      void client.invalidateQueries({ queryKey: queryKeys.player });
      void client.invalidateQueries({ queryKey: queryKeys.canUndoEdit });
    },
  });
}

/** Puts back what the last tag edit changed. */
export function useUndoTagEdit() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(commands.undoTagEdit()),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.library });
      void client.invalidateQueries({ queryKey: queryKeys.player });
      void client.invalidateQueries({ queryKey: queryKeys.canUndoEdit });
    },
  });
}

/**
 * The player's record of the song playing changed here first, so the now-playing bar's heart
 * turns at once instead of after the player's state is fetched again.
 */
function markCurrent(client: ReturnType<typeof useQueryClient>, ids: readonly string[], change: Partial<Pick<Track, "loved" | "rating">>) {
  client.setQueryData<PlayerView>(queryKeys.player, (view) =>
    view?.current && ids.includes(view.current.track.id)
      ? { ...view, current: { ...view.current, track: { ...view.current.track, ...change } } }
      : view,
  );
}

/** After a love or a rating: the lists, the player's song, and the cloud panel (it sends them). */
function useMarkSettled() {
  const client = useQueryClient();
  return {
    client,
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.library });
      void client.invalidateQueries({ queryKey: queryKeys.player });
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
    },
  };
}

/** Loves songs, or takes the love back (cloud data: every device and Subsonic app sees it). */
export function useSetLoved() {
  const { client, onSettled } = useMarkSettled();
  return useMutation({
    mutationFn: ({ ids, loved }: { ids: string[]; loved: boolean }) => inOrder(() => unwrap(commands.setLoved(ids, loved))),
    onMutate: ({ ids, loved }) => markCurrent(client, ids, { loved }),
    onSettled,
  });
}

/** Rates songs 0 to 100 (20 per star), or clears their rating (null). */
export function useSetRating() {
  const { client, onSettled } = useMarkSettled();
  return useMutation({
    mutationFn: ({ ids, rating }: { ids: string[]; rating: number | null }) => inOrder(() => unwrap(commands.setRating(ids, rating))),
    onMutate: ({ ids, rating }) => markCurrent(client, ids, { rating }),
    onSettled,
  });
}

/** All albums, by title or by artist (a few thousand at most: small enough to hold). */
export function useAlbums(byArtist = false) {
  return useQuery({
    queryKey: [...queryKeys.albums, byArtist],
    queryFn: () => unwrap(commands.listAlbums(byArtist, 0, 1_000_000)),
  });
}

export function useArtistAlbums(artist: string) {
  return useQuery({ queryKey: queryKeys.artistAlbums(artist), queryFn: () => unwrap(commands.listArtistAlbums(artist)) });
}

export function useArtists() {
  return useQuery({ queryKey: queryKeys.artists, queryFn: () => unwrap(commands.listArtists(0, 1_000_000)) });
}

export function useGenres() {
  return useQuery({ queryKey: queryKeys.genres, queryFn: () => unwrap(commands.listGenres(0, 1_000_000)) });
}

/** Search as you type: songs, albums and artists. */
export const { useSearch, usePrefetchSearch } = searchHooks((query, limit) => unwrap(commands.searchLibrary(query, limit)));

/** A cover thumbnail as a data URL (null when the artwork is gone). */
export function useArtwork(id: string | null | undefined, size: "small" | "medium" | "large" = "small") {
  return useQuery({
    queryKey: queryKeys.artwork(id ?? "", size),
    queryFn: () => unwrap(commands.getArtwork(id ?? "", size)),
    enabled: Boolean(id),
    staleTime: Infinity,
    gcTime: 5 * 60_000,
  });
}

/** Opens the file manager at a track's file. */
export function useRevealTrack() {
  return useMutation({ mutationFn: (id: string) => unwrap(commands.revealTrack(id)) });
}

export function usePlaylists() {
  return useQuery({ queryKey: queryKeys.playlists, queryFn: () => unwrap(commands.listPlaylists()) });
}

export function usePlaylist(id: string | null) {
  return useQuery({
    queryKey: queryKeys.playlist(id ?? ""),
    queryFn: () => unwrap(commands.getPlaylist(id ?? "")),
    enabled: Boolean(id),
  });
}

/** A playlist edit, in order with every other change; playlists (and the cloud panel's sync state) refresh after it. */
function usePlaylistEdit<T, A>(edit: (argument: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (argument: A) => inOrder(() => edit(argument)),
    // Not awaited: the edit is done when Rust says so, the lists catch up on their own.
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.playlists });
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
    },
  });
}

export const useCreatePlaylist = () => usePlaylistEdit((name: string) => unwrap(commands.createPlaylist(name)));
export const useRenamePlaylist = () =>
  usePlaylistEdit(({ id, name }: { id: string; name: string }) => unwrap(commands.renamePlaylist(id, name)));
export const useDeletePlaylist = () => usePlaylistEdit((id: string) => unwrap(commands.deletePlaylist(id)));
export const useAddToPlaylist = () =>
  usePlaylistEdit(({ id, tracks, index }: { id: string; tracks: string[]; index?: number }) =>
    unwrap(commands.addToPlaylist(id, tracks, index ?? null)),
  );
export const useRemoveFromPlaylist = () =>
  usePlaylistEdit(async ({ id, entries }: { id: string; entries: string[] }) => {
    for (const entry of entries) await unwrap(commands.removeFromPlaylist(id, entry));
  });
export const useMoveInPlaylist = () =>
  usePlaylistEdit(({ id, entry, index }: { id: string; entry: string; index: number }) =>
    unwrap(commands.moveInPlaylist(id, entry, index)),
  );
export const useImportPlaylist = () => usePlaylistEdit((path: string) => unwrap(commands.importPlaylist(path)));

/** Imports an iTunes or Apple Music library; songs, playlists and the cloud panel refresh after. */
export function useImportItunes() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (path: string) => unwrap(commands.importItunes(path)),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.library });
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
    },
  });
}
export const useExportPlaylist = () =>
  useMutation({ mutationFn: ({ id, path }: { id: string; path: string }) => unwrap(commands.exportPlaylist(id, path)) });

/** The user's settings. */
export function usePreferences() {
  return useQuery({ queryKey: queryKeys.preferences, queryFn: () => commands.getPreferences(), staleTime: Infinity });
}

/** Saves settings; the app applies them at once. */
export function useSetPreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (preferences: Preferences) => inOrder(() => unwrap(commands.setPreferences(preferences))),
    onSuccess: (saved) => {
      client.setQueryData(queryKeys.preferences, saved);
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
    },
  });
}

export function useAddMusicFolder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (path: string) => inOrder(() => unwrap(commands.addMusicFolder(path))),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.library }),
  });
}

export function useRemoveMusicFolder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (path: string) => inOrder(() => unwrap(commands.removeMusicFolder(path))),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.library }),
  });
}

/** Runs a scan of every music folder, with live progress; the library views refresh after. */
export function useScan() {
  const client = useQueryClient();
  const [progress, setProgress] = useState<ScanProgress | null>(null);
  const mutation = useMutation<ScanReport, Error>({
    mutationFn: () => {
      const channel = new Channel<ScanProgress>();
      channel.onmessage = setProgress;
      return unwrap(commands.scanLibrary(channel));
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.library }),
  });
  return { ...mutation, progress, cancel: () => commands.cancelScan() };
}

/** Downloads songs from the cloud (all only there, when no ids) into a folder, with progress. */
export function useDownloadSongs() {
  const client = useQueryClient();
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const mutation = useMutation({
    mutationFn: ({ ids, folder }: { ids?: string[]; folder?: string }) => {
      const channel = new Channel<DownloadProgress>();
      channel.onmessage = setProgress;
      return unwrap(commands.downloadSongs(ids ?? null, folder?.trim() || null, channel));
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.library });
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
    },
  });
  return { ...mutation, progress };
}

/** "Export everything" into a folder, with progress. */
export function useExportLibrary() {
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const mutation = useMutation({
    mutationFn: (folder: string) => {
      const channel = new Channel<DownloadProgress>();
      channel.onmessage = setProgress;
      return unwrap(commands.exportLibrary(folder.trim(), channel));
    },
  });
  return { ...mutation, progress };
}

/** Refreshes the library views whenever the folder watcher applies changes. */
export function useLibraryChanges() {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    events.libraryChanged
      .listen(() => void client.invalidateQueries({ queryKey: queryKeys.library }))
      .then((unlisten) => (cancelled ? unlisten() : (stop = unlisten)))
      .catch(() => {});
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [client]);
}

/** The player's last error (a track skipped, the device failed), until another track plays. */
const playerErrorKey = ["player-error"] as const;

/**
 * The player: what plays, where, and the queue, kept current by `usePlayerChanges`; or the part
 * of it `select` picks, and then the component draws again only when that part changes (the
 * position moves four times a second while music plays).
 */
export function usePlayer<T = PlayerView>(select?: (view: PlayerView) => T) {
  const query = useQuery({
    queryKey: queryKeys.player,
    queryFn: () => unwrap(commands.getPlayerState()),
    // The engine's events keep this current; it is fetched again only when the queue changes.
    staleTime: Infinity,
    select,
    // The result is spread below, which would otherwise subscribe to every field of it
    // (`dataUpdatedAt` changes with each position).
    notifyOnChangeProps: ["data", "error"],
  });
  const lastError = useQuery<string | null>({
    queryKey: playerErrorKey,
    queryFn: () => null,
    staleTime: Infinity,
    gcTime: Infinity,
  }).data;
  return { ...query, lastError: lastError ?? null };
}

/** Follows the engine's events into the player's state; mounted once, by the app frame. */
export function usePlayerChanges() {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    const update = (change: (view: PlayerView) => PlayerView) =>
      client.setQueryData<PlayerView>(queryKeys.player, (view) => (view ? change(view) : view));
    events.playerChanged
      .listen(({ payload }) => {
        switch (payload.kind) {
          case "status":
            update((view) => ({ ...view, status: payload.status }));
            break;
          case "current":
            client.setQueryData(playerErrorKey, null);
            update((view) => ({ ...view, current: payload.current, position_ms: 0 }));
            break;
          case "position":
            update((view) => ({ ...view, position_ms: payload.position_ms }));
            break;
          case "queue":
            void client.invalidateQueries({ queryKey: queryKeys.player });
            break;
          case "played":
            // Play counts changed.
            void client.invalidateQueries({ queryKey: queryKeys.library });
            break;
          case "error":
            client.setQueryData(playerErrorKey, payload.message);
            break;
          case "ended":
            break;
        }
      })
      .then((unlisten) => (cancelled ? unlisten() : (stop = unlisten)))
      .catch(() => {});
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [client]);
}

/**
 * Runs a change to the library (a rating, a playlist edit, a setting, a folder, an upload
 * paused) once every change made before it has been answered: the shell runs them off the
 * window's thread, where Tauri keeps no order between calls, and a rating of four stars given
 * just after three must not land first.
 */
export const inOrder = changeQueue();

/**
 * Sends the player a control once every control sent before it has been answered: the shell
 * handles controls off the window's thread, where Tauri keeps no order between calls.
 */
export const controlPlayerInOrder = oneAtATime((control: PlayerControl) => unwrap(commands.controlPlayer(control)));

/** Sends the player a command (play, pause, seek...), in the order they are made. */
export function useControlPlayer() {
  return useMutation({ mutationFn: controlPlayerInOrder });
}

/** The cloud panel's facts: account, connection, totals, uploads under way. */
export function useCloudStatus() {
  return useQuery({ queryKey: queryKeys.cloud, queryFn: () => unwrap(commands.getCloudStatus()) });
}

/** Live upload progress per track, from the sync engine's events (newest wins). */
export const uploadsKey = ["uploads"] as const;
export type LiveUploads = ReadonlyMap<string, TrackUpload>;

export function useLiveUploads(): LiveUploads {
  return useQuery<LiveUploads>({ queryKey: uploadsKey, queryFn: () => new Map(), staleTime: Infinity, gcTime: Infinity }).data ?? new Map();
}

/** The upload rate and time left, from the sync engine's totals events. */
export const uploadRateKey = ["upload-rate"] as const;
export interface UploadRate {
  bytes_per_second: number;
  eta_seconds: number | null;
}

export function useUploadRate(): UploadRate | undefined {
  return useQuery<UploadRate>({
    queryKey: uploadRateKey,
    queryFn: () => ({ bytes_per_second: 0, eta_seconds: null }),
    staleTime: Infinity,
    gcTime: Infinity,
  }).data;
}

/** Keeps the cloud panel (and the library, as a sync writes and after it) current from the sync engine's events. */
export function useCloudChanges() {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    // A finished upload changes the songs lists' cloud column, and a long sync's pages add
    // songs: refresh them now and then, not once per track of a 10,000-track upload.
    let refresh: ReturnType<typeof setTimeout> | undefined;
    const refreshLibrary = () => {
      refresh ??= setTimeout(() => {
        refresh = undefined;
        void client.invalidateQueries({ queryKey: queryKeys.library });
      }, 1_000);
    };
    events.cloudChanged
      .listen(({ payload }) => {
        if (payload.kind === "upload") {
          const before = client.getQueryData<LiveUploads>(uploadsKey)?.get(payload.track_id)?.state;
          client.setQueryData<LiveUploads>(uploadsKey, (old) => new Map(old ?? []).set(payload.track_id, payload));
          // Progress within a state comes every chunk and is drawn from the map above; the
          // panel's status (a query over the whole library) is read again only when a
          // track's state changes.
          if (payload.state === before) return;
          if (payload.state === "in_cloud" || payload.state === "failed") refreshLibrary();
          void client.invalidateQueries({ queryKey: queryKeys.cloud });
          return;
        }
        if (payload.kind === "pulled") {
          // A long sync's pages: what arrived can be listed, now and then while it runs.
          refreshLibrary();
          return;
        }
        if (payload.kind === "totals") {
          client.setQueryData<UploadRate>(uploadRateKey, {
            bytes_per_second: payload.bytes_per_second,
            eta_seconds: payload.eta_seconds,
          });
        }
        void client.invalidateQueries({ queryKey: queryKeys.cloud });
        if (payload.kind === "synced" && payload.changes_applied > 0) {
          void client.invalidateQueries({ queryKey: queryKeys.library });
        }
      })
      .then((unlisten) => (cancelled ? unlisten() : (stop = unlisten)))
      .catch(() => {});
    return () => {
      cancelled = true;
      clearTimeout(refresh);
      stop?.();
    };
  }, [client]);
}

/** A cloud action; the panel and the library refresh after it. */
function useCloudAction<T, A>(action: (argument: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: action,
    // Not awaited: the action is done when Rust says so, the views catch up on their own.
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
      void client.invalidateQueries({ queryKey: queryKeys.library });
    },
  });
}

export const useCloudLogin = () =>
  useCloudAction((login: { server: string; username: string; password: string }) =>
    unwrap(commands.cloudLogin(login.server, login.username, login.password)),
  );
export const useCloudLogout = () => useCloudAction(() => unwrap(commands.cloudLogout()));
export const useUploadLibrary = () => useCloudAction(() => inOrder(() => unwrap(commands.uploadLibrary())));
/** Pauses uploads: of one track, or all (no argument). */
export const usePauseUploads = () => useCloudAction((track?: string) => inOrder(() => unwrap(commands.pauseUploads(track ?? null))));
/** Resumes paused uploads: of one track, or all. */
export const useResumeUploads = () => useCloudAction((track?: string) => inOrder(() => unwrap(commands.resumeUploads(track ?? null))));
/** Uploads these tracks now, or retries failed ones at once. */
export const useQueueUploads = () => useCloudAction((tracks: string[]) => inOrder(() => unwrap(commands.queueUploads(tracks))));
export const useSyncCloud = () => useCloudAction(() => unwrap(commands.syncCloud()));
/** "Keep offline": downloads cloud tracks and keeps them on this device. */
export const usePinTracks = () => useCloudAction((tracks: string[]) => unwrap(commands.pinTracks(tracks)));
export const useUnpinTracks = () => useCloudAction((tracks: string[]) => inOrder(() => unwrap(commands.unpinTracks(tracks))));
/** What "Remove downloads" would free for these songs (nothing changes). */
export const usePlanFreeUp = () => useMutation({ mutationFn: (tracks: string[]) => unwrap(commands.planFreeUp(tracks)) });
/** What "Remove downloads" would free among songs not played for some months. */
export const usePlanFreeUpUnplayed = () => useMutation({ mutationFn: (months: number) => unwrap(commands.planFreeUpUnplayed(months)) });
/** Removes the downloads of songs safely in the cloud: they stay, cloud-only, and stream. */
export const useFreeUp = () => useCloudAction((tracks: string[]) => unwrap(commands.freeUp(tracks)));
/** Deletes tracks from the cloud (copies on this device stay). */
export const useDeleteFromCloud = () => useCloudAction((tracks: string[]) => unwrap(commands.deleteFromCloud(tracks)));

/** The account's keys for Subsonic apps (asked of the server: only while logged in). */
export function useApiKeys() {
  return useQuery({ queryKey: queryKeys.apiKeys, queryFn: () => unwrap(commands.listApiKeys()) });
}

/** Makes a key for an app; the answer holds the key itself, which is never shown again. */
export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => unwrap(commands.createApiKey(name)),
    onSettled: () => void client.invalidateQueries({ queryKey: queryKeys.apiKeys }),
  });
}

/** Revokes a key: apps using it stop working at once. */
export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(commands.revokeApiKey(id)),
    onSettled: () => void client.invalidateQueries({ queryKey: queryKeys.apiKeys }),
  });
}

/** "This computer as the cloud": the built-in locker, when it runs. */
export function useLocalLocker() {
  return useQuery({ queryKey: queryKeys.locker, queryFn: () => unwrap(commands.getLocalLocker()) });
}

/** Starts the built-in locker and connects this app to it. */
export function useStartLocalLocker() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ password, lan }: { password: string; lan: boolean }) => unwrap(commands.startLocalLocker(password, lan)),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.locker });
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
    },
  });
}

export function useStopLocalLocker() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(commands.stopLocalLocker()),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.locker });
      void client.invalidateQueries({ queryKey: queryKeys.cloud });
    },
  });
}

export type { QrMatrix, WebPlayer, WebPlayerReach } from "./bindings";

/**
 * Where a browser opens the cloud's web player, for the account at `server` (with a QR code
 * when this computer is the cloud on the local network). Under the locker's key, so starting
 * or stopping the built-in locker refreshes it; keyed by the server, so a new login does too.
 */
export function useWebPlayer(server: string) {
  return useQuery({
    queryKey: [...queryKeys.locker, "web-player", server] as const,
    queryFn: () => unwrap(commands.getWebPlayer()),
  });
}

/** "Find my music": the folders holding songs in the home folder and on mounted drives. */
export function useDiscoverMusic(enabled = true) {
  return useQuery({
    queryKey: ["discover-music"],
    queryFn: () => unwrap(commands.discoverMusic()),
    enabled,
    // Asked again each time it is shown: folders added meanwhile are in the library now.
    staleTime: 0,
    retry: false,
  });
}

/** Music folders the OS keeps (the user's Music folder), for the first run. */
export function useSuggestedFolders() {
  return useQuery({ queryKey: ["suggested-folders"], queryFn: () => unwrap(commands.suggestMusicFolders()), staleTime: Infinity });
}

/** The first run is over (finished or skipped): the welcome does not come back. */
export function useFinishWelcome() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      inOrder(async () => {
        const current = await commands.getPreferences();
        return unwrap(commands.setPreferences({ ...current, welcomed: true }));
      }),
    onSuccess: (saved) => client.setQueryData(queryKeys.preferences, saved),
  });
}
