// The first search of a session was the slowest keystroke. The first letter typed ran the
// search page's code (its groups, its songs table over the results) for the first time, and
// JavaScriptCore runs new code slowly: rendering those results took 30-45 ms where a later
// search's took 3-15 ms, so that keystroke took 55-80 ms to painted results, against 20-40 for
// the others (`docs/benchmarks.md`).
//
// So once the library's songs are on screen, the search page is rendered once, with the
// answer of a one-letter search, and dropped. It is laid out like the real page, so the
// layout and the text's fonts are ready too, but inside a closed shadow root off screen and
// invisible: nothing is drawn, and nothing can be clicked, read aloud or found by the
// document's queries.
import { QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { createRoot, type Root } from "react-dom/client";
import { queryKeys } from "../lib/queryKeys";
import { SearchView } from "./SearchView";

/** What is searched: a letter most libraries' names contain, so artists, albums and songs come back. */
export const WARM_UP_QUERY = "e";
/** How long after the songs are shown the page is rendered. */
const AFTER_MS = 600;
/** The longest the page is kept waiting for its answer. */
const KEPT_MS = 3000;

/** Renders the search page once, out of the document, when `ready` first holds. */
export function useSearchWarmUp(ready: boolean) {
  const client = useQueryClient();
  const done = useRef(false);
  useEffect(() => {
    if (!ready || done.current) return;
    let root: Root | null = null;
    let drop: ReturnType<typeof setTimeout> | undefined;
    let fallback: ReturnType<typeof setTimeout> | undefined;
    let host: HTMLElement | null = null;
    let unsubscribe = () => {};
    const finish = () => {
      unsubscribe();
      clearTimeout(drop);
      clearTimeout(fallback);
      root?.unmount();
      root = null;
      host?.remove();
      host = null;
    };
    const start = setTimeout(() => {
      done.current = true;
      // Laid out like the real page (so layout and text shaping run too) but never drawn,
      // out of reach of clicks, the accessibility tree and the document's queries.
      host = document.createElement("div");
      host.setAttribute("aria-hidden", "true");
      host.inert = true;
      host.style.cssText = "position:fixed;left:-20000px;top:0;width:1000px;height:700px;visibility:hidden;pointer-events:none";
      const shadow = host.attachShadow({ mode: "closed" });
      for (const sheet of document.querySelectorAll('link[rel="stylesheet"], style')) shadow.append(sheet.cloneNode(true));
      const mount = document.createElement("div");
      mount.className = "main__body";
      mount.style.cssText = "width:1000px;height:700px";
      shadow.append(mount);
      document.body.append(host);
      root = createRoot(mount);
      root.render(
        <QueryClientProvider client={client}>
          <SearchView route={{ view: "search", query: WARM_UP_QUERY }} navigate={() => {}} />
        </QueryClientProvider>,
      );
      // Dropped as soon as its results have been rendered and laid out (the frame after the
      // answer), so it is gone long before anyone types; or after a while without an answer.
      const key = queryKeys.search(WARM_UP_QUERY);
      const answered = () => {
        if (drop !== undefined || client.getQueryData(key) === undefined) return;
        // After the render the answer causes, and after the next frame's layout.
        drop = setTimeout(() => requestAnimationFrame(() => setTimeout(finish, 0)), 0);
      };
      fallback = setTimeout(finish, KEPT_MS);
      unsubscribe = client.getQueryCache().subscribe(answered);
      answered();
    }, AFTER_MS);
    return () => {
      clearTimeout(start);
      finish();
    };
  }, [ready, client]);
}
