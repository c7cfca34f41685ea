// "Find my music": the places discovery found, each with its songs and size, to tick and add.
// The welcome shows them at the first run; Settings on demand.
import type { Discovery } from "@data";
import { formatSize, plural } from "../lib/format";

/** The places not in the library yet (those offered, ticked at first). */
export function newPlaces(found: Discovery | undefined): string[] {
  return (found?.places ?? []).filter((place) => !place.in_library).map((place) => place.path);
}

export function DiscoveredPlaces({
  found,
  chosen,
  onToggle,
}: {
  found: Discovery;
  chosen: readonly string[];
  onToggle: (path: string) => void;
}) {
  const offered = found.places.filter((place) => !place.in_library);
  return (
    <div className="discovered" data-testid="discovered">
      <p className="settings__hint" role="status">
        {found.places.length === 0
          ? "Tonearm found no music in your home folder or on your drives."
          : `Tonearm found ${plural(found.songs, "song")} in ${plural(found.places.length, "place")}.`}
        {found.places.length > offered.length && ` ${plural(found.places.length - offered.length, "place")} already in your library.`}
      </p>
      {offered.length > 0 && (
        <ul className="welcome__folders" aria-label="Places with music">
          {offered.map((place) => (
            <li key={place.path}>
              <label className="settings__check">
                <input type="checkbox" checked={chosen.includes(place.path)} onChange={() => onToggle(place.path)} />
                <span>
                  <span className="path">{place.path}</span>
                  <span className="settings__hint">
                    {" "}
                    {plural(place.songs, "song")}, {formatSize(place.bytes)}
                    {place.samples.length > 0 && ` · ${place.samples.join(", ")}`}
                  </span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
