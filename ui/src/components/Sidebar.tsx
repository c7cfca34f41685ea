// The sidebar: the views grouped by section, the playlists (each a place to drop songs), and
// the current place marked for screen readers.
import { useState } from "react";
import { describeError, useAddToPlaylist, usePlaylists } from "../ipc";
import type { Route, SectionId } from "../navigation";
import { views, type ViewEntry } from "../views/registry";
import { dragPayload, setDragPayload } from "./drag";
import { Icon } from "./Icon";
import { useToast } from "./Toast";

export function Sidebar({ route, current, onNavigate }: { route: Route; current: SectionId | null; onNavigate: (route: Route) => void }) {
  const sections = new Map<ViewEntry["section"], ViewEntry[]>();
  for (const view of views) sections.set(view.section, [...(sections.get(view.section) ?? []), view]);
  const playlists = usePlaylists();
  const add = useAddToPlaylist();
  const toast = useToast();
  const [dropTarget, setDropTarget] = useState<string | null>(null);

  async function drop(id: string, name: string) {
    const payload = dragPayload();
    setDropTarget(null);
    if (!payload) return;
    setDragPayload(null);
    try {
      const tracks = await payload.trackIds();
      await add.mutateAsync({ id, tracks });
      toast(`Added ${tracks.length === 1 ? "1 song" : `${tracks.length} songs`} to “${name}”`);
    } catch (error) {
      toast(describeError(error), "error");
    }
  }

  return (
    <nav className="sidebar" aria-label="Sidebar">
      <div className="sidebar__brand" aria-hidden="true">
        <Icon name="album" size={22} /> Tonearm
      </div>
      {[...sections].map(([section, entries]) => (
        <div className="sidebar__section" key={section}>
          {section === "Library" && <h2 className="sidebar__heading">Library</h2>}
          <ul>
            {entries.map((view) => (
              <li key={view.id}>
                <button
                  type="button"
                  className="sidebar__item"
                  data-view={view.id}
                  aria-current={view.id === current ? "page" : undefined}
                  onClick={() => onNavigate({ view: view.id })}
                >
                  <Icon name={view.icon} />
                  <span>{view.label}</span>
                </button>
              </li>
            ))}
          </ul>
          {section === "Playlists" && (playlists.data?.length ?? 0) > 0 && (
            <ul aria-label="Your playlists" className="sidebar__playlists">
              {playlists.data?.map((playlist) => (
                <li key={playlist.id}>
                  <button
                    type="button"
                    className={`sidebar__item sidebar__item--playlist${dropTarget === playlist.id ? " is-drop-target" : ""}`}
                    data-playlist={playlist.id}
                    aria-current={route.view === "playlist" && route.id === playlist.id ? "page" : undefined}
                    onClick={() => onNavigate({ view: "playlist", id: playlist.id })}
                    onDragOver={(event) => {
                      if (!dragPayload() || dragPayload()?.source === `playlist:${playlist.id}`) return;
                      event.preventDefault();
                      event.dataTransfer.dropEffect = "copy";
                      setDropTarget(playlist.id);
                    }}
                    onDragLeave={() => setDropTarget(null)}
                    onDrop={(event) => {
                      event.preventDefault();
                      void drop(playlist.id, playlist.name);
                    }}
                  >
                    <Icon name="playlist" size={16} />
                    <span>{playlist.name || "Untitled playlist"}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </nav>
  );
}
