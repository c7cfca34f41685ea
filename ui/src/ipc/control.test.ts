// Player controls reach the shell one at a time, in the order they were made: the shell runs
// them off the window's thread, where Tauri keeps no order between calls.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, type PlayerControl } from "./bindings";
import { CommandFailure, controlPlayerInOrder } from "./index";

vi.mock("./bindings", () => ({ commands: { controlPlayer: vi.fn() }, events: {} }));

type Answer = { status: "ok"; data: null } | { status: "error"; error: { kind: "invalid"; message: string } };

/** Each call to the shell waits here until the test answers it. */
let pending: { control: PlayerControl; answer: (result: Answer) => void }[] = [];

/** Answers the `n`th call to the shell. */
function answer(n: number, result: Answer) {
  const call = pending[n];
  if (!call) throw new Error(`no call ${n} reached the shell`);
  call.answer(result);
}

beforeEach(() => {
  pending = [];
  vi.mocked(commands.controlPlayer).mockReset().mockImplementation(
    (control) => new Promise((resolve) => pending.push({ control, answer: resolve })),
  );
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const playAll: PlayerControl = { kind: "play_list", filter: { album_key: null, artist: null, genre: null, present_only: true }, sort: "title", descending: false, start: null, shuffle: true };

describe("player controls", () => {
  it("wait for the answer to the control before them", async () => {
    const first = controlPlayerInOrder(playAll);
    const second = controlPlayerInOrder({ kind: "pause" });
    await settle();
    expect(pending.map((call) => call.control.kind)).toEqual(["play_list"]);

    answer(0, { status: "ok", data: null });
    await expect(first).resolves.toBeNull();
    await settle();
    expect(pending.map((call) => call.control.kind)).toEqual(["play_list", "pause"]);
    answer(1, { status: "ok", data: null });
    await expect(second).resolves.toBeNull();
  });

  it("go on after a control the shell refused", async () => {
    const refused = controlPlayerInOrder(playAll);
    const next = controlPlayerInOrder({ kind: "next" });
    await settle();
    answer(0, { status: "error", error: { kind: "invalid", message: "that song is no longer in this list" } });
    await expect(refused).rejects.toBeInstanceOf(CommandFailure);
    await settle();
    expect(pending.map((call) => call.control.kind)).toEqual(["play_list", "next"]);
    answer(1, { status: "ok", data: null });
    await expect(next).resolves.toBeNull();
  });
});
