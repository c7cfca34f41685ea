// The cloud library in the desktop's shapes: songs become `Track`s (every one "in the cloud"),
// albums `AlbumSummary`s, artists and genres `NameSummary`s, so the shared views draw them
// unchanged. Lists the server pages (all songs, a genre's) are fetched page by page; lists
// that are small by nature (an album's, an artist's) are fetched whole and sorted here.
import type { AlbumSummary, NameSummary, Page, Track, TrackFilter, TrackSort } from "../../ipc/bindings";
import { api, query } from "./api";
import type { LibraryAlbum, LibraryArtist, LibraryGenre, LibrarySong, SongsResponse } from "./wire";

/** The server's largest page. */
export const SERVER_PAGE = 500;
/** "Play all" of the whole library queues at most this many songs (the first ones). */
export const MAX_QUEUE = 10_000;

export function toTrack(song: LibrarySong): Track {
  return {
    id: song.id,
    folder_id: null,
    path: "",
    size: song.size,
    mtime_ms: 0,
    format: song.format,
    codec: null,
    duration_ms: song.duration_ms ?? null,
    bitrate_kbps: null,
    sample_rate: null,
    channels: null,
    bit_depth: null,
    title: song.title,
    artist: song.artist ?? null,
    artists: song.artist ? [song.artist] : [],
    album: song.album || null,
    album_artist: song.album_artist || null,
    track_no: song.track_number ?? null,
    track_total: null,
    disc_no: song.disc_number ?? null,
    disc_total: null,
    year: song.year ?? null,
    date: null,
    genre: song.genre ?? null,
    genres: song.genre ? [song.genre] : [],
    composer: null,
    compilation: false,
    comment: null,
    musicbrainz: { recording_id: null, track_id: null, album_id: null, artist_id: null, album_artist_id: null },
    replaygain: {
      track_gain: song.replaygain?.track_gain ?? null,
      track_peak: song.replaygain?.track_peak ?? null,
      album_gain: song.replaygain?.album_gain ?? null,
      album_peak: song.replaygain?.album_peak ?? null,
    },
    artwork_id: song.artwork ?? null,
    play_count: song.marks.play_count,
    last_played_at: song.marks.played_at === undefined ? null : song.marks.played_at * 1000,
    rating: song.marks.rating === undefined ? null : song.marks.rating * 20,
    loved: song.marks.loved,
    added_at: song.added_at * 1000,
    state: "cloud",
    state_reason: null,
    extra_tags: [],
    upload_state: "in_cloud",
    upload_error: null,
    kept_offline: false,
  };
}

export function toAlbum(album: LibraryAlbum): AlbumSummary {
  return {
    key: album.id,
    title: album.name,
    artist: album.artist,
    year: album.year ?? null,
    track_count: album.song_count,
    duration_ms: album.duration_ms,
    artwork_id: album.artwork ?? null,
    compilation: false,
  };
}

export const toArtist = (artist: LibraryArtist): NameSummary => ({ name: artist.name, track_count: 0, album_count: artist.album_count, duration_ms: 0 });
export const toGenre = (genre: LibraryGenre): NameSummary => ({ name: genre.name, track_count: genre.song_count, album_count: genre.album_count, duration_ms: 0 });

/** Tracks seen lately, by id: the player and the queue draw from here before asking again. */
const known = new Map<string, Track>();
const KNOWN_MAX = 5_000;

export function remember(tracks: readonly Track[]): Track[] {
  for (const track of tracks) {
    known.delete(track.id);
    known.set(track.id, track);
  }
  while (known.size > KNOWN_MAX) known.delete(known.keys().next().value as string);
  return [...tracks];
}

/** These tracks, in this order (ids the account does not have are left out). */
export async function tracksById(ids: readonly string[]): Promise<Track[]> {
  const missing = [...new Set(ids.filter((id) => !known.has(id)))];
  for (let at = 0; at < missing.length; at += SERVER_PAGE) {
    const batch = missing.slice(at, at + SERVER_PAGE);
    const found = await api<SongsResponse>("GET", `/api/v1/library/songs${query({ pick: "ids", ids: batch.join(",") })}`);
    remember(found.songs.map(toTrack));
  }
  return ids.map((id) => known.get(id)).filter((track): track is Track => track !== undefined);
}

export function knownTrack(id: string): Track | undefined {
  return known.get(id);
}

/** Every artist (also how an artist's name finds its id). */
let artistsList: Promise<LibraryArtist[]> | null = null;
export function artists(refresh = false): Promise<LibraryArtist[]> {
  if (refresh || !artistsList) {
    artistsList = api<{ artists: LibraryArtist[] }>("GET", "/api/v1/library/artists").then((r) => r.artists);
    artistsList.catch(() => (artistsList = null));
  }
  return artistsList;
}

export async function artistId(name: string): Promise<string | null> {
  const found = (await artists()).find((a) => a.name === name);
  if (found) return found.id;
  return (await artists(true)).find((a) => a.name === name)?.id ?? null;
}

export async function artistAlbums(name: string): Promise<LibraryAlbum[]> {
  const id = await artistId(name);
  if (!id) return [];
  return (await api<{ albums: LibraryAlbum[] }>("GET", `/api/v1/library/artists/${encodeURIComponent(id)}`)).albums;
}

export async function albumSongs(id: string): Promise<LibrarySong[]> {
  return (await api<{ songs: LibrarySong[] }>("GET", `/api/v1/library/albums/${encodeURIComponent(id)}`)).songs;
}

export async function genres(): Promise<LibraryGenre[]> {
  return (await api<{ genres: LibraryGenre[] }>("GET", "/api/v1/library/genres")).genres;
}

/** Every album, by title or by artist, fetched a page at a time. */
export async function allAlbums(byArtist: boolean): Promise<LibraryAlbum[]> {
  const all: LibraryAlbum[] = [];
  for (;;) {
    const page = await api<{ albums: LibraryAlbum[] }>(
      "GET",
      `/api/v1/library/albums${query({ order: byArtist ? "artist" : "name", offset: all.length, limit: SERVER_PAGE })}`,
    );
    all.push(...page.albums);
    if (page.albums.length < SERVER_PAGE) return all;
  }
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
const text = (value: string | null | undefined) => value ?? "";

/** The desktop's orders, for lists held whole. */
export function sortTracks(tracks: Track[], sort: TrackSort, descending: boolean): Track[] {
  const byAlbum = (a: Track, b: Track) =>
    collator.compare(text(a.album), text(b.album)) || (a.disc_no ?? 0) - (b.disc_no ?? 0) || (a.track_no ?? 0) - (b.track_no ?? 0);
  const compare: Record<TrackSort, (a: Track, b: Track) => number> = {
    artist: (a, b) => collator.compare(text(a.album_artist ?? a.artist), text(b.album_artist ?? b.artist)) || (a.year ?? 0) - (b.year ?? 0) || byAlbum(a, b),
    title: (a, b) => collator.compare(a.title, b.title),
    album: byAlbum,
    year: (a, b) => (a.year ?? 0) - (b.year ?? 0) || byAlbum(a, b),
    added: (a, b) => a.added_at - b.added_at,
    duration: (a, b) => (a.duration_ms ?? 0) - (b.duration_ms ?? 0),
    plays: (a, b) => a.play_count - b.play_count,
    genre: (a, b) => collator.compare(text(a.genre), text(b.genre)) || byAlbum(a, b),
  };
  const sorted = [...tracks].sort(compare[sort]);
  return descending ? sorted.reverse() : sorted;
}

/** The album or artist a list shows: those lists are held whole (a few hundred songs at most);
 * the others (the whole library, a genre) come from the server a page at a time. */
function heldWhole(filter: TrackFilter): { album: string } | { artist: string } | null {
  if (filter.album_key) return { album: filter.album_key };
  if (filter.artist !== null) return { artist: filter.artist };
  return null;
}

/** An album's or an artist's songs, whole. */
async function wholeList(filter: TrackFilter): Promise<Track[] | null> {
  const whole = heldWhole(filter);
  if (!whole) return null;
  if ("album" in whole) return remember((await albumSongs(whole.album)).map(toTrack));
  const albums = await artistAlbums(whole.artist);
  const songs = await Promise.all(albums.map((album) => albumSongs(album.id)));
  return remember(songs.flat().map(toTrack));
}

/**
 * Whether a songs list can be shown in another order: the lists held whole are sorted here;
 * the paged ones come in an order the server keeps, so their columns offer no sorting.
 */
export function sortable(filter: TrackFilter): boolean {
  return heldWhole(filter) !== null;
}

/** A page of a songs list, with the length of the whole list. */
export async function listTracks(filter: TrackFilter, sort: TrackSort, descending: boolean, offset: number, limit: number): Promise<Page<Track>> {
  const whole = await wholeList(filter);
  if (whole) {
    const sorted = sortTracks(whole, sort, descending);
    return { items: sorted.slice(offset, offset + limit), total: sorted.length, offset };
  }
  if (filter.genre !== null) {
    const [page, all] = await Promise.all([
      api<SongsResponse>("GET", `/api/v1/library/songs${query({ pick: "genre", genre: filter.genre, offset, limit })}`),
      genres(),
    ]);
    const total = all.find((g) => g.name === filter.genre)?.song_count ?? offset + page.songs.length;
    return { items: remember(page.songs.map(toTrack)), total, offset };
  }
  const page = await api<SongsResponse>("GET", `/api/v1/library/songs${query({ pick: "all", offset, limit })}`);
  return { items: remember(page.songs.map(toTrack)), total: page.total ?? offset + page.songs.length, offset };
}

/** The ids of a whole list, in order (the whole library: its first `MAX_QUEUE`). */
export async function listTrackIds(filter: TrackFilter, sort: TrackSort, descending: boolean): Promise<string[]> {
  const whole = await wholeList(filter);
  if (whole) return sortTracks(whole, sort, descending).map((t) => t.id);
  const first = await listTracks(filter, sort, descending, 0, SERVER_PAGE);
  const total = Math.min(first.total, MAX_QUEUE);
  const offsets: number[] = [];
  for (let at = SERVER_PAGE; at < total; at += SERVER_PAGE) offsets.push(at);
  const rest = await Promise.all(offsets.map((at) => listTracks(filter, sort, descending, at, SERVER_PAGE)));
  return [first, ...rest].flatMap((page) => page.items.map((t) => t.id));
}
