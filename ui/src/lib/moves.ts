// Moving entries of a list as a playlist edit does: the order a sequence of moves gives, so
// a list can show it before the data layer (desktop or web) has applied them.

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
