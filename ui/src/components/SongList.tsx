// A songs table wired to the app: plays from a row, opens the songs menu, remembers column
// widths in the settings, and marks the song playing. Every list of songs uses it.
import { useCallback, useEffect, useState } from "react";
import { describeError, useControlPlayer, usePlayer, usePreferences, useSetPreferences } from "@data";
import { useOverlays } from "./Overlays";
import { useToast } from "./Toast";
import { useTrackMenu, type MenuTarget } from "./trackMenu";
import { TrackTable, type ColumnId, type RowSource, type SortState, type TrackTableActions } from "./TrackTable";
import type { Window } from "../lib/virtual";

export interface SongListProps extends Partial<TrackTableActions> {
  label: string;
  rows: RowSource;
  columns: readonly ColumnId[];
  sort?: SortState;
  onSort?: (sort: SortState) => void;
  onWindowChange?: (window: Window) => void;
  dragSource: string;
  /** In a playlist: the menu's "Remove from playlist". */
  removeFromList?: (indices: number[]) => MenuTarget["removeFromList"];
}

/** On a phone-sized window, the columns that fit. */
const NARROW_COLUMNS: ReadonlySet<ColumnId> = new Set(["position", "title", "artist", "duration"]);
const NARROW_QUERY = "(max-width: 600px)";

/** Whether the window is phone-sized, following it as it changes. */
function useNarrow(): boolean {
  const query = typeof window !== "undefined" && window.matchMedia ? window.matchMedia(NARROW_QUERY) : null;
  const [narrow, setNarrow] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const onChange = () => setNarrow(query.matches);
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, [query?.media]);
  return narrow;
}

export function SongList(props: SongListProps) {
  const narrow = useNarrow();
  const { rows } = props;
  const control = useControlPlayer();
  // Only the song playing matters here, not its position.
  const playing = usePlayer((view) => view.current?.track.id ?? null).data ?? null;
  const preferences = usePreferences();
  const savePreferences = useSetPreferences();
  const overlays = useOverlays();
  const toast = useToast();
  const menuItems = useTrackMenu();

  const widths: Partial<Record<ColumnId, number>> = {};
  for (const { column, width } of preferences.data?.song_columns ?? []) widths[column as ColumnId] = width;

  const onResize = useCallback(
    (column: ColumnId, width: number) => {
      const current = preferences.data;
      if (!current) return;
      const song_columns = [...current.song_columns.filter((c) => c.column !== column), { column, width }];
      savePreferences.mutate({ ...current, song_columns });
    },
    [preferences.data, savePreferences],
  );

  const play = props.onPlay ?? ((index: number) => {
    // Play the whole list from this song, as music apps do. A library list the player reads
    // itself (it may hold the whole library); other lists are sent as they are.
    const start = rows.rowAt(index)?.id;
    if (rows.list && start !== undefined) {
      control.mutateAsync({ kind: "play_list", ...rows.list, start, shuffle: null }).catch((error: unknown) => toast(describeError(error), "error"));
      return;
    }
    const all = Array.from({ length: rows.total }, (_, i) => i);
    rows
      .idsOf(all)
      .then((ids) => {
        const start = ids.indexOf(rows.rowAt(index)?.id ?? "");
        return control.mutateAsync({ kind: "play", track_ids: ids, start: Math.max(0, start === -1 ? index : start) });
      })
      .catch((error: unknown) => toast(describeError(error), "error"));
  });

  const onContextMenu = (indices: number[], at: { x: number; y: number }) => {
    const tracks = indices.map((i) => rows.rowAt(i)).filter((t) => t !== undefined);
    overlays.openMenu(
      menuItems({
        tracks,
        count: indices.length,
        ids: () => rows.idsOf(indices),
        removeFromList: props.removeFromList?.(indices),
      }),
      at,
    );
  };

  return (
    <TrackTable
      label={props.label}
      rows={rows}
      columns={narrow ? props.columns.filter((column) => NARROW_COLUMNS.has(column)) : props.columns}
      widths={widths}
      onResize={onResize}
      sort={props.sort}
      onSort={props.onSort}
      onWindowChange={props.onWindowChange}
      playingTrackId={playing}
      dragSource={props.dragSource}
      onPlay={play}
      onContextMenu={onContextMenu}
      onDelete={props.onDelete}
      onReorder={props.onReorder}
      onDropTracks={props.onDropTracks}
    />
  );
}
