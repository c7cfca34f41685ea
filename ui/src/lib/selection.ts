// Multi-selection in a long list, as desktop apps do it: click selects one, Ctrl/Cmd+click
// toggles one, Shift+click extends from the anchor, and Ctrl+A takes everything. Kept as
// sorted, disjoint index ranges so selecting 100,000 songs costs two numbers, not 100,000.
// Pure functions, tested on their own.

/** Inclusive index ranges, sorted and disjoint, with the anchor Shift extends from. */
export interface Selection {
  readonly ranges: readonly (readonly [number, number])[];
  readonly anchor: number | null;
  /** The row the keyboard is on. */
  readonly focus: number | null;
}

export const emptySelection: Selection = { ranges: [], anchor: null, focus: null };

export interface Modifiers {
  shift?: boolean;
  /** Ctrl on Linux and Windows, Cmd on macOS. */
  toggle?: boolean;
}

function normalise(ranges: (readonly [number, number])[]): [number, number][] {
  const sorted = ranges.map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = out.at(-1);
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

function without(ranges: readonly (readonly [number, number])[], index: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [start, end] of ranges) {
    if (index < start || index > end) out.push([start, end]);
    else {
      if (start < index) out.push([start, index - 1]);
      if (index < end) out.push([index + 1, end]);
    }
  }
  return out;
}

export function isSelected(selection: Selection, index: number): boolean {
  return selection.ranges.some(([start, end]) => index >= start && index <= end);
}

export function selectedCount(selection: Selection): number {
  return selection.ranges.reduce((sum, [start, end]) => sum + end - start + 1, 0);
}

/** Every selected index, in order. */
export function selectedIndices(selection: Selection): number[] {
  const out: number[] = [];
  for (const [start, end] of selection.ranges) for (let i = start; i <= end; i++) out.push(i);
  return out;
}

/** A click (or Enter/Space on a row) with the given modifiers. */
export function click(selection: Selection, index: number, { shift, toggle }: Modifiers = {}): Selection {
  if (shift && selection.anchor !== null) {
    const range: [number, number] = [selection.anchor, index];
    const ranges = toggle ? normalise([...selection.ranges, range]) : normalise([range]);
    return { ranges, anchor: selection.anchor, focus: index };
  }
  if (toggle) {
    const ranges = isSelected(selection, index)
      ? without(selection.ranges, index)
      : normalise([...selection.ranges, [index, index]]);
    return { ranges, anchor: index, focus: index };
  }
  return { ranges: [[index, index]], anchor: index, focus: index };
}

/** A right-click: a row outside the selection becomes the selection; inside, it stays. */
export function contextClick(selection: Selection, index: number): Selection {
  return isSelected(selection, index) ? { ...selection, focus: index } : click(selection, index);
}

/** Arrow keys: move the focus by `delta` rows (clamped), selecting it, or extending with Shift. */
export function move(selection: Selection, delta: number, total: number, { shift }: Modifiers = {}): Selection {
  if (total === 0) return emptySelection;
  const from = selection.focus ?? (delta > 0 ? -1 : total);
  const index = Math.max(0, Math.min(total - 1, from + delta));
  return click(selection, index, { shift: shift && selection.anchor !== null });
}

export function selectAll(total: number): Selection {
  return total === 0 ? emptySelection : { ranges: [[0, total - 1]], anchor: 0, focus: 0 };
}

/** Keeps only indices below `total` (the list got shorter). */
export function clamp(selection: Selection, total: number): Selection {
  const ranges = selection.ranges
    .filter(([start]) => start < total)
    .map(([start, end]) => [start, Math.min(end, total - 1)] as [number, number]);
  const inside = (i: number | null) => (i !== null && i < total ? i : null);
  return { ranges, anchor: inside(selection.anchor), focus: inside(selection.focus) };
}
