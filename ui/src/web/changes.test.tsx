// The web player's changes reach the server in the order they were made: the browser sends
// requests side by side and the server may answer them in any order.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useSetRating } from "./data";

/** Each request that reached the server, waiting there until the test answers it. */
let pending: { request: string; answer: () => void }[] = [];

beforeEach(() => {
  pending = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(
      (path: string, init: RequestInit) =>
        new Promise((resolve) =>
          pending.push({ request: `${init.method} ${path} ${String(init.body)}`, answer: () => resolve(new Response("{}", { status: 200 })) }),
        ),
    ),
  );
});

afterEach(() => vi.unstubAllGlobals());

const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 0)));

describe("the web player's changes", () => {
  it("wait for the answer to the change made before them", async () => {
    const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const rate = renderHook(() => useSetRating(), { wrapper }).result;
    act(() => {
      rate.current.mutate({ ids: ["t1"], rating: 60 });
      rate.current.mutate({ ids: ["t1"], rating: 80 });
    });
    await settle();
    expect(pending.map((p) => p.request)).toEqual(['PATCH /api/v1/tracks/t1/marks {"rating":3}']);
    pending[0]?.answer();
    await settle();
    expect(pending.map((p) => p.request)).toEqual(['PATCH /api/v1/tracks/t1/marks {"rating":3}', 'PATCH /api/v1/tracks/t1/marks {"rating":4}']);
    pending[1]?.answer();
    await settle();
  });
});
