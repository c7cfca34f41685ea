// The desktop app's views: the shared library views (`browse.ts`) and the desktop's own, the
// cloud panel and the settings. Adding a view means adding it here (or in `browse.ts` when
// the web player has it too).
import type { ComponentType } from "react";
import type { Route, SectionId } from "../navigation";
import { browseViews, resolveIn, type ViewEntry, type ViewProps } from "./browse";
import { CloudView } from "./CloudView";
import { SettingsView } from "./SettingsView";

export type { ViewEntry, ViewProps };

/** Kept for views that only move between sections. */
export type ViewId = SectionId;

export const views: readonly ViewEntry[] = [
  ...browseViews,
  { id: "cloud", label: "Cloud", icon: "cloud", section: "Cloud", component: CloudView },
  { id: "settings", label: "Settings", icon: "settings", section: "App", component: SettingsView },
];

export function viewById(id: SectionId): ViewEntry {
  const entry = views.find((view) => view.id === id);
  if (!entry) throw new Error(`unknown view ${id}`);
  return entry;
}

/** The component and the heading of any route. */
export function resolve(route: Route): { title: string; component: ComponentType<ViewProps> } {
  return resolveIn(views, route);
}
