// The UI's only door to Rust. Components import from here, never from "./bindings" or
// "@tauri-apps/api" directly: this layer wraps the generated, typed bindings in React Query
// hooks, so caching, loading and error states are handled the same way everywhere.
import { useQuery } from "@tanstack/react-query";
import { commands } from "./bindings";

export type { AppInfo } from "./bindings";

/** Query keys, one place, so invalidation after a mutation cannot miss a spelling. */
export const queryKeys = {
  appInfo: ["app-info"] as const,
};

/** Version and directories of this installation; they never change while the app runs. */
export function useAppInfo() {
  return useQuery({
    queryKey: queryKeys.appInfo,
    queryFn: () => commands.getAppInfo(),
    staleTime: Infinity,
  });
}
