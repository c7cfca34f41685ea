// The server's JSON, as `crates/protocol` defines it (`library`, `playlists`, `marks`,
// `sessions`, `error`): the shapes the web player reads and sends over `/api/v1`.

export interface LibraryMarks {
  play_count: number;
  played_at?: number;
  rating?: number;
  loved: boolean;
}

export interface LibrarySong {
  id: string;
  title: string;
  artist?: string;
  album: string;
  album_id: string;
  album_artist: string;
  artist_id: string;
  genre?: string;
  year?: number;
  track_number?: number;
  disc_number?: number;
  duration_ms?: number;
  format: string;
  size: number;
  artwork?: string;
  added_at: number;
  marks: LibraryMarks;
  /** Gains in dB, peaks as linear amplitude; absent when untagged. */
  replaygain?: { track_gain?: number; track_peak?: number; album_gain?: number; album_peak?: number };
}

export interface LibraryAlbum {
  id: string;
  name: string;
  artist: string;
  artist_id: string;
  year?: number;
  genre?: string;
  song_count: number;
  duration_ms: number;
  artwork?: string;
  added_at: number;
  marks: LibraryMarks;
}

export interface LibraryArtist {
  id: string;
  name: string;
  sort_name: string;
  album_count: number;
  marks: LibraryMarks;
}

export interface LibraryGenre {
  name: string;
  song_count: number;
  album_count: number;
}

export interface SongsResponse {
  songs: LibrarySong[];
  total?: number;
}

export interface SearchResponse {
  artists: LibraryArtist[];
  albums: LibraryAlbum[];
  songs: LibrarySong[];
}

export interface ServerPlaylistEntry {
  id: string;
  playlist_id: string;
  track_id: string;
  position: string;
}

export interface ServerPlaylist {
  id: string;
  name: string;
  entries: ServerPlaylistEntry[];
}

export type PlaylistAction =
  | { type: "create_playlist"; playlist_id: string; name: string }
  | { type: "rename_playlist"; playlist_id: string; name: string }
  | { type: "delete_playlist"; playlist_id: string }
  | { type: "add_entry"; playlist_id: string; entry_id: string; track_id: string; position: string }
  | { type: "remove_entry"; entry_id: string }
  | { type: "move_entry"; entry_id: string; position: string };

export interface OpResult {
  op_id: string;
  status: "applied" | "duplicate" | "rejected";
  seq?: number;
  reason?: string;
}

export interface SessionInfo {
  id: string;
  device: string;
  created_at: number;
  current: boolean;
}

export interface WebSession {
  username: string;
  csrf_token: string;
  session: SessionInfo;
}

export interface ErrorBody {
  error: { code: string; message: string };
}
