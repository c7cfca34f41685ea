// Row sources for the songs table: a sorted library list fetched page by page as it
// scrolls, and a list already in memory (a playlist, search results, the queue).
import { useCallback, useMemo, useState } from "react";
import { TRACK_PAGE, useFetchTrackIds, useTrackPages, type Track, type TrackFilter, type TrackSort } from "../ipc";
import { pagesFor, type Window } from "../lib/virtual";
import type { RowSource } from "./TrackTable";

/** A library list (all songs, an album, an artist, a genre), with the window to fetch. */
export function useLibraryRows(filter: TrackFilter, sort: TrackSort, descending: boolean) {
  const [window, setWindow] = useState<Window>({ first: 0, last: 60 });
  const wanted = pagesFor(window, TRACK_PAGE);
  const pages = wanted.length > 0 ? wanted : [0];
  const results = useTrackPages(filter, sort, descending, pages);
  const fetchIds = useFetchTrackIds();
  const loaded = results.find((result) => result.data)?.data;
  const total = loaded?.total ?? 0;
  const error = results.find((result) => result.error)?.error ?? null;
  const items = results.map((result) => result.data?.items);
  const key = `${JSON.stringify(filter)}|${sort}|${descending}`;

  const rowAt = (index: number): Track | undefined => {
    const page = Math.floor(index / TRACK_PAGE);
    const at = pages.indexOf(page);
    return at < 0 ? undefined : items[at]?.[index - page * TRACK_PAGE];
  };
  const source: RowSource = {
    total,
    rowAt,
    keyAt: (index) => rowAt(index)?.id,
    async idsOf(indices) {
      const known = indices.map((index) => rowAt(index)?.id);
      if (known.every((id) => id !== undefined)) return known as string[];
      const all = await fetchIds(filter, sort, descending);
      return indices.map((index) => all[index]).filter((id): id is string => id !== undefined);
    },
  };
  return { rows: source, setWindow, loading: !loaded && !error, error, key };
}

/** Rows already in memory. `keys` default to the track ids. */
export function useMemoryRows(tracks: readonly (Track | null | undefined)[], keys?: readonly string[]): RowSource {
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
