// What the UI tests share: a command's "ok" answer as the generated bindings give it, and a
// track record with every field, for tests to override what they look at.
import type { Track } from "../ipc";

/** A command's successful answer, as the generated bindings return it. */
export const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });

/** A present, tagged FLAC track; `fields` override what a test cares about. */
export function makeTrack(fields: Partial<Track> & Pick<Track, "id" | "title">): Track {
  return {
    folder_id: 1, path: `/m/${fields.title}.flac`, size: 1, mtime_ms: 0, format: "flac", codec: "flac", duration_ms: 60_000,
    bitrate_kbps: null, sample_rate: 44100, channels: 2, bit_depth: 16, artist: "Ada", artists: ["Ada"], album: "Album",
    album_artist: null, track_no: 1, track_total: null, disc_no: null, disc_total: null, year: 2024, date: null, genre: null,
    genres: [], composer: null, compilation: false,
    musicbrainz: { recording_id: null, track_id: null, album_id: null, artist_id: null, album_artist_id: null },
    replaygain: { track_gain: null, track_peak: null, album_gain: null, album_peak: null },
    artwork_id: null, play_count: 0, last_played_at: null, rating: null, loved: false, added_at: 0, state: "present", state_reason: null,
    comment: null, extra_tags: [], upload_state: "local_only", upload_error: null, kept_offline: false,
    ...fields,
  };
}
