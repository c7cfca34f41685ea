// The Settings view against a mocked Rust side: each control saves the whole settings with
// just its own value changed, edits made in quick succession are all kept, a refused save is
// explained and undone, and the shortcuts are listed.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { OverlayProvider } from "../components/Overlays";
import { ToastProvider } from "../components/Toast";
import { commands, type AppInfo, type CloudOverview, type Preferences } from "../ipc/bindings";
import { SettingsView } from "./SettingsView";
import { ok } from "../test/fixtures";

vi.mock("../ipc/bindings", () => ({
  commands: {
    getAppInfo: vi.fn(),
    listMusicFolders: vi.fn(),
    addMusicFolder: vi.fn(),
    removeMusicFolder: vi.fn(),
    scanLibrary: vi.fn(),
    cancelScan: vi.fn(),
    getCloudStatus: vi.fn(),
    getPreferences: vi.fn(),
    setPreferences: vi.fn(),
    discoverMusic: vi.fn(),
    importItunes: vi.fn(),
    exportLibrary: vi.fn(),
  },
  events: {
    libraryChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));
vi.mock("@tauri-apps/api/core", () => ({ Channel: class { onmessage: unknown = null } }));

const MB = 1 << 20;

const saved: Preferences = {
  theme: "system",
  replay_gain: { mode: "auto", preamp_db: 0, fallback_db: -6, prevent_clipping: true },
  uploads_at_once: 3,
  upload_limit_kbps: null,
  cache_budget_mb: 2048,
  auto_upload: true,
  song_columns: [{ column: "title", width: 320 }], welcomed: true
};

const info: AppInfo = {
  name: "Tonearm", version: "1.2.3", os: "linux", dataDir: "/data", cacheDir: "/cache", logDir: "/logs",
};

const cloud: CloudOverview = {
  status: {
    account: null, token_store: null, connection: { state: "logged_out" },
    totals: { in_cloud: 0, in_cloud_bytes: 0, local_only: 0, cloud_only: 0, pending: 0, pending_bytes: 0, paused: 0, failed: 0 },
    cache_bytes: 300 * MB,
    pinned_tracks: 0,
    pinned_bytes: 0,
    storage_used: null,
    storage_quota: null,
    cache_budget: 2048 * MB,
  },
  activity: [],
  playlists: [],
};

function renderSettings(preferences: Preferences = saved) {
  vi.mocked(commands.getPreferences).mockImplementation(() => Promise.resolve(preferences));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <OverlayProvider>
          <SettingsView route={{ view: "settings" }} navigate={vi.fn()} />
        </OverlayProvider>
      </ToastProvider>
    </QueryClientProvider>,
  );
  return client;
}

/** The settings sent with the last save. */
const lastSaved = () => vi.mocked(commands.setPreferences).mock.lastCall?.[0];

beforeEach(() => {
  vi.mocked(commands.getAppInfo).mockResolvedValue(info);
  vi.mocked(commands.listMusicFolders).mockImplementation(() => ok([]));
  vi.mocked(commands.getCloudStatus).mockImplementation(() => ok(cloud));
  vi.mocked(commands.setPreferences).mockImplementation((preferences) => ok(preferences));
});

describe("playback settings", () => {
  it("saves the ReplayGain mode, keeping every other setting", async () => {
    const user = userEvent.setup();
    renderSettings();
    const mode = await screen.findByLabelText("ReplayGain");
    expect((mode as HTMLSelectElement).value).toBe("auto");
    expect(within(mode).getAllByRole("option").map((o) => o.textContent)).toEqual(["Off", "Track", "Album", "Automatic"]);
    await user.selectOptions(mode, "Album");
    await waitFor(() => expect(commands.setPreferences).toHaveBeenCalledTimes(1));
    expect(lastSaved()).toEqual({ ...saved, replay_gain: { ...saved.replay_gain, mode: "album" } });
  });

  it("saves the preamp, shows its value, and keeps an edit made just before", async () => {
    const user = userEvent.setup();
    renderSettings();
    const preamp = (await screen.findByLabelText("Preamp")) as HTMLInputElement;
    expect([preamp.min, preamp.max, preamp.step]).toEqual(["-15", "15", "0.5"]);
    expect(screen.getByTestId("preamp-value").textContent).toBe("0.0 dB");
    // Two edits before the first save has answered: neither may be lost.
    await user.selectOptions(screen.getByLabelText("ReplayGain"), "track");
    fireEvent.change(preamp, { target: { value: "3.5" } });
    expect(screen.getByTestId("preamp-value").textContent).toBe("+3.5 dB");
    await waitFor(() =>
      expect(lastSaved()).toEqual({ ...saved, replay_gain: { ...saved.replay_gain, mode: "track", preamp_db: 3.5 } }),
    );
    fireEvent.change(preamp, { target: { value: "-2" } });
    expect(screen.getByTestId("preamp-value").textContent).toBe("−2.0 dB");
    await waitFor(() => expect(lastSaved()?.replay_gain.preamp_db).toBe(-2));
  });

  it("turns clipping prevention off", async () => {
    const user = userEvent.setup();
    renderSettings();
    const clipping = await screen.findByRole("checkbox", { name: "Prevent clipping" });
    expect((clipping as HTMLInputElement).checked).toBe(true);
    await user.click(clipping);
    await waitFor(() =>
      expect(lastSaved()).toEqual({ ...saved, replay_gain: { ...saved.replay_gain, prevent_clipping: false } }),
    );
    expect((clipping as HTMLInputElement).checked).toBe(false);
  });
});

describe("upload settings", () => {
  it("saves how many uploads run at once", async () => {
    const user = userEvent.setup();
    renderSettings();
    const atOnce = await screen.findByLabelText("Uploads at once");
    expect(within(atOnce).getAllByRole("option").map((o) => o.textContent)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    await user.selectOptions(atOnce, "5");
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, uploads_at_once: 5 }));
  });

  it("switches the bandwidth limit on, changes it, and switches it off again", async () => {
    const user = userEvent.setup();
    renderSettings();
    const limit = await screen.findByRole("checkbox", { name: "Limit upload speed" });
    const speed = screen.getByLabelText("Upload speed limit (KB/s)") as HTMLInputElement;
    expect((limit as HTMLInputElement).checked).toBe(false);
    expect(speed.disabled).toBe(true);

    await user.click(limit);
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, upload_limit_kbps: 1024 }));
    expect(speed.disabled).toBe(false);

    await user.clear(speed);
    await user.type(speed, "500");
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, upload_limit_kbps: 500 }));

    await user.click(limit);
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, upload_limit_kbps: null }));
    expect(speed.disabled).toBe(true);

    // Switched on again, the limit comes back as it was.
    await user.click(limit);
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, upload_limit_kbps: 500 }));
  });

  it("turns automatic uploads off and on", async () => {
    const user = userEvent.setup();
    renderSettings();
    const auto = (await screen.findByRole("checkbox", { name: "Upload new music automatically" })) as HTMLInputElement;
    expect(auto.checked).toBe(true);
    await user.click(auto);
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, auto_upload: false }));
    expect(auto.checked).toBe(false);
    await user.click(auto);
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, auto_upload: true }));
  });

  it("shows a saved limit and what Rust kept after the field is left", async () => {
    vi.mocked(commands.setPreferences).mockImplementation((preferences) =>
      ok({ ...preferences, upload_limit_kbps: Math.max(64, preferences.upload_limit_kbps ?? 0) }),
    );
    const user = userEvent.setup();
    renderSettings({ ...saved, upload_limit_kbps: 2000 });
    const speed = (await screen.findByLabelText("Upload speed limit (KB/s)")) as HTMLInputElement;
    expect((screen.getByRole("checkbox", { name: "Limit upload speed" }) as HTMLInputElement).checked).toBe(true);
    expect(speed.value).toBe("2000");
    await user.clear(speed);
    await user.type(speed, "10");
    await waitFor(() => expect(lastSaved()?.upload_limit_kbps).toBe(10));
    expect(speed.value).toBe("10");
    await user.tab();
    await waitFor(() => expect(speed.value).toBe("64"));
  });
});

describe("cache and appearance", () => {
  it("saves the stream cache size and shows what is in use", async () => {
    const user = userEvent.setup();
    renderSettings();
    const size = await screen.findByLabelText("Cache size");
    expect(within(size).getAllByRole("option").map((o) => o.textContent)).toEqual(["512 MB", "1 GB", "2 GB", "5 GB", "10 GB", "20 GB"]);
    expect((size as HTMLSelectElement).value).toBe("2048");
    expect((await screen.findByTestId("cache-used")).textContent).toBe("300.0 MB in use");
    await user.selectOptions(size, "5 GB");
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, cache_budget_mb: 5120 }));
  });

  it("keeps a cache size that is not one of the choices", async () => {
    renderSettings({ ...saved, cache_budget_mb: 3000 });
    const size = (await screen.findByLabelText("Cache size")) as HTMLSelectElement;
    expect(size.value).toBe("3000");
    expect(size.selectedOptions[0]?.textContent).toBe("2.9 GB");
  });

  it("saves the theme from a labelled radio group", async () => {
    const user = userEvent.setup();
    renderSettings();
    const group = await screen.findByRole("group", { name: "Theme" });
    const radios = within(group).getAllByRole("radio");
    expect(radios.map((radio) => radio.closest("label")?.textContent)).toEqual(["System", "Light", "Dark"]);
    expect((within(group).getByRole("radio", { name: "System" }) as HTMLInputElement).checked).toBe(true);
    await user.click(within(group).getByRole("radio", { name: "Dark" }));
    await waitFor(() => expect(lastSaved()).toEqual({ ...saved, theme: "dark" }));
    expect((within(group).getByRole("radio", { name: "Dark" }) as HTMLInputElement).checked).toBe(true);
  });

  it("explains a refused save and shows the settings as they are", async () => {
    vi.mocked(commands.setPreferences).mockImplementation(() =>
      Promise.resolve({ status: "error" as const, error: { kind: "internal" as const, message: "the settings file is read-only" } }),
    );
    const user = userEvent.setup();
    renderSettings();
    const group = await screen.findByRole("group", { name: "Theme" });
    await user.click(within(group).getByRole("radio", { name: "Light" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Tonearm could not save that setting. The settings file is read-only.",
    );
    await waitFor(() => expect((within(group).getByRole("radio", { name: "System" }) as HTMLInputElement).checked).toBe(true));
  });
});

describe("the rest of Settings", () => {
  it("lists the keyboard shortcuts", async () => {
    renderSettings();
    const table = await screen.findByRole("table", { name: "Keyboard shortcuts" });
    const rows = within(table).getAllByRole("row").slice(1).map((row) => row.textContent);
    expect(rows).toHaveLength(12);
    expect(rows).toContain("SpacePlay or pause");
    expect(rows).toContain("Ctrl+FSearch");
    expect(rows).toContain("Ctrl+LShow the queue");
    expect(rows).toContain("Shift+F10 or the Menu keyOpen the song menu");
    expect(rows).toContain("Alt+↑ or Alt+↓Move in a playlist or the queue");
    expect(rows).toContain("EscapeClose menus and dialogs");
  });

  it("keeps the music folders and the facts about the app", async () => {
    renderSettings();
    expect(await screen.findByRole("heading", { name: "Music folders" })).toBeTruthy();
    expect(screen.getByLabelText("Folder").id).toBe("folder-path");
    expect(screen.getByRole("button", { name: "Add folder" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Rescan" })).toBeTruthy();
    expect(await screen.findByText("Tonearm 1.2.3 (linux)")).toBeTruthy();
  });

  it("labels every control", async () => {
    renderSettings();
    await screen.findByRole("group", { name: "Theme" });
    for (const control of document.querySelectorAll("input, select")) {
      const labelled = (control as HTMLInputElement).labels?.length || control.getAttribute("aria-label");
      expect(labelled, control.outerHTML).toBeTruthy();
    }
  });
});

describe("finding music and importing from iTunes", () => {
  it("offers the places discovery found, not those in the library, and adds the ticked ones", async () => {
    const user = userEvent.setup();
    const place = (path: string, songs: number, in_library = false) => ({ path, songs, bytes: songs * MB, folders: 1, samples: ["Abba"], in_library });
    vi.mocked(commands.discoverMusic).mockImplementation(() =>
      ok({
        places: [place("/home/me/Music", 1200), place("/media/usb/Songs", 30), place("/home/me/Old", 5, true)],
        songs: 1235, bytes: 1235 * MB,
        stray: { songs: 0, bytes: 0, folder_count: 0, folders: [] },
        roots: ["/home/me"], folders_walked: 10, files_seen: 2000, unsupported: 0,
        skipped: { hidden: 0, system: 0, application: 0, trash: 0, cache: 0, development: 0, private_store: 0, excluded: 0 },
        links_followed: 0, links_not_followed: 0, unreadable: [], unreadable_count: 0, duration_ms: 12,
      }),
    );
    vi.mocked(commands.addMusicFolder).mockImplementation((path) => ok({ id: 1, path, scanned_at: null, track_count: 0, available: true }));
    // The scan after adding never finishes here: only the adding is under test.
    vi.mocked(commands.scanLibrary).mockImplementation(() => new Promise(() => {}));
    renderSettings();
    await user.click(await screen.findByRole("button", { name: "Find my music…" }));
    expect(await screen.findByText("Tonearm found 1,235 songs in 3 places. 1 place already in your library.")).toBeTruthy();
    const places = screen.getByRole("list", { name: "Places with music" });
    expect(within(places).queryByText("/home/me/Old")).toBeNull();
    await user.click(within(places).getAllByRole("checkbox")[1]!);
    await user.click(screen.getByRole("button", { name: "Add this folder" }));
    await waitFor(() => expect(commands.addMusicFolder).toHaveBeenCalledTimes(1));
    expect(commands.addMusicFolder).toHaveBeenCalledWith("/home/me/Music");
  });

  it("imports an iTunes library and reports what it found and what it did not", async () => {
    const user = userEvent.setup();
    vi.mocked(commands.importItunes).mockImplementation(() =>
      ok({
        songs: 10, skipped: 1, matched_by_location: 6, matched_by_tags: 2,
        unmatched: [{ name: "Gone Song", artist: "Nobody", album: null, location: "C:/Music/gone.mp3" }],
        tracks_changed: 8, plays_added: 40, skips_added: 2, ratings_changed: 3, loves_changed: 1, dates_changed: 8,
        playlists: [], playlists_created: 2, playlists_updated: 0, entries_not_found: 1, duration_ms: 40,
      }),
    );
    renderSettings();
    await user.type(await screen.findByLabelText("Library file"), "/home/me/Library.xml");
    await user.click(screen.getByRole("button", { name: "Import" }));
    expect(commands.importItunes).toHaveBeenCalledWith("/home/me/Library.xml");
    const report = await screen.findByTestId("itunes-report");
    expect(report.textContent).toContain("Found 8 songs of 10 songs in your library (6 by their files, 2 by their tags).");
    expect(report.textContent).toContain("2 playlists created, 0 updated.");
    expect(report.textContent).toContain("Gone Song — Nobody (C:/Music/gone.mp3)");
  });
});

describe("export everything", () => {
  it("exports into the folder given and says what it wrote", async () => {
    const user = userEvent.setup();
    vi.mocked(commands.exportLibrary).mockImplementation(() =>
      ok({ folder: "/out", songs: 12, copied: 10, downloaded: 2, failed: [], playlists: 3, cancelled: false }),
    );
    renderSettings();
    await user.type(await screen.findByLabelText("Into"), "/out");
    await user.click(screen.getByRole("button", { name: "Export" }));
    expect(vi.mocked(commands.exportLibrary).mock.calls[0]?.[0]).toBe("/out");
    expect((await screen.findByTestId("export-report")).textContent).toBe("Exported 12 songs (10 copied, 2 downloaded) and 3 playlists.");
  });
});
