// Editing the settings from the Settings view. A change shows at once (the cache is updated
// before Rust answers) and saves are sent one at a time, newest last, so dragging a slider or
// flipping two switches quickly can neither lose an edit nor let an older save land last.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { queryKeys, useSetPreferences } from "./index";
import type { Preferences } from "./bindings";

export type {
  CloudStatus,
  CloudTotals,
  PlaylistSyncState,
  ReplayGainSettings,
  TrackCloudState,
} from "./bindings";

export interface PreferencesEditor {
  /** Applies a change to the current settings and saves it. */
  edit(change: (current: Preferences) => Preferences): void;
  /** Why the last save failed (the settings shown were reloaded), or null. */
  error: unknown;
  saving: boolean;
}

export function useEditPreferences(): PreferencesEditor {
  const client = useQueryClient();
  const save = useSetPreferences();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  // The newest edit not sent yet, and whether a save is under way.
  const pending = useRef<Preferences | null>(null);
  const running = useRef(false);
  const mounted = useRef(true);
  const saveRef = useRef(save.mutateAsync);
  saveRef.current = save.mutateAsync;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const drain = useCallback(async () => {
    running.current = true;
    if (mounted.current) setSaving(true);
    while (pending.current) {
      const next = pending.current;
      pending.current = null;
      try {
        await saveRef.current(next);
        if (mounted.current) setError(null);
      } catch (failure) {
        if (mounted.current) setError(failure);
        // Show what Rust really kept.
        void client.invalidateQueries({ queryKey: queryKeys.preferences });
      }
      // A save's answer replaced the cache; an edit made meanwhile is what the user sees.
      if (pending.current) client.setQueryData(queryKeys.preferences, pending.current);
    }
    running.current = false;
    if (mounted.current) setSaving(false);
  }, [client]);

  const edit = useCallback(
    (change: (current: Preferences) => Preferences) => {
      const current = pending.current ?? client.getQueryData<Preferences>(queryKeys.preferences);
      if (!current) return;
      const next = change(current);
      pending.current = next;
      client.setQueryData(queryKeys.preferences, next);
      if (!running.current) void drain();
    },
    [client, drain],
  );

  return { edit, error, saving };
}
