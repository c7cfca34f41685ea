// How numbers read in the UI: durations, sizes, rates, dates.

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** A total length: "3 h 12 min", "42 min". */
export function formatLength(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatSize(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatSize(bytesPerSecond)}/s`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null) return "";
  if (seconds < 60) return "less than a minute left";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** The one formatter every date is shown with. `toLocaleDateString` with options builds a new
 * ICU formatter for each call, which WebKit frees only when its collector runs: the songs table
 * did so for every row it drew, about 70,000 ICU allocations and 17 MB held over one scroll
 * through the library (heaptrack, docs/benchmarks.md). */
const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });

export function formatDate(unixMs: number | null): string {
  if (unixMs === null || !Number.isFinite(unixMs)) return "";
  return dateFormat.format(unixMs);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** An artist as the UI names it: the library lists the songs credited to no one under the
 * name "" (and a song's artist is null), which reads "Unknown artist". */
export function artistName(name: string | null | undefined): string {
  return name || "Unknown artist";
}

/** The last part of a path ("01 Track.mp3"), whichever separator the OS uses. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;
}

/** The folder a file is in, as its name ("Disc 1"), or "" for a bare name. */
export function folderName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-2) ?? "";
}

