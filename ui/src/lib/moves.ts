// Moving entries of a list as a playlist edit does: the order a sequence of moves gives, so
// a list can show it before the data layer (desktop or web) has applied them.
import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import type { Playlist } from "../ipc/bindings";
import { queryKeys } from "./queryKeys";

/** One move: take `entry` out, then put it at `index` of what is left. */
export interface EntryMove {
  entry: string;
  index: number;
}

/** The order after these moves (pure). */
export function applyMoves<T extends { id: string }>(items: readonly T[], moves: readonly EntryMove[]): T[] {
  let list = [...items];
  for (const { entry, index } of moves) {
    const item = list.find((candidate) => candidate.id === entry);
    if (!item) continue;
    const others = list.filter((candidate) => candidate !== item);
    const at = Math.max(0, Math.min(index, others.length));
    list = [...others.slice(0, at), item, ...others.slice(at)];
  }
  return list;
}

/**
 * A playlist reorder for either data layer: the list shows the new order at once, the moves
 * are sent one after the other with `moveOne`, the old order comes back if one fails, and the
 * playlists (and what else `refresh` names) are fetched again when they are all done.
 */
export function useReorder(moveOne: (playlist: string, entry: string, index: number) => Promise<unknown>, refresh: readonly QueryKey[] = []) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, moves }: { id: string; moves: readonly EntryMove[] }) => {
      for (const { entry, index } of moves) await moveOne(id, entry, index);
    },
    onMutate: async ({ id, moves }) => {
      const key = queryKeys.playlist(id);
      await client.cancelQueries({ queryKey: key });
      const previous = client.getQueryData<Playlist>(key);
      if (previous) client.setQueryData<Playlist>(key, { ...previous, entries: applyMoves(previous.entries, moves) });
      return { previous };
    },
    onError: (_error, { id }, context) => {
      if (context?.previous) client.setQueryData(queryKeys.playlist(id), context.previous);
    },
    onSettled: () => Promise.all([queryKeys.playlists, ...refresh].map((queryKey) => client.invalidateQueries({ queryKey }))),
  });
}
