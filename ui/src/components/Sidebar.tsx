// The sidebar: the views grouped by section, with the current one marked for screen readers.
import { views, type ViewEntry, type ViewId } from "../views/registry";
import { Icon } from "./Icon";

export function Sidebar({ current, onNavigate }: { current: ViewId; onNavigate: (view: ViewId) => void }) {
  const sections = new Map<ViewEntry["section"], ViewEntry[]>();
  for (const view of views) sections.set(view.section, [...(sections.get(view.section) ?? []), view]);

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
                  onClick={() => onNavigate(view.id)}
                >
                  <Icon name={view.icon} />
                  <span>{view.label}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
