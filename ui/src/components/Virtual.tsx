// Virtualised lists and grids for the browse views (artists, genres, album covers): only what
// is on screen is in the page, whatever the size of the library.
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { gridLayout, visibleRows } from "../lib/virtual";

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

/**
 * A grid of equal cards filling the width: as many per row as fit at `minCardWidth`, widened
 * to share the rest (`gridLayout`). A card is `cardHeight(width)` tall, so square covers grow
 * with it. Only the rows in view are drawn.
 */
export function VirtualGrid<T>({ items, minCardWidth, cardHeight, gap = 16, label, card, itemKey }: { items: readonly T[]; minCardWidth: number; cardHeight: (cardWidth: number) => number; gap?: number; label: string; card: (item: T, index: number) => ReactNode; itemKey: (item: T) => string }) {
  const { ref, box } = useBox();
  const [scrollTop, setScrollTop] = useState(0);
  const { columns, cardWidth } = gridLayout(box.width, minCardWidth, gap);
  const height = cardHeight(cardWidth);
  const rows = Math.ceil(items.length / columns);
  const rowHeight = height + gap;
  const { first, last } = visibleRows(scrollTop, box.height, rowHeight, rows, 2);
  const shown = items.slice(first * columns, last * columns);
  return (
    <div ref={ref} className="virtual" onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}>
      <ul className="virtual__body" aria-label={label} data-columns={columns} style={{ height: rows * rowHeight + gap }}>
        {shown.map((item, offset) => {
          const index = first * columns + offset;
          const x = gap + (index % columns) * (cardWidth + gap);
          const y = gap + Math.floor(index / columns) * rowHeight;
          return (
            <li key={itemKey(item)} className="virtual__card" style={{ width: cardWidth, height, transform: `translate(${x}px, ${y}px)` }} aria-setsize={items.length} aria-posinset={index + 1}>
              {card(item, index)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
