// Search results as the user types: matching artists and albums first, then the songs, each
// group playable and browsable. The query lives in the header's search box.
import { Cover } from "../components/Cover";
import { EmptyState } from "../components/EmptyState";
import { useMemoryRows } from "../components/rows";
import { SongList } from "../components/SongList";
import { describeError, useSearch } from "@data";
import { artistName, plural } from "../lib/format";
import { markPainted } from "../perf";
import type { ViewProps } from "./browse";
import { useEffect } from "react";

export function SearchView({ route, navigate }: ViewProps) {
  const query = route.view === "search" ? route.query : "";
  const results = useSearch(query);
  const songs = results.data?.songs.items ?? [];
  const rows = useMemoryRows(songs);
  const shown = results.data && !results.isPlaceholderData;
  useEffect(() => {
    if (shown) markPainted(`search-painted:${query}`);
  }, [shown, query]);

  if (!query.trim()) {
    return (
      <EmptyState icon="search" title="Search your library">
        Type a title, an artist, an album or a genre. Narrow it with <code>artist:</code>,{" "}
        <code>album:</code>, <code>genre:</code>, <code>year:1990-1999</code> or <code>format:flac</code>.
      </EmptyState>
    );
  }
  if (results.isError) return <p role="alert" className="error">{describeError(results.error)}</p>;
  if (!results.data) return null;
  const { albums, artists } = results.data;
  const total = results.data.songs.total;
  if (total === 0 && albums.length === 0 && artists.length === 0) {
    return (
      <EmptyState icon="search" title={`Nothing matches “${query}”`}>
        Check the spelling, or use fewer words.
      </EmptyState>
    );
  }
  return (
    <div className="search-results" data-testid="search-results">
      {artists.length > 0 && (
        <section aria-labelledby="search-artists">
          <h2 id="search-artists" className="section-title">Artists</h2>
          <ul className="chips">
            {artists.map((artist) => (
              <li key={artist.name}>
                <button type="button" className="chip" onClick={() => navigate({ view: "artist", name: artist.name })}>
                  {artistName(artist.name)}{" "}
                  <span className="chip__meta">
                    {artist.track_count > 0 ? plural(artist.track_count, "song") : plural(artist.album_count, "album")}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {albums.length > 0 && (
        <section aria-labelledby="search-albums">
          <h2 id="search-albums" className="section-title">Albums</h2>
          <ul className="album-row">
            {albums.map((album) => (
              <li key={album.key}>
                <button type="button" className="album-card" onClick={() => navigate({ view: "album", key: album.key, title: album.title })}>
                  <Cover artwork={album.artwork_id} size="medium" label={album.title} />
                  <span className="album-card__title">{album.title || "Unknown album"}</span>
                  <span className="album-card__meta">{artistName(album.artist)}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="search-songs" className="search-results__songs">
        <h2 id="search-songs" className="section-title">
          Songs <span className="count">{total >= 10_000 ? "10,000+" : plural(total, "match", "matches")}{total > songs.length ? ` · best ${songs.length} shown` : ""}</span>
        </h2>
        {songs.length > 0 && <SongList label="Matching songs" rows={rows} columns={["title", "artist", "album", "duration", "cloud"]} dragSource="search" />}
      </section>
    </div>
  );
}
