// Playlists over the server's operation log (`POST /api/v1/playlists/ops`): each edit is an
// operation with a fresh id, so a retried request is applied once, and the same log the
// desktops sync through carries it to every device. Positions are minted here with the
// protocol's fractional keys (`position.ts`).
import type { Playlist, PlaylistSummary } from "../../ipc/bindings";
import { api, CommandFailure, inOrder, uuid } from "./api";
import { tracksById } from "./library";
import { place } from "./position";
import type { OpResult, PlaylistAction, ServerPlaylist } from "./wire";
import { useReorder, type EntryMove } from "../../lib/moves";

export async function serverPlaylists(): Promise<ServerPlaylist[]> {
  return (await api<{ playlists: ServerPlaylist[] }>("GET", "/api/v1/playlists")).playlists;
}

/** Sorted as the protocol orders entries: by position, then entry id. */
function ordered(playlist: ServerPlaylist): ServerPlaylist {
  const entries = [...playlist.entries].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : 1));
  return { ...playlist, entries };
}

export async function listPlaylists(): Promise<PlaylistSummary[]> {
  const all = await serverPlaylists();
  return all
    .map((p) => ({ id: p.id, name: p.name, entry_count: p.entries.length, updated_at: 0 }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function one(id: string): Promise<ServerPlaylist> {
  const found = (await serverPlaylists()).find((p) => p.id === id);
  if (!found) throw new CommandFailure({ kind: "notFound", message: "this playlist was deleted" });
  return ordered(found);
}

export async function getPlaylist(id: string): Promise<Playlist> {
  const playlist = await one(id);
  const tracks = new Map((await tracksById(playlist.entries.map((e) => e.track_id))).map((t) => [t.id, t]));
  return {
    id: playlist.id,
    name: playlist.name,
    entries: playlist.entries.map((e) => ({ id: e.id, track_id: e.track_id, position: e.position, track: tracks.get(e.track_id) ?? null })),
  };
}

/** Sends operations; a rejected one fails the edit with the server's reason. */
export async function send(actions: PlaylistAction[]): Promise<void> {
  if (actions.length === 0) return;
  const { results } = await api<{ results: OpResult[] }>("POST", "/api/v1/playlists/ops", {
    ops: actions.map((action) => ({ op_id: uuid(), action })),
  });
  const rejected = results.find((r) => r.status === "rejected");
  if (rejected) throw new CommandFailure({ kind: "invalid", message: rejected.reason ?? "the server refused the edit" });
}

export async function createPlaylist(name: string): Promise<string> {
  const id = uuid();
  await send([{ type: "create_playlist", playlist_id: id, name }]);
  return id;
}

/** Adds tracks before index `at` (the end when absent). */
export async function addToPlaylist(id: string, trackIds: readonly string[], at?: number): Promise<void> {
  const playlist = await one(id);
  const keys = playlist.entries.map((e) => e.position);
  const placement = place(keys, at ?? keys.length, trackIds.length);
  const actions: PlaylistAction[] = placement.moved.map(([index, position]) => ({
    type: "move_entry",
    entry_id: (playlist.entries[index] as { id: string }).id,
    position,
  }));
  trackIds.forEach((track_id, index) =>
    actions.push({ type: "add_entry", playlist_id: id, entry_id: uuid(), track_id, position: placement.inserted[index] as string }),
  );
  // The server takes at most a few hundred operations at once.
  for (let i = 0; i < actions.length; i += 200) await send(actions.slice(i, i + 200));
}

/** Takes `entry` out and puts it back at `index` of what is left. */
export async function moveInPlaylist(id: string, entry: string, index: number): Promise<void> {
  const playlist = await one(id);
  const others = playlist.entries.filter((e) => e.id !== entry);
  const placement = place(
    others.map((e) => e.position),
    index,
    1,
  );
  const actions: PlaylistAction[] = placement.moved.map(([i, position]) => ({ type: "move_entry", entry_id: (others[i] as { id: string }).id, position }));
  actions.push({ type: "move_entry", entry_id: entry, position: placement.inserted[0] as string });
  await send(actions);
}

export type { EntryMove };

/** Moves entries of a playlist, showing the result before the server has it. */
export const useReorderPlaylist = () => useReorder((id, entry, index) => inOrder(() => moveInPlaylist(id, entry, index)));
