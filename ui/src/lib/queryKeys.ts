// React Query keys, one place for both data layers (desktop and web), so invalidation after
// a mutation cannot miss a spelling and shared components that touch the cache (the queue
// panel's optimistic move) work over either.
import type { TrackFilter, TrackSort } from "../ipc/bindings";

/** Query keys, one place, so invalidation after a mutation cannot miss a spelling. */
export const queryKeys = {
  appInfo: ["app-info"] as const,
  library: ["library"] as const,
  folders: ["library", "folders"] as const,
  stats: ["library", "stats"] as const,
  tracks: (filter: TrackFilter, sort: TrackSort, descending: boolean) => ["library", "tracks", filter, sort, descending] as const,
  trackIds: (filter: TrackFilter, sort: TrackSort, descending: boolean) => ["library", "track-ids", filter, sort, descending] as const,
  tracksById: (ids: readonly string[]) => ["library", "by-id", ids] as const,
  albums: ["library", "albums"] as const,
  artistAlbums: (artist: string) => ["library", "artist-albums", artist] as const,
  artists: ["library", "artists"] as const,
  genres: ["library", "genres"] as const,
  search: (query: string) => ["library", "search", query] as const,
  artwork: (id: string, size: string) => ["artwork", id, size] as const,
  playlists: ["library", "playlists"] as const,
  playlist: (id: string) => ["library", "playlists", id] as const,
  player: ["player"] as const,
  cloud: ["cloud"] as const,
  preferences: ["preferences"] as const,
  locker: ["locker"] as const,
  canUndoEdit: ["library", "can-undo-edit"] as const,
  /** Not under `cloud`: the cloud panel refreshes often, the keys need not follow it. */
  apiKeys: ["api-keys"] as const,
};
