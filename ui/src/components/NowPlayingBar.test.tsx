// The now-playing bar, with the Rust side mocked through the generated bindings: whatever the
// engine reports stays on one line, the whole sentence in the tooltip; the heart loves the
// song playing and takes the love back.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { act } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, events, type PlayerChange, type PlayerView } from "../ipc/bindings";
import { usePlayerChanges } from "../ipc";
import { NowPlayingBar } from "./NowPlayingBar";
import { makeTrack, ok } from "../test/fixtures";

vi.mock("../ipc/bindings", () => ({
  commands: {
    getPlayerState: vi.fn(),
    controlPlayer: vi.fn(),
    setLoved: vi.fn(),
  },
  events: {
    libraryChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    playerChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
    cloudChanged: { listen: vi.fn(() => Promise.resolve(() => {})) },
  },
}));
vi.mock("@tauri-apps/api/core", () => ({ Channel: class { onmessage: unknown = null } }));

const idle: PlayerView = {
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

/** Sends the bar a player event, as the engine does. */
let playerChanged: (change: PlayerChange) => void = () => {};

/** The bar, with the engine's events followed as the app frame follows them. */
function Bar() {
  usePlayerChanges();
  return <NowPlayingBar />;
}

beforeEach(() => {
  vi.mocked(commands.getPlayerState).mockImplementation(() => ok(idle));
  vi.mocked(commands.setLoved).mockReset().mockImplementation(() => ok(null));
  vi.mocked(events.playerChanged.listen).mockImplementation((handler) => {
    playerChanged = (change) => act(() => handler({ event: "player-changed", id: 0, payload: change }));
    return Promise.resolve(() => {});
  });
});

describe("the now-playing bar", () => {
  it("shows a long player error on one line, cut with an ellipsis, the whole of it in the tooltip", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <Bar />
      </QueryClientProvider>,
    );
    await waitFor(() => expect(events.playerChanged.listen).toHaveBeenCalled());
    const message =
      "no sound output is available: connect speakers or headphones, or check the system's sound settings";
    playerChanged({ kind: "error", track_id: null, message });

    const bar = screen.getByRole("contentinfo", { name: "Now playing" });
    const line = await within(bar).findByRole("status");
    expect(line.textContent).toBe(message);
    expect(line.title).toBe(message);
    const style = getComputedStyle(line);
    expect(style.whiteSpace).toBe("nowrap");
    expect(style.overflow).toBe("hidden");
    expect(style.textOverflow).toBe("ellipsis");
    // The column it sits in may shrink below the sentence's width, so the ellipsis shows.
    expect(parseFloat(getComputedStyle(line.parentElement!).minWidth)).toBe(0);
  });

  it("loves the song playing with the heart, and takes the love back", async () => {
    const song = makeTrack({ id: "t1", title: "So What" });
    // The player's record of the song, as Rust has it after each change.
    let loved = false;
    vi.mocked(commands.getPlayerState).mockImplementation(() =>
      ok({ ...idle, current: { entry: 1, track: { ...song, loved }, duration_ms: 60_000 } }),
    );
    vi.mocked(commands.setLoved).mockImplementation((_, love) => {
      loved = love;
      return ok(null);
    });
    const user = userEvent.setup();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <Bar />
      </QueryClientProvider>,
    );
    const bar = screen.getByRole("contentinfo", { name: "Now playing" });
    const heart = await within(bar).findByRole("button", { name: "Love" });
    expect(heart.getAttribute("aria-pressed")).toBe("false");

    await user.click(heart);
    expect(commands.setLoved).toHaveBeenCalledWith(["t1"], true);
    const unlove = await within(bar).findByRole("button", { name: "Unlove" });
    expect(unlove.getAttribute("aria-pressed")).toBe("true");

    await user.click(unlove);
    expect(commands.setLoved).toHaveBeenLastCalledWith(["t1"], false);
    expect((await within(bar).findByRole("button", { name: "Love" })).getAttribute("aria-pressed")).toBe("false");
  });

  it("has no heart when nothing plays", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <Bar />
      </QueryClientProvider>,
    );
    const bar = screen.getByRole("contentinfo", { name: "Now playing" });
    // The player's state has come (its buttons are enabled), with no song in it.
    await waitFor(() => expect((within(bar).getByRole("button", { name: "Shuffle" }) as HTMLButtonElement).disabled).toBe(false));
    expect(within(bar).getByText("Nothing playing")).toBeTruthy();
    expect(within(bar).queryByRole("button", { name: /love/i })).toBeNull();
  });
});
