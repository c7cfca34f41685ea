// The browse views as a user meets them: the albums grid filling the window, and the songs
// credited to no one under "Unknown artist", which opens them like any artist, the songs view
// fetching ahead of its rows, and the songs table's sorting, offered only where the data layer
// can sort the list.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commands, type AlbumSummary, type LibraryStats, type NameSummary } from "../ipc/bindings";
import { OverlayProvider } from "../components/Overlays";
import { ToastProvider } from "../components/Toast";
import { makeTrack, ok } from "../test/fixtures";
import { sortable } from "@data";
import { AlbumPage, AlbumsView, ArtistPage, ArtistsView, SongsView } from "./LibraryViews";

vi.mock("../ipc/bindings", () => ({
  commands: {
    getLibraryStats: vi.fn(),
    listAlbums: vi.fn(),
    listArtists: vi.fn(),
    listArtistAlbums: vi.fn(),
    listTracks: vi.fn(),
    getArtwork: vi.fn(),
    getPlayerState: vi.fn(),
    getPreferences: vi.fn(),
    listPlaylists: vi.fn(),
    getCloudStatus: vi.fn(),
    listTrackIds: vi.fn(),
    getTracks: vi.fn(),
  },
  events: {
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));

// The data layer says which lists may be sorted (the web player's server-paged lists may not).
vi.mock("@data", async (importOriginal) => {
  const data = await importOriginal<typeof import("@data")>();
  return { ...data, sortable: vi.fn(data.sortable) };
});

const stats: LibraryStats = {
  tracks: 40, present: 40, missing: 0, unreadable: 0, cloud: 0, albums: 30, artists: 2, genres: 1,
  duration_ms: 0, size_bytes: 0, folders: 1, playlists: 0,
};

const album = (n: number, artist = "Björk"): AlbumSummary => ({
  key: `k${n}`, title: `Album ${n}`, artist, year: 2000, track_count: 1, duration_ms: 1000, artwork_id: null, compilation: false,
});

const names: NameSummary[] = [
  { name: "", track_count: 3, album_count: 0, duration_ms: 1 },
  { name: "Björk", track_count: 37, album_count: 29, duration_ms: 1 },
];

function wrap(ui: React.ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <OverlayProvider>{ui}</OverlayProvider>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  vi.mocked(commands.getLibraryStats).mockImplementation(() => ok(stats));
  vi.mocked(commands.listAlbums).mockImplementation(() => ok({ items: Array.from({ length: 30 }, (_, n) => album(n)), total: 30, offset: 0 }));
  vi.mocked(commands.listArtists).mockImplementation(() => ok({ items: names, total: 2, offset: 0 }));
  vi.mocked(commands.listArtistAlbums).mockImplementation(() => ok([album(1, "")]));
  vi.mocked(commands.listTracks).mockImplementation(() => ok({ items: [], total: 0, offset: 0 }));
  vi.mocked(commands.getArtwork).mockImplementation(() => new Promise(() => {}));
  vi.mocked(commands.getPlayerState).mockImplementation(() => new Promise(() => {}));
  vi.mocked(commands.getPreferences).mockImplementation(() => new Promise(() => {}));
  vi.mocked(commands.listPlaylists).mockImplementation(() => ok([]));
  vi.mocked(commands.getCloudStatus).mockImplementation(() => new Promise(() => {}));
});

describe("the albums grid", () => {
  it("sizes its covers to fill the width, drawing only the rows in view", async () => {
    // jsdom lays nothing out: the grid takes its 800 × 600 pixels before the first measure.
    wrap(<AlbumsView route={{ view: "albums" }} navigate={() => {}} />);
    const grid = await screen.findByRole("list", { name: "Albums" });
    expect(grid.getAttribute("data-columns")).toBe("4");
    const cards = within(grid).getAllByRole("listitem");
    // 4 × (180 + 16) + 16 = 800: no strip left empty.
    expect(cards[0]!.style.width).toBe("180px");
    expect(cards[0]!.style.height).toBe("230px");
    expect(cards[3]!.style.transform).toBe("translate(604px, 16px)");
    expect(cards.length).toBeLessThan(30);
  });
});

describe("Unknown artist", () => {
  it("lists the songs credited to no one and opens them", async () => {
    const navigate = vi.fn();
    const user = userEvent.setup();
    wrap(<ArtistsView route={{ view: "artists" }} navigate={navigate} />);
    const list = await screen.findByRole("list", { name: "Artists" });
    const [unknown, bjork] = within(list).getAllByRole("button");
    // Songs on no album: no "0 albums".
    expect(unknown!.textContent).toBe("Unknown artist3 songs");
    expect(bjork!.textContent).toBe("Björk29 albums · 37 songs");
    await user.click(unknown!);
    expect(navigate).toHaveBeenCalledWith({ view: "artist", name: "" });
  });

  it("has a page with its albums and songs", async () => {
    wrap(<ArtistPage route={{ view: "artist", name: "" }} navigate={() => {}} />);
    expect(screen.getByRole("heading", { name: "Unknown artist" })).toBeTruthy();
    const albums = await screen.findByRole("region", { name: "Albums of Unknown artist" });
    expect(within(albums).getByText("Unknown artist · 2000")).toBeTruthy();
    expect(commands.listArtistAlbums).toHaveBeenCalledWith("");
    await waitFor(() => expect(commands.listTracks).toHaveBeenCalled());
    expect(vi.mocked(commands.listTracks).mock.calls[0]![0]).toMatchObject({ artist: "" });
  });
});

describe("the songs view", () => {
  it("asks for the next page of songs before its rows scroll into view", async () => {
    // A table 1,500 pixels high: rows 0-49 in view, 8 more drawn below, and 50 past those
    // fetched, into the second page of 100.
    const height = vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(1500);
    try {
      vi.mocked(commands.listTracks).mockImplementation((_filter, _sort, _descending, offset, limit) =>
        ok({ items: Array.from({ length: limit }, (_, i) => makeTrack({ id: `00000000-0000-4000-8000-${String(offset + i).padStart(12, "0")}`, title: `Song ${offset + i}` })), total: 100_000, offset }),
      );
      wrap(<SongsView route={{ view: "songs" }} navigate={() => {}} />);
      await waitFor(() => expect(vi.mocked(commands.listTracks).mock.calls.map((call) => call[3])).toContain(100));
      // Not further: the third page waits until the rows drawn come within 50 of it.
      expect(vi.mocked(commands.listTracks).mock.calls.map((call) => call[3])).not.toContain(200);
    } finally {
      height.mockRestore();
    }
  });
});

describe("the album page", () => {
  it("edits all of the album's songs from Edit album", async () => {
    vi.mocked(commands.listTrackIds).mockImplementation(() => ok(["t1", "t2"]));
    vi.mocked(commands.getTracks).mockImplementation(() =>
      ok([makeTrack({ id: "t1", title: "One", album: "Album 1" }), makeTrack({ id: "t2", title: "Two", album: "Album 1" })]),
    );
    const user = userEvent.setup();
    wrap(<AlbumPage route={{ view: "album", key: "k1", title: "Album 1" }} navigate={() => {}} />);
    await user.click(screen.getByRole("button", { name: "Edit album" }));
    await screen.findByRole("dialog", { name: "Edit 2 songs" });
    expect(vi.mocked(commands.listTrackIds).mock.calls[0]![0]).toMatchObject({ album_key: "k1" });
    await waitFor(() => expect(within(screen.getByRole("dialog")).queryByText("Loading…")).toBeNull());
    const form = screen.getByRole("dialog", { name: "Edit 2 songs" });
    expect((within(form).getByLabelText("Album") as HTMLInputElement).value).toBe("Album 1");
    expect((within(form).getByLabelText("Title") as HTMLInputElement).placeholder).toBe("Mixed");
  });
});

describe("sorting the songs table", () => {
  const headers = async () => {
    await screen.findByText("Song 1");
    return screen.getAllByRole("columnheader").filter((header) => header.textContent === "Title");
  };
  beforeEach(() => {
    vi.mocked(commands.listTracks).mockImplementation(() =>
      ok({ items: [makeTrack({ id: "t1", title: "Song 1" }), makeTrack({ id: "t2", title: "Song 2" })], total: 2, offset: 0 }),
    );
  });
  // Back to the desktop's answer, whatever a test set.
  afterEach(() => vi.mocked(sortable).mockRestore());

  it("is offered where the data layer can sort the list", async () => {
    wrap(<SongsView route={{ view: "songs" }} navigate={() => {}} />);
    const [title] = await headers();
    expect(title!.getAttribute("aria-sort")).not.toBeNull();
    expect(within(title!).getByRole("button")).toBeTruthy();
  });

  it("is not offered for a list kept in the server's order", async () => {
    vi.mocked(sortable).mockReturnValue(false);
    wrap(<SongsView route={{ view: "songs" }} navigate={() => {}} />);
    const [title] = await headers();
    expect(vi.mocked(sortable)).toHaveBeenCalled();
    expect(title!.getAttribute("aria-sort")).toBeNull();
    expect(within(title!).queryByRole("button")).toBeNull();
  });
});
