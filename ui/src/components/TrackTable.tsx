// The songs table every list of tracks uses (Songs, album, artist and genre pages, search,
// playlists): virtualised so 100,000 rows scroll like 40, sortable and resizable columns,
// desktop multi-selection, keyboard control, a context menu, and drag and drop (out to a
// playlist; within a playlist to reorder).
//
// It is an ARIA grid: screen readers hear the row count, the sort and the selection. The rows
// come from a `RowSource`, which fetches what the visible window needs.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type DragEvent, type KeyboardEvent, type MouseEvent, type PointerEvent } from "react";
import { memo } from "react";
import { useLiveUploads, type TrackFilter, type TrackRow, type TrackSort, type TrackUpload } from "@data";
import { artistName, fileName, folderName, formatDate, formatDuration } from "../lib/format";
import {
  click,
  clamp,
  contextClick,
  emptySelection,
  isSelected,
  move,
  selectAll,
  selectedCount,
  selectedIndices,
  type Selection,
} from "../lib/selection";
import { scrollToShow, snapScroll, visibleRows, type Window } from "../lib/virtual";
import { CloudStateCell } from "./CloudState";
import { dragPayload, setDragPayload } from "./drag";
import { Icon } from "./Icon";
import { songsPainted } from "../perf";

export const ROW_HEIGHT = 30;

export type ColumnId = "position" | "title" | "artist" | "album" | "duration" | "year" | "genre" | "plays" | "added" | "cloud";

interface Column {
  id: ColumnId;
  label: string;
  /** The order clicking the header asks for; none for columns that do not sort. */
  sort?: TrackSort;
  width: number;
  numeric?: boolean;
  cell: (track: TrackRow, index: number, live: TrackUpload | undefined) => React.ReactNode;
}

export const COLUMNS: Record<ColumnId, Column> = {
  position: { id: "position", label: "#", width: 48, numeric: true, cell: (_, index) => index + 1 },
  title: { id: "title", label: "Title", sort: "title", width: 280, cell: (t) => <TitleCell track={t} /> },
  artist: { id: "artist", label: "Artist", sort: "artist", width: 200, cell: (t) => artistName(t.artist) },
  album: { id: "album", label: "Album", sort: "album", width: 200, cell: (t) => <AlbumCell track={t} /> },
  duration: { id: "duration", label: "Time", sort: "duration", width: 64, numeric: true, cell: (t) => formatDuration(t.duration_ms) },
  year: { id: "year", label: "Year", sort: "year", width: 60, numeric: true, cell: (t) => t.year ?? "" },
  genre: { id: "genre", label: "Genre", sort: "genre", width: 120, cell: (t) => t.genre ?? "" },
  plays: { id: "plays", label: "Plays", sort: "plays", width: 60, numeric: true, cell: (t) => (t.play_count > 0 ? t.play_count : "") },
  added: { id: "added", label: "Added", sort: "added", width: 110, cell: (t) => formatDate(t.added_at) },
  cloud: { id: "cloud", label: "Cloud", width: 44, cell: (t, _, live) => <CloudStateCell track={t} live={live} /> },
};

/** A song's title. A file that cannot be read has only its name: shown whole, marked, with
 * why for screen readers (the row's tooltip says it to the eye). */
function TitleCell({ track }: { track: TrackRow }) {
  if (track.state !== "unreadable") {
    return (
      <>
        {track.loved && <LovedMark />}
        {track.title}
      </>
    );
  }
  return (
    <span className="tracks__unreadable">
      <Icon name="alert" size={13} />
      {fileName(track.path)}
      <span className="visually-hidden"> (cannot be read{track.state_reason ? `: ${track.state_reason}` : ""})</span>
    </span>
  );
}

/** A small heart at the end of a loved song's title. It comes first in the cell and floats
 * right, so a long title is cut with an ellipsis before it instead of hiding it, and the title
 * stays the cell's own text. */
function LovedMark() {
  return (
    <span className="tracks__loved" role="img" aria-label="Loved" title="Loved">
      <Icon name="heart" size={12} filled />
    </span>
  );
}

/** A song's album, or for a file with none (untagged, unreadable) the folder it is in, so
 * two files of one name in two folders are told apart. */
function AlbumCell({ track }: { track: TrackRow }) {
  if (track.album !== null) return <>{track.album}</>;
  const folder = folderName(track.path);
  if (!folder) return null;
  return (
    <span className="tracks__folder">
      <Icon name="folder" size={13} />
      <span className="visually-hidden">In the folder </span>
      {folder}
    </span>
  );
}

/** What a row's tooltip says of a song that cannot play from its file, and where it is. */
export function rowNote(track: TrackRow): string | undefined {
  switch (track.state) {
    case "unreadable":
      return `Tonearm cannot read this file${track.state_reason ? `: ${track.state_reason}` : ""}.\n${track.path}`;
    case "missing":
      return `This song's file was not found at the last scan.\n${track.path}`;
    default:
      return undefined;
  }
}

export const LIBRARY_COLUMNS: readonly ColumnId[] = ["title", "cloud", "artist", "album", "duration", "year", "genre", "plays", "added"];
export const MIN_COLUMN_WIDTH = 32;

/** Columns that grow and shrink with the window unless the user sized them. */
const FLEXIBLE: readonly ColumnId[] = ["title", "artist", "album"];
/** A flexible column shrinks no further: past this, the table scrolls sideways. */
const MIN_FLEXIBLE_WIDTH = 110;

/**
 * Widths that fill `available` pixels: the flexible columns share what the fixed ones leave,
 * in proportion to their own widths, down to a minimum. Pure, for tests.
 */
export function fitColumns(columns: readonly { width: number; flexible: boolean }[], available: number): number[] {
  const flexibleTotal = columns.reduce((sum, c) => sum + (c.flexible ? c.width : 0), 0);
  if (available <= 0 || flexibleTotal === 0) return columns.map((c) => c.width);
  const fixedTotal = columns.reduce((sum, c) => sum + (c.flexible ? 0 : c.width), 0);
  const scale = Math.max(0, available - fixedTotal) / flexibleTotal;
  return columns.map((c) => (c.flexible ? Math.max(MIN_FLEXIBLE_WIDTH, Math.floor(c.width * scale)) : c.width));
}

/** Where a list's rows come from; `rowAt` is undefined for a row not fetched yet. */
export interface RowSource {
  total: number;
  rowAt(index: number): TrackRow | undefined;
  /** Stable key of row `index` (a track id, or a playlist entry id). */
  keyAt(index: number): string | undefined;
  /** The track ids of these rows, fetching what is not loaded. */
  idsOf(indices: readonly number[]): Promise<string[]>;
  /** The library list these rows are, when they are one: the player reads it itself. */
  list?: LibraryList;
}

/** A library list as the shell reads it: which songs, in which order. */
export interface LibraryList {
  filter: TrackFilter;
  sort: TrackSort;
  descending: boolean;
}

export interface SortState {
  sort: TrackSort;
  descending: boolean;
}

/** What the table asks its owner to do. */
export interface TrackTableActions {
  /** Double-click or Enter: play the list from this row. */
  onPlay(index: number): void;
  /** Right-click or the menu key, on these rows, at this point of the screen. */
  onContextMenu?(indices: number[], at: { x: number; y: number }): void;
  /** Delete or Backspace on the selection (a playlist removes, the library does not). */
  onDelete?(indices: number[]): void;
  /** Rows dragged (or moved with Alt+arrows) to before row `to` (`total` = the end). */
  onReorder?(indices: number[], to: number): void;
  /** Tracks dragged in from another list, dropped before row `to`. */
  onDropTracks?(trackIds: string[], to: number): void;
}

export interface TrackTableProps extends TrackTableActions {
  label: string;
  rows: RowSource;
  columns: readonly ColumnId[];
  /** Widths the user set, by column. */
  widths?: Partial<Record<ColumnId, number>>;
  onResize?(column: ColumnId, width: number): void;
  sort?: SortState;
  onSort?(sort: SortState): void;
  /** The rows drawn changed (the owner fetches them). */
  onWindowChange?(window: Window): void;
  /** The track playing, whose rows are marked. */
  playingTrackId?: string | null;
  /** Where the list came from, for drags (a playlist does not accept its own rows as new). */
  dragSource: string;
}

export function TrackTable(props: TrackTableProps) {
  const { rows, columns, sort, label } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  // The scroller's size, unknown until the first commit has laid it out. Until then no rows
  // are drawn: rows drawn for a guessed size would be laid out, then drawn and laid out
  // again at the real one (a new search page's first results paid that twice).
  const [box, setBox] = useState<{ height: number; width: number } | null>(null);
  const viewport = box?.height ?? 600;
  const available = box?.width ?? 0;
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [dropAt, setDropAt] = useState<number | null>(null);
  const total = rows.total;
  const id = useMemo(() => `grid-${Math.random().toString(36).slice(2, 8)}`, []);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () => {
      const height = element.clientHeight || 600;
      const width = element.clientWidth;
      setBox((current) => (current?.height === height && current.width === width ? current : { height, width }));
    };
    measure();
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(measure);
    observer?.observe(element);
    return () => observer?.disconnect();
  }, []);

  const window = box ? visibleRows(scrollTop, viewport, ROW_HEIGHT, total) : { first: 0, last: 0 };
  const { onWindowChange } = props;
  useEffect(() => {
    onWindowChange?.(window);
    // Only the bounds matter, not the object.
  }, [window.first, window.last, onWindowChange]); // eslint-disable-line react-hooks/exhaustive-deps

  const firstLoaded = window.last > window.first && rows.rowAt(window.first) !== undefined;
  useEffect(() => {
    if (firstLoaded) songsPainted();
  }, [firstLoaded]);

  // A shorter list (a search narrowed, a track removed) keeps what is still there selected.
  useEffect(() => setSelection((current) => clamp(current, total)), [total]);

  // While a column's edge is dragged, its width follows the pointer; the owner hears the end.
  const [resizing, setResizing] = useState<{ column: ColumnId; width: number } | null>(null);
  const widths = fitColumns(
    columns.map((column) => ({
      width: Math.max(MIN_COLUMN_WIDTH, resizing?.column === column ? resizing.width : (props.widths?.[column] ?? COLUMNS[column].width)),
      // Text columns the user has not sized share the room the others leave.
      flexible: FLEXIBLE.includes(column) && resizing?.column !== column && props.widths?.[column] === undefined,
    })),
    available,
  );
  const template: CSSProperties = { gridTemplateColumns: widths.map((w) => `${w}px`).join(" ") };
  const rowWidth = widths.reduce((sum, w) => sum + w, 0);

  const reveal = useCallback(
    (index: number) => {
      const element = scroller.current;
      if (!element) return;
      const next = scrollToShow(index, element.scrollTop, element.clientHeight || viewport, ROW_HEIGHT);
      if (next !== element.scrollTop) element.scrollTop = next;
    },
    [viewport],
  );

  const select = (next: Selection) => {
    setSelection(next);
    if (next.focus !== null) reveal(next.focus);
  };

  const openMenu = (indices: number[], x: number, y: number) => props.onContextMenu?.(indices, { x, y });

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const toggle = event.ctrlKey || event.metaKey;
    const page = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);
    const focus = selection.focus;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        const delta = event.key === "ArrowDown" ? 1 : -1;
        if (event.altKey && props.onReorder && selectedCount(selection) > 0) {
          const indices = selectedIndices(selection);
          const [lowest, highest] = [indices[0] ?? 0, indices.at(-1) ?? 0];
          const to = delta > 0 ? Math.min(total, highest + 2) : Math.max(0, lowest - 1);
          props.onReorder(indices, to);
          const shift = delta > 0 ? Math.min(1, total - 1 - highest) : -Math.min(1, lowest);
          setSelection({
            ranges: selection.ranges.map(([a, b]) => [a + shift, b + shift] as [number, number]),
            anchor: selection.anchor === null ? null : selection.anchor + shift,
            focus: focus === null ? null : focus + shift,
          });
        } else select(move(selection, delta, total, { shift: event.shiftKey }));
        break;
      }
      case "PageDown":
      case "PageUp":
        select(move(selection, event.key === "PageDown" ? page : -page, total, { shift: event.shiftKey }));
        break;
      case "Home":
        select(move({ ...selection, focus: 0 }, 0, total, { shift: event.shiftKey }));
        break;
      case "End":
        select(move({ ...selection, focus: total - 1 }, 0, total, { shift: event.shiftKey }));
        break;
      case "Enter":
        if (focus !== null) props.onPlay(focus);
        break;
      case "a":
      case "A":
        if (!toggle) return;
        setSelection(selectAll(total));
        break;
      case "Delete":
      case "Backspace":
        if (!props.onDelete || selectedCount(selection) === 0) return;
        props.onDelete(selectedIndices(selection));
        break;
      case "ContextMenu":
      case "F10": {
        if (event.key === "F10" && !event.shiftKey) return;
        if (focus === null) return;
        const rect = grid.current?.getBoundingClientRect();
        const y = (rect?.top ?? 0) + 40 + focus * ROW_HEIGHT - (scroller.current?.scrollTop ?? 0);
        openMenu(selectedIndices(selection), (rect?.left ?? 0) + 80, y);
        break;
      }
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  function onRowMouseDown(event: MouseEvent, index: number) {
    if (event.button !== 0) return;
    // A plain press on a selected row keeps the selection, so it can be dragged as a whole.
    if (!event.shiftKey && !event.ctrlKey && !event.metaKey && isSelected(selection, index)) return;
    select(click(selection, index, { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey }));
  }

  function onRowClick(event: MouseEvent, index: number) {
    if (event.shiftKey || event.ctrlKey || event.metaKey) return;
    if (isSelected(selection, index) && selectedCount(selection) > 1) select(click(selection, index));
  }

  function onRowContextMenu(event: MouseEvent, index: number) {
    event.preventDefault();
    const next = contextClick(selection, index);
    setSelection(next);
    grid.current?.focus();
    openMenu(selectedIndices(next), event.clientX, event.clientY);
  }

  function onDragStart(event: DragEvent, index: number) {
    const current = isSelected(selection, index) ? selection : click(selection, index);
    if (current !== selection) setSelection(current);
    const indices = selectedIndices(current);
    setDragPayload({ source: props.dragSource, indices, trackIds: () => rows.idsOf(indices) });
    event.dataTransfer.effectAllowed = props.onReorder ? "copyMove" : "copy";
    event.dataTransfer.setData("text/plain", `${indices.length} ${indices.length === 1 ? "song" : "songs"}`);
  }

  const accepts = (): boolean => {
    const payload = dragPayload();
    if (!payload) return false;
    return payload.source === props.dragSource ? Boolean(props.onReorder) : Boolean(props.onDropTracks);
  };

  function onDragOver(event: DragEvent) {
    if (!accepts()) return;
    event.preventDefault();
    // The body's box moves with the scroll, so this is the offset into the whole list.
    const y = event.clientY - event.currentTarget.getBoundingClientRect().top;
    setDropAt(Math.max(0, Math.min(total, Math.round(y / ROW_HEIGHT))));
    event.dataTransfer.dropEffect = dragPayload()?.source === props.dragSource ? "move" : "copy";
  }

  async function onDrop(event: DragEvent) {
    const payload = dragPayload();
    const to = dropAt ?? total;
    setDropAt(null);
    if (!payload || !accepts()) return;
    event.preventDefault();
    setDragPayload(null);
    if (payload.source === props.dragSource) props.onReorder?.(payload.indices, to);
    else props.onDropTracks?.(await payload.trackIds(), to);
  }

  // Row handlers read the latest state through a ref, so rows that did not change are not
  // drawn again while the list scrolls.
  const latest = useRef({ onRowMouseDown, onRowClick, onRowContextMenu, onDragStart, onPlay: props.onPlay });
  latest.current = { onRowMouseDown, onRowClick, onRowContextMenu, onDragStart, onPlay: props.onPlay };
  const handlers = useMemo<RowHandlers>(
    () => ({
      mouseDown: (event, index) => latest.current.onRowMouseDown(event, index),
      click: (event, index) => latest.current.onRowClick(event, index),
      contextMenu: (event, index) => latest.current.onRowContextMenu(event, index),
      dragStart: (event, index) => latest.current.onDragStart(event, index),
      dragEnd: () => {
        setDragPayload(null);
        setDropAt(null);
      },
      play: (index) => latest.current.onPlay(index),
    }),
    [],
  );
  const live = useLiveUploads();
  const columnKey = columns.join(",");
  const gridTemplate = template.gridTemplateColumns as string;

  // Rows are keyed by their index modulo 128, not by their song: a row that stays in view
  // keeps its element while its song loads or changes, and a jump further than 128 rows
  // reuses the rows it leaves. Keying by the window's exact size, so that continuous
  // scrolling reuses each leaving row for the one coming in, measured the same (memory and
  // frames, docs/benchmarks.md) and is not done.
  const slots = Math.max(128, window.last - window.first);
  const drawn = [];
  for (let index = window.first; index < window.last; index++) {
    const track = rows.rowAt(index);
    drawn.push(
      <Row
        key={index % slots}
        id={`${id}-${index}`}
        index={index}
        track={track}
        live={track ? live.get(track.id) : undefined}
        selected={isSelected(selection, index)}
        playing={Boolean(props.playingTrackId) && track?.id === props.playingTrackId}
        columnKey={columnKey}
        gridTemplate={gridTemplate}
        width={rowWidth}
        handlers={handlers}
      />,
    );
  }

  return (
    <div
      ref={grid}
      className="tracks"
      role="grid"
      aria-label={label}
      aria-rowcount={total + 1}
      aria-colcount={columns.length}
      aria-multiselectable="true"
      aria-activedescendant={selection.focus !== null ? `${id}-${selection.focus}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-selected-count={selectedCount(selection)}
    >
      <div className="tracks__scroll" ref={scroller} onScroll={(event) => setScrollTop(snapScroll(event.currentTarget.scrollTop, ROW_HEIGHT))}>
        <div role="rowgroup" className="tracks__head" style={{ width: rowWidth }}>
          <div role="row" aria-rowindex={1} className="tracks__header-row" style={template}>
            {columns.map((column, position) => (
              <HeaderCell
                key={column}
                column={COLUMNS[column]}
                width={widths[position] ?? COLUMNS[column].width}
                sort={sort}
                onSort={props.onSort}
                onResizing={props.onResize ? (width) => setResizing(width === null ? null : { column, width }) : undefined}
                onResize={props.onResize}
              />
            ))}
          </div>
        </div>
        <div
          role="rowgroup"
          className="tracks__body"
          // The rows drawn follow one another in the page's flow, after a padding as tall as
          // the rows above them: a row placed by its own transform is a layer of its own to
          // WebKit, and the frames that added rows cost more (docs/benchmarks.md).
          style={{ height: total * ROW_HEIGHT, width: rowWidth, paddingTop: window.first * ROW_HEIGHT }}
          onDragOver={onDragOver}
          onDragLeave={() => setDropAt(null)}
          onDrop={(event) => void onDrop(event)}
        >
          {drawn}
          {dropAt !== null && <div className="tracks__drop" style={{ transform: `translateY(${dropAt * ROW_HEIGHT - 1}px)`, width: rowWidth }} />}
        </div>
      </div>
    </div>
  );
}

function HeaderCell({
  column,
  width,
  sort,
  onSort,
  onResizing,
  onResize,
}: {
  column: Column;
  width: number;
  sort?: SortState;
  onSort?: (sort: SortState) => void;
  onResizing?: (width: number | null) => void;
  onResize?: (column: ColumnId, width: number) => void;
}) {
  const start = useRef<{ x: number; width: number; last: number } | null>(null);
  const sorted = sort && column.sort && sort.sort === column.sort;
  const sortable = Boolean(onSort && column.sort);

  function toggleSort() {
    if (!onSort || !column.sort) return;
    onSort({ sort: column.sort, descending: sorted ? !sort.descending : false });
  }

  function onPointerDown(event: PointerEvent<HTMLSpanElement>) {
    event.stopPropagation();
    event.currentTarget.setPointerCapture?.(event.pointerId);
    start.current = { x: event.clientX, width, last: width };
  }
  function onPointerMove(event: PointerEvent<HTMLSpanElement>) {
    if (!start.current) return;
    start.current.last = Math.max(MIN_COLUMN_WIDTH, Math.round(start.current.width + event.clientX - start.current.x));
    onResizing?.(start.current.last);
  }
  function onPointerUp() {
    if (start.current && start.current.last !== start.current.width) onResize?.(column.id, start.current.last);
    start.current = null;
    onResizing?.(null);
  }

  return (
    <div
      role="columnheader"
      aria-sort={sorted ? (sort.descending ? "descending" : "ascending") : sortable ? "none" : undefined}
      className={`tracks__header${column.numeric ? " num" : ""}`}
      data-column={column.id}
    >
      {sortable ? (
        <button type="button" className="tracks__sort" onClick={toggleSort}>
          {column.label}
          {sorted && <span aria-hidden="true">{sort.descending ? " ▾" : " ▴"}</span>}
        </button>
      ) : (
        <span className="tracks__sort">{column.label}</span>
      )}
      {onResize && (
        <span
          className="tracks__resize"
          role="separator"
          aria-orientation="vertical"
          aria-label={`Resize ${column.label}`}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onDoubleClick={() => onResize(column.id, column.width)}
        />
      )}
    </div>
  );
}

interface RowHandlers {
  mouseDown(event: MouseEvent, index: number): void;
  click(event: MouseEvent, index: number): void;
  contextMenu(event: MouseEvent, index: number): void;
  dragStart(event: DragEvent, index: number): void;
  dragEnd(): void;
  play(index: number): void;
}

interface RowProps {
  id: string;
  index: number;
  track: TrackRow | undefined;
  live: TrackUpload | undefined;
  selected: boolean;
  playing: boolean;
  /** The columns, joined: a string, so an equal list is equal. */
  columnKey: string;
  gridTemplate: string;
  width: number;
  handlers: RowHandlers;
}

/** One song row; drawn again only when what it shows changes. */
const Row = memo(function Row({ id, index, track, live, selected, playing, columnKey, gridTemplate, width, handlers }: RowProps) {
  return (
    <div
      id={id}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`tracks__row${selected ? " is-selected" : ""}${playing ? " is-playing" : ""}`}
      data-state={track?.state}
      data-index={index}
      style={{ gridTemplateColumns: gridTemplate, width }}
      title={track ? rowNote(track) : undefined}
      draggable={track !== undefined}
      onMouseDown={(event) => handlers.mouseDown(event, index)}
      onClick={(event) => handlers.click(event, index)}
      onDoubleClick={() => handlers.play(index)}
      onContextMenu={(event) => handlers.contextMenu(event, index)}
      onDragStart={(event) => handlers.dragStart(event, index)}
      onDragEnd={handlers.dragEnd}
    >
      {(columnKey.split(",") as ColumnId[]).map((column) => (
        <div key={column} role="gridcell" className={`tracks__cell${COLUMNS[column].numeric ? " num" : ""}`} data-column={column}>
          {track ? COLUMNS[column].cell(track, index, live) : column === "title" ? <span className="tracks__loading">Loading…</span> : null}
        </div>
      ))}
    </div>
  );
});
