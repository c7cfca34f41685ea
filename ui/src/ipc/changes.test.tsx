// Changes to the library reach the shell one at a time, in the order they were made: the shell
// runs its commands off the window's thread, where Tauri keeps no order between calls.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "./bindings";
import { useAddToPlaylist, useRemoveFromPlaylist, useSetRating } from "./index";

vi.mock("./bindings", () => ({
  commands: { setRating: vi.fn(), addToPlaylist: vi.fn(), removeFromPlaylist: vi.fn() },
  events: {},
}));

/** Each call that reached the shell, waiting there until the test answers it (each test answers
 * all of its calls: the order is the whole app's, so one left waiting would hold up the next test). */
let pending: { call: string; answer: () => void }[] = [];

function reaching(name: string) {
  return (...args: unknown[]) =>
    new Promise((resolve) => pending.push({ call: `${name} ${JSON.stringify(args)}`, answer: () => resolve({ status: "ok", data: null }) }));
}

beforeEach(() => {
  pending = [];
  vi.mocked(commands.setRating).mockReset().mockImplementation(reaching("rate") as typeof commands.setRating);
  vi.mocked(commands.addToPlaylist).mockReset().mockImplementation(reaching("add") as typeof commands.addToPlaylist);
  vi.mocked(commands.removeFromPlaylist).mockReset().mockImplementation(reaching("remove") as typeof commands.removeFromPlaylist);
});

const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 0)));
const reached = () => pending.map((p) => p.call);

/** Answers the `n`th call that reached the shell, and lets the next one go. */
async function answer(n: number) {
  const call = pending[n];
  if (!call) throw new Error(`call ${n} did not reach the shell; these did: ${reached().join(", ")}`);
  call.answer();
  await settle();
}

function hooks() {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return renderHook(() => ({ rate: useSetRating(), add: useAddToPlaylist(), remove: useRemoveFromPlaylist() }), { wrapper }).result;
}

describe("changes to the library", () => {
  it("wait for the answer to the change made before them", async () => {
    const made = hooks();
    act(() => {
      made.current.rate.mutate({ ids: ["t1"], rating: 60 });
      made.current.rate.mutate({ ids: ["t1"], rating: 80 });
    });
    await settle();
    expect(reached()).toEqual(['rate [["t1"],60]']);
    await answer(0);
    expect(reached()).toEqual(['rate [["t1"],60]', 'rate [["t1"],80]']);
    await answer(1);
  });

  it("of different kinds keep one order, and a change of several calls is one change", async () => {
    const made = hooks();
    act(() => {
      made.current.rate.mutate({ ids: ["t1"], rating: 100 });
      made.current.remove.mutate({ id: "p1", entries: ["e1", "e2"] });
      made.current.add.mutate({ id: "p1", tracks: ["t1"], index: 0 });
    });
    await settle();
    expect(reached()).toEqual(['rate [["t1"],100]']);
    await answer(0);
    expect(reached().slice(1)).toEqual(['remove ["p1","e1"]']);
    await answer(1);
    expect(reached().slice(2)).toEqual(['remove ["p1","e2"]']);
    await answer(2);
    expect(reached().slice(3)).toEqual(['add ["p1",["t1"],0]']);
    await answer(3);
  });
});
