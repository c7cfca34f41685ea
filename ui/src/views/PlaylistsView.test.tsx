// The Playlists section and a playlist's page, with the Rust side mocked through the
// generated bindings: what the user sees, and which commands their gestures send.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createEvent, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setDragPayload } from "../components/drag";
import { OverlayProvider } from "../components/Overlays";
import { ToastProvider } from "../components/Toast";
import {
  commands,
  type CloudOverview,
  type CommandError,
  type Playlist,
  type PlaylistEntry,
  type PlaylistSummary,
  type PlayerView,
  type Preferences,
  type Track,
} from "../ipc/bindings";
import { applyMoves } from "../ipc/playlists";
import { PlaylistPage, PlaylistsView, playFrom, reorderMoves, syncLabel } from "./PlaylistsView";
import { makeTrack, ok } from "../test/fixtures";

vi.mock("../ipc/bindings", () => ({
  commands: {
    listPlaylists: vi.fn(),
    getPlaylist: vi.fn(),
    createPlaylist: vi.fn(),
    renamePlaylist: vi.fn(),
    deletePlaylist: vi.fn(),
    addToPlaylist: vi.fn(),
    removeFromPlaylist: vi.fn(),
    moveInPlaylist: vi.fn(),
    importPlaylist: vi.fn(),
    exportPlaylist: vi.fn(),
    getCloudStatus: vi.fn(),
    getPlayerState: vi.fn(),
    controlPlayer: vi.fn(),
    getPreferences: vi.fn(),
    setPreferences: vi.fn(),
  },
  events: {
    libraryChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));
vi.mock("@tauri-apps/api/core", () => ({ Channel: class { onmessage: unknown = null } }));

const fail = (error: CommandError) => Promise.resolve({ status: "error" as const, error });

function track(id: string, title: string, duration_ms = 60_000): Track {
  return makeTrack({ id, title, duration_ms });
}

const noTotals = { in_cloud: 0, in_cloud_bytes: 0, local_only: 0, cloud_only: 0, pending: 0, pending_bytes: 0, paused: 0, failed: 0 };
const loggedOut: CloudOverview = {
  status: { account: null, token_store: null, connection: { state: "logged_out" }, totals: noTotals, cache_bytes: 0, cache_budget: 1, pinned_tracks: 0, pinned_bytes: 0, storage_used: null, storage_quota: null },
  activity: [],
  playlists: [],
};
const connected: CloudOverview = {
  status: {
    account: { server: "https://music.example.org", username: "ada", device: "laptop", session: "s" },
    token_store: "keychain",
    connection: { state: "online" },
    totals: noTotals,
    cache_bytes: 0,
    cache_budget: 1,
    pinned_tracks: 0,
    pinned_bytes: 0,
    storage_used: null,
    storage_quota: null,
  },
  activity: [],
  playlists: [
    { playlist_id: "p1", name: "Road trip", pending_edits: 0 },
    { playlist_id: "p2", name: "Dinner", pending_edits: 3 },
  ],
};
const idlePlayer: PlayerView = {
  status: {
    state: "stopped", volume: 1, muted: false, shuffle: false, repeat: "off",
    replaygain: { mode: "auto", preamp_db: 0, fallback_db: 0, prevent_clipping: true },
  },
  current: null,
  position_ms: 0,
  queue_length: 0,
  upcoming: [],
  upcoming_total: 0,
};
const preferences: Preferences = {
  theme: "system",
  replay_gain: { mode: "auto", preamp_db: 0, fallback_db: 0, prevent_clipping: true },
  uploads_at_once: 2,
  upload_limit_kbps: null,
  cache_budget_mb: 2048,
  auto_upload: true,
  song_columns: [], welcomed: true
};

const summaries: PlaylistSummary[] = [
  { id: "p1", name: "Road trip", entry_count: 12, updated_at: 0 },
  { id: "p2", name: "Dinner", entry_count: 1, updated_at: 0 },
  { id: "p3", name: "Fresh", entry_count: 0, updated_at: 0 },
];

const [alpha, gamma, delta] = [track("t1", "Alpha", 120_000), track("t3", "Gamma", 180_000), track("t4", "Delta", 60_000)];
const entry = (id: string, t: Track | null, trackId = t?.id ?? "gone"): PlaylistEntry => ({ id, track_id: trackId, position: id, track: t });
const roadTrip: Playlist = {
  id: "p1",
  name: "Road trip",
  entries: [entry("e1", alpha), entry("e2", null, "t2"), entry("e3", gamma), entry("e4", delta)],
};

function renderWith(ui: ReactNode, client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })) {
  return render(
    <QueryClientProvider client={client}>
      <OverlayProvider>
        <ToastProvider>{ui}</ToastProvider>
      </OverlayProvider>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  vi.mocked(commands.listPlaylists).mockImplementation(() => ok(summaries));
  vi.mocked(commands.getPlaylist).mockImplementation(() => ok(roadTrip));
  vi.mocked(commands.getCloudStatus).mockImplementation(() => ok(loggedOut));
  vi.mocked(commands.getPlayerState).mockImplementation(() => ok(idlePlayer));
  vi.mocked(commands.controlPlayer).mockImplementation(() => ok(null));
  vi.mocked(commands.getPreferences).mockResolvedValue(preferences);
  vi.mocked(commands.createPlaylist).mockImplementation(() => ok("p9"));
  vi.mocked(commands.renamePlaylist).mockImplementation(() => ok(null));
  vi.mocked(commands.deletePlaylist).mockImplementation(() => ok(null));
  vi.mocked(commands.addToPlaylist).mockImplementation(() => ok(["e9"]));
  vi.mocked(commands.removeFromPlaylist).mockImplementation(() => ok(null));
  vi.mocked(commands.moveInPlaylist).mockImplementation(() => ok(null));
});

describe("the Playlists section", () => {
  it("lists every playlist with its song count and cloud sync state", async () => {
    vi.mocked(commands.getCloudStatus).mockImplementation(() => ok(connected));
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={vi.fn()} />);
    const list = await screen.findByRole("list", { name: "Playlists" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((item) => within(item).getAllByRole("button")[0]!.textContent)).toEqual([
      "Road trip",
      "Dinner",
      "Fresh",
    ]);
    expect(within(items[0]!).getByText("12 songs")).toBeTruthy();
    expect(within(items[1]!).getByText("1 song")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("sync-p1").textContent).toBe("In sync"));
    expect(screen.getByTestId("sync-p2").textContent).toBe("3 edits waiting");
    expect(screen.getByTestId("sync-p3").textContent).toBe("");
  });

  it("shows no sync state when the device is not connected to a locker", async () => {
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={vi.fn()} />);
    await screen.findByRole("list", { name: "Playlists" });
    await waitFor(() => expect(commands.getCloudStatus).toHaveBeenCalled());
    expect(screen.queryByText("In sync")).toBeNull();
    expect(syncLabel(loggedOut, "p1")).toBeNull();
    expect(syncLabel(connected, "p1")).toBe("In sync");
    expect(syncLabel({ ...connected, playlists: [{ playlist_id: "p1", name: "x", pending_edits: 1 }] }, "p1")).toBe("1 edit waiting");
  });

  it("opens a playlist", async () => {
    const navigate = vi.fn();
    const user = userEvent.setup();
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={navigate} />);
    await user.click(await screen.findByRole("button", { name: "Dinner" }));
    expect(navigate).toHaveBeenCalledWith({ view: "playlist", id: "p2" });
  });

  it("asks a name for a new playlist, creates it and opens it", async () => {
    const navigate = vi.fn();
    const user = userEvent.setup();
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={navigate} />);
    await user.click(await screen.findByRole("button", { name: "New playlist" }));
    const dialog = screen.getByRole("dialog", { name: "New playlist" });
    await user.type(within(dialog).getByLabelText("Name"), "Summer");
    await user.click(within(dialog).getByRole("button", { name: "OK" }));
    await waitFor(() => expect(commands.createPlaylist).toHaveBeenCalledWith("Summer"));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ view: "playlist", id: "p9" }));
  });

  it("does not create anything when the name is cancelled", async () => {
    const user = userEvent.setup();
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={vi.fn()} />);
    await user.click(await screen.findByRole("button", { name: "New playlist" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(commands.createPlaylist).not.toHaveBeenCalled();
  });

  it("renames a playlist, starting from its current name", async () => {
    const user = userEvent.setup();
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={vi.fn()} />);
    await user.click(await screen.findByRole("button", { name: "Rename Road trip" }));
    const input = within(screen.getByRole("dialog", { name: "Rename playlist" })).getByLabelText("Name");
    expect((input as HTMLInputElement).value).toBe("Road trip");
    await user.clear(input);
    await user.type(input, "Long drive{Enter}");
    await waitFor(() => expect(commands.renamePlaylist).toHaveBeenCalledWith("p1", "Long drive"));
  });

  it("deletes a playlist after confirming, saying its songs stay in the library", async () => {
    const user = userEvent.setup();
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={vi.fn()} />);
    await user.click(await screen.findByRole("button", { name: "Delete Dinner" }));
    let dialog = screen.getByRole("dialog", { name: "Delete “Dinner”?" });
    expect(dialog.textContent).toMatch(/songs stay in your library/);
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(commands.deletePlaylist).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Delete Dinner" }));
    dialog = screen.getByRole("dialog", { name: "Delete “Dinner”?" });
    await user.click(within(dialog).getByRole("button", { name: "Delete playlist" }));
    await waitFor(() => expect(commands.deletePlaylist).toHaveBeenCalledWith("p2"));
  });

  it("shows an empty state whose action makes a playlist", async () => {
    vi.mocked(commands.listPlaylists).mockImplementation(() => ok([]));
    const user = userEvent.setup();
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={vi.fn()} />);
    const empty = await screen.findByRole("region", { name: "No playlists yet" });
    await user.click(within(empty).getByRole("button", { name: "New playlist" }));
    expect(screen.getByRole("dialog", { name: "New playlist" })).toBeTruthy();
  });

  it("imports an M3U file and lists the lines it could not match", async () => {
    vi.mocked(commands.importPlaylist).mockImplementation(() => {
      vi.mocked(commands.listPlaylists).mockImplementation(() => ok([...summaries, { id: "p7", name: "trip", entry_count: 2, updated_at: 1 }]));
      return ok({ playlist: "p7", added: 2, unresolved: ["../Lost/gone.mp3", "C:\\Music\\elsewhere.flac"] });
    });
    const navigate = vi.fn();
    const user = userEvent.setup();
    const { container } = renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={navigate} />);
    await user.click(await screen.findByRole("button", { name: "Import M3U…" }));
    const input = container.querySelector<HTMLInputElement>("#playlist-import-path")!;
    expect(screen.getByLabelText("M3U file")).toBe(input);
    await user.type(input, "/home/ada/trip.m3u");
    await user.click(screen.getByRole("button", { name: "Import" }));
    expect(commands.importPlaylist).toHaveBeenCalledWith("/home/ada/trip.m3u");
    const result = await screen.findByTestId("import-result");
    await waitFor(() => expect(within(result).getByRole("status").textContent).toMatch(/Imported “trip”: 2 songs added/));
    const details = result.querySelector("details")!;
    expect(details.querySelector("summary")!.textContent).toMatch(/2 lines/);
    expect(within(details).getByText("../Lost/gone.mp3")).toBeTruthy();
    expect(within(details).getByText("C:\\Music\\elsewhere.flac")).toBeTruthy();
    await user.click(within(result).getByRole("button", { name: "Open it" }));
    expect(navigate).toHaveBeenCalledWith({ view: "playlist", id: "p7" });
  });

  it("explains an import that failed", async () => {
    vi.mocked(commands.importPlaylist).mockImplementation(() => fail({ kind: "notFound", message: "no file at /nope.m3u" }));
    const user = userEvent.setup();
    renderWith(<PlaylistsView route={{ view: "playlists" }} navigate={vi.fn()} />);
    await user.click(await screen.findByRole("button", { name: "Import M3U…" }));
    await user.type(screen.getByLabelText("M3U file"), "/nope.m3u");
    await user.click(screen.getByRole("button", { name: "Import" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "No file at /nope.m3u. It may have been removed; the list has been refreshed.",
    );
  });
});

describe("a playlist's page", () => {
  const page = (navigate = vi.fn()) => renderWith(<PlaylistPage route={{ view: "playlist", id: "p1" }} navigate={navigate} />);
  const grid = () => screen.findByRole("grid", { name: "Road trip" });

  it("shows the name, count, length, and the songs gone from the library", async () => {
    page();
    expect((await screen.findByTestId("playlist-name")).textContent).toBe("Road trip");
    expect(screen.getByRole("heading", { level: 2, name: "Road trip" })).toBeTruthy();
    expect(screen.getByTestId("playlist-facts").textContent).toBe("4 songs · 6 min");
    expect(screen.getByTestId("playlist-gone").textContent).toMatch(/^1 song is no longer in your library/);
    const table = await grid();
    const titles = within(table)
      .getAllByRole("row")
      .slice(1)
      .map((row) => row.querySelector('[data-column="title"]')!.textContent);
    expect(titles).toEqual(["Alpha", "Unavailable", "Gamma", "Delta"]);
    expect(within(table).queryByText("Loading…")).toBeNull();
  });

  it("plays the playlist from a double-clicked song, skipping songs no longer in the library", async () => {
    const user = userEvent.setup();
    page();
    await user.dblClick(within(await grid()).getByText("Gamma"));
    expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "play", track_ids: ["t1", "t3", "t4"], start: 1 });
    await user.dblClick(within(await grid()).getByText("Delta"));
    expect(commands.controlPlayer).toHaveBeenLastCalledWith({ kind: "play", track_ids: ["t1", "t3", "t4"], start: 2 });
  });

  it("plays everything from the first song with Play", async () => {
    const user = userEvent.setup();
    page();
    await grid();
    await user.click(screen.getByRole("button", { name: "Play" }));
    expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "play", track_ids: ["t1", "t3", "t4"], start: 0 });
  });

  it("removes the selected entries with the Delete key", async () => {
    const user = userEvent.setup();
    page();
    const table = await grid();
    await user.click(within(table).getByText("Alpha"));
    await user.keyboard("{Shift>}");
    await user.click(within(table).getByText("Gamma"));
    await user.keyboard("{/Shift}{Delete}");
    await waitFor(() => expect(commands.removeFromPlaylist).toHaveBeenCalledTimes(3));
    expect(vi.mocked(commands.removeFromPlaylist).mock.calls).toEqual([
      ["p1", "e1"],
      ["p1", "e2"],
      ["p1", "e3"],
    ]);
  });

  it("removes an entry from its menu", async () => {
    const user = userEvent.setup();
    page();
    const table = await grid();
    fireEvent.contextMenu(within(table).getByText("Delta"), { clientX: 10, clientY: 10 });
    await user.click(screen.getByRole("menuitem", { name: "Remove from playlist" }));
    await waitFor(() => expect(commands.removeFromPlaylist).toHaveBeenCalledWith("p1", "e4"));
    expect(commands.removeFromPlaylist).toHaveBeenCalledTimes(1);
  });

  it("moves the selected entry down with Alt+Down", async () => {
    const user = userEvent.setup();
    page();
    const table = await grid();
    await user.click(within(table).getByText("Alpha"));
    await user.keyboard("{Alt>}{ArrowDown}{/Alt}");
    await waitFor(() => expect(commands.moveInPlaylist).toHaveBeenCalledWith("p1", "e1", 1));
    expect(commands.moveInPlaylist).toHaveBeenCalledTimes(1);
  });

  it("adds songs dragged in from another list where they are dropped", async () => {
    page();
    const table = await grid();
    const body = table.querySelector<HTMLElement>(".tracks__body")!;
    setDragPayload({ source: "library", indices: [0], trackIds: () => Promise.resolve(["t8", "t9"]) });
    // jsdom's drag events have no pointer position: 60px down is the gap before the third row.
    const over = createEvent.dragOver(body, { dataTransfer: { dropEffect: "none" } });
    Object.defineProperty(over, "clientY", { value: 60 });
    fireEvent(body, over);
    fireEvent.drop(body, { dataTransfer: {} });
    await waitFor(() => expect(commands.addToPlaylist).toHaveBeenCalledWith("p1", ["t8", "t9"], 2));
  });

  it("exports an M3U file and says how many songs it holds", async () => {
    vi.mocked(commands.exportPlaylist).mockImplementation(() => ok(3));
    const user = userEvent.setup();
    const { container } = page();
    await grid();
    await user.click(screen.getByRole("button", { name: "Export M3U…" }));
    const input = container.querySelector<HTMLInputElement>("#playlist-export-path")!;
    await user.type(input, "/home/ada/road.m3u");
    await user.click(screen.getByRole("button", { name: "Export" }));
    expect(commands.exportPlaylist).toHaveBeenCalledWith("p1", "/home/ada/road.m3u");
    expect((await screen.findByTestId("export-result")).textContent).toBe("Exported 3 songs");
  });

  it("deletes the playlist from its page and goes back to Playlists", async () => {
    const navigate = vi.fn();
    const user = userEvent.setup();
    page(navigate);
    await grid();
    await user.click(screen.getByRole("button", { name: "Delete" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete playlist" }));
    await waitFor(() => expect(commands.deletePlaylist).toHaveBeenCalledWith("p1"));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ view: "playlists" }));
  });

  it("says so when the playlist was deleted elsewhere, without waiting for retries", async () => {
    vi.mocked(commands.getPlaylist).mockImplementation(() => fail({ kind: "notFound", message: "no such playlist" }));
    const navigate = vi.fn();
    const user = userEvent.setup();
    // The app's client retries failed queries; the page must not wait for that.
    renderWith(<PlaylistPage route={{ view: "playlist", id: "p1" }} navigate={navigate} />, new QueryClient());
    expect((await screen.findByRole("alert")).textContent).toMatch(/no longer exists/);
    await user.click(screen.getByRole("button", { name: "Back to Playlists" }));
    expect(navigate).toHaveBeenCalledWith({ view: "playlists" });
  });
});

describe("reorderMoves", () => {
  const ids = ["a", "b", "c", "d", "e"];
  const order = (moves: ReturnType<typeof reorderMoves>) => applyMoves(ids.map((id) => ({ id })), moves).map((x) => x.id).join("");

  it.each([
    // indices, to, resulting order, moves sent
    [[0], 5, "bcdea", [{ entry: "a", index: 4 }]],
    [[0], 0, "abcde", []],
    [[0], 1, "abcde", []],
    [[0], 2, "bacde", [{ entry: "a", index: 1 }]],
    [[4], 0, "eabcd", [{ entry: "e", index: 0 }]],
    [[1], 3, "acbde", [{ entry: "b", index: 2 }]],
    [[2], 1, "acbde", [{ entry: "c", index: 1 }]],
    [[0, 2], 5, "bdeac", [{ entry: "c", index: 4 }, { entry: "a", index: 3 }]],
    [[1, 3], 0, "bdace", [{ entry: "d", index: 0 }, { entry: "b", index: 0 }]],
    [[1, 2], 2, "abcde", []],
    [[1, 2], 3, "abcde", []],
    [[0, 1, 2], 1, "abcde", []],
    [[3, 1], 5, "acebd", [{ entry: "d", index: 4 }, { entry: "b", index: 3 }]],
    [[0, 4], 2, "baecd", [{ entry: "e", index: 2 }, { entry: "a", index: 1 }]],
  ] as const)("moves rows %j to before row %i: %s", (indices, to, expected, moves) => {
    const sent = reorderMoves(ids, indices, to);
    expect(sent).toEqual(moves);
    expect(order(sent)).toBe(expected);
  });

  it("puts any selection, in order, before any row", () => {
    for (let mask = 1; mask < 1 << ids.length; mask++) {
      const indices = ids.map((_, i) => i).filter((i) => mask & (1 << i));
      for (let to = 0; to <= ids.length; to++) {
        const picked = indices.map((i) => ids[i]!);
        const before = ids.filter((_, i) => i < to && !indices.includes(i));
        const after = ids.filter((_, i) => i >= to && !indices.includes(i));
        expect(order(reorderMoves(ids, indices, to)), `rows ${indices} before ${to}`).toBe([...before, ...picked, ...after].join(""));
      }
    }
  });
});

describe("playFrom", () => {
  it("starts at the clicked entry among the songs still in the library", () => {
    expect(playFrom(roadTrip.entries, 0)).toEqual({ track_ids: ["t1", "t3", "t4"], start: 0 });
    expect(playFrom(roadTrip.entries, 2)).toEqual({ track_ids: ["t1", "t3", "t4"], start: 1 });
    expect(playFrom(roadTrip.entries, 3)).toEqual({ track_ids: ["t1", "t3", "t4"], start: 2 });
    expect(playFrom(roadTrip.entries, 1)).toBeNull();
  });
});
