// The app frame: sidebar, the current view, and the now-playing bar.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { NowPlayingBar } from "./components/NowPlayingBar";
import { Sidebar } from "./components/Sidebar";
import { useCloudChanges, useLibraryChanges } from "./ipc";
import { viewById, type ViewId } from "./views/registry";

export function App(props: { client?: QueryClient }) {
  const [client] = useState(() => props.client ?? new QueryClient());
  const [current, setCurrent] = useState<ViewId>("songs");
  const view = viewById(current);
  const View = view.component;

  return (
    <QueryClientProvider client={client}>
      <LibraryWatch />
      <div className="app">
        <Sidebar current={current} onNavigate={setCurrent} />
        <main className="main" aria-labelledby="view-title">
          <header className="main__header">
            <h1 id="view-title">{view.label}</h1>
          </header>
          <div className="main__body" data-testid={`view-${current}`}>
            <View navigate={setCurrent} />
          </div>
        </main>
        <NowPlayingBar />
      </div>
    </QueryClientProvider>
  );
}

/** Keeps the views in step with changes the folder watcher finds. */
function LibraryWatch() {
  useLibraryChanges();
  useCloudChanges();
  return null;
}
