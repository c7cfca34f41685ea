// The cloud panel against a mocked Rust side: per-track controls send the right track, live
// progress and the upload rate show, logging out asks first, playlists show their sync state;
// keys for Subsonic apps are listed, made (the key shown once) and revoked after asking; the web
// player's address shows, with a QR code when this computer is the cloud on the network.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { OverlayProvider } from "../components/Overlays";
import { ToastProvider } from "../components/Toast";
import { uploadRateKey, uploadsKey, type LiveUploads, type UploadRate } from "../ipc";
import {
  commands,
  type ApiKey,
  type CloudOverview,
  type CloudTotals,
  type QrMatrix,
  type TrackCloudState,
  type WebPlayer,
} from "../ipc/bindings";
import { CloudView } from "./CloudView";
import { ok } from "../test/fixtures";

vi.mock("../ipc/bindings", () => ({
  commands: {
    getCloudStatus: vi.fn(),
    cloudLogin: vi.fn(),
    cloudLogout: vi.fn(),
    uploadLibrary: vi.fn(),
    pauseUploads: vi.fn(),
    resumeUploads: vi.fn(),
    queueUploads: vi.fn(),
    syncCloud: vi.fn(),
    getLocalLocker: vi.fn(),
    startLocalLocker: vi.fn(),
    stopLocalLocker: vi.fn(),
    getWebPlayer: vi.fn(),
    listApiKeys: vi.fn(),
    createApiKey: vi.fn(),
    revokeApiKey: vi.fn(),
  },
  events: {
    libraryChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));
vi.mock("@tauri-apps/api/core", () => ({ Channel: class { onmessage: unknown = null } }));

const MB = 1 << 20;

const totals: CloudTotals = {
  in_cloud: 40, in_cloud_bytes: 400 * MB, local_only: 2, cloud_only: 5, pending: 2, pending_bytes: 16 * MB, paused: 1, failed: 2,
};

function upload(track_id: string, title: string, state: TrackCloudState["state"], extra: Partial<TrackCloudState> = {}): TrackCloudState {
  return { track_id, title, state, bytes_done: 0, bytes_total: 8 * MB, error: null, next_retry_at: null, ...extra };
}

const activity: TrackCloudState[] = [
  upload("t1", "So What", "uploading", { bytes_done: 2 * MB }),
  upload("t2", "Freddie Freeloader", "queued"),
  upload("t3", "Blue in Green", "paused"),
  upload("t4", "All Blues", "failed", { error: "the server refused the file", next_retry_at: Date.now() + 10 * 60_000 }),
  upload("t5", "Flamenco Sketches", "failed", { error: "cannot reach the server", next_retry_at: Date.now() - 1 }),
];

function overview(change: Partial<CloudOverview["status"]> = {}, rest: Partial<CloudOverview> = {}): CloudOverview {
  return {
    status: {
      account: { server: "https://music.example.org", username: "ada", device: "laptop", session: "s" },
      token_store: "keychain",
      connection: { state: "online" },
      totals,
      cache_bytes: 512 * MB,
      cache_budget: 2048 * MB,
      pinned_tracks: 0,
      pinned_bytes: 0,
      storage_used: null,
      storage_quota: null,
      ...change,
    },
    activity,
    playlists: [
      { playlist_id: "p1", name: "Road trip", pending_edits: 0 },
      { playlist_id: "p2", name: "Dinner", pending_edits: 3 },
      { playlist_id: "p3", name: "Focus", pending_edits: 1 },
    ],
    ...rest,
  };
}

function renderCloud(data: CloudOverview, prepare?: (client: QueryClient) => void) {
  vi.mocked(commands.getCloudStatus).mockImplementation(() => ok(data));
  if (!vi.mocked(commands.getLocalLocker).getMockImplementation()) {
    vi.mocked(commands.getLocalLocker).mockImplementation(() => ok(null));
  }
  if (!vi.mocked(commands.getWebPlayer).getMockImplementation()) {
    vi.mocked(commands.getWebPlayer).mockImplementation(() => ok(null));
  }
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  prepare?.(client);
  const navigate = vi.fn();
  render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <OverlayProvider>
          <CloudView route={{ view: "cloud" }} navigate={navigate} />
        </OverlayProvider>
      </ToastProvider>
    </QueryClientProvider>,
  );
  return { client, navigate };
}

/** The server's keys, as `listApiKeys` answers (tests change it). */
let apiKeys: ApiKey[] = [];

beforeEach(() => {
  apiKeys = [
    { id: "k1", name: "phone", created_at: Date.UTC(2024, 2, 15, 12) / 1000 },
    { id: "k2", name: "car", created_at: Date.UTC(2025, 0, 2, 12) / 1000 },
  ];
  vi.mocked(commands.listApiKeys).mockReset().mockImplementation(() => ok(apiKeys));
  vi.mocked(commands.createApiKey).mockReset().mockImplementation((name) => {
    const info = { id: "k3", name, created_at: Date.UTC(2025, 5, 1, 12) / 1000 };
    apiKeys = [...apiKeys, info];
    return ok({ info, key: "tk_secret-key-shown-once" });
  });
  vi.mocked(commands.revokeApiKey).mockReset().mockImplementation((id) => {
    apiKeys = apiKeys.filter((key) => key.id !== id);
    return ok(null);
  });
  vi.mocked(commands.pauseUploads).mockImplementation(() => ok(1));
  vi.mocked(commands.resumeUploads).mockImplementation(() => ok(1));
  vi.mocked(commands.queueUploads).mockImplementation((ids) => ok(ids.length));
  vi.mocked(commands.cloudLogout).mockImplementation(() => ok(null));
  vi.mocked(commands.uploadLibrary).mockImplementation(() => ok(2));
  vi.mocked(commands.syncCloud).mockImplementation(() =>
    ok({ changes_applied: 4, playlist_ops_sent: 1, playlist_ops_waiting: 0, metadata_sent: 0, plays_sent: 0 }),
  );
});

describe("the connected cloud panel", () => {
  it("shows the account, totals and storage used without inventing a quota", async () => {
    // Before the first sync the server has not said; the bytes in the cloud stand in.
    renderCloud(overview());
    expect((await screen.findByTestId("cloud-account")).textContent).toMatch(/ada at https:\/\/music\.example\.org/);
    expect(screen.getByTestId("cloud-connection").textContent).toBe("Connected");
    const shown = screen.getByTestId("cloud-totals").textContent;
    expect(shown).toMatch(/In the cloud40 songs \(400\.0 MB\)/);
    expect(shown).toMatch(/Only on this computer2/);
    expect(shown).toMatch(/Only in the cloud5/);
    expect(shown).toMatch(/To upload2 \(16\.0 MB\)/);
    expect(shown).toMatch(/Paused1/);
    expect(shown).toMatch(/Failed2/);
    expect(screen.getByTestId("cloud-storage").textContent).toBe("Storage used: 400.0 MB (no limit set on the server)");
    expect(within(screen.getByTestId("cloud-storage")).queryByRole("meter")).toBeNull();
  });

  it("shows the storage the server counts against its quota", async () => {
    const data = overview();
    renderCloud({ ...data, status: { ...data.status, storage_used: 3 * 1024 * MB, storage_quota: 10 * 1024 * MB } });
    const storage = await screen.findByTestId("cloud-storage");
    expect(storage.textContent).toBe("Storage used: 3.0 GB of 10.0 GB");
    expect(within(storage).getByRole("meter", { name: "Storage used" }).getAttribute("aria-valuenow")).toBe(String(3 * 1024 * MB));
  });

  it("says when the server cannot be reached and that Tonearm keeps trying", async () => {
    renderCloud(overview({ connection: { state: "offline", reason: "connection refused" } }));
    expect((await screen.findByTestId("cloud-connection")).textContent).toBe("Offline: connection refused");
    expect(screen.getByTestId("cloud-offline-hint").textContent).toMatch(/keeps trying/);
  });

  it("pauses, resumes and retries single tracks by their id", async () => {
    const user = userEvent.setup();
    renderCloud(overview());
    const list = await screen.findByRole("list", { name: "Uploads" });

    await user.click(within(list).getByRole("button", { name: "Pause So What" }));
    await waitFor(() => expect(commands.pauseUploads).toHaveBeenCalledWith("t1"));
    await user.click(within(list).getByRole("button", { name: "Pause Freddie Freeloader" }));
    await waitFor(() => expect(commands.pauseUploads).toHaveBeenLastCalledWith("t2"));
    await user.click(within(list).getByRole("button", { name: "Resume Blue in Green" }));
    await waitFor(() => expect(commands.resumeUploads).toHaveBeenCalledWith("t3"));
    await user.click(within(list).getByRole("button", { name: "Retry now: All Blues" }));
    await waitFor(() => expect(commands.queueUploads).toHaveBeenCalledWith(["t4"]));

    // Each row offers only what fits its state.
    expect(within(list).queryByRole("button", { name: "Resume So What" })).toBeNull();
    expect(within(list).queryByRole("button", { name: "Pause Blue in Green" })).toBeNull();
    expect(within(list).queryByRole("button", { name: "Pause All Blues" })).toBeNull();
    expect(commands.pauseUploads).not.toHaveBeenCalledWith(null);
  });

  it("shows why an upload failed and when it is tried again", async () => {
    renderCloud(overview());
    const list = await screen.findByRole("list", { name: "Uploads" });
    const row = within(list).getByText("All Blues").closest("li")!;
    expect(within(row).getByText("Failed")).toBeTruthy();
    expect(within(row).getByText("the server refused the file")).toBeTruthy();
    expect(row.textContent).toMatch(/tries again in 10 min/);
    const overdue = within(list).getByText("Flamenco Sketches").closest("li")!;
    expect(overdue.textContent).toMatch(/tries again shortly/);
  });

  it("retries every listed failed upload at once, and pauses or resumes all", async () => {
    const user = userEvent.setup();
    renderCloud(overview());
    await user.click(await screen.findByRole("button", { name: "Retry all failed" }));
    await waitFor(() => expect(commands.queueUploads).toHaveBeenCalledWith(["t4", "t5"]));
    await user.click(screen.getByRole("button", { name: "Pause all" }));
    await waitFor(() => expect(commands.pauseUploads).toHaveBeenCalledWith(null));
    await user.click(screen.getByRole("button", { name: "Resume all" }));
    await waitFor(() => expect(commands.resumeUploads).toHaveBeenCalledWith(null));
  });

  it("has no Retry all failed when nothing failed", async () => {
    renderCloud(overview({ totals: { ...totals, failed: 0 } }, { activity: activity.slice(0, 3) }));
    await screen.findByRole("list", { name: "Uploads" });
    expect(screen.queryByRole("button", { name: "Retry all failed" })).toBeNull();
  });

  it("draws an upload's progress from the live events when they are newer", async () => {
    const { client } = renderCloud(overview());
    const list = await screen.findByRole("list", { name: "Uploads" });
    const bar = within(list).getByRole("progressbar", { name: "So What uploaded" });
    expect(bar.getAttribute("value")).toBe(String(2 * MB));
    expect(bar.getAttribute("max")).toBe(String(8 * MB));

    act(() => {
      client.setQueryData<LiveUploads>(
        uploadsKey,
        new Map([["t1", { track_id: "t1", state: "uploading", bytes_done: 6 * MB, bytes_total: 8 * MB, error: null }]]),
      );
    });
    await waitFor(() =>
      expect(within(list).getByRole("progressbar", { name: "So What uploaded" }).getAttribute("value")).toBe(String(6 * MB)),
    );
    expect(within(list).getByText("So What").closest("li")!.textContent).toMatch(/Uploading · 75%/);
  });

  it("shows the overall upload rate and the time left while uploading", async () => {
    renderCloud(overview(), (client) =>
      client.setQueryData<UploadRate>(uploadRateKey, { bytes_per_second: 2.1 * MB, eta_seconds: 180 }),
    );
    expect((await screen.findByTestId("upload-rate")).textContent).toBe("2.1 MB/s · about 3 min left");
  });

  it("hides the rate when nothing is uploading", async () => {
    renderCloud(overview({ totals: { ...totals, pending: 0, pending_bytes: 0 } }), (client) =>
      client.setQueryData<UploadRate>(uploadRateKey, { bytes_per_second: 2.1 * MB, eta_seconds: 180 }),
    );
    await screen.findByTestId("cloud-totals");
    expect(screen.queryByTestId("upload-rate")).toBeNull();
  });

  it("asks before logging out, and does nothing when cancelled", async () => {
    const user = userEvent.setup();
    renderCloud(overview());
    await user.click(await screen.findByRole("button", { name: "Log out" }));
    let dialog = screen.getByRole("dialog", { name: "Log out of the cloud?" });
    expect(dialog.textContent).toMatch(/Songs only in the cloud leave this computer until you connect again\./);
    expect(commands.cloudLogout).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(commands.cloudLogout).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Log out" }));
    dialog = screen.getByRole("dialog", { name: "Log out of the cloud?" });
    await user.click(within(dialog).getByRole("button", { name: "Log out" }));
    await waitFor(() => expect(commands.cloudLogout).toHaveBeenCalledTimes(1));
  });

  it("shows each playlist's sync state", async () => {
    renderCloud(overview());
    const playlists = await screen.findByRole("list", { name: "Playlist sync" });
    const state = (name: string) => within(playlists).getByText(name).closest("li")!.textContent;
    expect(state("Road trip")).toMatch(/In sync$/);
    expect(state("Dinner")).toMatch(/3 edits waiting$/);
    expect(state("Focus")).toMatch(/1 edit waiting$/);
  });

  it("shows the stream cache against its budget and leads to Settings to change it", async () => {
    const user = userEvent.setup();
    const { navigate } = renderCloud(overview());
    expect((await screen.findByTestId("cloud-cache")).textContent).toBe("Stream cache: 512.0 MB of 2.0 GB");
    const meter = screen.getByRole("meter", { name: "Stream cache" });
    expect(meter.getAttribute("aria-valuenow")).toBe(String(512 * MB));
    expect(meter.getAttribute("aria-valuemax")).toBe(String(2048 * MB));
    expect(screen.getByTestId("cloud-pinned").textContent).toMatch(/No songs are kept offline/);
    await user.click(screen.getByRole("button", { name: /cache size in Settings/ }));
    expect(navigate).toHaveBeenCalledWith({ view: "settings" });
  });

  it("counts songs kept offline apart from the cache they sit on top of", async () => {
    const data = overview();
    renderCloud({ ...data, status: { ...data.status, cache_bytes: 700 * MB, pinned_tracks: 3, pinned_bytes: 188 * MB } });
    expect((await screen.findByTestId("cloud-cache")).textContent).toBe("Stream cache: 512.0 MB of 2.0 GB");
    expect(screen.getByTestId("cloud-pinned").textContent).toBe("Kept offline: 3 songs (188.0 MB), on top of the cache.");
  });

  it("uploads the library and syncs on request", async () => {
    const user = userEvent.setup();
    renderCloud(overview());
    await user.click(await screen.findByRole("button", { name: "Upload library" }));
    await waitFor(() => expect(commands.uploadLibrary).toHaveBeenCalledTimes(1));
    expect(await screen.findByText("Uploading 2 songs.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Sync now" }));
    await waitFor(() => expect(commands.syncCloud).toHaveBeenCalledTimes(1));
    expect(await screen.findByText("Synced: 4 changes from the cloud, 1 playlist edit sent.")).toBeTruthy();
  });

  it("explains a failed action in words, not the raw error", async () => {
    vi.mocked(commands.pauseUploads).mockImplementation(() =>
      Promise.resolve({ status: "error" as const, error: { kind: "unavailable" as const, message: "the server does not answer" } }),
    );
    const user = userEvent.setup();
    renderCloud(overview());
    await user.click(await screen.findByRole("button", { name: "Pause So What" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "The server does not answer. Check the connection; Tonearm keeps trying in the background.",
    );
  });
});

describe("apps (Subsonic)", () => {
  it("says how apps connect and lists the account's keys with when each was made", async () => {
    renderCloud(overview());
    const section = await screen.findByRole("region", { name: "Apps (Subsonic)" });
    expect(section.textContent).toMatch(/Symfonium or DSub/);
    expect(section.textContent).toMatch(/https:\/\/music\.example\.org with\s+your user name \(ada\) and password, or with a key/);
    const list = await within(section).findByRole("list", { name: "Keys for apps" });
    const rows = within(list).getAllByRole("listitem");
    expect(rows.map((row) => row.querySelector(".cloud__title")?.textContent)).toEqual(["phone", "car"]);
    expect(rows[0]!.textContent).toContain(`Made ${new Date(Date.UTC(2024, 2, 15, 12)).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })}`);
    expect(within(rows[1]!).getByRole("button", { name: "Revoke car" }).textContent).toBe("Revoke");
  });

  it("makes a key and shows it once, to copy, with the warning", async () => {
    const user = userEvent.setup();
    renderCloud(overview());
    const section = await screen.findByRole("region", { name: "Apps (Subsonic)" });
    const form = within(section).getByRole("form", { name: "Make a key" });
    const make = within(form).getByRole("button", { name: "Make a key" }) as HTMLButtonElement;
    expect(make.disabled).toBe(true);
    await user.type(within(form).getByLabelText(/Name/), "tablet");
    await user.click(make);
    expect(commands.createApiKey).toHaveBeenCalledWith("tablet");

    const field = (await within(section).findByLabelText("Key for “tablet”")) as HTMLInputElement;
    expect(field.value).toBe("tk_secret-key-shown-once");
    expect(field.readOnly).toBe(true);
    expect(within(section).getByText("Give this key to the app now: it is not shown again.")).toBeTruthy();
    expect((within(form).getByLabelText(/Name/) as HTMLInputElement).value).toBe("");
    // The new key joins the list (its name, never the key itself).
    const list = within(section).getByRole("list", { name: "Keys for apps" });
    await waitFor(() => expect(within(list).getByText("tablet")).toBeTruthy());
    expect(list.textContent).not.toContain("tk_secret");

    await user.click(within(section).getByRole("button", { name: "Copy" }));
    expect(await navigator.clipboard.readText()).toBe("tk_secret-key-shown-once");
    expect(await screen.findByText("Copied the key")).toBeTruthy();

    // Once put away, it is gone for good.
    await user.click(within(section).getByRole("button", { name: "Done" }));
    expect(within(section).queryByLabelText("Key for “tablet”")).toBeNull();
    expect(section.textContent).not.toContain("tk_secret");
  });

  it("revokes a key only after asking", async () => {
    const user = userEvent.setup();
    renderCloud(overview());
    const section = await screen.findByRole("region", { name: "Apps (Subsonic)" });
    await user.click(await within(section).findByRole("button", { name: "Revoke phone" }));
    let dialog = screen.getByRole("dialog", { name: "Revoke the key “phone”?" });
    expect(dialog.textContent).toMatch(/Apps using it stop working at once/);
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(commands.revokeApiKey).not.toHaveBeenCalled();

    await user.click(within(section).getByRole("button", { name: "Revoke phone" }));
    dialog = screen.getByRole("dialog", { name: "Revoke the key “phone”?" });
    await user.click(within(dialog).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(commands.revokeApiKey).toHaveBeenCalledWith("k1"));
    await waitFor(() => expect(within(section).queryByText("phone")).toBeNull());
    expect(within(section).getByText("car")).toBeTruthy();
  });

  it("explains a key that could not be made", async () => {
    vi.mocked(commands.createApiKey).mockImplementation(() =>
      Promise.resolve({ status: "error" as const, error: { kind: "invalid" as const, message: "a key named “phone” exists" } }),
    );
    const user = userEvent.setup();
    renderCloud(overview());
    const section = await screen.findByRole("region", { name: "Apps (Subsonic)" });
    await user.type(within(section).getByLabelText(/Name/), "phone");
    await user.click(within(section).getByRole("button", { name: "Make a key" }));
    expect((await within(section).findByRole("alert")).textContent).toBe("A key named “phone” exists. Check it and try again.");
    expect(within(section).queryByText(/not shown again/)).toBeNull();
  });

  it("says why the keys cannot be listed and offers to try again", async () => {
    vi.mocked(commands.listApiKeys).mockImplementation(() =>
      Promise.resolve({ status: "error" as const, error: { kind: "unavailable" as const, message: "the server does not answer" } }),
    );
    const user = userEvent.setup();
    renderCloud(overview());
    const section = await screen.findByRole("region", { name: "Apps (Subsonic)" });
    expect((await within(section).findByRole("alert")).textContent).toBe(
      "The server does not answer. Check the connection; Tonearm keeps trying in the background.",
    );
    vi.mocked(commands.listApiKeys).mockImplementation(() => ok(apiKeys));
    await user.click(within(section).getByRole("button", { name: "Try again" }));
    expect(await within(section).findByRole("list", { name: "Keys for apps" })).toBeTruthy();
  });
});

describe("the logged-out cloud panel", () => {
  it("offers the connect form and explains a refused login", async () => {
    vi.mocked(commands.cloudLogin).mockImplementation(() =>
      Promise.resolve({ status: "error" as const, error: { kind: "invalid" as const, message: "wrong user name or password" } }),
    );
    const user = userEvent.setup();
    renderCloud(overview({ account: null, token_store: null, connection: { state: "logged_out" } }, { activity: [], playlists: [] }));
    const form = await screen.findByRole("form", { name: "Connect to a cloud locker" });
    await user.type(within(form).getByLabelText("User name"), "ada");
    await user.type(within(form).getByLabelText("Password"), "nope");
    await user.click(within(form).getByRole("button", { name: "Connect" }));
    expect(commands.cloudLogin).toHaveBeenCalledWith("http://127.0.0.1:7420", "ada", "nope");
    expect((await screen.findByRole("alert")).textContent).toBe("Wrong user name or password. Check it and try again.");
    // Keys for apps are the account's: none without one, and the server is not asked.
    expect(screen.queryByRole("region", { name: "Apps (Subsonic)" })).toBeNull();
    expect(commands.listApiKeys).not.toHaveBeenCalled();
  });
});

describe("this computer as the cloud", () => {
  it("starts the built-in locker with the password other devices will use", async () => {
    const user = userEvent.setup();
    vi.mocked(commands.startLocalLocker).mockImplementation(() =>
      ok({ username: "ada", url: "http://127.0.0.1:7420", lan: true, addresses: ["http://192.168.1.20:7420"] }),
    );
    const data = overview();
    renderCloud({ ...data, status: { ...data.status, account: null, connection: { state: "logged_out" } } });
    const form = await screen.findByRole("form", { name: "Use this computer as the cloud" });
    await user.type(within(form).getByLabelText(/Password for your other devices/), "correct horse");
    await user.click(within(form).getByLabelText("Let devices on my network connect"));
    await user.click(within(form).getByRole("button", { name: "Use this computer" }));
    await waitFor(() => expect(commands.startLocalLocker).toHaveBeenCalledWith("correct horse", true));
  });

  it("says where other devices connect, and stops after asking", async () => {
    const user = userEvent.setup();
    vi.mocked(commands.getLocalLocker).mockImplementation(() =>
      ok({ username: "ada", url: "http://127.0.0.1:7420", lan: true, addresses: ["http://192.168.1.20:7420"] }),
    );
    vi.mocked(commands.stopLocalLocker).mockImplementation(() => ok(null));
    renderCloud(overview());
    const line = await screen.findByTestId("local-locker");
    expect(line.textContent).toMatch(/Other devices connect to http:\/\/192\.168\.1\.20:7420 as ada/);
    await user.click(within(line).getByRole("button", { name: "Stop" }));
    const dialog = await screen.findByRole("dialog", { name: "Stop the cloud on this computer?" });
    expect(commands.stopLocalLocker).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(commands.stopLocalLocker).toHaveBeenCalled());
    vi.mocked(commands.getLocalLocker).mockReset();
  });
});

describe("the web player", () => {
  // A small matrix with a known pattern: rows "##.#.", ".###.", ".....", "#....", "#####".
  const rows = ["##.#.", ".###.", ".....", "#....", "#####"];
  const qr: QrMatrix = { size: 5, modules: rows.join("").split("").map((c) => c === "#") };

  function webPlayer(player: WebPlayer) {
    vi.mocked(commands.getWebPlayer).mockReset().mockImplementation(() => ok(player));
  }

  it("shows this computer's address on the network with a QR code of it, and copies it", async () => {
    const user = userEvent.setup();
    vi.mocked(commands.getLocalLocker).mockImplementation(() =>
      ok({ username: "ada", url: "http://127.0.0.1:7420", lan: true, addresses: ["http://192.168.1.20:7420"] }),
    );
    webPlayer({ url: "http://192.168.1.20:7420/", reach: "local_network", qr });
    const data = overview();
    renderCloud({ ...data, status: { ...data.status, account: { ...data.status.account!, server: "http://127.0.0.1:7420" } } });

    const section = await screen.findByRole("region", { name: "Web player" });
    const address = (await within(section).findByLabelText("Web player address")) as HTMLInputElement;
    expect(address.value).toBe("http://192.168.1.20:7420/");
    expect(address.readOnly).toBe(true);
    expect(section.textContent).toMatch(/scan the code with a phone/);
    expect(within(section).queryByTestId("web-player-unreachable")).toBeNull();

    const code = within(section).getByRole("img", { name: "QR code of http://192.168.1.20:7420/" });
    expect(code.tagName.toLowerCase()).toBe("svg");
    // The modules plus a quiet zone of 4 on each side.
    expect(code.getAttribute("viewBox")).toBe("0 0 13 13");
    const drawn = new Set<string>();
    for (const rect of within(section).getByTestId("web-player-qr-modules").querySelectorAll("rect")) {
      const [x, y, width] = ["x", "y", "width"].map((name) => Number(rect.getAttribute(name)));
      expect(rect.getAttribute("height")).toBe("1");
      for (let i = 0; i < width!; i++) drawn.add(`${x! + i - 4},${y! - 4}`);
    }
    const dark = new Set(
      rows.flatMap((row, y) => row.split("").flatMap((c, x) => (c === "#" ? [`${x},${y}`] : []))),
    );
    expect(drawn).toEqual(dark);
    // One rectangle per run of dark modules.
    expect(within(section).getByTestId("web-player-qr-modules").querySelectorAll("rect")).toHaveLength(5);

    await user.click(within(section).getByRole("button", { name: "Copy the web player address" }));
    expect(await navigator.clipboard.readText()).toBe("http://192.168.1.20:7420/");
    expect(await screen.findByText("Copied the address")).toBeTruthy();
  });

  it("shows a server elsewhere at its own address, without a QR code", async () => {
    webPlayer({ url: "https://music.example.org/", reach: "server", qr: null });
    renderCloud(overview());
    const section = await screen.findByRole("region", { name: "Web player" });
    expect(((await within(section).findByLabelText("Web player address")) as HTMLInputElement).value).toBe(
      "https://music.example.org/",
    );
    expect(within(section).queryByRole("img")).toBeNull();
    expect(within(section).queryByTestId("web-player-unreachable")).toBeNull();
  });

  it("says a phone cannot reach the cloud on this computer alone, and how to let it in", async () => {
    webPlayer({ url: "http://127.0.0.1:7420/", reach: "this_computer_only", qr: null });
    renderCloud(overview());
    const section = await screen.findByRole("region", { name: "Web player" });
    expect(((await within(section).findByLabelText("Web player address")) as HTMLInputElement).value).toBe(
      "http://127.0.0.1:7420/",
    );
    expect(within(section).getByTestId("web-player-unreachable").textContent).toMatch(
      /A phone cannot reach it.*“Let devices on my network connect”/,
    );
    expect(within(section).queryByRole("img")).toBeNull();
  });

  it("is not shown while logged out", async () => {
    webPlayer({ url: "https://music.example.org/", reach: "server", qr: null });
    renderCloud(overview({ account: null, token_store: null, connection: { state: "logged_out" } }, { activity: [], playlists: [] }));
    await screen.findByRole("form", { name: "Connect to a cloud locker" });
    expect(screen.queryByRole("region", { name: "Web player" })).toBeNull();
  });
});
