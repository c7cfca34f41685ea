// The app frame: navigation, empty states and the Settings facts, with the Rust side mocked
// through the generated bindings' own types.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { act } from "react";
import {
  commands,
  events,
  type AppInfo,
  type CloudOverview,
  type LibraryStats,
  type PlayerChange,
  type PlayerView,
  type Preferences,
  type ScanReport,
  type Status,
  type Track,
} from "./ipc/bindings";
import { views } from "./views/registry";
import { WARM_UP_QUERY } from "./views/searchWarmUp";
import { GenrePage } from "./views/LibraryViews";
import { OverlayProvider } from "./components/Overlays";
import { ToastProvider } from "./components/Toast";
import { makeTrack, ok } from "./test/fixtures";

vi.mock("./ipc/bindings", () => ({
  commands: {
    getAppInfo: vi.fn(),
    getLibraryStats: vi.fn(),
    listMusicFolders: vi.fn(),
    listTracks: vi.fn(),
    addMusicFolder: vi.fn(),
    scanLibrary: vi.fn(),
    cancelScan: vi.fn(),
    getPlayerState: vi.fn(),
    controlPlayer: vi.fn(),
    getCloudStatus: vi.fn(),
    cloudLogin: vi.fn(),
    uploadLibrary: vi.fn(),
    getPreferences: vi.fn(),
    setPreferences: vi.fn(),
    listPlaylists: vi.fn(),
    suggestMusicFolders: vi.fn(),
    startLocalLocker: vi.fn(),
    getLocalLocker: vi.fn(),
    listApiKeys: vi.fn(() => Promise.resolve({ status: "ok", data: [] })),
    searchLibrary: vi.fn(),
  },
  events: {
    libraryChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));
vi.mock("@tauri-apps/api/core", () => ({ Channel: class { onmessage: unknown = null } }));


const emptyStats: LibraryStats = {
  tracks: 0, present: 0, missing: 0, unreadable: 0, cloud: 0, albums: 0, artists: 0, genres: 0,
  duration_ms: 0, size_bytes: 0, folders: 0, playlists: 0,
};

function track(title: string, artist: string): Track {
  return makeTrack({
    id: `00000000-0000-4000-8000-${String(title.length).padStart(12, "0")}`,
    title, artist, artists: [artist], duration_ms: 61_000,
  });
}

const defaultPreferences: Preferences = {
  theme: "system",
  replay_gain: { mode: "auto", preamp_db: 0, fallback_db: 0, prevent_clipping: true },
  uploads_at_once: 3,
  upload_limit_kbps: null,
  cache_budget_mb: 2048,
  auto_upload: true,
  song_columns: [], welcomed: true
};

const info: AppInfo = {
  name: "Tonearm",
  version: "9.8.7",
  os: "linux",
  dataDir: "/home/ada/.local/share/app.tonearm.desktop",
  cacheDir: "/home/ada/.cache/app.tonearm.desktop",
  logDir: "/home/ada/.local/share/app.tonearm.desktop/logs",
};

function renderApp() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<App client={client} />);
}

const stopped: Status = {
  state: "stopped", volume: 1, muted: false, shuffle: false, repeat: "off",
  replaygain: { mode: "auto", preamp_db: 0, fallback_db: 0, prevent_clipping: true },
};
const idlePlayer: PlayerView = { status: stopped, current: null, position_ms: 0, queue_length: 0, upcoming: [], upcoming_total: 0 };

/** Sends the UI a player event, as the engine does. */
let playerChanged: (change: PlayerChange) => void = () => {};

const noTotals = {
  in_cloud: 0, in_cloud_bytes: 0, local_only: 0, cloud_only: 0, pending: 0, pending_bytes: 0, paused: 0, failed: 0,
};
const loggedOut: CloudOverview = {
  status: { account: null, token_store: null, connection: { state: "logged_out" }, totals: noTotals, cache_bytes: 0, cache_budget: 2 << 30, pinned_tracks: 0, pinned_bytes: 0, storage_used: null, storage_quota: null },
  activity: [],
  playlists: [],
};

beforeEach(() => {
  vi.mocked(commands.getCloudStatus).mockImplementation(() => ok(loggedOut));
  vi.mocked(commands.getPlayerState).mockImplementation(() => ok(idlePlayer));
  vi.mocked(commands.controlPlayer).mockImplementation(() => ok(null));
  vi.mocked(events.playerChanged.listen).mockImplementation((handler) => {
    playerChanged = (change) => act(() => handler({ event: "player-changed", id: 0, payload: change }));
    return Promise.resolve(() => {});
  });
  vi.mocked(commands.getAppInfo).mockResolvedValue(info);
  vi.mocked(commands.getLibraryStats).mockImplementation(() => ok(emptyStats));
  vi.mocked(commands.listMusicFolders).mockImplementation(() => ok([]));
  vi.mocked(commands.getPreferences).mockResolvedValue(defaultPreferences);
  vi.mocked(commands.listPlaylists).mockImplementation(() => ok([]));
});

describe("the app frame", () => {
  it("opens on Songs with the sidebar, the view and the now-playing bar", () => {
    renderApp();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Songs");
    expect(screen.getByRole("navigation", { name: "Sidebar" })).toBeTruthy();
    const player = screen.getByRole("contentinfo", { name: "Now playing" });
    expect(within(player).getByText("Nothing playing")).toBeTruthy();
    expect(within(player).getByRole("button", { name: "Play" }).hasAttribute("disabled")).toBe(true);
  });

  it("lists every view in the sidebar and marks exactly the open one as current", async () => {
    const user = userEvent.setup();
    renderApp();
    const sidebar = screen.getByRole("navigation", { name: "Sidebar" });
    for (const view of views) {
      await user.click(within(sidebar).getByRole("button", { name: view.label }));
      expect(screen.getByRole("heading", { level: 1 }).textContent).toBe(view.label);
      const current = within(sidebar)
        .getAllByRole("button")
        .filter((button) => button.getAttribute("aria-current") === "page");
      expect(current.map((button) => button.textContent)).toEqual([view.label]);
    }
  });

  it("sends an empty library to the music folders in Settings", async () => {
    const user = userEvent.setup();
    renderApp();
    expect(await screen.findByText("Add a music folder to get started")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Set up music folders" }));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Settings");
    expect(screen.getByRole("heading", { name: "Music folders" })).toBeTruthy();
  });
});

describe("Settings", () => {
  it("shows the version and directories reported by the app", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    expect(await screen.findByText("Tonearm 9.8.7 (linux)")).toBeTruthy();
    expect(screen.getByText(info.dataDir)).toBeTruthy();
    expect(screen.getByText(info.cacheDir)).toBeTruthy();
    expect(screen.getByText(info.logDir)).toBeTruthy();
    expect(commands.getAppInfo).toHaveBeenCalledTimes(1);
  });

  it("explains what to do when the app cannot answer", async () => {
    vi.mocked(commands.getAppInfo).mockRejectedValue("state not managed");
    const user = userEvent.setup();
    renderApp();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/Restart the app/);
    expect(alert.textContent).not.toMatch(/state not managed/);
  });
});

describe("the library", () => {
  it("lists the songs once the library has some", async () => {
    vi.mocked(commands.getLibraryStats).mockImplementation(() => ok({ ...emptyStats, tracks: 2, present: 2 }));
    vi.mocked(commands.listTracks).mockImplementation(() =>
      ok({ items: [track("Intro", "Ada"), track("Outro song", "Béla")], total: 2, offset: 0 }),
    );
    renderApp();
    const table = await screen.findByRole("grid", { name: "Songs" });
    await waitFor(() => expect(table.getAttribute("aria-rowcount")).toBe("3"));
    await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(3));
    expect(within(table).getByText("Béla")).toBeTruthy();
    expect(within(table).getAllByText("1:01")).toHaveLength(2);
    expect(screen.getByTestId("song-count").textContent).toBe("2 songs");
    expect(screen.queryByText("Add a music folder to get started")).toBeNull();
  });

  it("renders the search page once, out of the document, after the songs are shown", async () => {
    vi.mocked(commands.getLibraryStats).mockImplementation(() => ok({ ...emptyStats, tracks: 2, present: 2 }));
    vi.mocked(commands.listTracks).mockImplementation(() =>
      ok({ items: [track("Intro", "Ada"), track("Outro song", "Béla")], total: 2, offset: 0 }),
    );
    vi.mocked(commands.searchLibrary).mockImplementation(() =>
      ok({ songs: { items: [track("Intro", "Ada")], total: 1, offset: 0 }, albums: [], artists: [] }),
    );
    const added: Element[] = [];
    const removed: Node[] = [];
    const watch = new MutationObserver((records) => {
      for (const record of records) {
        added.push(...[...record.addedNodes].filter((node): node is Element => node instanceof Element));
        removed.push(...record.removedNodes);
      }
    });
    watch.observe(document.body, { childList: true });
    renderApp();
    await screen.findByRole("grid", { name: "Songs" });
    // The page asks its search as it mounts: that is how it is known to have rendered.
    await waitFor(() => expect(commands.searchLibrary).toHaveBeenCalledWith(WARM_UP_QUERY, expect.any(Number)), { timeout: 3000 });
    // It was rendered in an element of its own, out of reach, and dropped once answered.
    await waitFor(() => expect(added.filter((node) => removed.includes(node))).toHaveLength(1), { timeout: 3000 });
    watch.disconnect();
    const host = added.find((node) => removed.includes(node)) as HTMLElement;
    expect(host.getAttribute("aria-hidden")).toBe("true");
    expect(host.inert).toBe(true);
    expect(host.isConnected).toBe(false);
    // Nothing of it was ever in the document's reach; the Songs view never moved.
    expect(screen.queryByTestId("search-results")).toBeNull();
    expect(screen.getAllByRole("grid")).toHaveLength(1);
    expect(screen.getByTestId("view-songs")).toBeTruthy();
    expect(commands.searchLibrary).toHaveBeenCalledTimes(1);
  });

  it("adds a folder in Settings, scans it and reports what it found", async () => {
    const report: ScanReport = {
      folders: 1, files_found: 3, unchanged: 0, added: 2, updated: 0, moved: 0, restored: 0, missing: 0,
      unreadable: [{ path: "/m/broken.mp3", reason: "not a readable audio file" }], unsupported: ["/m/a.wma"],
      errors: [], cancelled: false, duration_ms: 5,
    };
    vi.mocked(commands.addMusicFolder).mockImplementation((path) =>
      ok({ id: 1, path, scanned_at: null, track_count: 0, available: true }),
    );
    vi.mocked(commands.scanLibrary).mockImplementation(() => ok(report));
    const user = userEvent.setup();
    renderApp();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.type(screen.getByLabelText("Folder"), "/home/ada/Music");
    await user.click(screen.getByRole("button", { name: "Add folder" }));
    const summary = await screen.findByTestId("scan-summary");
    expect(commands.addMusicFolder).toHaveBeenCalledWith("/home/ada/Music");
    expect(commands.scanLibrary).toHaveBeenCalledTimes(1);
    expect(summary.textContent).toMatch(/3 files, 2 added/);
    expect(summary.textContent).toMatch(/2 files could not be added/);
    expect(summary.textContent).toMatch(/this format is not supported/);
  });

  it("explains a folder that cannot be added, with a next step", async () => {
    vi.mocked(commands.addMusicFolder).mockImplementation(() =>
      Promise.resolve({ status: "error" as const, error: { kind: "invalid" as const, message: "/nope is not a folder" } }),
    );
    const user = userEvent.setup();
    renderApp();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.type(screen.getByLabelText("Folder"), "/nope");
    await user.click(screen.getByRole("button", { name: "Add folder" }));
    expect((await screen.findByRole("alert")).textContent).toBe("/nope is not a folder. Check it and try again.");
    expect(commands.scanLibrary).not.toHaveBeenCalled();
  });
});

describe("playback", () => {
  it("plays and shuffles a genre as the player reads it", async () => {
    vi.mocked(commands.listTracks).mockImplementation(() => ok({ items: [track("Intro", "Ada")], total: 1, offset: 0 }));
    const user = userEvent.setup();
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <OverlayProvider>
          <ToastProvider>
            <GenrePage route={{ view: "genre", name: "Jazz" }} navigate={vi.fn()} />
          </ToastProvider>
        </OverlayProvider>
      </QueryClientProvider>,
    );
    const list = { filter: { album_key: null, artist: null, genre: "Jazz", present_only: false }, sort: "artist", descending: false };
    await user.click(screen.getByRole("button", { name: "Play" }));
    expect(commands.controlPlayer).toHaveBeenLastCalledWith({ kind: "play_list", ...list, start: null, shuffle: false });
    await user.click(screen.getByRole("button", { name: "Shuffle" }));
    expect(commands.controlPlayer).toHaveBeenLastCalledWith({ kind: "play_list", ...list, start: null, shuffle: true });
  });

  it("plays the song list from a double-clicked song and follows the engine in the bar", async () => {
    const [intro, outro] = [track("Intro", "Ada"), track("Outro song", "Béla")];
    const songs = [intro, outro];
    vi.mocked(commands.getLibraryStats).mockImplementation(() => ok({ ...emptyStats, tracks: 2, present: 2 }));
    vi.mocked(commands.listTracks).mockImplementation(() => ok({ items: songs, total: 2, offset: 0 }));
    const user = userEvent.setup();
    renderApp();
    const table = await screen.findByRole("grid", { name: "Songs" });
    await user.dblClick(await within(table).findByText("Outro song"));
    await waitFor(() => expect(commands.controlPlayer).toHaveBeenCalled());
    // The library's list, which the player reads itself, from the song double-clicked.
    expect(commands.controlPlayer).toHaveBeenCalledWith({
      kind: "play_list",
      filter: { album_key: null, artist: null, genre: null, present_only: false },
      sort: "artist",
      descending: false,
      start: outro.id,
      shuffle: null,
    });

    const bar = screen.getByRole("contentinfo", { name: "Now playing" });
    await waitFor(() => expect(commands.getPlayerState).toHaveBeenCalled());
    playerChanged({ kind: "current", current: { entry: 2, track: outro, duration_ms: 61_000 } });
    playerChanged({ kind: "status", status: { ...stopped, state: "playing" } });
    playerChanged({ kind: "position", entry: 2, position_ms: 30_500, duration_ms: 61_000 });
    // React Query tells components about new data on the next tick.
    await waitFor(() => expect(within(bar).getByTestId("now-playing-title").textContent).toBe("Outro song"));
    await waitFor(() => expect(within(bar).getByTestId("position").textContent).toBe("0:30"));
    await user.click(within(bar).getByRole("button", { name: "Pause" }));
    expect(commands.controlPlayer).toHaveBeenLastCalledWith({ kind: "toggle_pause" });
    await user.click(within(bar).getByRole("button", { name: "Repeat: off" }));
    expect(commands.controlPlayer).toHaveBeenLastCalledWith({ kind: "set_repeat", repeat: "all" });

    playerChanged({ kind: "error", track_id: intro.id, message: "cannot decode Intro: the file is empty" });
    await waitFor(() =>
      expect(within(bar).getByRole("status").textContent).toBe("cannot decode Intro: the file is empty"),
    );
  });
});

describe("the cloud panel", () => {
  it("connects to a locker, then shows totals and each upload's progress", async () => {
    const connected: CloudOverview = {
      status: {
        account: { server: "https://music.example.org", username: "ada", device: "laptop", session: "s" },
        token_store: "keychain",
        connection: { state: "online" },
        totals: { ...noTotals, in_cloud: 40, in_cloud_bytes: 400 << 20, local_only: 2, pending: 1, pending_bytes: 8 << 20 },
        cache_bytes: 0,
        cache_budget: 2 << 30,
        pinned_tracks: 0,
        pinned_bytes: 0,
        storage_used: null,
        storage_quota: null,
      },
      activity: [
        { track_id: "t1", title: "So What", state: "uploading", bytes_done: 4 << 20, bytes_total: 8 << 20, error: null, next_retry_at: null },
        { track_id: "t2", title: "Blue in Green", state: "failed", bytes_done: 0, bytes_total: 1, error: "cannot reach the server", next_retry_at: 5 },
      ],
      playlists: [
        { playlist_id: "p1", name: "Road trip", pending_edits: 0 },
        { playlist_id: "p2", name: "Dinner", pending_edits: 3 },
      ],
    };
    vi.mocked(commands.cloudLogin).mockImplementation(() => {
      vi.mocked(commands.getCloudStatus).mockImplementation(() => ok(connected));
      return ok(connected.status.account!);
    });
    vi.mocked(commands.uploadLibrary).mockImplementation(() => ok(2));
    const user = userEvent.setup();
    renderApp();
    await user.click(screen.getByRole("button", { name: "Cloud" }));
    const form = await screen.findByRole("form", { name: "Connect to a cloud locker" });
    await user.clear(within(form).getByLabelText("Server"));
    await user.type(within(form).getByLabelText("Server"), "https://music.example.org");
    await user.type(within(form).getByLabelText("User name"), "ada");
    await user.type(within(form).getByLabelText("Password"), "hunter2");
    await user.click(within(form).getByRole("button", { name: "Connect" }));
    expect(commands.cloudLogin).toHaveBeenCalledWith("https://music.example.org", "ada", "hunter2");

    expect((await screen.findByTestId("cloud-account")).textContent).toMatch(/ada at https:\/\/music\.example\.org/);
    expect(screen.getByTestId("cloud-connection").textContent).toBe("Connected");
    expect(screen.getByTestId("cloud-totals").textContent).toMatch(/40 songs \(400\.0 MB\)/);
    const uploads = screen.getByRole("list", { name: "Uploads" });
    const progress = within(uploads).getByRole("progressbar", { name: "So What uploaded" });
    expect(progress.getAttribute("value")).toBe(String(4 << 20));
    expect(within(uploads).getByText("cannot reach the server")).toBeTruthy();
    const playlists = screen.getByRole("list", { name: "Playlist sync" });
    expect(within(playlists).getByText("In sync")).toBeTruthy();
    expect(within(playlists).getByText("3 edits waiting")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Upload library" }));
    expect(commands.uploadLibrary).toHaveBeenCalledTimes(1);
    // Connected, the panel offers keys for phone apps.
    const apps = screen.getByRole("region", { name: "Apps (Subsonic)" });
    expect(await within(apps).findByText("No keys yet.")).toBeTruthy();
  });
});

describe("the first run", () => {
  it("offers the OS music folder, scans it and makes this computer the cloud", async () => {
    vi.mocked(commands.getPreferences).mockResolvedValue({ ...defaultPreferences, welcomed: false });
    vi.mocked(commands.setPreferences).mockImplementation((p) => ok(p));
    vi.mocked(commands.suggestMusicFolders).mockImplementation(() => ok(["/home/ada/Music"]));
    vi.mocked(commands.addMusicFolder).mockImplementation((path) => ok({ id: 1, path, scanned_at: null, track_count: 0, available: true }));
    vi.mocked(commands.scanLibrary).mockImplementation(() => new Promise(() => {}));
    vi.mocked(commands.startLocalLocker).mockImplementation(() => ok({ username: "ada", url: "http://127.0.0.1:7420", lan: false, addresses: [] }));
    vi.mocked(commands.getLocalLocker).mockImplementation(() => ok(null));
    const user = userEvent.setup();
    renderApp();
    const welcome = await screen.findByRole("dialog", { name: "Welcome to Tonearm" });
    expect(await within(welcome).findByRole("checkbox", { name: "/home/ada/Music" })).toHaveProperty("checked", true);
    await user.click(within(welcome).getByRole("radio", { name: "This computer" }));
    await user.type(within(welcome).getByLabelText(/Password for your other devices/), "correct horse");
    await user.click(within(welcome).getByRole("button", { name: "Start with 1 folder" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(commands.addMusicFolder).toHaveBeenCalledWith("/home/ada/Music");
    expect(commands.scanLibrary).toHaveBeenCalled();
    expect(commands.startLocalLocker).toHaveBeenCalledWith("correct horse", false);
    expect(commands.setPreferences).toHaveBeenCalledWith({ ...defaultPreferences, welcomed: true });
  });

  it("does not come back once skipped, nor when a library exists", async () => {
    vi.mocked(commands.getPreferences).mockResolvedValue({ ...defaultPreferences, welcomed: false });
    vi.mocked(commands.setPreferences).mockImplementation((p) => ok(p));
    vi.mocked(commands.suggestMusicFolders).mockImplementation(() => ok([]));
    const user = userEvent.setup();
    renderApp();
    const welcome = await screen.findByRole("dialog", { name: "Welcome to Tonearm" });
    await user.click(within(welcome).getByRole("button", { name: "Skip for now" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(commands.setPreferences).toHaveBeenCalledWith({ ...defaultPreferences, welcomed: true });

    cleanup();
    vi.mocked(commands.getLibraryStats).mockImplementation(() => ok({ ...emptyStats, folders: 1, tracks: 3 }));
    renderApp();
    await screen.findByRole("heading", { level: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByRole("dialog", { name: "Welcome to Tonearm" })).toBeNull();
  });
});
