// The search box asks for a search as the key is pressed, not once the search page has drawn:
// with 100,000 songs the first keystroke switches views, and the answer comes meanwhile.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../ipc/bindings";
import { queryKeys } from "../lib/queryKeys";
import { ok } from "../test/fixtures";
import { SearchBox } from "./SearchBox";

vi.mock("../ipc/bindings", () => ({ commands: { searchLibrary: vi.fn() }, events: {} }));

beforeEach(() => {
  vi.mocked(commands.searchLibrary)
    .mockReset()
    .mockImplementation(() => ok({ songs: { items: [], total: 0, offset: 0 }, albums: [], artists: [] }));
});

function box(navigate: () => void) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <SearchBox route={{ view: "songs" }} placeholder="Search" navigate={navigate} goBack={() => {}} />
    </QueryClientProvider>,
  );
  return client;
}

describe("SearchBox", () => {
  it("starts the search with the keystroke, before any results view exists", async () => {
    const navigate = vi.fn();
    const client = box(navigate);
    fireEvent.change(screen.getByRole("searchbox", { name: "Search the library" }), { target: { value: "be" } });
    expect(navigate).toHaveBeenCalledWith({ view: "search", query: "be" });
    expect(commands.searchLibrary).toHaveBeenCalledWith("be", 100);
    // Kept where the results view will look for it.
    await waitFor(() => expect(client.getQueryData(queryKeys.search("be"))).toBeDefined());
  });

  it("asks nothing for a box emptied or filled with spaces", () => {
    box(vi.fn());
    const input = screen.getByRole("searchbox", { name: "Search the library" });
    fireEvent.change(input, { target: { value: "   " } });
    expect(commands.searchLibrary).not.toHaveBeenCalled();
  });
});
