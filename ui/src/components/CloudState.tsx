// A track's place in the cloud as an icon and a short label: on this computer only, in the
// cloud, only in the cloud (streams), kept offline, waiting, uploading with its progress,
// paused, failed with the reason. Live progress comes from the sync engine's events.
import type { TrackRow, TrackUpload, UploadState } from "@data";
import { Icon, type IconName } from "./Icon";

interface Shown {
  icon: IconName | null;
  label: string;
  tone?: "muted" | "accent" | "error";
  progress?: number;
}

const UNDER_WAY: readonly UploadState[] = ["hashing", "matching", "uploading", "verifying"];

/** What the cloud column shows for a track (pure, for tests). */
export function describeCloudState(track: TrackRow, live?: { state: UploadState; bytes_done: number; bytes_total: number; error: string | null }): Shown {
  if (track.state === "cloud") {
    return track.kept_offline
      ? { icon: "download", label: "Kept offline", tone: "accent" }
      : { icon: "cloud", label: "Only in the cloud", tone: "accent" };
  }
  const state = live?.state ?? track.upload_state;
  if (UNDER_WAY.includes(state)) {
    const total = live?.bytes_total ?? 0;
    const progress = total > 0 ? (live?.bytes_done ?? 0) / total : 0;
    const label = state === "uploading" ? `Uploading ${Math.round(progress * 100)}%` : state === "hashing" ? "Reading" : state === "matching" ? "Matching" : "Verifying";
    return { icon: "upload", label, progress: state === "uploading" ? progress : undefined, tone: "accent" };
  }
  switch (state) {
    case "in_cloud":
      return { icon: "cloudDone", label: "In the cloud" };
    case "queued":
      return { icon: "upload", label: "Waiting to upload", tone: "muted" };
    case "paused":
      return { icon: "pause2", label: "Upload paused", tone: "muted" };
    case "failed":
      return { icon: "alert", label: `Upload failed: ${live?.error ?? track.upload_error ?? "unknown reason"}`, tone: "error" };
    default:
      return track.state === "missing" ? { icon: "alert", label: "File missing", tone: "muted" } : { icon: "computer", label: "On this computer", tone: "muted" };
  }
}

/** The cloud column of one song, as an icon (the words are its tooltip and what screen
 * readers say); `live` is its upload's latest progress, if any. */
export function CloudStateCell({ track, live }: { track: TrackRow; live?: TrackUpload }) {
  const shown = describeCloudState(track, live);
  return (
    <span
      className={`cloud-state cloud-state--${shown.tone ?? "plain"}`}
      title={shown.label}
      role="img"
      aria-label={shown.label}
      data-cloud-state={track.state === "cloud" ? "cloud_only" : (live?.state ?? track.upload_state)}
    >
      {shown.progress !== undefined ? (
        <progress max={1} value={shown.progress} aria-hidden="true" />
      ) : (
        shown.icon && <Icon name={shown.icon} size={15} />
      )}
    </span>
  );
}
