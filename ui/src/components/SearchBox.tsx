// The search field of the header, in both apps: typing opens (and updates) the search page,
// emptying it or Escape goes back, Down moves into the results.
import { forwardRef } from "react";
import type { Route } from "../navigation";
import { usePrefetchSearch } from "@data";
import { mark } from "../perf";
import { Icon } from "./Icon";

export const SearchBox = forwardRef<
  HTMLInputElement,
  { route: Route; placeholder: string; navigate: (route: Route) => void; goBack: () => void }
>(function SearchBox({ route, placeholder, navigate, goBack }, ref) {
  const prefetch = usePrefetchSearch();
  return (
    <div className="search-box" role="search">
      <Icon name="search" size={16} />
      <input
        ref={ref}
        id="search"
        type="search"
        aria-label="Search the library"
        placeholder={placeholder}
        value={route.view === "search" ? route.query : ""}
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => {
          const query = event.target.value;
          mark(`search-typed:${query}`);
          // Asked now, not once the search page has drawn: the answer comes meanwhile.
          prefetch(query);
          if (query) navigate({ view: "search", query });
          else if (route.view === "search") goBack();
        }}
        onKeyDown={(event) => {
          if (event.key === "Escape" && route.view === "search") {
            goBack();
            event.currentTarget.blur();
          }
          if (event.key === "ArrowDown") {
            // Into the results, as in a search field of any music app.
            event.preventDefault();
            document.querySelector<HTMLElement>("[data-testid=search-results] [role=grid]")?.focus();
          }
        }}
      />
    </div>
  );
});
