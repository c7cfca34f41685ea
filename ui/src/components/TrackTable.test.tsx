// The songs table as a user drives it: sort by a header, select with the mouse and keys,
// play with Enter, act from the menu, resize a column, reorder with Alt+arrows, and only the
// rows on screen in the page however long the list.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Profiler } from "react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, events, type PlayerView, type Preferences, type Track } from "../ipc/bindings";
import { queryKeys } from "../lib/queryKeys";
import { OverlayProvider } from "./Overlays";
import { useMemoryRows } from "./rows";
import { SongList } from "./SongList";
import { ToastProvider } from "./Toast";
import { TrackTable, type RowSource } from "./TrackTable";
import { makeTrack, ok } from "../test/fixtures";

vi.mock("../ipc/bindings", () => ({
  commands: {
    controlPlayer: vi.fn(),
    getPlayerState: vi.fn(),
    getPreferences: vi.fn(),
    setPreferences: vi.fn(),
    listPlaylists: vi.fn(),
    addToPlaylist: vi.fn(),
    getCloudStatus: vi.fn(),
    queueUploads: vi.fn(),
    pinTracks: vi.fn(),
    setLoved: vi.fn(),
    setRating: vi.fn(),
    getTracks: vi.fn(),
  },
  events: {
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));


function track(n: number, more: Partial<Track> = {}): Track {
  return makeTrack({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, path: `/m/${n}.flac`, title: `Song ${n}`,
    duration_ms: 60_000 + n * 1000, artist: `Artist ${n % 3}`, artists: [], track_no: n, year: 2000 + n, genre: "Jazz",
    ...more,
  });
}

const preferences: Preferences = {
  theme: "system", replay_gain: { mode: "auto", preamp_db: 0, fallback_db: 0, prevent_clipping: true },
  uploads_at_once: 3, upload_limit_kbps: null, cache_budget_mb: 2048, auto_upload: true, song_columns: [{ column: "artist", width: 150 }], welcomed: true
};

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

function Songs({ tracks, onReorder }: { tracks: Track[]; onReorder?: (indices: number[], to: number) => void }) {
  const rows = useMemoryRows(tracks);
  return <SongList label="Songs" rows={rows} columns={["title", "artist", "duration", "cloud"]} dragSource="test" onReorder={onReorder} />;
}

beforeEach(() => {
  vi.mocked(commands.controlPlayer).mockImplementation(() => ok(null));
  vi.mocked(commands.getPlayerState).mockImplementation(() => new Promise(() => {}));
  vi.mocked(commands.getPreferences).mockResolvedValue(preferences);
  vi.mocked(commands.setPreferences).mockImplementation((p) => ok(p));
  vi.mocked(commands.listPlaylists).mockImplementation(() => ok([{ id: "p1", name: "Road trip", entry_count: 0, updated_at: 0 }]));
  vi.mocked(commands.addToPlaylist).mockImplementation(() => ok([]));
  vi.mocked(commands.getCloudStatus).mockImplementation(() => new Promise(() => {}));
  vi.mocked(commands.setLoved).mockReset().mockImplementation(() => ok(null));
  vi.mocked(commands.setRating).mockReset().mockImplementation(() => ok(null));
  void events;
});

/** A list of `total` songs, the song at each index made from it. */
function numbered(total: number): RowSource {
  return {
    total,
    rowAt: (i) => track(i),
    keyAt: (i) => String(i),
    idsOf: (indices) => Promise.resolve(indices.map((i) => track(i).id)),
  };
}

describe("the songs table", () => {
  it("draws only the rows in view of a 100,000-song list", () => {
    wrap(<TrackTable label="Big" rows={numbered(100_000)} columns={["title"]} dragSource="big" onPlay={() => {}} />);
    const grid = screen.getByRole("grid", { name: "Big" });
    expect(grid.getAttribute("aria-rowcount")).toBe("100001");
    expect(within(grid).getAllByRole("row").length).toBeLessThan(60);
  });

  it("draws its rows once, for the size it measured, never for a guess", () => {
    // A table 300 pixels high and 900 wide: 10 rows in view, 8 more below.
    const height = vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(300);
    const width = vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(900);
    try {
      const asked = new Set<number>();
      const source: RowSource = {
        total: 100_000,
        rowAt: (i) => {
          asked.add(i);
          return track(i);
        },
        keyAt: (i) => String(i),
        idsOf: (indices) => Promise.resolve(indices.map((i) => track(i).id)),
      };
      wrap(<TrackTable label="Measured" rows={source} columns={["title", "artist"]} dragSource="m" onPlay={() => {}} />);
      const grid = screen.getByRole("grid", { name: "Measured" });
      expect(within(grid).getAllByRole("row").length).toBe(1 + 18);
      expect(Math.max(...asked)).toBe(17);
      // Laid out across the width it measured, from the first drawing on.
      const template = (within(grid).getAllByRole("row")[1] as HTMLElement).style.gridTemplateColumns;
      expect(template.split(" ").reduce((sum, w) => sum + parseFloat(w), 0)).toBe(900);
    } finally {
      height.mockRestore();
      width.mockRestore();
    }
  });

  it("lays the rows it draws one after another from where the first of them belongs", () => {
    // 300 pixels high: 10 rows in view, 8 drawn beyond each edge.
    const height = vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(300);
    try {
      wrap(<TrackTable label="Placed" rows={numbered(100_000)} columns={["title"]} dragSource="p" onPlay={() => {}} />);
      const grid = screen.getByRole("grid", { name: "Placed" });
      const scroller = grid.querySelector(".tracks__scroll") as HTMLElement;
      const body = grid.querySelector(".tracks__body") as HTMLElement;
      const rows = () => Array.from(body.querySelectorAll<HTMLElement>('[role="row"]'));
      const indices = () => rows().map((row) => Number(row.dataset.index));
      for (const top of [30 * 1000 + 45, 30 * 99_990, 30 * 40, 0]) {
        scroller.scrollTop = top;
        fireEvent.scroll(scroller);
        const drawn = indices();
        const first = drawn[0] ?? -1;
        // The rows follow the body's top padding in the page's flow, in order, with no gap.
        expect(body.style.paddingTop).toBe(`${first * 30}px`);
        expect(drawn).toEqual(drawn.map((_, k) => first + k));
        // Nothing moves a row from there on its own.
        expect(rows().filter((row) => row.style.transform || row.style.top || row.style.position)).toEqual([]);
        expect(first).toBeLessThanOrEqual(Math.floor(top / 30));
        expect(drawn.at(-1)).toBeGreaterThanOrEqual(Math.min(99_999, Math.floor(top / 30) + 10));
        expect(body.style.height).toBe(`${100_000 * 30}px`);
      }
    } finally {
      height.mockRestore();
    }
  });

  it("marks the song playing and is not drawn again as its position moves", async () => {
    const tracks = [1, 2, 3].map((n) => track(n));
    const view: PlayerView = {
      status: { state: "playing", volume: 1, muted: false, shuffle: false, repeat: "off", replaygain: { mode: "auto", preamp_db: 0, fallback_db: 0, prevent_clipping: true } },
      current: { entry: 2, track: tracks[1]!, duration_ms: 60_000 },
      position_ms: 0,
      queue_length: 3,
      upcoming: [],
      upcoming_total: 1,
    };
    vi.mocked(commands.getPlayerState).mockImplementation(() => ok(view));
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    let commits = 0;
    render(
      <QueryClientProvider client={client}>
        <ToastProvider>
          <OverlayProvider>
            <Profiler id="songs" onRender={() => commits++}>
              <Songs tracks={tracks} />
            </Profiler>
          </OverlayProvider>
        </ToastProvider>
      </QueryClientProvider>,
    );
    const row = (title: string) => screen.getByText(title).closest('[role="row"]')!;
    await waitFor(() => expect(row("Song 2").classList.contains("is-playing")).toBe(true));
    const before = commits;
    // What the player's position events do, four times a second.
    // (React Query tells its observers a moment later: each change is given time to arrive.)
    const change = (next: (view: PlayerView) => PlayerView) =>
      act(async () => {
        client.setQueryData<PlayerView>(queryKeys.player, (old) => old && next(old));
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
    for (const position_ms of [250, 500, 750, 1000]) await change((old) => ({ ...old, position_ms }));
    expect(commits).toBe(before);
    await change((old) => ({ ...old, current: { entry: 3, track: tracks[2]!, duration_ms: 60_000 } }));
    expect(commits).toBeGreaterThan(before);
    expect(row("Song 3").classList.contains("is-playing")).toBe(true);
    expect(row("Song 2").classList.contains("is-playing")).toBe(false);
  });

  it("sorts from a header and says so to screen readers", async () => {
    const onSort = vi.fn();
    const source: RowSource = { total: 1, rowAt: () => track(1), keyAt: () => "a", idsOf: () => Promise.resolve([]) };
    const user = userEvent.setup();
    wrap(<TrackTable label="T" rows={source} columns={["title", "year"]} sort={{ sort: "title", descending: false }} onSort={onSort} dragSource="t" onPlay={() => {}} />);
    const title = screen.getByRole("columnheader", { name: /Title/ });
    expect(title.getAttribute("aria-sort")).toBe("ascending");
    await user.click(within(title).getByRole("button"));
    expect(onSort).toHaveBeenLastCalledWith({ sort: "title", descending: true });
    await user.click(within(screen.getByRole("columnheader", { name: /Year/ })).getByRole("button"));
    expect(onSort).toHaveBeenLastCalledWith({ sort: "year", descending: false });
  });

  it("selects with Shift and Ctrl, and plays the list from the row with Enter", async () => {
    const tracks = [1, 2, 3, 4, 5].map((n) => track(n));
    const user = userEvent.setup();
    wrap(<Songs tracks={tracks} />);
    const grid = screen.getByRole("grid", { name: "Songs" });
    await user.click(screen.getByText("Song 2"));
    await user.keyboard("{Shift>}");
    await user.click(screen.getByText("Song 4"));
    await user.keyboard("{/Shift}");
    expect(grid.getAttribute("data-selected-count")).toBe("3");
    await user.keyboard("{Control>}");
    await user.click(screen.getByText("Song 3"));
    await user.keyboard("{/Control}");
    const selected = within(grid).getAllByRole("row").filter((row) => row.getAttribute("aria-selected") === "true");
    expect(selected.map((row) => row.textContent?.slice(0, 6))).toEqual(["Song 2", "Song 4"]);

    grid.focus();
    await user.keyboard("{ArrowDown}{Enter}");
    await waitFor(() =>
      expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "play", track_ids: tracks.map((t) => t.id), start: 3 }),
    );
    await user.keyboard("{Control>}a{/Control}");
    expect(grid.getAttribute("data-selected-count")).toBe("5");
  });

  it("opens the songs menu on a right-click and adds the selection to a playlist", async () => {
    const tracks = [1, 2, 3].map((n) => track(n));
    const user = userEvent.setup();
    wrap(<Songs tracks={tracks} />);
    await user.click(screen.getByText("Song 1"));
    await user.keyboard("{Shift>}");
    await user.click(screen.getByText("Song 2"));
    await user.keyboard("{/Shift}");
    await waitFor(() => expect(commands.listPlaylists).toHaveBeenCalled());
    fireEvent.contextMenu(screen.getByText("Song 2"));
    const menu = await screen.findByRole("menu", { name: "Actions" });
    // One song only for Show in folder; Properties edits the whole selection.
    expect(within(menu).getByRole("menuitem", { name: "Show in folder" }).getAttribute("aria-disabled")).toBe("true");
    expect(within(menu).getByRole("menuitem", { name: "Properties" }).getAttribute("aria-disabled")).toBeNull();
    await user.hover(within(menu).getByRole("menuitem", { name: /Add to playlist/ }));
    await user.click(await screen.findByRole("menuitem", { name: "Road trip" }));
    await waitFor(() => expect(commands.addToPlaylist).toHaveBeenCalledWith("p1", [tracks[0]!.id, tracks[1]!.id], null));
    expect(await screen.findByText("Added 2 songs to “Road trip”")).toBeTruthy();
  });

  it("plays next from the menu key and shows one song's properties", async () => {
    const tracks = [track(7, { path: "/music/seven.flac", bitrate_kbps: 900 })];
    // The table holds list rows; Properties reads the song's whole record.
    vi.mocked(commands.getTracks).mockImplementation((ids) => ok(tracks.filter((t) => ids.includes(t.id))));
    const user = userEvent.setup();
    wrap(<Songs tracks={tracks} />);
    const grid = screen.getByRole("grid", { name: "Songs" });
    grid.focus();
    await user.keyboard("{ArrowDown}{Shift>}{F10}{/Shift}");
    const menu = await screen.findByRole("menu");
    await user.click(within(menu).getByRole("menuitem", { name: "Play next" }));
    await waitFor(() => expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "play_next", track_ids: [tracks[0]!.id] }));
    fireEvent.contextMenu(screen.getByText("Song 7"));
    await user.click(within(await screen.findByRole("menu")).getByRole("menuitem", { name: "Properties" }));
    await screen.findByText("/music/seven.flac");
    const dialog = screen.getByRole("dialog", { name: "Properties" });
    expect(within(dialog).getByText("/music/seven.flac")).toBeTruthy();
    expect(commands.getTracks).toHaveBeenCalledWith([tracks[0]!.id]);
    expect(within(dialog).getByText(/900 kbit\/s/)).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("remembers a resized column in the settings", async () => {
    wrap(<Songs tracks={[track(1)]} />);
    const header = screen.getByRole("columnheader", { name: /Title/ });
    const edge = within(header).getByRole("separator", { name: "Resize Title" });
    await waitFor(() => expect(commands.getPreferences).toHaveBeenCalled());
    await waitFor(() => expect(screen.getByRole("row", { name: /Song 1/ })).toBeTruthy());
    fireEvent.pointerDown(edge, { clientX: 100, pointerId: 1 });
    fireEvent.pointerMove(edge, { clientX: 160, pointerId: 1 });
    fireEvent.pointerUp(edge, { clientX: 160, pointerId: 1 });
    await waitFor(() =>
      expect(commands.setPreferences).toHaveBeenCalledWith({
        ...preferences,
        song_columns: [{ column: "artist", width: 150 }, { column: "title", width: 340 }],
      }),
    );
  });

  it("moves the selected rows with Alt+arrows where the list can be reordered", async () => {
    const onReorder = vi.fn();
    const user = userEvent.setup();
    wrap(<Songs tracks={[1, 2, 3, 4].map((n) => track(n))} onReorder={onReorder} />);
    await user.click(screen.getByText("Song 2"));
    await user.keyboard("{Alt>}{ArrowDown}{/Alt}");
    expect(onReorder).toHaveBeenLastCalledWith([1], 3);
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    expect(onReorder).toHaveBeenLastCalledWith([2], 1);
  });
});

describe("loves and ratings", () => {
  /** Selects the rows of these titles (click, then Ctrl+click) and opens the songs menu. */
  async function menuOn(user: ReturnType<typeof userEvent.setup>, titles: string[]) {
    await user.click(screen.getByText(titles[0]!));
    await user.keyboard("{Control>}");
    for (const title of titles.slice(1)) await user.click(screen.getByText(title));
    await user.keyboard("{/Control}");
    fireEvent.contextMenu(screen.getByText(titles.at(-1)!));
    return screen.findByRole("menu", { name: "Actions" });
  }

  it("marks loved songs with a heart by their title, and nothing else", () => {
    const tracks = [track(1, { loved: true }), track(2)];
    wrap(<Songs tracks={tracks} />);
    const [loved, plain] = within(screen.getByRole("grid")).getAllByRole("row").slice(1);
    const title = within(loved!).getAllByRole("gridcell")[0]!;
    expect(within(title).getByRole("img", { name: "Loved" })).toBeTruthy();
    // The title stays the cell's text (the heart has none).
    expect(title.textContent).toBe("Song 1");
    expect(within(plain!).queryByRole("img", { name: "Loved" })).toBeNull();
  });

  it("loves the whole selection when any of it is not loved, and unloves it when all is", async () => {
    const tracks = [track(1, { loved: true }), track(2), track(3, { loved: true })];
    const user = userEvent.setup();
    wrap(<Songs tracks={tracks} />);

    let menu = await menuOn(user, ["Song 1", "Song 2"]);
    expect(within(menu).queryByRole("menuitem", { name: "Unlove" })).toBeNull();
    await user.click(within(menu).getByRole("menuitem", { name: "Love" }));
    await waitFor(() => expect(commands.setLoved).toHaveBeenCalledWith([tracks[0]!.id, tracks[1]!.id], true));
    expect(await screen.findByText("Loved 2 songs")).toBeTruthy();

    menu = await menuOn(user, ["Song 1", "Song 3"]);
    expect(within(menu).queryByRole("menuitem", { name: "Love" })).toBeNull();
    await user.click(within(menu).getByRole("menuitem", { name: "Unlove" }));
    await waitFor(() => expect(commands.setLoved).toHaveBeenLastCalledWith([tracks[0]!.id, tracks[2]!.id], false));
  });

  it("rates the selection from the Rating submenu, 20 per star, by mouse or by keys", async () => {
    const tracks = [track(1, { rating: 60 }), track(2, { rating: 60 }), track(3)];
    const user = userEvent.setup();
    wrap(<Songs tracks={tracks} />);

    let menu = await menuOn(user, ["Song 1", "Song 2"]);
    await user.hover(within(menu).getByRole("menuitem", { name: /Rating/ }));
    // Both have three stars: that choice is ticked.
    expect((await screen.findByRole("menuitemradio", { name: "3 stars" })).getAttribute("aria-checked")).toBe("true");
    expect(screen.getByRole("menuitemradio", { name: "4 stars" }).getAttribute("aria-checked")).toBe("false");
    await user.click(screen.getByRole("menuitemradio", { name: "4 stars" }));
    await waitFor(() => expect(commands.setRating).toHaveBeenCalledWith([tracks[0]!.id, tracks[1]!.id], 80));
    expect(screen.queryByRole("menu")).toBeNull();

    // From the keyboard: the menu key, down to Rating, right into it, down to "No rating".
    menu = await menuOn(user, ["Song 3"]);
    const items = within(menu).getAllByRole("menuitem");
    const rating = items.findIndex((item) => item.textContent?.startsWith("Rating"));
    for (let i = 0; i < rating; i++) await user.keyboard("{ArrowDown}");
    await user.keyboard("{ArrowRight}");
    const sub = await screen.findByRole("menuitemradio", { name: "No rating" });
    // Song 3 has no rating: "No rating" is the ticked choice.
    expect(sub.getAttribute("aria-checked")).toBe("true");
    await user.keyboard("{ArrowUp}{Enter}");
    await waitFor(() => expect(commands.setRating).toHaveBeenLastCalledWith([tracks[2]!.id], 20));
  });

  it("clears the rating with No rating", async () => {
    const tracks = [track(1, { rating: 100 })];
    const user = userEvent.setup();
    wrap(<Songs tracks={tracks} />);
    const menu = await menuOn(user, ["Song 1"]);
    await user.hover(within(menu).getByRole("menuitem", { name: /Rating/ }));
    await user.click(await screen.findByRole("menuitemradio", { name: "No rating" }));
    await waitFor(() => expect(commands.setRating).toHaveBeenCalledWith([tracks[0]!.id], null));
  });
});

describe("files that cannot be read", () => {
  it("show their file name, their folder and why they are listed, so two of one name differ", () => {
    const unreadable = (n: number, folder: string, reason: string) =>
      track(n, {
        path: `/music/${folder}/01 Track.mp3`, title: "01 Track", artist: null, album: null, duration_ms: null, year: null,
        genre: null, format: "mp3", state: "unreadable", state_reason: reason,
      });
    const tracks = [unreadable(1, "Live in Oslo", "the file is empty"), unreadable(2, "Demos", "no audio frames were found"), track(3)];
    const source: RowSource = { total: 3, rowAt: (i) => tracks[i], keyAt: (i) => String(i), idsOf: () => Promise.resolve([]) };
    wrap(<TrackTable label="Songs" rows={source} columns={["title", "artist", "album"]} dragSource="t" onPlay={() => {}} />);
    const [first, second, readable] = within(screen.getByRole("grid")).getAllByRole("row").slice(1);

    const cells = (row: HTMLElement) => within(row).getAllByRole("gridcell").map((cell) => cell.textContent);
    expect(cells(first!)).toEqual(["01 Track.mp3 (cannot be read: the file is empty)", "Unknown artist", "In the folder Live in Oslo"]);
    expect(cells(second!)).toEqual(["01 Track.mp3 (cannot be read: no audio frames were found)", "Unknown artist", "In the folder Demos"]);
    expect(first!.getAttribute("title")).toBe("Tonearm cannot read this file: the file is empty.\n/music/Live in Oslo/01 Track.mp3");
    expect(first!.getAttribute("data-state")).toBe("unreadable");
    expect(first!.querySelector(".tracks__unreadable svg")).not.toBeNull();

    // A song that plays is as it was: its title, artist and album, no note.
    expect(cells(readable!)).toEqual(["Song 3", "Artist 0", "Album"]);
    expect(readable!.getAttribute("title")).toBeNull();
  });
});

describe("column widths", () => {
  it("let the text columns share the room the others leave, down to a minimum", async () => {
    const { fitColumns } = await import("./TrackTable");
    const columns = [
      { width: 280, flexible: true },
      { width: 44, flexible: false },
      { width: 200, flexible: true },
      { width: 60, flexible: false },
    ];
    // 104 fixed; 480 flexible share 816 as 280:200.
    expect(fitColumns(columns, 920)).toEqual([476, 44, 340, 60]);
    expect(fitColumns(columns, 300)).toEqual([114, 44, 110, 60]);
    expect(fitColumns(columns, 0)).toEqual([280, 44, 200, 60]);
    expect(fitColumns(columns.map((c) => ({ ...c, flexible: false })), 920)).toEqual([280, 44, 200, 60]);
  });
});
