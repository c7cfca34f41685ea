// Playlist edits that take several commands but are one gesture for the user (a dragged
// selection, Alt+arrow on several rows): the list shows the new order at once, the moves are
// sent one after the other, and the playlist is fetched again once, when they are all done.
import { commands } from "./bindings";
import { useReorder } from "../lib/moves";
import { inOrder, queryKeys, unwrap } from "./index";

export { applyMoves, type EntryMove } from "../lib/moves";

/** Moves entries of a playlist, showing the result before the commands are done. */
export const useReorderPlaylist = () =>
  useReorder((id, entry, index) => inOrder(() => unwrap(commands.moveInPlaylist(id, entry, index))), [queryKeys.cloud]);
