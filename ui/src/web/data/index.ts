// The web player's data layer: the same hooks, names and types as the desktop's (`src/ipc`),
// answered over the server's HTTP API instead of Tauri commands. The shared components import
// `@data`, which the web build points here (`vite.web.config.ts`), so they run unchanged in
// the browser. What only the desktop can do (files, uploads, tag edits) is listed in
// `capabilities` and answered with a clear refusal if it is reached anyway.
import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import type {
  CloudOverview,
  EditReport,
  DownloadProgress,
  DownloadReport,
  FreeUpPlan,
  FreeUpReport,
  PlayerControl,
  PlayerView,
  Playlist,
  Preferences,
  SearchResults,
  Track,
  TrackFilter,
  TrackSort,
  TrackUpload,
} from "../../ipc/bindings";
import { oneAtATime } from "../../lib/oneAtATime";
import { queryKeys } from "../../lib/queryKeys";
import { searchHooks } from "../../lib/search";
import { defaultReplayGain, WebPlayer } from "../player/engine";
import { bindMediaSession } from "../player/mediaSession";
import { api, CommandFailure, inOrder, query, uuid } from "./api";
import * as library from "./library";
import * as playlists from "./playlists";
import type { SearchResponse } from "./wire";

export type {
  AlbumSummary,
  CloudOverview,
  CommandError,
  CoverChoice,
  EditReport,
  FieldEdit,
  NameSummary,
  PlayerControl,
  PlayerView,
  Playlist,
  PlaylistEntry,
  PlaylistSummary,
  Preferences,
  QueueEntry,
  Repeat,
  ReplayGainSettings,
  SearchResults,
  Status,
  TagEdit,
  Track,
  TrackFilter,
  TrackRow,
  TrackSort,
  TrackUpload,
  UploadState,
} from "../../ipc/bindings";
export { CommandFailure, queryKeys };

/** See the desktop's `capabilities`: the browser reaches no files. */
export const capabilities = {
  files: false,
} as const;

export const sortable = library.sortable;

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
        return `${message}. Wait a moment, then try again.`;
      case "unavailable":
        return `${message}. Check the connection and try again.`;
      case "internal":
        return `${message}.`;
    }
  }
  return "Tonearm could not do that. Reload the page; if it keeps happening, the server's log says why.";
}

const desktopOnly = (what: string) => () =>
  Promise.reject(new CommandFailure({ kind: "invalid", message: `${what} needs the Tonearm app on a computer` }));

export const TRACK_PAGE = 100;
export const allTracks: TrackFilter = { album_key: null, artist: null, genre: null, present_only: false };

/** The library's size: the songs of the account (the rest of the desktop's figures do not apply). */
export function useLibraryStats() {
  return useQuery({
    queryKey: queryKeys.stats,
    queryFn: async () => {
      const page = await library.listTracks(allTracks, "artist", false, 0, 1);
      return { tracks: page.total, present: 0, missing: 0, unreadable: 0, cloud: 0, albums: 0, artists: 0, genres: 0, duration_ms: 0 };
    },
  });
}

export function useTrackPages(filter: TrackFilter, sort: TrackSort, descending: boolean, pages: readonly number[]) {
  return useQueries({
    queries: pages.map((page) => ({
      queryKey: [...queryKeys.tracks(filter, sort, descending), page] as const,
      queryFn: () => library.listTracks(filter, sort, descending, page * TRACK_PAGE, TRACK_PAGE),
      gcTime: 20_000,
    })),
  });
}

export function useFetchTrackIds() {
  const client = useQueryClient();
  return useCallback(
    (filter: TrackFilter, sort: TrackSort, descending: boolean) =>
      client.fetchQuery({
        queryKey: queryKeys.trackIds(filter, sort, descending),
        queryFn: () => library.listTrackIds(filter, sort, descending),
        staleTime: 5_000,
      }),
    [client],
  );
}

export function useTracksById(ids: readonly string[]) {
  return useQuery({
    queryKey: queryKeys.tracksById(ids),
    queryFn: () => library.tracksById(ids),
    enabled: ids.length > 0,
    placeholderData: keepPreviousData,
  });
}

export function useAlbums(byArtist = false) {
  return useQuery({
    queryKey: [...queryKeys.albums, byArtist],
    queryFn: async () => {
      const albums = (await library.allAlbums(byArtist)).map(library.toAlbum);
      return { items: albums, total: albums.length, offset: 0 };
    },
  });
}

export function useArtistAlbums(artist: string) {
  return useQuery({
    queryKey: queryKeys.artistAlbums(artist),
    queryFn: async () => (await library.artistAlbums(artist)).map(library.toAlbum),
  });
}

export function useArtists() {
  return useQuery({
    queryKey: queryKeys.artists,
    queryFn: async () => {
      const items = (await library.artists(true)).map(library.toArtist);
      return { items, total: items.length, offset: 0 };
    },
  });
}

export function useGenres() {
  return useQuery({
    queryKey: queryKeys.genres,
    queryFn: async () => {
      const items = (await library.genres()).map(library.toGenre);
      return { items, total: items.length, offset: 0 };
    },
  });
}

/** Search as you type, grouped: songs, artists and albums. */
export const { useSearch, usePrefetchSearch } = searchHooks(fetchSearch);

/** Artists, and albums, shown for a search. */
const SEARCH_CARDS = 16;

async function fetchSearch(text: string, limit: number, signal: AbortSignal): Promise<SearchResults> {
  const response = await fetch(`/api/v1/library/search${query({ q: text, limit })}`, { credentials: "same-origin", signal });
  if (!response.ok) return api<SearchResults>("GET", `/api/v1/library/search${query({ q: text, limit })}`);
  const found = (await response.json()) as SearchResponse;
  const songs = library.remember(found.songs.map(library.toTrack));
  // The best artists and albums only: a one-letter query matches hundreds, and drawing them
  // all (chips and covers) costs more than the search itself on a phone.
  return {
    songs: { items: songs, total: songs.length, offset: 0 },
    albums: found.albums.slice(0, SEARCH_CARDS).map(library.toAlbum),
    artists: found.artists.slice(0, SEARCH_CARDS).map(library.toArtist),
  };
}

/** A cover's address: the server scales it; the browser caches it. */
export function artworkUrl(hash: string, size: number): string {
  return `/api/v1/artwork/${encodeURIComponent(hash)}${query({ size })}`;
}

const coverSizes = { small: 96, medium: 320, large: 640 } as const;

export function useArtwork(id: string | null | undefined, size: "small" | "medium" | "large" = "small") {
  // Not a request of its own: the `<img>` loads it, with the browser's cache.
  return { data: id ? artworkUrl(id, coverSizes[size] * Math.min(2, Math.ceil(globalThis.devicePixelRatio ?? 1))) : null };
}

/** After a love or a rating: the lists and the player's song. */
function markCurrent(client: QueryClient, ids: readonly string[], change: Partial<Pick<Track, "loved" | "rating">>) {
  client.setQueryData<PlayerView>(queryKeys.player, (view) =>
    view?.current && ids.includes(view.current.track.id) ? { ...view, current: { ...view.current, track: { ...view.current.track, ...change } } } : view,
  );
}

async function patchMarks(ids: readonly string[], patch: { loved?: boolean; rating?: number | null }) {
  // A few at a time: a selection of hundreds must not open hundreds of requests at once.
  for (let at = 0; at < ids.length; at += 8) {
    await Promise.all(ids.slice(at, at + 8).map((id) => api("PATCH", `/api/v1/tracks/${id}/marks`, patch)));
  }
}

export function useSetLoved() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, loved }: { ids: string[]; loved: boolean }) => inOrder(() => patchMarks(ids, { loved })),
    onMutate: ({ ids, loved }) => markCurrent(client, ids, { loved }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.library }),
  });
}

/** 0 to 100 (20 per star) as on the desktop; the server keeps stars. */
export function useSetRating() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, rating }: { ids: string[]; rating: number | null }) =>
      inOrder(() => patchMarks(ids, { rating: rating === null || rating <= 0 ? null : Math.max(1, Math.min(5, Math.round(rating / 20))) })),
    onMutate: ({ ids, rating }) => markCurrent(client, ids, { rating }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.library }),
  });
}

export function usePlaylists() {
  return useQuery({ queryKey: queryKeys.playlists, queryFn: playlists.listPlaylists, refetchInterval: 30_000 });
}

export function usePlaylist(id: string | null) {
  return useQuery<Playlist>({
    queryKey: queryKeys.playlist(id ?? ""),
    queryFn: () => playlists.getPlaylist(id ?? ""),
    enabled: Boolean(id),
    refetchInterval: 30_000,
  });
}

function usePlaylistEdit<T, A>(edit: (argument: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: (argument: A) => inOrder(() => edit(argument)), onSettled: () => client.invalidateQueries({ queryKey: queryKeys.playlists }) });
}

export const useCreatePlaylist = () => usePlaylistEdit(playlists.createPlaylist);
export const useRenamePlaylist = () =>
  usePlaylistEdit(({ id, name }: { id: string; name: string }) => playlists.send([{ type: "rename_playlist", playlist_id: id, name }]));
export const useDeletePlaylist = () => usePlaylistEdit((id: string) => playlists.send([{ type: "delete_playlist", playlist_id: id }]));
export const useAddToPlaylist = () =>
  usePlaylistEdit(({ id, tracks, index }: { id: string; tracks: string[]; index?: number }) => playlists.addToPlaylist(id, tracks, index));
export const useRemoveFromPlaylist = () =>
  usePlaylistEdit(({ entries }: { id: string; entries: string[] }) => playlists.send(entries.map((entry_id) => ({ type: "remove_entry", entry_id }))));
export const useMoveInPlaylist = () =>
  usePlaylistEdit(({ id, entry, index }: { id: string; entry: string; index: number }) => playlists.moveInPlaylist(id, entry, index));
export const useImportPlaylist = () =>
  useMutation<{ playlist: string; added: number; unresolved: string[] }, Error, string>({ mutationFn: desktopOnly("Importing a playlist file") });
export const useExportPlaylist = () => useMutation<number, Error, { id: string; path: string }>({ mutationFn: desktopOnly("Exporting to a file") });

// What only the desktop does: never offered in the browser (`capabilities`), refused if reached.
export const useRevealTrack = () => useMutation<null, Error, string>({ mutationFn: desktopOnly("Showing a file") });
export const useQueueUploads = () => useMutation<null, Error, string[]>({ mutationFn: desktopOnly("Uploading") });
export const usePinTracks = () => useMutation<null, Error, string[]>({ mutationFn: desktopOnly("Keeping songs offline") });
export const useUnpinTracks = () => useMutation<null, Error, string[]>({ mutationFn: desktopOnly("Keeping songs offline") });
export const usePlanFreeUp = () => useMutation<FreeUpPlan, Error, string[]>({ mutationFn: desktopOnly("Removing downloads") });
export const useFreeUp = () => useMutation<FreeUpReport, Error, string[]>({ mutationFn: desktopOnly("Removing downloads") });
export const useDownloadSongs = () => ({
  ...useMutation<DownloadReport, Error, { ids?: string[]; folder?: string }>({ mutationFn: desktopOnly("Downloading songs") }),
  progress: null as DownloadProgress | null,
});
export const useDeleteFromCloud = () => useMutation<null, Error, string[]>({ mutationFn: desktopOnly("Removing songs from the cloud") });
export const useEditTags = () =>
  useMutation<EditReport, Error, { ids: string[]; edit: unknown; cover?: unknown }>({ mutationFn: desktopOnly("Editing tags") });
export const useUndoTagEdit = () => useMutation<EditReport, Error, void>({ mutationFn: desktopOnly("Undoing a tag edit") });

/** The desktop's cloud panel has no counterpart here: the page is the cloud. */
export function useCloudStatus() {
  return useQuery<CloudOverview>({ queryKey: queryKeys.cloud, queryFn: desktopOnly("The cloud panel"), enabled: false });
}

export function useLiveUploads(): ReadonlyMap<string, TrackUpload> {
  return noUploads;
}
const noUploads: ReadonlyMap<string, TrackUpload> = new Map();

// Settings of this browser (the column widths, the theme, ReplayGain), kept in localStorage.
const PREFERENCES = "tonearm.preferences";
const defaultPreferences: Preferences = {
  theme: "system",
  replay_gain: defaultReplayGain,
  uploads_at_once: 2,
  upload_limit_kbps: null,
  cache_budget_mb: 0,
  auto_upload: false,
  song_columns: [],
  welcomed: true,
};

function loadPreferences(): Preferences {
  try {
    const saved = JSON.parse(localStorage.getItem(PREFERENCES) ?? "null") as Partial<Preferences> | null;
    return { ...defaultPreferences, ...(saved ?? {}) };
  } catch {
    return defaultPreferences;
  }
}

export function usePreferences() {
  return useQuery({ queryKey: queryKeys.preferences, queryFn: loadPreferences, staleTime: Infinity });
}

export function useSetPreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (preferences: Preferences) => {
      localStorage.setItem(PREFERENCES, JSON.stringify(preferences));
      return preferences;
    },
    onSuccess: (saved) => client.setQueryData(queryKeys.preferences, saved),
  });
}

// The player: one engine per page, its view kept in the query cache like the desktop's.
const PLAYS = "tonearm.unsent-plays";
interface UnsentPlay {
  id: string;
  track_id: string;
  played_at: number;
}

/** Sends plays not yet sent (kept in localStorage, so a dropped connection loses none). */
async function sendPlays() {
  const unsent = JSON.parse(localStorage.getItem(PLAYS) ?? "[]") as UnsentPlay[];
  if (unsent.length === 0) return;
  const batch = unsent.slice(0, 1000);
  await api("POST", "/api/v1/plays", { plays: batch });
  const left = (JSON.parse(localStorage.getItem(PLAYS) ?? "[]") as UnsentPlay[]).filter((p) => !batch.some((b) => b.id === p.id));
  localStorage.setItem(PLAYS, JSON.stringify(left));
}

export const player = new WebPlayer({
  tracks: library.tracksById,
  trackIds: library.listTrackIds,
  async audio(trackId, signal) {
    let response: Response;
    try {
      response = await fetch(`/api/v1/tracks/${trackId}/stream`, { credentials: "same-origin", signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new Error("the server cannot be reached");
    }
    if (response.status === 404) throw new Error("it is no longer in the cloud");
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    return response.arrayBuffer();
  },
  played(trackId) {
    const unsent = JSON.parse(localStorage.getItem(PLAYS) ?? "[]") as UnsentPlay[];
    unsent.push({ id: uuid(), track_id: trackId, played_at: Math.floor(Date.now() / 1000) });
    localStorage.setItem(PLAYS, JSON.stringify(unsent.slice(-5000)));
    void sendPlays().catch(() => {});
  },
});

const playerErrorKey = ["player-error"] as const;

/** As the desktop's: the player's state, or the part of it `select` picks. */
export function usePlayer<T = PlayerView>(select?: (view: PlayerView) => T) {
  const query = useQuery({ queryKey: queryKeys.player, queryFn: () => player.view(), staleTime: Infinity, select, notifyOnChangeProps: ["data", "error"] });
  const lastError = useQuery<string | null>({ queryKey: playerErrorKey, queryFn: () => player.lastError, staleTime: Infinity, gcTime: Infinity }).data;
  return { ...query, lastError: lastError ?? null };
}

/** Follows the engine into the query cache and the Media Session; mounted once by the frame. */
export function usePlayerChanges() {
  const client = useQueryClient();
  useEffect(() => {
    const stop = player.subscribe((change) => {
      client.setQueryData(queryKeys.player, player.view());
      if (change === "error" || change === "current") client.setQueryData(playerErrorKey, player.lastError);
    });
    const unbind = bindMediaSession(player, artworkUrl);
    // Plays kept from an earlier visit.
    void sendPlays().catch(() => {});
    return () => {
      stop();
      unbind();
    };
  }, [client]);
}

/** The player's controls in the order they are made: "play all" waits on the server. */
const controlInOrder = oneAtATime((control: PlayerControl) => player.control(control));

export function useControlPlayer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: controlInOrder,
    onSuccess: () => client.setQueryData(queryKeys.player, player.view()),
  });
}
