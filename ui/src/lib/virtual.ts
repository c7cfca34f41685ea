// Which rows of a long list to draw: the ones in view plus a margin, so scrolling never
// shows a blank row and a 100,000-row list costs as much as a 40-row one. Pure.

/** Rows drawn beyond each edge of the view. */
export const OVERSCAN = 8;

/**
 * The scroll position a window is drawn for: `scrollTop` snapped down to a multiple of
 * `overscan` rows. The rows drawn for the snapped position still cover the view anywhere up
 * to the next step (the margin below absorbs the difference), so a list is drawn again once
 * per `overscan` rows scrolled instead of on every pixel: each drawing of the songs table
 * leaves garbage that grows WebKit's memory (docs/benchmarks.md).
 */
export function snapScroll(scrollTop: number, rowHeight: number, overscan = OVERSCAN): number {
  const step = rowHeight * overscan;
  return step > 0 ? Math.floor(Math.max(scrollTop, 0) / step) * step : scrollTop;
}

export interface Window {
  /** First row to draw (inclusive). */
  first: number;
  /** Last row to draw (exclusive). */
  last: number;
}

export function visibleRows(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = OVERSCAN): Window {
  if (total <= 0 || rowHeight <= 0) return { first: 0, last: 0 };
  const top = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const bottom = Math.min(total, Math.ceil((scrollTop + Math.max(viewport, 0)) / rowHeight) + overscan);
  return { first: Math.min(top, total), last: Math.max(bottom, Math.min(top, total)) };
}

/**
 * Rows fetched past each edge of the rows drawn. Scrolling at a brisk four rows a frame, the
 * next page is asked for a dozen frames before its first row comes into view: its rows are
 * drawn once, with their songs, instead of blank and then again in the frame its answer lands.
 */
export const FETCH_AHEAD = 50;

/** The pages a list of `total` rows fetches while `window` is drawn: its own and the margin's. */
export function pagesToFetch(window: Window, pageSize: number, total: number, ahead = FETCH_AHEAD): number[] {
  if (window.last <= window.first) return [];
  const first = Math.max(0, window.first - ahead);
  const last = Math.max(window.last, Math.min(total, window.last + ahead));
  return pagesFor({ first, last }, pageSize);
}

/** The pages (of `pageSize` rows) a window of rows touches. */
export function pagesFor({ first, last }: Window, pageSize: number): number[] {
  if (last <= first) return [];
  const pages: number[] = [];
  for (let page = Math.floor(first / pageSize); page <= Math.floor((last - 1) / pageSize); page++) pages.push(page);
  return pages;
}

/** The scroll position that brings row `index` into view (unchanged when it already is). */
export function scrollToShow(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return scrollTop;
}

export interface GridLayout {
  /** Cards per row. */
  columns: number;
  /** Width of each card, in whole pixels: the row's room shared by its cards. */
  cardWidth: number;
}

/**
 * A grid that fills `width`: as many cards of at least `minCardWidth` as fit with `gap`
 * around each, widened to share what is left, so no strip of the window stays empty. A
 * window narrower than one card still shows one, as wide as the room.
 */
export function gridLayout(width: number, minCardWidth: number, gap: number): GridLayout {
  const room = Math.max(0, width - gap);
  const columns = Math.max(1, Math.floor(room / (minCardWidth + gap)));
  const cardWidth = Math.max(1, Math.floor(room / columns - gap));
  return { columns, cardWidth };
}
