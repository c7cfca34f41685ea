// The web player's audio engine: the desktop's player contract (`PlayerControl` in,
// `PlayerView` out) over the Web Audio API, so the shared now-playing bar and queue panel
// drive it unchanged.
//
// Gapless: each song is fetched whole and decoded to an `AudioBuffer`; while one plays, the
// next is decoded and scheduled to start on the audio clock at the exact sample the current
// one ends, so the join has no gap (an `<audio>` element swap always has one). Only the
// current and the next song are held decoded. Pause suspends the audio clock, so a
// scheduled join survives it. A song the browser cannot decode is skipped with a sentence
// saying why.
import type { PlayerControl, PlayerView, ReplayGainSettings, Status, Track, TrackFilter, TrackSort } from "@data";
import * as Q from "./queue";

/** What the engine needs from the data layer. */
export interface EngineHost {
  /** Tracks by id (for what the bar shows). */
  tracks(ids: readonly string[]): Promise<Track[]>;
  /** Every song of a library list, in its order. */
  trackIds(filter: TrackFilter, sort: TrackSort, descending: boolean): Promise<string[]>;
  /** The song's audio, whole. */
  audio(trackId: string, signal: AbortSignal): Promise<ArrayBuffer>;
  /** A song was listened to (half of it, or four minutes). */
  played(trackId: string): void;
}

export type EngineChange = "status" | "current" | "position" | "queue" | "error";

interface Voice {
  entry: number;
  track: string;
  buffer: AudioBuffer;
  source: AudioBufferSourceNode;
  gain: GainNode;
  /** The audio clock's time at the song's first sample. */
  origin: number;
  /** Stopped on purpose (its `ended` is not the song ending). */
  cancelled: boolean;
  /** Its play was recorded. */
  counted: boolean;
}

/** Where in the song playback starts after a press of Play (seconds of lead for the clock). */
const LEAD = 0.03;
/** "Previous" restarts the song after this much of it has played. */
const RESTART_AFTER = 3;

export const defaultReplayGain: ReplayGainSettings = { mode: "auto", preamp_db: 0, fallback_db: null, prevent_clipping: true };

/** A sentence for a song that cannot play. */
export function unplayable(track: Pick<Track, "title" | "format"> | undefined, error: unknown): string {
  const title = track ? `“${track.title}”` : "A song";
  if (error instanceof DOMException && (error.name === "EncodingError" || error.name === "NotSupportedError")) {
    const known = track?.format && track.format !== "unknown";
    return `${title} was skipped: this browser cannot play ${known ? `${track.format.toUpperCase()} audio` : "its audio format"}.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${title} was skipped: ${message}.`;
}

/** The gain in dB ReplayGain asks for (the desktop's rules: track or album gain, preamp, clip guard). */
export function replayGainDb(track: Track, settings: ReplayGainSettings, albumInOrder: boolean): number {
  if (settings.mode === "off") return 0;
  const useAlbum = settings.mode === "album" || (settings.mode === "auto" && albumInOrder);
  const rg = track.replaygain;
  const tagged = useAlbum ? (rg.album_gain ?? rg.track_gain) : (rg.track_gain ?? rg.album_gain);
  const peak = useAlbum ? (rg.album_peak ?? rg.track_peak) : (rg.track_peak ?? rg.album_peak);
  let gain = (tagged ?? settings.fallback_db ?? 0) + (tagged === null ? 0 : (settings.preamp_db ?? 0));
  if (settings.prevent_clipping && peak !== null && peak > 0) gain = Math.min(gain, -20 * Math.log10(peak));
  return gain;
}

export class WebPlayer {
  private queue: Q.Queue = Q.emptyQueue;
  private described: { queue: Q.Queue; view: ReturnType<typeof Q.described> } | null = null;
  private status: Status = { state: "stopped", volume: 1, muted: false, shuffle: false, repeat: "off", replaygain: defaultReplayGain };
  private context: AudioContext | null = null;
  private master: GainNode | null = null;
  private playing: Voice | null = null;
  private scheduled: Voice | null = null;
  /** Decoded audio by queue entry: the current and the next only. */
  private decoded = new Map<number, { promise: Promise<AudioBuffer>; abort: AbortController }>();
  private tracks = new Map<string, Track>();
  private listeners = new Set<(change: EngineChange) => void>();
  private ticker: ReturnType<typeof setInterval> | null = null;
  /** Bumped by every start, so a slow decode of a song skipped meanwhile is dropped. */
  private generation = 0;
  /** Where a stopped or not yet started song will start (seconds). */
  private pendingOffset = 0;
  lastError: string | null = null;

  constructor(private readonly host: EngineHost) {}

  subscribe(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: EngineChange) {
    for (const listener of this.listeners) listener(change);
  }

  /** The audio clock and graph, for tests that listen to the output. */
  get output(): { context: AudioContext; node: AudioNode } | null {
    return this.context && this.master ? { context: this.context, node: this.master } : null;
  }

  view(): PlayerView {
    const entry = this.queue.entries.find((e) => e.entry === this.queue.current);
    const track = entry ? this.tracks.get(entry.track_id) : undefined;
    const voice = this.playing?.entry === entry?.entry ? this.playing : null;
    return {
      status: { ...this.status },
      current:
        entry && track
          ? { entry: entry.entry, track, duration_ms: voice ? Math.round(voice.buffer.duration * 1000) : track.duration_ms }
          : null,
      position_ms: Math.round(this.position() * 1000),
      ...this.describedQueue(),
    };
  }

  /**
   * The queue as the view describes it, worked out once per queue (the view is asked for at
   * every position tick; a queue may hold the whole library). Queues are never changed in
   * place, so a new one is a new object.
   */
  private describedQueue() {
    if (this.described?.queue !== this.queue) this.described = { queue: this.queue, view: Q.described(this.queue) };
    return this.described.view;
  }

  /** Seconds into the current song. */
  position(): number {
    if (!this.playing || !this.context) return this.pendingOffset;
    return Math.max(0, Math.min(this.playing.buffer.duration, this.context.currentTime - this.playing.origin));
  }

  async control(control: PlayerControl): Promise<void> {
    switch (control.kind) {
      case "play":
        this.setQueue(Q.replace(this.queue, control.track_ids, control.start));
        await this.learn(control.track_ids);
        return this.start(this.queue.current, 0);
      case "play_list": {
        const ids = await this.host.trackIds(control.filter, control.sort, control.descending);
        // Refused before anything changes, as the desktop does.
        const chosen = control.start === null ? null : ids.indexOf(control.start);
        if (chosen === -1) throw new Error("that song is no longer in this list");
        if (ids.length === 0) return;
        if (control.shuffle !== null) await this.control({ kind: "set_shuffle", on: control.shuffle });
        const start = chosen ?? (this.status.shuffle ? Math.floor(Math.random() * ids.length) : 0);
        return this.control({ kind: "play", track_ids: ids, start });
      }
      case "play_next":
      case "add": {
        const idle = this.queue.current === null;
        this.setQueue(control.kind === "add" ? Q.add(this.queue, control.track_ids) : Q.playNext(this.queue, control.track_ids));
        await this.learn(control.track_ids);
        if (idle) return this.start(this.queue.current, 0);
        return this.prepareNext();
      }
      case "remove": {
        const current = this.queue.current;
        this.setQueue(Q.remove(this.queue, control.entries));
        if (this.queue.current !== current) {
          if (this.status.state === "stopped" || this.queue.current === null) return this.stop(this.queue.current === null);
          return this.start(this.queue.current, 0);
        }
        return this.prepareNext();
      }
      case "move":
        this.setQueue(Q.move(this.queue, control.entry, control.to));
        return this.prepareNext();
      case "clear":
        this.setQueue(Q.emptyQueue);
        return this.stop(true);
      case "jump_to":
        return this.start(control.entry, 0);
      case "pause":
        return this.pause();
      case "resume":
        return this.resume();
      case "toggle_pause":
        return this.status.state === "playing" ? this.pause() : this.resume();
      case "stop":
        return this.stop(false);
      case "next":
        return this.start(Q.following(this.queue, false), 0, this.queue.current !== null && Q.following(this.queue, false) === null);
      case "previous":
        if (this.position() > RESTART_AFTER || Q.preceding(this.queue) === null) return this.seek(0);
        return this.start(Q.preceding(this.queue), 0);
      case "seek":
        return this.seek(control.position_ms / 1000);
      case "set_volume":
        this.status = { ...this.status, volume: control.volume === null ? 1 : Math.max(0, Math.min(1, control.volume)) };
        this.applyVolume();
        return this.emit("status");
      case "set_muted":
        this.status = { ...this.status, muted: control.muted };
        this.applyVolume();
        return this.emit("status");
      case "set_shuffle":
        this.status = { ...this.status, shuffle: control.on };
        this.setQueue(Q.setShuffle(this.queue, control.on));
        this.emit("status");
        return this.prepareNext();
      case "set_repeat":
        this.status = { ...this.status, repeat: control.repeat };
        this.setQueue({ ...this.queue, repeat: control.repeat });
        this.emit("status");
        return this.prepareNext();
      case "set_replay_gain":
        this.status = { ...this.status, replaygain: control.settings };
        for (const voice of [this.playing, this.scheduled]) if (voice) voice.gain.gain.value = this.trackGain(voice.track);
        return this.emit("status");
    }
  }

  private setQueue(queue: Q.Queue) {
    this.queue = queue;
    this.emit("queue");
  }

  private async learn(ids: readonly string[]) {
    const missing = ids.filter((id) => !this.tracks.has(id));
    if (missing.length === 0) return;
    try {
      for (const track of await this.host.tracks(missing)) this.tracks.set(track.id, track);
    } catch {
      // The bar shows the song once a later request finds it; playing does not need it.
    }
  }

  private graph(): { context: AudioContext; master: GainNode } {
    if (!this.context || !this.master) {
      this.context = new AudioContext({ latencyHint: "playback" });
      this.master = this.context.createGain();
      this.master.connect(this.context.destination);
      this.applyVolume();
    }
    return { context: this.context, master: this.master };
  }

  private applyVolume() {
    if (!this.master) return;
    const volume = this.status.volume ?? 1;
    // The slider is perceptual: half way is a quarter of the amplitude.
    this.master.gain.value = this.status.muted ? 0 : volume * volume;
  }

  private trackGain(trackId: string): number {
    const track = this.tracks.get(trackId);
    if (!track) return 1;
    const inOrder = !this.status.shuffle;
    return 10 ** (replayGainDb(track, this.status.replaygain, inOrder) / 20);
  }

  private decode(entry: number): Promise<AudioBuffer> {
    const held = this.decoded.get(entry);
    if (held) return held.promise;
    const item = this.queue.entries.find((e) => e.entry === entry);
    const abort = new AbortController();
    const { context } = this.graph();
    const promise = item
      ? this.host.audio(item.track_id, abort.signal).then((bytes) => context.decodeAudioData(bytes))
      : Promise.reject(new Error("it left the queue"));
    // Not every caller waits: the rejection is handled where it is awaited.
    promise.catch(() => {});
    this.decoded.set(entry, { promise, abort });
    return promise;
  }

  /** Lets go of decoded songs other than the current and the next. */
  private prune() {
    const keep = new Set([this.queue.current, Q.following(this.queue, true)]);
    for (const [entry, held] of this.decoded) {
      if (!keep.has(entry)) {
        held.abort.abort();
        this.decoded.delete(entry);
      }
    }
  }

  private voice(entry: number, buffer: AudioBuffer, origin: number, offset: number): Voice {
    const { context, master } = this.graph();
    const item = this.queue.entries.find((e) => e.entry === entry);
    const track = item?.track_id ?? "";
    const source = context.createBufferSource();
    source.buffer = buffer;
    const gain = context.createGain();
    gain.gain.value = this.trackGain(track);
    source.connect(gain).connect(master);
    const voice: Voice = { entry, track, buffer, source, gain, origin, cancelled: false, counted: false };
    source.onended = () => this.ended(voice);
    source.start(origin + offset, offset);
    return voice;
  }

  private silence(voice: Voice | null) {
    if (!voice) return;
    voice.cancelled = true;
    try {
      voice.source.stop();
    } catch {
      // Not started yet: nothing to stop.
    }
    voice.source.disconnect();
    voice.gain.disconnect();
  }

  /** Plays `entry` from `offset` seconds (null: the end of the queue). */
  private async start(entry: number | null, offset: number, atEnd = false, stayPaused = false): Promise<void> {
    const generation = ++this.generation;
    this.silence(this.playing);
    this.silence(this.scheduled);
    this.playing = null;
    this.scheduled = null;
    if (entry === null) {
      if (atEnd) this.queue = { ...this.queue, current: null };
      return this.stop(false);
    }
    this.queue = { ...this.queue, current: entry };
    this.pendingOffset = offset;
    this.lastError = null;
    const { context } = this.graph();
    this.status = { ...this.status, state: stayPaused ? "paused" : "playing" };
    this.emit("current");
    this.emit("status");
    this.prune();
    const item = this.queue.entries.find((e) => e.entry === entry);
    if (item) void this.learn([item.track_id]).then(() => this.emit("current"));
    let buffer: AudioBuffer;
    try {
      buffer = await this.decode(entry);
    } catch (error) {
      if (generation !== this.generation) return;
      this.decoded.delete(entry);
      this.lastError = unplayable(item ? this.tracks.get(item.track_id) : undefined, error);
      this.emit("error");
      const next = Q.following({ ...this.queue, repeat: this.queue.repeat === "one" ? "off" : this.queue.repeat }, false);
      // Every song failed (the whole queue is of a format this browser lacks): stop.
      if (next === null || next === entry) return this.stop(false);
      return this.start(next, 0);
    }
    if (generation !== this.generation) return;
    // Paused while it was loading: it waits, ready, at its start.
    const hold = stayPaused || this.status.state === "paused";
    if (hold) {
      if (context.state !== "suspended") await context.suspend();
    } else if (context.state === "suspended") {
      await context.resume();
    }
    const origin = context.currentTime + LEAD - offset;
    this.playing = this.voice(entry, buffer, origin, offset);
    this.pendingOffset = 0;
    this.tick(!hold);
    this.emit("current");
    await this.prepareNext();
  }

  /** Decodes the song after the current one and schedules it at the current one's last sample. */
  private async prepareNext(): Promise<void> {
    const playing = this.playing;
    if (!playing) return;
    const next = Q.following(this.queue, true);
    if (this.scheduled && this.scheduled.entry === next) return;
    this.silence(this.scheduled);
    this.scheduled = null;
    this.prune();
    if (next === null) return;
    let buffer: AudioBuffer;
    try {
      buffer = await this.decode(next);
    } catch {
      // It is skipped, with its reason, when its turn comes.
      return;
    }
    if (this.playing !== playing || this.scheduled || Q.following(this.queue, true) !== next || !this.context) return;
    const at = playing.origin + playing.buffer.duration;
    // Too late to join it seamlessly (a slow network): `ended` starts it instead.
    if (at - this.context.currentTime < 0.05) return;
    this.scheduled = this.voice(next, buffer, at, 0);
  }

  private ended(voice: Voice) {
    if (voice.cancelled || voice !== this.playing) return;
    this.count(voice);
    const next = this.scheduled;
    if (next) {
      this.playing = next;
      this.scheduled = null;
      this.queue = { ...this.queue, current: next.entry };
      this.emit("current");
      void this.prepareNext();
      return;
    }
    this.playing = null;
    const following = Q.following(this.queue, true);
    if (following === null) {
      this.status = { ...this.status, state: "stopped" };
      this.tick(false);
      this.emit("status");
      return;
    }
    void this.start(following, 0);
  }

  /** Records a play once half the song (or four minutes) has been heard. */
  private count(voice: Voice) {
    if (voice.counted || !this.context) return;
    const heard = this.context.currentTime - voice.origin;
    if (heard >= Math.min(voice.buffer.duration / 2, 240)) {
      voice.counted = true;
      this.host.played(voice.track);
    }
  }

  private tick(on: boolean) {
    if (on && !this.ticker) {
      this.ticker = setInterval(() => {
        if (this.playing) this.count(this.playing);
        this.emit("position");
      }, 250);
    } else if (!on && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  private async pause() {
    if (this.status.state !== "playing") return;
    this.status = { ...this.status, state: "paused" };
    this.tick(false);
    this.emit("status");
    await this.context?.suspend();
  }

  private async resume() {
    if (this.status.state === "paused" && this.playing) {
      this.status = { ...this.status, state: "playing" };
      this.emit("status");
      await this.context?.resume();
      this.tick(true);
      return;
    }
    if (this.status.state !== "playing") return this.start(this.queue.current ?? Q.following(this.queue, false), this.pendingOffset);
  }

  private async seek(seconds: number) {
    if (this.queue.current === null) return;
    if (this.status.state === "stopped") {
      this.pendingOffset = Math.max(0, seconds);
      return this.emit("position");
    }
    await this.start(this.queue.current, Math.max(0, seconds), false, this.status.state === "paused");
  }

  private async stop(forget: boolean) {
    ++this.generation;
    this.silence(this.playing);
    this.silence(this.scheduled);
    this.playing = null;
    this.scheduled = null;
    this.pendingOffset = 0;
    if (forget) {
      for (const held of this.decoded.values()) held.abort.abort();
      this.decoded.clear();
    }
    this.status = { ...this.status, state: "stopped" };
    this.tick(false);
    this.emit("status");
    this.emit("current");
    if (this.context?.state === "suspended") await this.context.resume();
  }
}
