// The cloud panel: connect to a locker server, then see what is in the cloud, what is left
// to upload (with each track's progress), and the connection; upload, pause, sync, log out.
import { useState, type FormEvent } from "react";
import { EmptyState } from "../components/EmptyState";
import {
  describeError,
  useCloudLogin,
  useCloudLogout,
  useCloudStatus,
  usePauseUploads,
  useResumeUploads,
  useSyncCloud,
  useUploadLibrary,
  type CloudOverview,
} from "../ipc";

function size(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

const STATE_LABEL: Record<string, string> = {
  queued: "Queued",
  hashing: "Reading",
  matching: "Matching",
  uploading: "Uploading",
  verifying: "Verifying",
  paused: "Paused",
  failed: "Failed",
};

export function CloudView() {
  const status = useCloudStatus();
  if (status.isError) return <p role="alert" className="error">{describeError(status.error)}</p>;
  if (!status.data) return null;
  return status.data.status.account ? <Connected overview={status.data} /> : <Login />;
}

function Login() {
  const login = useCloudLogin();
  const [server, setServer] = useState("http://127.0.0.1:7420");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");

  function submit(event: FormEvent) {
    event.preventDefault();
    login.mutate({ server, username, password }, { onSuccess: () => setPassword("") });
  }

  return (
    <div className="cloud">
      <EmptyState icon="cloud" title="Not connected to a cloud locker">
        Connect Tonearm to your own server to back up your library, keep playlists in sync across
        devices, and stream songs that are not on this computer.
      </EmptyState>
      <form className="cloud__login" onSubmit={submit} aria-label="Connect to a cloud locker">
        <label>
          Server
          <input id="cloud-server" value={server} onChange={(e) => setServer(e.target.value)} required />
        </label>
        <label>
          User name
          <input id="cloud-user" value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="username" />
        </label>
        <label>
          Password
          <input
            id="cloud-password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete="current-password"
          />
        </label>
        <button type="submit" className="button button--primary" disabled={login.isPending}>
          {login.isPending ? "Connecting…" : "Connect"}
        </button>
        {login.isError && <p role="alert" className="error">{describeError(login.error)}</p>}
      </form>
    </div>
  );
}

function Connected({ overview }: { overview: CloudOverview }) {
  const { status, activity, playlists } = overview;
  const upload = useUploadLibrary();
  const pause = usePauseUploads();
  const resume = useResumeUploads();
  const sync = useSyncCloud();
  const logout = useCloudLogout();
  const failure = [upload, pause, resume, sync, logout].find((action) => action.isError)?.error;
  const totals = status.totals;
  const connection =
    status.connection.state === "online"
      ? "Connected"
      : status.connection.state === "offline"
        ? `Offline: ${status.connection.reason}`
        : "Logged out";
  return (
    <div className="cloud">
      <p className="cloud__account" data-testid="cloud-account">
        {status.account?.username} at {status.account?.server} · <span data-testid="cloud-connection">{connection}</span>
      </p>
      <dl className="cloud__totals" data-testid="cloud-totals">
        <div><dt>In the cloud</dt><dd>{totals.in_cloud} songs ({size(totals.in_cloud_bytes)})</dd></div>
        <div><dt>Only on this computer</dt><dd>{totals.local_only}</dd></div>
        <div><dt>Only in the cloud</dt><dd>{totals.cloud_only}</dd></div>
        <div><dt>To upload</dt><dd>{totals.pending} ({size(totals.pending_bytes)})</dd></div>
        <div><dt>Paused</dt><dd>{totals.paused}</dd></div>
        <div><dt>Failed</dt><dd>{totals.failed}</dd></div>
      </dl>
      <div className="cloud__actions">
        <button type="button" className="button button--primary" onClick={() => upload.mutate(undefined)} disabled={totals.local_only === 0}>
          Upload library
        </button>
        <button type="button" className="button" onClick={() => pause.mutate(undefined)} disabled={totals.pending === 0}>
          Pause uploads
        </button>
        <button type="button" className="button" onClick={() => resume.mutate(undefined)} disabled={totals.paused === 0}>
          Resume uploads
        </button>
        <button type="button" className="button" onClick={() => sync.mutate(undefined)} disabled={sync.isPending}>
          Sync now
        </button>
        <button type="button" className="button" onClick={() => logout.mutate(undefined)}>
          Log out
        </button>
      </div>
      {failure && <p role="alert" className="error">{describeError(failure)}</p>}
      {activity.length > 0 && (
        <ul className="cloud__activity" aria-label="Uploads">
          {activity.map((track) => (
            <li key={track.track_id}>
              <span className="cloud__title">{track.title}</span>
              <span className="cloud__state">{STATE_LABEL[track.state] ?? track.state}</span>
              {track.state === "uploading" && (
                <progress max={track.bytes_total} value={track.bytes_done} aria-label={`${track.title} uploaded`} />
              )}
              {track.error && <span className="cloud__error">{track.error}</span>}
            </li>
          ))}
        </ul>
      )}
      {playlists.length > 0 && (
        <ul className="cloud__playlists" aria-label="Playlist sync">
          {playlists.map((playlist) => (
            <li key={playlist.playlist_id}>
              <span className="cloud__title">{playlist.name || "Untitled playlist"}</span>
              <span className="cloud__state">
                {playlist.pending_edits === 0
                  ? "In sync"
                  : `${playlist.pending_edits} ${playlist.pending_edits === 1 ? "edit" : "edits"} waiting`}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="settings__hint">Stream cache: {size(status.cache_bytes)} of {size(status.cache_budget)}.</p>
    </div>
  );
}
