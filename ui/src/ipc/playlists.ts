// Playlist edits that take several commands but are one gesture for the user (a dragged
// selection, Alt+arrow on several rows): the list shows the new order at once, the moves are
// sent one after the other, and the playlist is fetched again once, when they are all done.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { commands, type Playlist } from "./bindings";
import { applyMoves, type EntryMove } from "../lib/moves";
import { queryKeys, unwrap } from "./index";

export { applyMoves, type EntryMove } from "../lib/moves";

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
