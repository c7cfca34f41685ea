// The sync engine's events keep the library's views current: while a long first sync writes
// its pages (now and then, not once per page), and when it ends.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { events, type SyncEvent } from "./bindings";
import { queryKeys, useCloudChanges } from "./index";

vi.mock("./bindings", () => ({
  commands: {},
  events: { cloudChanged: { listen: vi.fn() } },
}));

/** The listener the hook registered, to send it the engine's events. */
let send: (event: SyncEvent) => void = () => {
  throw new Error("nothing listens to the cloud's events");
};

beforeEach(() => {
  vi.useFakeTimers();
  vi.mocked(events.cloudChanged.listen).mockReset().mockImplementation((listener) => {
    send = (payload) => listener({ event: "cloud-changed", id: 0, payload } as Parameters<typeof listener>[0]);
    return Promise.resolve(() => {});
  });
});

afterEach(() => vi.useRealTimers());

function Listening() {
  useCloudChanges();
  return null;
}

/** Mounts the hook; returns how many times the library's queries were refreshed so far. */
async function listen() {
  const client = new QueryClient();
  const invalidate = vi.spyOn(client, "invalidateQueries");
  render(
    <QueryClientProvider client={client}>
      <Listening />
    </QueryClientProvider>,
  );
  await act(async () => {});
  return () => invalidate.mock.calls.filter(([filters]) => filters?.queryKey === queryKeys.library).length;
}

describe("the cloud's events", () => {
  it("refresh the library now and then while a sync writes its pages", async () => {
    const refreshed = await listen();
    act(() => {
      for (let page = 1; page <= 5; page++) send({ kind: "pulled", changes_applied: page * 5_000 });
    });
    expect(refreshed()).toBe(0);
    act(() => vi.advanceTimersByTime(1_000));
    expect(refreshed()).toBe(1);

    act(() => send({ kind: "pulled", changes_applied: 30_000 }));
    act(() => vi.advanceTimersByTime(1_000));
    expect(refreshed()).toBe(2);
  });

  it("refresh the library when a sync that changed something ends", async () => {
    const refreshed = await listen();
    const synced = (changes_applied: number): SyncEvent => ({
      kind: "synced",
      changes_applied,
      playlist_ops_sent: 0,
      playlist_ops_waiting: 0,
      metadata_sent: 0,
      plays_sent: 0,
    });
    act(() => send(synced(0)));
    expect(refreshed()).toBe(0);
    act(() => send(synced(3)));
    expect(refreshed()).toBe(1);
  });
});
