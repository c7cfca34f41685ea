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

const NO_ENTRIES: readonly QueueEntry[] = [];

/**
 * The list index (`{kind: "move", to}`) that makes upcoming[from] play right before
 * upcoming[before] (`before` = upcoming.length: after the last one). The engine takes the
 * entry out of the list, then puts it at `to` of what is left. Null when nothing would move.
 */
export function queueMoveTarget(upcoming: readonly QueueEntry[], from: number, before: number): number | null {
  const moving = upcoming[from];
  if (moving === undefined || before < 0 || before > upcoming.length || before === from || before === from + 1) return null;
  // Where a list index lands once the moving entry is out of the list.
  const without = (index: number) => (moving.list_index < index ? index - 1 : index);
  const anchor = upcoming[before];
  if (anchor !== undefined) return without(anchor.list_index);
  const last = upcoming[before - 1];
  return last === undefined ? null : without(last.list_index) + 1;
}

/**
 * The player view after that move, as the engine will report it (unshuffled queues only: the
 * entries to come then follow each other in the list, so they keep its places in their new
 * order).
 */
function moved(view: PlayerView, from: number, before: number): PlayerView {
  const upcoming = [...view.upcoming];
  const [entry] = upcoming.splice(from, 1);
  if (entry === undefined) return view;
  upcoming.splice(before > from ? before - 1 : before, 0, entry);
  const places = view.upcoming.map((e) => e.list_index).sort((a, b) => a - b);
  return { ...view, upcoming: upcoming.map((e, at) => ({ ...e, list_index: places[at] ?? e.list_index })) };
}

/** The player's state but its position: the panel need not draw again four times a second. */
function withoutPosition({ position_ms: _, ...view }: PlayerView): Omit<PlayerView, "position_ms"> {
  return view;
}

export function QueuePanel({ onClose }: { onClose: () => void }) {
  const player = usePlayer(withoutPosition);
  const control = useControlPlayer();
  const client = useQueryClient();
  const toast = useToast();
  const panel = useRef<HTMLElement>(null);
  const view = player.data;
  // The first entries to come (the player sends a few hundred, however long the queue).
  const shown = view?.upcoming ?? NO_ENTRIES;
  // Moving changes the list order; while shuffled the play order (what is shown) would not follow.
  const canMove = !view?.status.shuffle;

  const ids = useMemo(() => [...new Set(shown.map((next) => next.track_id))], [shown]);
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
  }, [shown]);

  const send = (command: PlayerControl) => control.mutate(command, { onError: (error) => toast(describeError(error), "error") });

  const move = (from: number, before: number, keepFocus = false) => {
    if (!view || !canMove) return;
    const entry = shown[from]?.entry;
    const to = queueMoveTarget(shown, from, before);
    if (entry === undefined || to === null) return;
    if (keepFocus) focusAfterMove.current = entry;
    // Show the new order now; the engine's "queue" event brings the real one.
    void client.cancelQueries({ queryKey: queryKeys.player });
    client.setQueryData<PlayerView>(queryKeys.player, (old) => (old ? moved(old, from, before) : old));
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
      <button type="button" className="button button--small" disabled={!view?.queue_length} onClick={() => send({ kind: "clear" })}>
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
  } else if (view.queue_length === 0) {
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
                {shown.map(({ entry, track_id }, position) => (
                  <QueueRow
                    key={entry}
                    entry={entry}
                    track={byId.get(track_id)}
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
              {view.upcoming_total > shown.length && (
                <p className="queue-panel__more" data-testid="queue-more">
                  and {plural(view.upcoming_total - shown.length, "more song")}
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
