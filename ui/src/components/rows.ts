// Row sources for the songs table: a sorted library list fetched page by page as it
// scrolls, and a list already in memory (a playlist, search results, the queue).
import { useCallback, useMemo, useRef, useState } from "react";
import { TRACK_PAGE, useFetchTrackIds, useTrackPages, type TrackRow, type TrackFilter, type TrackSort } from "@data";
import { pagesToFetch, type Window } from "../lib/virtual";
import type { RowSource } from "./TrackTable";

/** A library list (all songs, an album, an artist, a genre), with the window to fetch. */
export function useLibraryRows(filter: TrackFilter, sort: TrackSort, descending: boolean) {
  // Only the pages the window needs matter: while the table scrolls within them, this list
  // (and everything that draws it) is left alone.
  const [pagesKey, setPagesKey] = useState("0");
  const length = useRef(0);
  const setWindow = useCallback((window: Window) => {
    const wanted = pagesToFetch(window, TRACK_PAGE, length.current);
    setPagesKey(wanted.length > 0 ? wanted.join(",") : "0");
  }, []);
  const pages = useMemo(() => pagesKey.split(",").map(Number), [pagesKey]);
  const results = useTrackPages(filter, sort, descending, pages);
  const fetchIds = useFetchTrackIds();
  const loaded = results.find((result) => result.data)?.data;
  const key = `${JSON.stringify(filter)}|${sort}|${descending}`;
  // While the pages of a far window load (a jump to the end), the list keeps the length it
  // had: falling to 0 would send the window back to the top, whose cached page would restore
  // the length and the window, and so on without end.
  const known = useRef<{ key: string; total: number } | null>(null);
  if (loaded) known.current = { key, total: loaded.total };
  const total = loaded?.total ?? (known.current?.key === key ? known.current.total : 0);
  length.current = total;
  const error = results.find((result) => result.error)?.error ?? null;
  const items = results.map((result) => result.data?.items);

  // The same source object while nothing it holds changes.
  const itemsKey = results.map((result) => result.dataUpdatedAt).join(",");
  const source = useMemo<RowSource>(() => {
    const rowAt = (index: number): TrackRow | undefined => {
      const page = Math.floor(index / TRACK_PAGE);
      const at = pages.indexOf(page);
      return at < 0 ? undefined : items[at]?.[index - page * TRACK_PAGE];
    };
    return {
      total,
      rowAt,
      keyAt: (index) => rowAt(index)?.id,
      async idsOf(indices) {
        const known = indices.map((index) => rowAt(index)?.id);
        if (known.every((id) => id !== undefined)) return known as string[];
        const all = await fetchIds(filter, sort, descending);
        return indices.map((index) => all[index]).filter((id): id is string => id !== undefined);
      },
      list: { filter, sort, descending },
    };
    // `items` follows `itemsKey`; the filter is compared by value through `key`.
  }, [pages, itemsKey, total, key, fetchIds]); // eslint-disable-line react-hooks/exhaustive-deps
  return { rows: source, setWindow, loading: !loaded && !error, error, key };
}

/** Rows already in memory. `keys` default to the track ids. */
export function useMemoryRows(tracks: readonly (TrackRow | null | undefined)[], keys?: readonly string[]): RowSource {
  const rowAt = useCallback((index: number) => tracks[index] ?? undefined, [tracks]);
  return useMemo(
    () => ({
      total: tracks.length,
      rowAt,
      keyAt: (index: number) => keys?.[index] ?? tracks[index]?.id,
      idsOf: (indices: readonly number[]) =>
        Promise.resolve(indices.map((index) => tracks[index]?.id).filter((id): id is string => id !== undefined)),
    }),
    [tracks, keys, rowAt],
  );
}
