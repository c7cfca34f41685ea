// Playlist edits that take several commands but are one gesture for the user (a dragged
// selection, Alt+arrow on several rows): the list shows the new order at once, the moves are
// sent one after the other, and the playlist is fetched again once, when they are all done.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { commands, type Playlist } from "./bindings";
import { queryKeys, unwrap } from "./index";

/** One `move_in_playlist`: take `entry` out, then put it at `index` of what is left. */
export interface EntryMove {
  entry: string;
  index: number;
}

/** The order after these moves, as the Rust side applies them (pure). */
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

/** Moves entries of a playlist, showing the result before the commands are done. */
export function useReorderPlaylist() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, moves }: { id: string; moves: readonly EntryMove[] }) => {
      for (const { entry, index } of moves) await unwrap(commands.moveInPlaylist(id, entry, index));
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
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: queryKeys.playlists }),
        client.invalidateQueries({ queryKey: queryKeys.cloud }),
      ]),
  });
}
