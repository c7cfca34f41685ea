// Virtualised lists and grids for the browse views (artists, genres, album covers): only what
// is on screen is in the page, whatever the size of the library.
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { visibleRows } from "../lib/virtual";

function useBox() {
  const ref = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState({ width: 800, height: 600 });
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setBox({ width: element.clientWidth || 800, height: element.clientHeight || 600 });
    measure();
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(measure);
    observer?.observe(element);
    return () => observer?.disconnect();
  }, []);
  return { ref, box };
}

/** A list of equal-height rows, each rendered by `row`. */
export function VirtualList<T>({ items, rowHeight, label, row, itemKey }: { items: readonly T[]; rowHeight: number; label: string; row: (item: T, index: number) => ReactNode; itemKey: (item: T) => string }) {
  const { ref, box } = useBox();
  const [scrollTop, setScrollTop] = useState(0);
  const { first, last } = visibleRows(scrollTop, box.height, rowHeight, items.length);
  return (
    <div ref={ref} className="virtual" onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}>
      <ul className="virtual__body" aria-label={label} style={{ height: items.length * rowHeight }}>
        {items.slice(first, last).map((item, offset) => (
          <li key={itemKey(item)} className="virtual__row" style={{ height: rowHeight, transform: `translateY(${(first + offset) * rowHeight}px)` }} aria-setsize={items.length} aria-posinset={first + offset + 1}>
            {row(item, first + offset)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A grid of equal cards, as many per row as fit. */
export function VirtualGrid<T>({ items, cardWidth, cardHeight, gap = 16, label, card, itemKey }: { items: readonly T[]; cardWidth: number; cardHeight: number; gap?: number; label: string; card: (item: T, index: number) => ReactNode; itemKey: (item: T) => string }) {
  const { ref, box } = useBox();
  const [scrollTop, setScrollTop] = useState(0);
  const perRow = Math.max(1, Math.floor((box.width - gap) / (cardWidth + gap)));
  const rows = Math.ceil(items.length / perRow);
  const rowHeight = cardHeight + gap;
  const { first, last } = visibleRows(scrollTop, box.height, rowHeight, rows, 2);
  const shown = items.slice(first * perRow, last * perRow);
  return (
    <div ref={ref} className="virtual" onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}>
      <ul className="virtual__body" aria-label={label} style={{ height: rows * rowHeight + gap }}>
        {shown.map((item, offset) => {
          const index = first * perRow + offset;
          const x = gap + (index % perRow) * (cardWidth + gap);
          const y = gap + Math.floor(index / perRow) * rowHeight;
          return (
            <li key={itemKey(item)} className="virtual__card" style={{ width: cardWidth, height: cardHeight, transform: `translate(${x}px, ${y}px)` }} aria-setsize={items.length} aria-posinset={index + 1}>
              {card(item, index)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
