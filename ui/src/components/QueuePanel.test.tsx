// The queue panel, with the Rust side mocked through the generated bindings: it shows the
// queue in play order and sends the player the right control for each gesture.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createEvent, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, type PlayerView, type QueueEntry, type Status, type Track } from "../ipc/bindings";
import { OverlayProvider } from "./Overlays";
import { QueuePanel, queueMoveTarget } from "./QueuePanel";
import { ToastProvider } from "./Toast";
import { makeTrack, ok } from "../test/fixtures";

vi.mock("../ipc/bindings", () => ({
  commands: {
    getPlayerState: vi.fn(),
    controlPlayer: vi.fn(),
    getTracks: vi.fn(),
  },
  events: {
    libraryChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));
vi.mock("@tauri-apps/api/core", () => ({ Channel: class { onmessage: unknown = null } }));


function track(id: string, title: string, artist = "Ada"): Track {
  return makeTrack({ id, title, artist, artists: [artist], duration_ms: 125_000 });
}

const library = new Map(
  [track("tA", "Alpha"), track("tB", "Beta", "Béla"), track("tC", "Gamma"), track("tD", "Delta")].map((t) => [t.id, t]),
);

const status: Status = {
  state: "playing", volume: 1, muted: false, shuffle: false, repeat: "off",
  replaygain: { mode: "auto", preamp_db: 0, fallback_db: 0, prevent_clipping: true },
};
// Entries 1-4 in list order, playing tA (entry 1).
const next: QueueEntry[] = [
  { entry: 2, track_id: "tB", list_index: 1 },
  { entry: 3, track_id: "tC", list_index: 2 },
  { entry: 4, track_id: "tD", list_index: 3 },
];
const playing: PlayerView = {
  status,
  current: { entry: 1, track: library.get("tA")!, duration_ms: 125_000 },
  position_ms: 0,
  queue_length: 4,
  upcoming: next,
  upcoming_total: 3,
};

let view: PlayerView = playing;

function renderPanel(onClose = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <OverlayProvider>
        <ToastProvider>
          <QueuePanel onClose={onClose} />
        </ToastProvider>
      </OverlayProvider>
    </QueryClientProvider>,
  );
  return onClose;
}

/** The titles in the Up next list, top to bottom. */
const upNext = () =>
  within(screen.getByRole("list", { name: "Up next" }))
    .getAllByRole("listitem")
    .map((row) => row.querySelector(".queue-panel__title")!.textContent);

const row = (title: string) => screen.getByText(title).closest("li")!;

/** jsdom's drag events have no pointer position: give them one. */
function at(event: Event, clientY: number) {
  Object.defineProperty(event, "clientY", { value: clientY });
  return event;
}

beforeEach(() => {
  view = playing;
  vi.mocked(commands.getPlayerState).mockImplementation(() => ok(view));
  vi.mocked(commands.controlPlayer).mockImplementation(() => ok(null));
  vi.mocked(commands.getTracks).mockImplementation((ids) => ok(ids.flatMap((id) => library.get(id) ?? [])));
});

describe("the queue panel", () => {
  it("shows what plays now and what plays next, in play order", async () => {
    view = { ...playing, status: { ...status, shuffle: true }, upcoming: [next[2]!, next[0]!, next[1]!] };
    renderPanel();
    const panel = screen.getByRole("complementary", { name: "Queue" });
    await waitFor(() => expect(upNext()).toEqual(["Delta", "Beta", "Gamma"]));
    expect(within(panel).getByTestId("queue-now-playing").textContent).toMatch(/Alpha.*Ada/);
    expect(within(row("Beta")).getByText("Béla")).toBeTruthy();
    expect(within(row("Beta")).getByText("2:05")).toBeTruthy();
    // Shuffled: the list order is not what plays, so rows cannot be dragged.
    expect(row("Beta").getAttribute("draggable")).toBe("false");
  });

  it("draws the first songs of a long queue and counts the rest", async () => {
    // The player sends the first 200 entries to come, and how many there are.
    const first = Array.from({ length: 200 }, (_, i) => ({ entry: i + 1, track_id: `t${i}`, list_index: i }));
    for (const { track_id } of first) if (!library.has(track_id)) library.set(track_id, track(track_id, `Song ${track_id}`));
    view = { ...playing, current: null, queue_length: 1000, upcoming: first, upcoming_total: 1000 };
    renderPanel();
    await waitFor(() => expect(upNext()).toHaveLength(200));
    await waitFor(() => expect(upNext()[0]).toBe("Song t0"));
    expect(screen.getByTestId("queue-more").textContent).toBe("and 800 more songs");
    const fetched = vi.mocked(commands.getTracks).mock.calls.map(([ids]) => ids.length);
    expect(Math.max(...fetched)).toBe(200);
  });

  it("says how to fill an empty queue", async () => {
    view = { ...playing, current: null, queue_length: 0, upcoming: [], upcoming_total: 0 };
    renderPanel();
    expect(await screen.findByText("The queue is empty. Double-click a song, or choose Add to queue in its menu.")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Clear" }).hasAttribute("disabled")).toBe(true);
  });

  it("removes a song from the queue", async () => {
    const user = userEvent.setup();
    renderPanel();
    await user.click(await screen.findByRole("button", { name: "Remove Gamma from the queue" }));
    expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "remove", entries: [3] });
    expect(commands.controlPlayer).toHaveBeenCalledTimes(1);
  });

  it("jumps to a song on double-click or Enter", async () => {
    const user = userEvent.setup();
    renderPanel();
    await screen.findByText("Delta");
    await user.dblClick(row("Delta"));
    expect(commands.controlPlayer).toHaveBeenLastCalledWith({ kind: "jump_to", entry: 4 });
    row("Beta").focus();
    await user.keyboard("{Enter}");
    expect(commands.controlPlayer).toHaveBeenLastCalledWith({ kind: "jump_to", entry: 2 });
    expect(commands.controlPlayer).toHaveBeenCalledTimes(2);
  });

  it("clears the queue and closes", async () => {
    const user = userEvent.setup();
    const onClose = renderPanel();
    await screen.findByText("Delta");
    await user.click(screen.getByRole("button", { name: "Clear" }));
    expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "clear" });
    await user.click(screen.getByRole("button", { name: "Close the queue" }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("moves a song up with Alt+Up, showing the new order at once and keeping the focus", async () => {
    const user = userEvent.setup();
    renderPanel();
    await screen.findByText("Delta");
    row("Delta").focus();
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    // Delta goes before Gamma: out of [1 2 3 4] it lands at index 2 of [1 2 3].
    expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "move", entry: 4, to: 2 });
    expect(upNext()).toEqual(["Beta", "Delta", "Gamma"]);
    expect(document.activeElement).toBe(row("Delta"));
  });

  it("does not move past the top with Alt+Up", async () => {
    const user = userEvent.setup();
    renderPanel();
    await screen.findByText("Beta");
    row("Beta").focus();
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    expect(commands.controlPlayer).not.toHaveBeenCalled();
  });

  it("moves a dragged song to where it is dropped", async () => {
    renderPanel();
    await screen.findByText("Delta");
    fireEvent.dragStart(row("Beta"), { dataTransfer: { setData: () => {}, effectAllowed: "none" } });
    // Dropped on Delta's lower half: after Delta, the end of the queue.
    fireEvent(row("Delta"), at(createEvent.dragOver(row("Delta"), { dataTransfer: { dropEffect: "none" } }), 10));
    fireEvent(row("Delta"), at(createEvent.drop(row("Delta"), { dataTransfer: {} }), 10));
    await waitFor(() => expect(commands.controlPlayer).toHaveBeenCalledWith({ kind: "move", entry: 2, to: 3 }));
    expect(upNext()).toEqual(["Gamma", "Delta", "Beta"]);
  });
});

describe("queueMoveTarget", () => {
  // The entries to come, as the player sends them: each with its place in the list.
  const up = (list: readonly number[], upcoming: readonly number[]) =>
    upcoming.map((entry) => ({ entry, track_id: `t${entry}`, list_index: list.indexOf(entry) }));
  it.each([
    // the list, upcoming (play order), from, before, `to` sent
    [[1, 2, 3, 4], [2, 3, 4], 0, 2, 2], // 2 before 4: [1 3 2 4]
    [[1, 2, 3, 4], [2, 3, 4], 2, 0, 1], // 4 first: [1 4 2 3]
    [[1, 2, 3, 4], [2, 3, 4], 0, 3, 3], // 2 last: [1 3 4 2]
    [[1, 2, 3, 4], [2, 3, 4], 1, 1, null], // onto itself
    [[1, 2, 3, 4], [2, 3, 4], 1, 2, null], // just after itself
    [[1, 2, 3, 4], [2, 3, 4], 0, -1, null],
    [[1, 2, 3, 4], [2, 3, 4], 2, 4, null],
    [[9, 8, 1, 2, 3], [2, 3], 1, 0, 3], // played entries before the current one count: [9 8 1 3 2]
  ] as const)("queue %j, upcoming %j: %i before %i sends %j", (list, upcoming, from, before, to) => {
    expect(queueMoveTarget(up(list, upcoming), from, before)).toBe(to);
  });
});
