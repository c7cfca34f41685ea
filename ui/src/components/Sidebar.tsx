// The sidebar: the views grouped by section, the playlists (each a place to drop songs), and
// the current place marked for screen readers.
import { usePlaylists, type PlaylistSummary } from "@data";
import type { Route, SectionId } from "../navigation";
import type { ViewEntry } from "../views/browse";
import { useDropSongs } from "./dropSongs";
import { Icon } from "./Icon";

export function Sidebar({
  views,
  route,
  current,
  onNavigate,
}: {
  views: readonly ViewEntry[];
  route: Route;
  current: SectionId | null;
  onNavigate: (route: Route) => void;
}) {
  const sections = new Map<ViewEntry["section"], ViewEntry[]>();
  for (const view of views) sections.set(view.section, [...(sections.get(view.section) ?? []), view]);
  const playlists = usePlaylists();

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
                <PlaylistLink key={playlist.id} playlist={playlist} route={route} onNavigate={onNavigate} />
              ))}
            </ul>
          )}
        </div>
      ))}
    </nav>
  );
}

/** A playlist in the sidebar: opens it, and takes songs dropped on it. */
function PlaylistLink({ playlist, route, onNavigate }: { playlist: PlaylistSummary; route: Route; onNavigate: (route: Route) => void }) {
  const drop = useDropSongs(playlist);
  return (
    <li>
      <button
        type="button"
        className={`sidebar__item sidebar__item--playlist${drop.over ? " is-drop-target" : ""}`}
        data-playlist={playlist.id}
        aria-current={route.view === "playlist" && route.id === playlist.id ? "page" : undefined}
        onClick={() => onNavigate({ view: "playlist", id: playlist.id })}
        {...drop.handlers}
      >
        <Icon name="playlist" size={16} />
        <span>{playlist.name || "Untitled playlist"}</span>
      </button>
    </li>
  );
}
