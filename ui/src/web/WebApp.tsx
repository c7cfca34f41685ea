// The web player's frame: the desktop's sidebar, views, queue panel and now-playing bar,
// over the HTTP data layer. On a phone the sidebar is a drawer behind a menu button and the
// player bar sits at the bottom; the address bar follows the view, so a reload or a shared
// link opens the same place.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Icon } from "../components/Icon";
import { NowPlayingBar } from "../components/NowPlayingBar";
import { OverlayProvider } from "../components/Overlays";
import { QueuePanel } from "../components/QueuePanel";
import { SearchBox } from "../components/SearchBox";
import { Sidebar } from "../components/Sidebar";
import { ToastProvider } from "../components/Toast";
import { back, push, sectionOf, type History, type Route } from "../navigation";
import { browseViews, resolveIn } from "../views/browse";
import { useSearchWarmUp } from "../views/searchWarmUp";
import { describeError, useControlPlayer, useLibraryStats, usePlayerChanges, usePlaylist } from "./data";
import { routeFromPath, pathOfRoute } from "./routes";
import { useSession, useSignOut } from "./session";
import { SignIn } from "./SignIn";
import "../styles/library.css";
import "../styles/playlists.css";
import "./web.css";

export function WebApp(props: { client?: QueryClient }) {
  const [client] = useState(() => props.client ?? new QueryClient({
        // A few seconds fresh: the frame and the view ask for the same lists as they mount.
        defaultOptions: { queries: { retry: 1, staleTime: 5_000 } },
      }));
  return (
    <QueryClientProvider client={client}>
      <ToastProvider>
        <OverlayProvider>
          <Gate />
        </OverlayProvider>
      </ToastProvider>
    </QueryClientProvider>
  );
}

function Gate() {
  const session = useSession();
  if (session.isPending) return null;
  if (session.isError)
    return (
      <p role="alert" className="error sign-in__offline">
        {describeError(session.error)}
      </p>
    );
  if (!session.data) return <SignIn />;
  return <Frame username={session.data.username} />;
}

function Frame({ username }: { username: string }) {
  usePlayerChanges();
  const [history, setHistory] = useState<History>(() => ({ stack: [routeFromPath(location.pathname, location.search)] }));
  const [queueOpen, setQueueOpen] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const route = history.stack.at(-1) ?? { view: "songs" };
  const navigate = (next: Route) => {
    setDrawerOpen(false);
    setHistory((current) => push(current, next));
  };
  const goBack = () => setHistory(back);
  const { title, component: View } = resolveIn(browseViews, route);
  const playlist = usePlaylist(route.view === "playlist" ? route.id : null);
  const heading = route.view === "playlist" ? (playlist.data?.name ?? "Playlist") : title;
  const signOut = useSignOut();
  const search = useRef<HTMLInputElement>(null);
  useKeys();
  useSearchWarmUp((useLibraryStats().data?.tracks ?? 0) > 0);

  // The address follows the view; the browser's Back goes back in the app.
  useEffect(() => {
    const path = pathOfRoute(route);
    if (location.pathname + location.search === path) return;
    // Typing a search replaces its entry rather than stacking one per keystroke.
    const replace = history.stack.length < 2 || (route.view === "search" && location.pathname === "/search");
    if (replace) window.history.replaceState(null, "", path);
    else window.history.pushState(null, "", path);
  }, [route, history.stack.length]);
  useEffect(() => {
    document.title = `${heading} · Tonearm`;
  }, [heading]);
  useEffect(() => {
    const onPop = () => setHistory((current) => (current.stack.length > 1 ? back(current) : { stack: [routeFromPath(location.pathname, location.search)] }));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  return (
    <div className={`app app--web${queueOpen ? " app--queue" : ""}${drawerOpen ? " app--drawer" : ""}`}>
      <div className="drawer-scrim" aria-hidden="true" onClick={() => setDrawerOpen(false)} />
      <div className="web-sidebar" id="navigation">
        <Sidebar views={browseViews} route={route} current={sectionOf(route)} onNavigate={navigate} />
        <div className="web-account">
          <span className="web-account__name" title={`Signed in as ${username}`}>
            <Icon name="artist" size={16} /> {username}
          </span>
          <button type="button" className="button button--small" onClick={() => signOut.mutate()}>
            Sign out
          </button>
        </div>
      </div>
      <main className="main" aria-labelledby="view-title">
        <header className="main__header">
          <button
            type="button"
            className="icon-button web-menu"
            aria-label="Menu"
            aria-expanded={drawerOpen}
            aria-controls="navigation"
            onClick={() => setDrawerOpen((open) => !open)}
          >
            <Icon name="menu" />
          </button>
          <button type="button" className="icon-button" aria-label="Back" disabled={history.stack.length < 2} onClick={() => window.history.back()}>
            <Icon name="back" />
          </button>
          <h1 id="view-title">{heading}</h1>
          <SearchBox ref={search} route={route} placeholder="Search" navigate={navigate} goBack={goBack} />
          <button type="button" className="icon-button" aria-label="Queue" aria-pressed={queueOpen} onClick={() => setQueueOpen((open) => !open)}>
            <Icon name="queue" />
          </button>
        </header>
        <div className="main__body" data-testid={`view-${route.view}`}>
          <View key={JSON.stringify(route.view === "search" ? { view: "search" } : route)} route={route} navigate={navigate} />
        </div>
      </main>
      {queueOpen && <QueuePanel onClose={() => setQueueOpen(false)} />}
      <NowPlayingBar />
    </div>
  );
}

/** Space plays and pauses (outside text fields), as in any player. */
function useKeys() {
  const control = useControlPlayer();
  const latest = useRef({ control });
  latest.current = { control };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== " " || event.defaultPrevented || target?.closest("input, textarea, select, button, [role=grid]")) return;
      event.preventDefault();
      latest.current.control.mutate({ kind: "toggle_pause" });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
