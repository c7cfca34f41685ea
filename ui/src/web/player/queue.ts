// The web player's queue as data: the entries in list order, the play order when shuffled,
// which entry is current, and what comes next under each repeat mode. Pure, so the rules
// (play next, shuffle, repeat, remove the current song) are tested without any audio.
import type { PlayerView, QueueEntry, Repeat } from "@data";

/** An entry of the queue: its own id (a song may be queued twice) and the song. */
export type Entry = Omit<QueueEntry, "list_index">;

/** How many of the entries to come the player's view carries, as the desktop's does. */
export const UPCOMING_SENT = 200;

export interface Queue {
  /** In list order (what the queue panel shows). */
  readonly entries: readonly Entry[];
  /** The play order while shuffle is on: entry ids, the current one first among those left. */
  readonly shuffled: readonly number[] | null;
  readonly current: number | null;
  readonly repeat: Repeat;
  /** The id the next new entry takes (entries are not tracks: a song may be queued twice). */
  readonly nextId: number;
}

export const emptyQueue: Queue = { entries: [], shuffled: null, current: null, repeat: "off", nextId: 1 };

/** The entry ids in play order. */
export function playOrder(queue: Queue): number[] {
  return queue.shuffled ? [...queue.shuffled] : queue.entries.map((e) => e.entry);
}

/** The entries after the current one, in play order (without wrapping around). */
export function upcoming(queue: Queue): number[] {
  const order = playOrder(queue);
  const at = queue.current === null ? -1 : order.indexOf(queue.current);
  return order.slice(at + 1);
}

/**
 * What plays after the current entry. `automatic` is the end of a song (repeat one plays it
 * again); a press of Next always moves on. Repeat all wraps to the start.
 */
export function following(queue: Queue, automatic: boolean): number | null {
  if (queue.current === null) return playOrder(queue)[0] ?? null;
  if (automatic && queue.repeat === "one") return queue.current;
  const next = upcoming(queue)[0];
  if (next !== undefined) return next;
  return queue.repeat === "all" ? (playOrder(queue)[0] ?? null) : null;
}

/** The entry before the current one in play order (repeat all wraps to the end). */
export function preceding(queue: Queue): number | null {
  const order = playOrder(queue);
  const at = queue.current === null ? -1 : order.indexOf(queue.current);
  if (at > 0) return order[at - 1] ?? null;
  return queue.repeat === "all" ? (order.at(-1) ?? null) : null;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** The queue as the player's view describes it: its length and the first entries to come. */
export function described(queue: Queue): Pick<PlayerView, "queue_length" | "upcoming" | "upcoming_total"> {
  const next = upcoming(queue);
  const places = new Map(queue.entries.map((e, at) => [e.entry, at]));
  return {
    queue_length: queue.entries.length,
    upcoming: next.slice(0, UPCOMING_SENT).flatMap((entry) => {
      const list_index = places.get(entry);
      const track_id = list_index === undefined ? undefined : queue.entries[list_index]?.track_id;
      return list_index === undefined || track_id === undefined ? [] : [{ entry, track_id, list_index }];
    }),
    upcoming_total: next.length,
  };
}

function mint(queue: Queue, trackIds: readonly string[]): { entries: Entry[]; nextId: number } {
  const entries = trackIds.map((track_id, index) => ({ entry: queue.nextId + index, track_id }));
  return { entries, nextId: queue.nextId + trackIds.length };
}

/** A new queue of `trackIds`, `start` current (shuffled after it when shuffle is on). */
export function replace(queue: Queue, trackIds: readonly string[], start: number, random = Math.random): Queue {
  const { entries, nextId } = mint(queue, trackIds);
  const current = entries[Math.max(0, Math.min(start, entries.length - 1))]?.entry ?? null;
  const next: Queue = { ...queue, entries, current, nextId, shuffled: null };
  return queue.shuffled ? setShuffle(next, true, random) : next;
}

/** Tracks right after the current entry (in list order and in play order). */
export function playNext(queue: Queue, trackIds: readonly string[]): Queue {
  const { entries: added, nextId } = mint(queue, trackIds);
  const ids = added.map((e) => e.entry);
  const at = queue.current === null ? 0 : queue.entries.findIndex((e) => e.entry === queue.current) + 1;
  const entries = [...queue.entries.slice(0, at), ...added, ...queue.entries.slice(at)];
  let shuffled = queue.shuffled;
  if (shuffled) {
    const cur = queue.current === null ? 0 : shuffled.indexOf(queue.current) + 1;
    shuffled = [...shuffled.slice(0, cur), ...ids, ...shuffled.slice(cur)];
  }
  return { ...queue, entries, shuffled, nextId, current: queue.current ?? ids[0] ?? null };
}

/** Tracks at the end (at random places among those still to play, when shuffled). */
export function add(queue: Queue, trackIds: readonly string[], random = Math.random): Queue {
  const { entries: added, nextId } = mint(queue, trackIds);
  let shuffled = queue.shuffled;
  if (shuffled) {
    const cur = queue.current === null ? 0 : shuffled.indexOf(queue.current) + 1;
    const rest = shuffle([...shuffled.slice(cur), ...added.map((e) => e.entry)], random);
    shuffled = [...shuffled.slice(0, cur), ...rest];
  }
  return { ...queue, entries: [...queue.entries, ...added], shuffled, nextId, current: queue.current ?? added[0]?.entry ?? null };
}

/** Takes entries out; a removed current entry gives way to the one that followed it. */
export function remove(queue: Queue, gone: readonly number[]): Queue {
  const set = new Set(gone);
  let current = queue.current;
  if (current !== null && set.has(current)) {
    const order = playOrder(queue);
    const after = order.slice(order.indexOf(current) + 1).find((id) => !set.has(id));
    current = after ?? null;
  }
  return {
    ...queue,
    entries: queue.entries.filter((e) => !set.has(e.entry)),
    shuffled: queue.shuffled?.filter((id) => !set.has(id)) ?? null,
    current,
  };
}

/** Moves an entry to index `to` of the list (the play order follows unless shuffled). */
export function move(queue: Queue, entry: number, to: number): Queue {
  const item = queue.entries.find((e) => e.entry === entry);
  if (!item) return queue;
  const others = queue.entries.filter((e) => e !== item);
  const at = Math.max(0, Math.min(to, others.length));
  return { ...queue, entries: [...others.slice(0, at), item, ...others.slice(at)] };
}

/** Shuffle on: the current entry first, the rest in a random order; off: list order again. */
export function setShuffle(queue: Queue, on: boolean, random = Math.random): Queue {
  if (!on) return { ...queue, shuffled: null };
  const rest = queue.entries.map((e) => e.entry).filter((id) => id !== queue.current);
  const order = shuffle(rest, random);
  return { ...queue, shuffled: queue.current === null ? order : [queue.current, ...order] };
}
