// Search as you type, the same in both apps' data layers (the desktop's IPC, the web player's
// HTTP): each gives how it fetches, and gets the hook the results page reads and the one the
// search box calls as a key is pressed.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { mark } from "../perf";
import { queryKeys } from "./queryKeys";

/** How many of the best songs a search brings. */
export const SEARCH_SONGS = 100;

export function searchHooks<T>(fetch: (query: string, limit: number, signal: AbortSignal) => Promise<T>) {
  const options = (query: string) => ({
    queryKey: queryKeys.search(query),
    queryFn: async ({ signal }: { signal: AbortSignal }): Promise<T> => {
      const found = await fetch(query, SEARCH_SONGS, signal);
      mark(`search-answered:${query}`);
      return found;
    },
  });
  return {
    /** The results of `query`. The previous results stay on screen while the next
     * keystroke's arrive, so the list never flashes empty. */
    useSearch(query: string) {
      return useQuery({ ...options(query), enabled: query.trim().length > 0, placeholderData: keepPreviousData });
    },
    /** Starts a search as its key is pressed, not once the results page has drawn: the
     * answer is on its way meanwhile. */
    usePrefetchSearch() {
      const client = useQueryClient();
      return useCallback(
        (query: string) => {
          if (query.trim()) void client.prefetchQuery(options(query));
        },
        [client],
      );
    },
  };
}
