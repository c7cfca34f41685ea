// Songs dragged from any list and dropped on a playlist (in the sidebar or the Playlists
// view) are added at its end.
import { useState, type DragEvent } from "react";
import { describeError, useAddToPlaylist } from "@data";
import { plural } from "../lib/format";
import { dragPayload, setDragPayload } from "./drag";
import { useToast } from "./Toast";

/** Lets songs dragged from any list be dropped on a playlist (added at the end). */
export function useDropSongs(playlist: { id: string; name: string }) {
  const add = useAddToPlaylist();
  const toast = useToast();
  const [over, setOver] = useState(false);
  return {
    over,
    handlers: {
      onDragOver(event: DragEvent) {
        // Not onto the playlist the rows come from: that is a reorder, done in its page.
        if (!dragPayload() || dragPayload()?.source === `playlist:${playlist.id}`) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        setOver(true);
      },
      onDragLeave() {
        setOver(false);
      },
      onDrop(event: DragEvent) {
        setOver(false);
        const payload = dragPayload();
        if (!payload) return;
        event.preventDefault();
        setDragPayload(null);
        payload
          .trackIds()
          .then(async (tracks) => {
            if (tracks.length === 0) return;
            await add.mutateAsync({ id: playlist.id, tracks });
            toast(`Added ${plural(tracks.length, "song")} to “${playlist.name || "Untitled playlist"}”`);
          })
          .catch((error: unknown) => toast(describeError(error), "error"));
      },
    },
  };
}

