// The "Up next" side panel: the song playing and the ones after it, in the order they will
// play (shuffled or not). Songs can be jumped to, removed, and reordered by dragging or with
// Alt+arrows. A queue can hold 100,000 entries, so only the first ones are fetched and drawn.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import "../styles/playlists.css";
import {
  describeError,
  queryKeys,
  useControlPlayer,
  usePlayer,
  useTracksById,
  type PlayerControl,
  type PlayerView,
  type QueueEntry,
  type Track,
} from "@data";
import { formatDuration, plural } from "../lib/format";
import { Icon } from "./Icon";
import { useToast } from "./Toast";

/** How many upcoming songs are fetched and drawn. */
export const QUEUE_SHOWN = 200;

const NO_ENTRIES: readonly QueueEntry[] = [];
const NO_IDS: readonly number[] = [];

/**
 * The list index (`{kind: "move", to}`) that makes upcoming[from] play right before
 * upcoming[before] (`before` = upcoming.length: after the last one). The engine takes the
 * entry out of the list, then puts it at `to` of what is left. Null when nothing would move.
 */
export function queueMoveTarget(
  queue: readonly QueueEntry[],
  upcoming: readonly number[],
  from: number,
  before: number,
): number | null {
  const entry = upcoming[from];
  if (entry === undefined || before < 0 || before > upcoming.length || before === from || before === from + 1) return null;
  const list = queue.map((q) => q.entry).filter((e) => e !== entry);
  const anchor = upcoming[before];
  if (anchor !== undefined) {
    const at = list.indexOf(anchor);
    return at < 0 ? null : at;
  }
  const last = upcoming[before - 1];
  const at = last === undefined ? -1 : list.indexOf(last);
  return at < 0 ? null : at + 1;
}

/** The player view after that move, as the engine will report it (unshuffled queues only). */
function moved(view: PlayerView, entry: number, to: number, before: number): PlayerView {
  const item = view.queue.find((q) => q.entry === entry);
  if (!item) return view;
  const queue = view.queue.filter((q) => q !== item);
  queue.splice(to, 0, item);
  const upcoming = view.upcoming.filter((e) => e !== entry);
  const anchor = view.upcoming[before];
  const at = anchor === undefined ? upcoming.length : upcoming.indexOf(anchor);
  upcoming.splice(at < 0 ? upcoming.length : at, 0, entry);
  return { ...view, queue, upcoming };
}

export function QueuePanel({ onClose }: { onClose: () => void }) {
  const player = usePlayer();
  const control = useControlPlayer();
  const client = useQueryClient();
  const toast = useToast();
  const panel = useRef<HTMLElement>(null);
  const view = player.data;
  const queue = view?.queue ?? NO_ENTRIES;
  const upcoming = view?.upcoming ?? NO_IDS;
  // Moving changes the list order; while shuffled the play order (what is shown) would not follow.
  const canMove = !view?.status.shuffle;

  const trackOf = useMemo(() => new Map(queue.map((q) => [q.entry, q.track_id])), [queue]);
  const shown = useMemo(() => upcoming.slice(0, QUEUE_SHOWN), [upcoming]);
  const ids = useMemo(
    () => [...new Set(shown.map((entry) => trackOf.get(entry)).filter((id): id is string => id !== undefined))],
    [shown, trackOf],
  );
  const tracks = useTracksById(ids);
  const byId = useMemo(() => new Map((tracks.data ?? []).map((track) => [track.id, track])), [tracks.data]);

  const [dragging, setDragging] = useState<number | null>(null);
  const [dropBefore, setDropBefore] = useState<number | null>(null);
  const focusAfterMove = useRef<number | null>(null);

  // A row moved with the keyboard keeps the focus wherever it lands.
  useEffect(() => {
    const entry = focusAfterMove.current;
    if (entry === null) return;
    focusAfterMove.current = null;
    const row = panel.current?.querySelector<HTMLElement>(`[data-entry="${entry}"]`);
    if (row && document.activeElement !== row) row.focus();
  }, [upcoming]);

  const send = (command: PlayerControl) => control.mutate(command, { onError: (error) => toast(describeError(error), "error") });

  const move = (from: number, before: number, keepFocus = false) => {
    if (!view || !canMove) return;
    const entry = upcoming[from];
    const to = queueMoveTarget(queue, upcoming, from, before);
    if (entry === undefined || to === null) return;
    if (keepFocus) focusAfterMove.current = entry;
    // Show the new order now; the engine's "queue" event brings the real one.
    void client.cancelQueries({ queryKey: queryKeys.player });
    client.setQueryData<PlayerView>(queryKeys.player, (old) => (old ? moved(old, entry, to, before) : old));
    control.mutate(
      { kind: "move", entry, to },
      {
        onError: (error) => {
          void client.invalidateQueries({ queryKey: queryKeys.player });
          toast(describeError(error), "error");
        },
      },
    );
  };

  const onRowKeyDown = (event: KeyboardEvent<HTMLLIElement>, position: number, entry: number) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === "Enter") send({ kind: "jump_to", entry });
    else if (event.key === "Delete" || event.key === "Backspace") send({ kind: "remove", entries: [entry] });
    else if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      move(position, event.key === "ArrowUp" ? position - 1 : position + 2, true);
    } else if (!event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      const sibling = event.key === "ArrowUp" ? event.currentTarget.previousElementSibling : event.currentTarget.nextElementSibling;
      if (sibling instanceof HTMLElement) sibling.focus();
    } else return;
    event.preventDefault();
  };

  /** Drop before this row, or after it when the pointer is in its lower half. */
  const beforeOf = (event: DragEvent<HTMLElement>, position: number) => {
    const box = event.currentTarget.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2 ? position + 1 : position;
  };

  const endDrag = () => {
    setDragging(null);
    setDropBefore(null);
  };

  const header = (
    <div className="queue-panel__header">
      <h2 id="queue-title">Queue</h2>
      <button type="button" className="button button--small" disabled={queue.length === 0} onClick={() => send({ kind: "clear" })}>
        Clear
      </button>
      <button type="button" className="icon-button" aria-label="Close the queue" onClick={onClose}>
        <Icon name="close" />
      </button>
    </div>
  );

  let body;
  if (player.isError) {
    body = (
      <p role="alert" className="error">
        {describeError(player.error)}
      </p>
    );
  } else if (!view) {
    body = <p className="queue-panel__hint">Loading the queue…</p>;
  } else if (queue.length === 0) {
    body = <p className="queue-panel__hint">The queue is empty. Double-click a song, or choose Add to queue in its menu.</p>;
  } else {
    const current = view.current;
    body = (
      <>
        <section className="queue-panel__section" aria-labelledby="queue-now">
          <h3 id="queue-now">Now playing</h3>
          {current ? (
            <div className="queue-panel__now" data-testid="queue-now-playing">
              <span className="queue-panel__text">
                <span className="queue-panel__title">{current.track.title}</span>
                <span className="queue-panel__artist">{current.track.artist ?? "Unknown artist"}</span>
              </span>
              <span className="time">{formatDuration(current.duration_ms ?? current.track.duration_ms)}</span>
            </div>
          ) : (
            <p className="queue-panel__hint">Nothing is playing.</p>
          )}
        </section>
        <section className="queue-panel__section queue-panel__section--grow" aria-labelledby="queue-next">
          <h3 id="queue-next">Up next</h3>
          {shown.length === 0 ? (
            <p className="queue-panel__hint">Nothing after this song.</p>
          ) : (
            <>
              {canMove ? (
                <p className="queue-panel__hint" id="queue-keys">
                  Drag to reorder, or Alt+Up and Alt+Down. Enter plays, Delete removes.
                </p>
              ) : (
                <p className="queue-panel__hint" id="queue-keys">
                  Turn shuffle off to reorder. Enter plays, Delete removes.
                </p>
              )}
              <ol className="queue-panel__list" aria-label="Up next" aria-describedby="queue-keys" onDragLeave={() => setDropBefore(null)}>
                {shown.map((entry, position) => (
                  <QueueRow
                    key={entry}
                    entry={entry}
                    track={byId.get(trackOf.get(entry) ?? "")}
                    loading={tracks.isPending || tracks.isPlaceholderData}
                    draggable={canMove}
                    dropMark={
                      dragging === null ? null : dropBefore === position ? "before" : dropBefore === position + 1 && position === shown.length - 1 ? "after" : null
                    }
                    onJump={() => send({ kind: "jump_to", entry })}
                    onRemove={() => send({ kind: "remove", entries: [entry] })}
                    onKeyDown={(event) => onRowKeyDown(event, position, entry)}
                    onDragStart={(event) => {
                      setDragging(position);
                      event.dataTransfer.effectAllowed = "move";
                      event.dataTransfer.setData("text/plain", String(entry));
                    }}
                    onDragOver={(event) => {
                      if (dragging === null) return;
                      event.preventDefault();
                      event.dataTransfer.dropEffect = "move";
                      setDropBefore(beforeOf(event, position));
                    }}
                    onDrop={(event) => {
                      if (dragging === null) return;
                      event.preventDefault();
                      const from = dragging;
                      endDrag();
                      move(from, beforeOf(event, position));
                    }}
                    onDragEnd={endDrag}
                  />
                ))}
              </ol>
              {upcoming.length > shown.length && (
                <p className="queue-panel__more" data-testid="queue-more">
                  and {plural(upcoming.length - shown.length, "more song")}
                </p>
              )}
            </>
          )}
        </section>
      </>
    );
  }

  return (
    <aside ref={panel} className="queue-panel" aria-label="Queue">
      {header}
      <div className="queue-panel__body">{body}</div>
    </aside>
  );
}

function QueueRow(props: {
  entry: number;
  track: Track | undefined;
  loading: boolean;
  draggable: boolean;
  dropMark: "before" | "after" | null;
  onJump: () => void;
  onRemove: () => void;
  onKeyDown: (event: KeyboardEvent<HTMLLIElement>) => void;
  onDragStart: (event: DragEvent<HTMLLIElement>) => void;
  onDragOver: (event: DragEvent<HTMLLIElement>) => void;
  onDrop: (event: DragEvent<HTMLLIElement>) => void;
  onDragEnd: () => void;
}) {
  const { track } = props;
  const title = track?.title ?? (props.loading ? "Loading…" : "Unavailable");
  return (
    <li
      className={`queue-panel__row${props.dropMark ? ` is-drop-${props.dropMark}` : ""}`}
      data-entry={props.entry}
      data-state={track?.state}
      tabIndex={0}
      draggable={props.draggable}
      onDoubleClick={props.onJump}
      onKeyDown={props.onKeyDown}
      onDragStart={props.onDragStart}
      onDragOver={props.onDragOver}
      onDrop={props.onDrop}
      onDragEnd={props.onDragEnd}
    >
      {props.draggable && (
        <span className="queue-panel__grip" aria-hidden="true">
          <Icon name="grip" size={14} />
        </span>
      )}
      <span className="queue-panel__text">
        <span className="queue-panel__title">{title}</span>
        {track && <span className="queue-panel__artist">{track.artist ?? "Unknown artist"}</span>}
      </span>
      <span className="time">{formatDuration(track?.duration_ms)}</span>
      <button
        type="button"
        className="icon-button queue-panel__remove"
        aria-label={`Remove ${title} from the queue`}
        draggable={false}
        onClick={props.onRemove}
        onDoubleClick={(event) => event.stopPropagation()}
      >
        <Icon name="close" size={14} />
      </button>
    </li>
  );
}
