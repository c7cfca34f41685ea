// The web player's pure parts: position keys as the protocol mints them, the queue's rules,
// the addresses of views, and the server's songs in the desktop's shape.
import { describe, expect, it } from "vitest";
import { between, isKey, place, spread } from "./data/position";
import { sortable, toTrack } from "./data/library";
import * as Q from "./player/queue";
import { pathOfRoute, routeFromPath } from "./routes";
import { replayGainDb, unplayable } from "./player/engine";

describe("position keys", () => {
  it("fall strictly between their neighbours, as the protocol's tests ask", () => {
    const cases: [string | null, string | null][] = [
      [null, null],
      ["V", null],
      [null, "V"],
      ["V", "W"],
      ["V", "V1"],
      ["Vz", "W"],
      [null, "01"],
      [null, "1"],
      ["zzz", null],
      ["z", null],
      ["0001", "0002"],
    ];
    for (const [before, after] of cases) {
      const key = between(before, after);
      expect(key, `${before} ${after}`).not.toBeNull();
      if (before !== null) expect(key! > before).toBe(true);
      if (after !== null) expect(key! < after).toBe(true);
      expect(isKey(key!)).toBe(true);
    }
    expect(between(null, null)).toBe("V");
  });

  it("are re-spaced when inserts run out of room, every key in order", () => {
    let keys: string[] = [];
    for (let i = 0; i < 200; i++) {
      // Always at the front: each key longer than the last until the list is re-spaced.
      const placed = place(keys, 0, 1);
      for (const [index, key] of placed.moved) keys[index] = key;
      keys = [placed.inserted[0]!, ...keys];
      expect([...keys].sort()).toEqual(keys);
      expect(keys.every((k) => k.length <= 24 && isKey(k))).toBe(true);
    }
    expect(spread(3)).toEqual([...spread(3)].sort());
  });
});

describe("the queue", () => {
  const ids = ["a", "b", "c", "d"];
  it("plays next after the current entry and wraps only under repeat all", () => {
    let queue = Q.replace(Q.emptyQueue, ids, 1);
    expect(queue.entries.map((e) => e.track_id)).toEqual(ids);
    const current = queue.current!;
    queue = Q.playNext(queue, ["x"]);
    const upcoming = Q.upcoming(queue).map((id) => queue.entries.find((e) => e.entry === id)!.track_id);
    expect(upcoming).toEqual(["x", "c", "d"]);
    expect(queue.current).toBe(current);
    const last = { ...queue, current: queue.entries.at(-1)!.entry };
    expect(Q.following(last, false)).toBeNull();
    expect(Q.following({ ...last, repeat: "all" }, false)).toBe(queue.entries[0]!.entry);
    expect(Q.following({ ...last, repeat: "one" }, true)).toBe(last.current);
    expect(Q.following({ ...last, repeat: "one" }, false)).toBeNull();
  });

  it("shuffles the rest after the current entry and keeps every entry once", () => {
    let queue = Q.replace(Q.emptyQueue, ids, 2);
    queue = Q.setShuffle(queue, true, () => 0.3);
    const order = Q.playOrder(queue);
    expect(order[0]).toBe(queue.current);
    expect([...order].sort()).toEqual(queue.entries.map((e) => e.entry).sort());
    expect(Q.playOrder(Q.setShuffle(queue, false))).toEqual(queue.entries.map((e) => e.entry));
  });

  it("is described by its length and the first entries to come, each with its place in the list", () => {
    const long = Array.from({ length: 500 }, (_, i) => `t${i}`);
    const queue = Q.setShuffle(Q.replace(Q.emptyQueue, long, 10), true, () => 0.6);
    const view = Q.described(queue);
    expect(view.queue_length).toBe(500);
    expect(view.upcoming_total).toBe(499);
    expect(view.upcoming).toHaveLength(Q.UPCOMING_SENT);
    expect(view.upcoming.map((e) => e.entry)).toEqual(Q.upcoming(queue).slice(0, Q.UPCOMING_SENT));
    for (const next of view.upcoming) expect(queue.entries[next.list_index]).toEqual({ entry: next.entry, track_id: next.track_id });
  });

  it("moves on to the following entry when the current one is removed", () => {
    const queue = Q.replace(Q.emptyQueue, ids, 1);
    const after = Q.remove(queue, [queue.current!]);
    expect(after.entries.find((e) => e.entry === after.current)?.track_id).toBe("c");
    expect(Q.move(after, after.entries[0]!.entry, 5).entries.map((e) => e.track_id)).toEqual(["c", "d", "a"]);
  });
});

describe("addresses", () => {
  it("round-trip every view, names with slashes and accents included", () => {
    for (const route of [
      { view: "songs" },
      { view: "albums" },
      { view: "album", key: "al-0123456789abcdef", title: "Déjà / Vu" },
      { view: "artist", name: "AC/DC" },
      { view: "genre", name: "Électronique" },
      { view: "playlist", id: "3f0c2d5e-0000-4000-8000-000000000000" },
      { view: "search", query: "sigur rós" },
    ] as const) {
      const url = new URL(pathOfRoute(route), "http://x");
      expect(routeFromPath(url.pathname, url.search)).toEqual(route);
    }
    expect(routeFromPath("/nowhere/at/all", "")).toEqual({ view: "songs" });
  });
});

describe("songs from the server", () => {
  it("become cloud tracks, with stars as the desktop's 0 to 100", () => {
    const track = toTrack({
      id: "t1",
      title: "Song",
      album: "Album",
      album_id: "al-1",
      album_artist: "Artist",
      artist_id: "ar-1",
      format: "flac",
      size: 10,
      added_at: 5,
      marks: { play_count: 3, rating: 4, loved: true, played_at: 7 },
      replaygain: { track_gain: -6.5, track_peak: 0.9 },
    });
    expect(track.replaygain).toEqual({ track_gain: -6.5, track_peak: 0.9, album_gain: null, album_peak: null });
    expect(track).toMatchObject({ state: "cloud", upload_state: "in_cloud", rating: 80, loved: true, play_count: 3, added_at: 5000, last_played_at: 7000 });
  });

  it("words why a song cannot play, and applies ReplayGain like the desktop", () => {
    const track = toTrack({ id: "t", title: "Wma", album: "", album_id: "", album_artist: "", artist_id: "", format: "wma", size: 1, added_at: 0, marks: { play_count: 0, loved: false } });
    expect(unplayable(track, new DOMException("x", "EncodingError"))).toBe("“Wma” was skipped: this browser cannot play WMA audio.");
    const tagged = { ...track, replaygain: { track_gain: -6, track_peak: 1, album_gain: -3, album_peak: 1 } };
    const settings = { mode: "track" as const, preamp_db: 2, fallback_db: -1, prevent_clipping: true };
    expect(replayGainDb(tagged, settings, false)).toBeCloseTo(-4);
    expect(replayGainDb(track, settings, false)).toBeCloseTo(-1);
    expect(replayGainDb(tagged, { ...settings, mode: "off" }, false)).toBe(0);
  });
});

describe("sorting songs lists", () => {
  it("is offered for the lists held whole, not for those the server pages in its own order", () => {
    const none = { album_key: null, artist: null, genre: null, present_only: false };
    expect(sortable(none)).toBe(false);
    expect(sortable({ ...none, genre: "Jazz" })).toBe(false);
    expect(sortable({ ...none, album_key: "k" })).toBe(true);
    expect(sortable({ ...none, artist: "Ada" })).toBe(true);
    expect(sortable({ ...none, artist: "" })).toBe(true);
  });
});
