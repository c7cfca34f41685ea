// The UI's only door to Rust. Components import from here, never from "./bindings" or
// "@tauri-apps/api" directly: this layer wraps the generated, typed bindings in React Query
// hooks, so caching, loading and error states are handled the same way everywhere.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useEffect, useState } from "react";
import {
  commands,
  events,
  type CommandError,
  type PlayerControl,
  type PlayerView,
  type ScanProgress,
  type ScanReport,
  type TrackSort,
} from "./bindings";

export type {
  AlbumSummary,
  AppInfo,
  CloudOverview,
  CommandError,
  LibraryStats,
  MusicFolder,
  NameSummary,
  PlayerControl,
  PlayerView,
  Repeat,
  ScanProgress,
  ScanReport,
  Track,
  TrackSort,
} from "./bindings";

/** A command's own error, thrown so React Query sees a failure. */
export class CommandFailure extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

async function unwrap<T>(result: Promise<Result<T>>): Promise<T> {
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

/** Query keys, one place, so invalidation after a mutation cannot miss a spelling. */
export const queryKeys = {
  appInfo: ["app-info"] as const,
  library: ["library"] as const,
  folders: ["library", "folders"] as const,
  stats: ["library", "stats"] as const,
  tracks: (sort: TrackSort, offset: number, limit: number) => ["library", "tracks", sort, offset, limit] as const,
  albums: ["library", "albums"] as const,
  artists: ["library", "artists"] as const,
  genres: ["library", "genres"] as const,
  search: (query: string) => ["library", "search", query] as const,
  player: ["player"] as const,
  cloud: ["cloud"] as const,
};

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

export function useTracks(sort: TrackSort, offset: number, limit: number) {
  return useQuery({
    queryKey: queryKeys.tracks(sort, offset, limit),
    queryFn: () => unwrap(commands.listTracks({ album_key: null, artist: null, genre: null, present_only: false }, sort, false, offset, limit)),
  });
}

export function useAlbums(limit: number) {
  return useQuery({ queryKey: queryKeys.albums, queryFn: () => unwrap(commands.listAlbums(false, 0, limit)) });
}

export function useArtists(limit: number) {
  return useQuery({ queryKey: queryKeys.artists, queryFn: () => unwrap(commands.listArtists(0, limit)) });
}

export function useGenres(limit: number) {
  return useQuery({ queryKey: queryKeys.genres, queryFn: () => unwrap(commands.listGenres(0, limit)) });
}

export function useSearch(query: string, limit: number) {
  return useQuery({
    queryKey: queryKeys.search(query),
    queryFn: () => unwrap(commands.searchLibrary(query, 0, limit)),
    enabled: query.trim().length > 0,
  });
}

export function useAddMusicFolder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (path: string) => unwrap(commands.addMusicFolder(path)),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.library }),
  });
}

export function useRemoveMusicFolder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (path: string) => unwrap(commands.removeMusicFolder(path)),
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

/** The player: what plays, where, and the queue, kept current by the engine's events. */
export function usePlayer() {
  const client = useQueryClient();
  const [lastError, setLastError] = useState<string | null>(null);
  // The engine's events keep this current; it is fetched again only when the queue changes.
  const query = useQuery({
    queryKey: queryKeys.player,
    queryFn: () => unwrap(commands.getPlayerState()),
    staleTime: Infinity,
  });
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
            setLastError(null);
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
            setLastError(payload.message);
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
  return { ...query, lastError };
}

/** Sends the player a command (play, pause, seek...). */
export function useControlPlayer() {
  return useMutation({ mutationFn: (control: PlayerControl) => unwrap(commands.controlPlayer(control)) });
}

/** The cloud panel's facts: account, connection, totals, uploads under way. */
export function useCloudStatus() {
  return useQuery({ queryKey: queryKeys.cloud, queryFn: () => unwrap(commands.getCloudStatus()) });
}

/** Keeps the cloud panel (and the library, after a sync) current from the sync engine's events. */
export function useCloudChanges() {
  const client = useQueryClient();
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    events.cloudChanged
      .listen(({ payload }) => {
        void client.invalidateQueries({ queryKey: queryKeys.cloud });
        if (payload.kind === "synced" && payload.changes_applied > 0) {
          void client.invalidateQueries({ queryKey: queryKeys.library });
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

/** A cloud action; the panel and the library refresh after it. */
function useCloudAction<T, A>(action: (argument: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSettled: () => Promise.all([
      client.invalidateQueries({ queryKey: queryKeys.cloud }),
      client.invalidateQueries({ queryKey: queryKeys.library }),
    ]),
  });
}

export const useCloudLogin = () =>
  useCloudAction((login: { server: string; username: string; password: string }) =>
    unwrap(commands.cloudLogin(login.server, login.username, login.password)),
  );
export const useCloudLogout = () => useCloudAction(() => unwrap(commands.cloudLogout()));
export const useUploadLibrary = () => useCloudAction(() => unwrap(commands.uploadLibrary()));
export const usePauseUploads = () => useCloudAction(() => unwrap(commands.pauseUploads(null)));
export const useResumeUploads = () => useCloudAction(() => unwrap(commands.resumeUploads(null)));
export const useSyncCloud = () => useCloudAction(() => unwrap(commands.syncCloud()));
