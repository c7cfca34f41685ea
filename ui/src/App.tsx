// The app frame: sidebar, a header with back and search, the current view, the queue panel,
// and the now-playing bar; plus what works everywhere (keyboard shortcuts, the theme, menus,
// dialogs and notes).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Icon } from "./components/Icon";
import { NowPlayingBar } from "./components/NowPlayingBar";
import { OverlayProvider } from "./components/Overlays";
import { QueuePanel } from "./components/QueuePanel";
import { SearchBox } from "./components/SearchBox";
import { Sidebar } from "./components/Sidebar";
import { ToastProvider } from "./components/Toast";
import {
  useCloudChanges,
  useCloudStatus,
  useControlPlayer,
  useLibraryChanges,
  useLibraryStats,
  usePlayer,
  usePlayerChanges,
  usePlaylist,
  usePreferences,
} from "@data";
import { back, push, sectionOf, type History, type Route } from "./navigation";
import { shortcutFor } from "./shortcuts";
import { resolve, views } from "./views/registry";
import { useSearchWarmUp } from "./views/searchWarmUp";
import { Welcome } from "./views/Welcome";
import "./styles/library.css";

const mac = typeof navigator !== "undefined" && /Mac/.test(navigator.platform);

export function App(props: { client?: QueryClient }) {
  const [client] = useState(() => props.client ?? new QueryClient());
  return (
    <QueryClientProvider client={client}>
      <ToastProvider>
        <OverlayProvider>
          <Frame />
        </OverlayProvider>
      </ToastProvider>
    </QueryClientProvider>
  );
}

function Frame() {
  useLibraryChanges();
  useCloudChanges();
  usePlayerChanges();
  useTheme();
  const [history, setHistory] = useState<History>({ stack: [{ view: "songs" }] });
  const [queueOpen, setQueueOpen] = useState(false);
  const route = history.stack.at(-1) ?? { view: "songs" };
  const navigate = (next: Route) => setHistory((current) => push(current, next));
  const goBack = () => setHistory(back);
  const search = useRef<HTMLInputElement>(null);
  const { title, component: View } = resolve(route);
  const heading = useHeading(route, title);

  const welcome = useFirstRun();
  useSearchWarmUp((useLibraryStats().data?.tracks ?? 0) > 0);

  useShortcuts({
    search: () => search.current?.focus(),
    queue: () => setQueueOpen((open) => !open),
    back: goBack,
  });

  return (
    <div className={`app${queueOpen ? " app--queue" : ""}`} data-first-run={welcome.known ? (welcome.show ? "welcome" : "done") : "unknown"}>
      <Sidebar views={views} route={route} current={sectionOf(route)} onNavigate={navigate} />
      <main className="main" aria-labelledby="view-title">
        <header className="main__header">
          <button type="button" className="icon-button" aria-label="Back" disabled={history.stack.length < 2} onClick={goBack}>
            <Icon name="back" />
          </button>
          <h1 id="view-title">{heading}</h1>
          <SearchBox ref={search} route={route} placeholder={`Search (${mac ? "⌘" : "Ctrl+"}F)`} navigate={navigate} goBack={goBack} />
          <button
            type="button"
            className="icon-button"
            aria-label="Queue"
            aria-pressed={queueOpen}
            aria-keyshortcuts={mac ? "Meta+L" : "Control+L"}
            onClick={() => setQueueOpen((open) => !open)}
          >
            <Icon name="queue" />
          </button>
        </header>
        <div className="main__body" data-testid={`view-${route.view}`}>
          <View key={JSON.stringify(route.view === "search" ? { view: "search" } : route)} route={route} navigate={navigate} />
        </div>
      </main>
      {queueOpen && <QueuePanel onClose={() => setQueueOpen(false)} />}
      <NowPlayingBar />
      {welcome.show && <Welcome onDone={welcome.done} />}
    </div>
  );
}

/** Whether this is the first run: nothing set up yet and the welcome never finished. */
function useFirstRun() {
  const preferences = usePreferences();
  const stats = useLibraryStats();
  const cloud = useCloudStatus();
  const [dismissed, setDismissed] = useState(false);
  const known = preferences.data !== undefined && stats.data !== undefined && cloud.data !== undefined;
  const show =
    known && !dismissed && preferences.data?.welcomed === false && stats.data?.folders === 0 && !cloud.data?.status.account;
  return { known, show, done: () => setDismissed(true) };
}

/** The heading of a page; a playlist's is its name. */
function useHeading(route: Route, title: string) {
  const playlist = usePlaylist(route.view === "playlist" ? route.id : null);
  return route.view === "playlist" ? (playlist.data?.name ?? "Playlist") : title;
}

/** Applies the theme from the settings (System follows the OS). */
function useTheme() {
  const preferences = usePreferences();
  const theme = preferences.data?.theme ?? "system";
  useEffect(() => {
    const root = document.documentElement;
    if (theme === "system") delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
}

/** Keyboard shortcuts for the whole window (see `shortcuts.ts`). */
function useShortcuts(handlers: { search: () => void; queue: () => void; back: () => void }) {
  const control = useControlPlayer();
  const volume = usePlayer((view) => view.status.volume).data ?? 1;
  const latest = useRef({ handlers, control, volume });
  latest.current = { handlers, control, volume };
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const shortcut = shortcutFor(
        {
          key: event.key,
          ctrlKey: event.ctrlKey,
          metaKey: event.metaKey,
          altKey: event.altKey,
          shiftKey: event.shiftKey,
          target: event.target instanceof HTMLElement ? event.target : null,
        },
        mac,
      );
      if (!shortcut) return;
      event.preventDefault();
      const { handlers, control, volume } = latest.current;
      switch (shortcut.kind) {
        case "toggle_pause":
        case "next":
        case "previous":
        case "stop":
          control.mutate({ kind: shortcut.kind });
          break;
        case "volume": {
          control.mutate({ kind: "set_volume", volume: Math.max(0, Math.min(1, volume + shortcut.delta)) });
          break;
        }
        case "search":
          handlers.search();
          break;
        case "queue":
          handlers.queue();
          break;
        case "back":
          handlers.back();
          break;
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
}
