// The cloud panel: connect to a locker server, then see the account and connection, what is
// in the cloud and what is left to upload (each track's progress, the overall rate and time
// left), each playlist's sync state and the stream cache; upload, pause, retry, sync, log out;
// keys for Subsonic apps (phone players) to connect to the same locker; where the web player
// is, with a QR code for a phone when this computer is the cloud on the local network.
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactElement, type RefObject } from "react";
import { EmptyState } from "../components/EmptyState";
import { useOverlays } from "../components/Overlays";
import { useToast } from "../components/Toast";
import {
  useFreeUp,
  usePlanFreeUpUnplayed,
  useDownloadSongs,
  describeError,
  useApiKeys,
  useCloudLogin,
  useCloudLogout,
  useCloudStatus,
  useCreateApiKey,
  useLocalLocker,
  useLiveUploads,
  usePauseUploads,
  useQueueUploads,
  useResumeUploads,
  useRevokeApiKey,
  useStartLocalLocker,
  useStopLocalLocker,
  useSyncCloud,
  useUploadLibrary,
  useUploadRate,
  useWebPlayer,
  type ApiKey,
  type CloudOverview,
  type NewApiKey,
  type QrMatrix,
  type TrackUpload,
  type UploadState,
  type WebPlayer,
} from "@data";
import type { CloudStatus, PlaylistSyncState, TrackCloudState } from "@data/settings";
import { formatDate, formatEta, formatRate, formatSize, plural } from "../lib/format";
import type { ViewProps } from "./registry";
import "../styles/cloud.css";

/** The upload list shows at most this many tracks (the busiest first, as Rust sends them). */
const LISTED = 200;

const STATE_LABEL: Record<UploadState, string> = {
  local_only: "Not queued",
  queued: "Waiting",
  hashing: "Reading the file",
  matching: "Checking the cloud",
  uploading: "Uploading",
  verifying: "Verifying",
  in_cloud: "In the cloud",
  paused: "Paused",
  failed: "Failed",
};

/** States a track's upload can be paused in. */
const PAUSABLE: readonly UploadState[] = ["queued", "hashing", "matching", "uploading"];

export function CloudView({ navigate }: ViewProps) {
  const status = useCloudStatus();
  if (status.isError) {
    return (
      <div className="cloud">
        <p role="alert" className="error">{describeError(status.error)}</p>
        <div>
          <button type="button" className="button" onClick={() => void status.refetch()}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  if (!status.data) return <p className="settings__hint" role="status">Checking the cloud…</p>;
  return status.data.status.account ? (
    <Connected overview={status.data} openSettings={() => navigate({ view: "settings" })} />
  ) : (
    <Login />
  );
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
          <input id="cloud-server" className="input" value={server} onChange={(e) => setServer(e.target.value)} required spellCheck={false} />
        </label>
        <label>
          User name
          <input id="cloud-user" className="input" value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="username" spellCheck={false} />
        </label>
        <label>
          Password
          <input
            id="cloud-password"
            className="input"
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
      <ThisComputer />
    </div>
  );
}

/** "This computer as the cloud": start the locker built into the app. */
function ThisComputer() {
  const start = useStartLocalLocker();
  const [password, setPassword] = useState("");
  const [lan, setLan] = useState(false);
  return (
    <section className="cloud__this-computer" aria-labelledby="this-computer">
      <h2 id="this-computer">Or keep your cloud on this computer</h2>
      <p className="settings__hint">
        Tonearm runs the locker itself, with its files in Tonearm's data folder. Other devices and the{" "}
        <code>tonearm</code> command line connect to it with the password you choose here.
      </p>
      <form
        className="cloud__login"
        aria-label="Use this computer as the cloud"
        onSubmit={(event) => {
          event.preventDefault();
          start.mutate({ password, lan }, { onSuccess: () => setPassword("") });
        }}
      >
        <label>
          Password for your other devices (8 characters or more)
          <input
            id="local-locker-password"
            className="input"
            type="password"
            value={password}
            minLength={8}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete="new-password"
          />
        </label>
        <label className="settings__check">
          <input id="local-locker-lan" type="checkbox" checked={lan} onChange={(e) => setLan(e.target.checked)} />
          Let devices on my network connect
        </label>
        <button type="submit" className="button" disabled={start.isPending}>
          {start.isPending ? "Starting…" : "Use this computer"}
        </button>
        {start.isError && <p role="alert" className="error">{describeError(start.error)}</p>}
      </form>
    </section>
  );
}

/** Where other devices connect when this computer is the cloud. */
function LocalLockerLine() {
  const locker = useLocalLocker();
  const stop = useStopLocalLocker();
  const { confirm } = useOverlays();
  const info = locker.data;
  if (!info) return null;
  return (
    <section className="cloud__this-computer" aria-label="This computer is the cloud" data-testid="local-locker">
      <p>
        <strong>This computer is your cloud.</strong>{" "}
        {info.lan && info.addresses.length > 0
          ? `Other devices connect to ${info.addresses.join(" or ")} as ${info.username}.`
          : info.lan
            ? "No network address was found: other devices cannot reach it yet."
            : `Only this computer can reach it (${info.url}, as ${info.username}). Let devices on your network connect to use it from them.`}
      </p>
      <button
        type="button"
        className="button button--small"
        onClick={() =>
          void confirm(
            "Stop the cloud on this computer?",
            "Devices connected to it go offline until you start it again. Its files stay.",
            "Stop",
          ).then((yes) => yes && stop.mutate())
        }
      >
        Stop
      </button>
    </section>
  );
}

function Connected({ overview, openSettings }: { overview: CloudOverview; openSettings: () => void }) {
  const { status, activity, playlists } = overview;
  const upload = useUploadLibrary();
  const pause = usePauseUploads();
  const resume = useResumeUploads();
  const queue = useQueueUploads();
  const sync = useSyncCloud();
  const logout = useCloudLogout();
  const { confirm } = useOverlays();
  const toast = useToast();
  // The last action's failure, shown until another action succeeds.
  const [problem, setProblem] = useState<unknown>(null);
  const done = { onSuccess: () => setProblem(null), onError: (error: unknown) => setProblem(error) };
  const totals = status.totals;
  const listed = activity.slice(0, LISTED);
  const failedIds = listed.filter((track) => track.state === "failed").map((track) => track.track_id);

  const uploadLibrary = () =>
    upload.mutate(undefined, {
      ...done,
      onSuccess: (queued) => {
        setProblem(null);
        toast(queued === 0 ? "Every song is already in the cloud or on its way." : `Uploading ${plural(queued, "song")}.`);
      },
    });

  const syncNow = () =>
    sync.mutate(undefined, {
      ...done,
      onSuccess: (report) => {
        setProblem(null);
        const parts = [
          report.changes_applied > 0 && `${plural(report.changes_applied, "change")} from the cloud`,
          report.playlist_ops_sent > 0 && `${plural(report.playlist_ops_sent, "playlist edit")} sent`,
        ].filter(Boolean);
        toast(parts.length ? `Synced: ${parts.join(", ")}.` : "Synced: nothing had changed.");
      },
    });

  async function logOut() {
    const yes = await confirm(
      "Log out of the cloud?",
      "Songs only in the cloud leave this computer until you connect again.",
      "Log out",
    );
    if (yes) logout.mutate(undefined, done);
  }

  return (
    <div className="cloud">
      <AccountLine status={status} />
      <LocalLockerLine />

      <dl className="cloud__totals" data-testid="cloud-totals">
        <div><dt>In the cloud</dt><dd>{plural(totals.in_cloud, "song")} ({formatSize(totals.in_cloud_bytes)})</dd></div>
        <div><dt>Only on this computer</dt><dd>{totals.local_only.toLocaleString()}</dd></div>
        <div><dt>Only in the cloud</dt><dd>{totals.cloud_only.toLocaleString()}</dd></div>
        <div><dt>To upload</dt><dd>{totals.pending.toLocaleString()} ({formatSize(totals.pending_bytes)})</dd></div>
        <div><dt>Paused</dt><dd>{totals.paused.toLocaleString()}</dd></div>
        <div><dt>Failed</dt><dd>{totals.failed.toLocaleString()}</dd></div>
      </dl>
      <StorageLine used={status.storage_used ?? totals.in_cloud_bytes} quota={status.storage_quota} />
      {totals.pending > 0 && <UploadRateLine />}

      <div className="cloud__actions">
        <button type="button" className="button button--primary" onClick={uploadLibrary} disabled={upload.isPending || totals.local_only === 0}>
          Upload library
        </button>
        <button type="button" className="button" onClick={() => pause.mutate(undefined, done)} disabled={totals.pending === 0}>
          Pause all
        </button>
        <button type="button" className="button" onClick={() => resume.mutate(undefined, done)} disabled={totals.paused === 0}>
          Resume all
        </button>
        <button type="button" className="button" onClick={syncNow} disabled={sync.isPending}>
          {sync.isPending ? "Syncing…" : "Sync now"}
        </button>
        <button type="button" className="button" onClick={() => void logOut()} disabled={logout.isPending}>
          Log out
        </button>
      </div>
      {problem !== null && <p role="alert" className="error">{describeError(problem)}</p>}

      <section className="cloud__section" aria-labelledby="cloud-uploads">
        <div className="cloud__section-head">
          <h2 id="cloud-uploads">Uploads</h2>
          {totals.failed > 0 && (
            <button type="button" className="button" disabled={failedIds.length === 0 || queue.isPending} onClick={() => queue.mutate(failedIds, done)}>
              Retry all failed
            </button>
          )}
        </div>
        {listed.length === 0 ? (
          <p className="settings__hint">
            {totals.local_only > 0
              ? "Nothing is uploading. Upload library sends the songs that are only on this computer."
              : "Nothing is uploading; every song here is in the cloud."}
          </p>
        ) : (
          <UploadList
            tracks={listed}
            more={Math.max(0, totals.pending + totals.paused + totals.failed - listed.length)}
            onPause={(id) => pause.mutate(id, done)}
            onResume={(id) => resume.mutate(id, done)}
            onRetry={(id) => queue.mutate([id], done)}
          />
        )}
      </section>

      <section className="cloud__section" aria-labelledby="cloud-playlists">
        <h2 id="cloud-playlists">Playlists</h2>
        {playlists.length === 0 ? (
          <p className="settings__hint">Playlists you make are kept in sync with the cloud.</p>
        ) : (
          <PlaylistSync playlists={playlists} />
        )}
      </section>

      <section className="cloud__section" aria-labelledby="cloud-cache">
        <h2 id="cloud-cache">Offline and cache</h2>
        <CacheMeter used={Math.max(0, status.cache_bytes - status.pinned_bytes)} budget={status.cache_budget} />
      <p className="settings__hint" data-testid="cloud-pinned">
        {status.pinned_tracks === 0
          ? "No songs are kept offline. Choose Keep offline in a cloud song's menu to have it without a connection."
          : `Kept offline: ${plural(status.pinned_tracks, "song")} (${formatSize(status.pinned_bytes)}), on top of the cache.`}
      </p>
        <p className="settings__hint">
          Songs only in the cloud are kept here after they stream, up to this size. Songs you keep
          offline are stored on top of it and stay until you stop keeping them offline.
        </p>
        <div>
          <button type="button" className="link-button" onClick={openSettings}>
            Change the cache size in Settings
          </button>
        </div>
      </section>

      {status.account && <DownloadLibrary songs={totals.cloud_only} />}
      {status.account && <FreeUpSpace />}
      {status.account && <WebPlayerSection server={status.account.server} />}
      {status.account && <SubsonicApps server={status.account.server} username={status.account.username} />}
    </div>
  );
}

/** "Apps (Subsonic)": how phone apps connect, the account's keys for them, and making one. */
function SubsonicApps({ server, username }: { server: string; username: string }) {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const { confirm } = useOverlays();
  const toast = useToast();
  const [name, setName] = useState("");
  // The key just made: shown until dismissed, another is made, or the panel closes; the
  // server never gives it again.
  const [made, setMade] = useState<NewApiKey | null>(null);
  const [problem, setProblem] = useState<unknown>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const wanted = name.trim();
    if (!wanted) return;
    create.mutate(wanted, {
      onSuccess: (key) => {
        setMade(key);
        setName("");
        setProblem(null);
      },
      onError: (error) => setProblem(error),
    });
  }

  async function revokeKey(key: ApiKey) {
    const yes = await confirm(
      `Revoke the key “${key.name}”?`,
      "Apps using it stop working at once. Make a new key to connect them again.",
      "Revoke",
    );
    if (!yes) return;
    revoke.mutate(key.id, {
      onSuccess: () => {
        setProblem(null);
        if (made?.info.id === key.id) setMade(null);
        toast(`Revoked the key “${key.name}”`);
      },
      onError: (error) => setProblem(error),
    });
  }

  return (
    <section className="cloud__section" aria-labelledby="cloud-apps" data-testid="cloud-apps">
      <h2 id="cloud-apps">Apps (Subsonic)</h2>
      <p className="settings__hint">
        Phone apps like Symfonium or DSub can play your cloud: connect them to <span className="path">{server}</span> with
        your user name ({username}) and password, or with a key made here.
      </p>

      {keys.isError ? (
        <div className="cloud__keys-error">
          <p role="alert" className="error">{describeError(keys.error)}</p>
          <button type="button" className="button button--small" onClick={() => void keys.refetch()}>
            Try again
          </button>
        </div>
      ) : !keys.data ? (
        <p className="settings__hint">Asking the server for your keys…</p>
      ) : keys.data.length === 0 ? (
        <p className="settings__hint">No keys yet.</p>
      ) : (
        <ul className="cloud__keys" aria-label="Keys for apps">
          {keys.data.map((key) => (
            <li key={key.id} className="cloud__key" data-key-id={key.id}>
              <span className="cloud__title">{key.name}</span>
              <span className="cloud__state">Made {formatDate(key.created_at * 1000)}</span>
              <button
                type="button"
                className="button button--small"
                aria-label={`Revoke ${key.name}`}
                disabled={revoke.isPending && revoke.variables === key.id}
                onClick={() => void revokeKey(key)}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}

      {made && <NewKey made={made} onDone={() => setMade(null)} />}

      <form className="cloud__make-key" aria-label="Make a key" onSubmit={submit}>
        <label>
          Name (the app or device it is for)
          <input
            id="api-key-name"
            className="input"
            value={name}
            placeholder="phone"
            onChange={(event) => setName(event.target.value)}
            required
            spellCheck={false}
            autoComplete="off"
          />
        </label>
        <button type="submit" className="button" disabled={create.isPending || !name.trim()}>
          {create.isPending ? "Making…" : "Make a key"}
        </button>
      </form>
      {problem !== null && <p role="alert" className="error">{describeError(problem)}</p>}
    </section>
  );
}

/**
 * Copies the text of a read-only field: through the clipboard API, else by selecting the
 * field and the older copy command; says how it went (`what` names it: "the key").
 */
function useCopyField(field: RefObject<HTMLInputElement | null>, what: string) {
  const toast = useToast();
  return async function copy() {
    const text = field.current?.value ?? "";
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard API here (or it refused): copy the selected text the older way.
      field.current?.select();
      if (!document.execCommand?.("copy")) {
        toast(`Tonearm could not copy ${what}. Select it and press Ctrl+C.`, "error");
        return;
      }
    }
    toast(`Copied ${what}`);
  };
}

/** What the web player section says of who can open the address. */
const WEB_PLAYER_INTRO: Record<WebPlayer["reach"], string> = {
  server: "Play your cloud in a web browser, on a computer or a phone: open this address and sign in with your user name and password.",
  local_network:
    "Play your cloud in a web browser on any device on your network: open this address, or scan the code with a phone, and sign in with your user name and password.",
  this_computer_only: "Play your cloud in a web browser on this computer: open this address and sign in with your user name and password.",
  no_network: "Play your cloud in a web browser on this computer: open this address and sign in with your user name and password.",
};

/** Why a phone cannot open it, and what to do about it. */
const WEB_PLAYER_UNREACHABLE: Partial<Record<WebPlayer["reach"], string>> = {
  this_computer_only:
    "A phone cannot reach it: the cloud on this computer only lets this computer in. To use it from a phone on your network, log out, then choose Use this computer again with “Let devices on my network connect” ticked and the same password.",
  no_network:
    "A phone cannot reach it yet: this computer has no network address. Connect it to your network (Wi-Fi or a cable) and the address for your phone shows here.",
};

/** "Web player": the address a browser opens, and a QR code of it for a phone when one can reach it. */
/** "Free up space": the downloads of songs not played for a while, safely in the cloud. */
function FreeUpSpace() {
  const [months, setMonths] = useState(6);
  const plan = usePlanFreeUpUnplayed();
  const freeUp = useFreeUp();
  const found = plan.data;
  return (
    <section className="cloud__section" aria-labelledby="cloud-free-up">
      <h2 id="cloud-free-up">Free up space</h2>
      <p className="settings__hint">
        Remove the files of songs you have not played for a while and that are safely in the cloud: they stay in your
        library and play from the cloud. Each file goes to the trash only once the cloud confirms it holds the same bytes;
        songs kept offline are never removed.
      </p>
      <form
        className="folders__add"
        onSubmit={(event) => {
          event.preventDefault();
          freeUp.reset();
          plan.mutate(months);
        }}
      >
        <label htmlFor="free-up-months">Not played for</label>
        <input
          id="free-up-months"
          className="input"
          type="number"
          min={1}
          max={240}
          value={months}
          onChange={(event) => setMonths(Math.max(1, Math.min(240, Number(event.target.value) || 1)))}
        />
        <span>months</span>
        <button type="submit" className="button" disabled={plan.isPending}>
          Find them
        </button>
      </form>
      {(plan.isError || freeUp.isError) && (
        <p role="alert" className="error">
          {describeError(plan.error ?? freeUp.error)}
        </p>
      )}
      {found && !freeUp.data && (
        <p role="status" data-testid="free-up-plan">
          {found.tracks.length === 0
            ? "No song to remove: none of those is both here and safely in the cloud."
            : `${plural(found.tracks.length, "song")}, ${formatSize(found.total_bytes)} to free.`}{" "}
          {found.tracks.length > 0 && (
            <button type="button" className="button button--danger" disabled={freeUp.isPending} onClick={() => freeUp.mutate(found.tracks.map((t) => t.track_id))}>
              {freeUp.isPending ? "Removing…" : "Remove downloads"}
            </button>
          )}
        </p>
      )}
      {freeUp.data && (
        <p role="status" data-testid="free-up-report">
          Freed {formatSize(freeUp.data.freed_bytes)} ({plural(freeUp.data.freed.length, "song")}).
          {freeUp.data.refused.length > 0 && ` ${plural(freeUp.data.refused.length, "song")} kept: ${freeUp.data.refused[0]?.title} (${freeUp.data.refused[0]?.reason.replaceAll("_", " ")}).`}
        </p>
      )}
    </section>
  );
}

/** "Download my library": every song only in the cloud, into a folder of this computer. */
function DownloadLibrary({ songs }: { songs: number }) {
  const [folder, setFolder] = useState("");
  const download = useDownloadSongs();
  const progress = download.progress;
  const report = download.data;
  return (
    <section className="cloud__section" aria-labelledby="cloud-download">
      <h2 id="cloud-download">Download my library</h2>
      <p className="settings__hint">
        {songs === 0
          ? "Every song of your cloud is on this computer."
          : `${plural(songs, "song")} ${songs === 1 ? "is" : "are"} only in the cloud. Download them into a folder (Album Artist / Album / Title), checked byte for byte; they become songs of this computer with their plays and playlists. Stopped midway, it goes on where it was.`}
      </p>
      <form
        className="folders__add"
        onSubmit={(event) => {
          event.preventDefault();
          download.mutate({ folder });
        }}
      >
        <label htmlFor="download-folder">Into</label>
        <input
          id="download-folder"
          className="input path"
          placeholder="your first music folder"
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="button button--primary" disabled={download.isPending || songs === 0}>
          {download.isPending ? "Downloading…" : "Download"}
        </button>
      </form>
      {download.isPending && progress && (
        <div className="scan" role="status" data-testid="download-progress">
          <progress max={progress.bytes_total || 1} value={progress.bytes_done} aria-label="Download progress" />
          <span>
            {progress.tracks_done.toLocaleString()} of {plural(progress.tracks_total, "song")} · {formatSize(progress.bytes_per_second)}/s
            {progress.eta_seconds !== null ? ` · about ${Math.max(1, Math.round(progress.eta_seconds / 60))} min left` : ""}
          </span>
        </div>
      )}
      {download.isError && (
        <p role="alert" className="error">
          {describeError(download.error)}
        </p>
      )}
      {report && !download.isPending && (
        <p role="status" data-testid="download-report">
          Downloaded {plural(report.downloaded.length, "song")} ({formatSize(report.bytes_fetched)}).
          {report.failed.length > 0 && ` ${plural(report.failed.length, "song")} failed: ${report.failed[0]?.error}. Download again to resume.`}
        </p>
      )}
    </section>
  );
}

function WebPlayerSection({ server }: { server: string }) {
  const player = useWebPlayer(server);
  const field = useRef<HTMLInputElement>(null);
  const copy = useCopyField(field, "the address");
  if (player.isError) {
    return (
      <section className="cloud__section" aria-labelledby="cloud-web-player" data-testid="web-player">
        <h2 id="cloud-web-player">Web player</h2>
        <p role="alert" className="error">{describeError(player.error)}</p>
      </section>
    );
  }
  const info = player.data;
  if (!info) return null;
  const unreachable = WEB_PLAYER_UNREACHABLE[info.reach];
  return (
    <section className="cloud__section" aria-labelledby="cloud-web-player" data-testid="web-player">
      <h2 id="cloud-web-player">Web player</h2>
      <p className="settings__hint">{WEB_PLAYER_INTRO[info.reach]}</p>
      <span className="cloud__address-row">
        <input
          ref={field}
          id="web-player-address"
          className="input path"
          aria-label="Web player address"
          value={info.url}
          readOnly
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button" aria-label="Copy the web player address" onClick={() => void copy()}>
          Copy
        </button>
      </span>
      {unreachable && <p className="settings__hint" data-testid="web-player-unreachable">{unreachable}</p>}
      {info.qr && (
        <figure className="cloud__qr">
          <QrCode matrix={info.qr} label={`QR code of ${info.url}`} />
          <figcaption>Scan it with a phone on the same network.</figcaption>
        </figure>
      )}
    </section>
  );
}

/** Modules of light margin around a QR code, as the standard asks. */
const QR_QUIET_ZONE = 4;

/**
 * A QR code drawn as SVG rectangles (one per horizontal run of dark modules), dark on light
 * whatever the theme, so any phone's camera reads it.
 */
function QrCode({ matrix, label }: { matrix: QrMatrix; label: string }) {
  const side = matrix.size + 2 * QR_QUIET_ZONE;
  const runs = useMemo(() => {
    const rects: ReactElement[] = [];
    const dark = (x: number, y: number) => matrix.modules[y * matrix.size + x] === true;
    for (let y = 0; y < matrix.size; y++) {
      let x = 0;
      while (x < matrix.size) {
        if (!dark(x, y)) {
          x++;
          continue;
        }
        const start = x;
        while (x < matrix.size && dark(x, y)) x++;
        rects.push(
          <rect key={`${y}:${start}`} x={start + QR_QUIET_ZONE} y={y + QR_QUIET_ZONE} width={x - start} height={1} />,
        );
      }
    }
    return rects;
  }, [matrix]);
  return (
    <svg
      viewBox={`0 0 ${side} ${side}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
      data-testid="web-player-qr"
    >
      <rect width={side} height={side} fill="#ffffff" />
      <g fill="#000000" data-testid="web-player-qr-modules">
        {runs}
      </g>
    </svg>
  );
}

/** A key just made, shown this once: selectable, with Copy. */
function NewKey({ made, onDone }: { made: NewApiKey; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const copy = useCopyField(field, "the key");

  return (
    <div className="cloud__new-key" data-testid="new-api-key">
      <label htmlFor="api-key-value">Key for “{made.info.name}”</label>
      <span className="cloud__new-key-row">
        <input
          ref={field}
          id="api-key-value"
          className="input path"
          value={made.key}
          readOnly
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button" onClick={() => void copy()}>
          Copy
        </button>
      </span>
      <p className="cloud__new-key-note">Give this key to the app now: it is not shown again.</p>
      <div>
        <button type="button" className="link-button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function AccountLine({ status }: { status: CloudStatus }) {
  const { connection, account, token_store } = status;
  const text =
    connection.state === "online" ? "Connected" : connection.state === "offline" ? `Offline: ${connection.reason}` : "Logged out";
  return (
    <div className="cloud__account-box">
      <p className="cloud__account" data-testid="cloud-account">
        {account?.username} at <span className="path">{account?.server}</span> ·{" "}
        <span data-testid="cloud-connection" className={`cloud__connection cloud__connection--${connection.state}`}>
          {text}
        </span>
      </p>
      {connection.state === "offline" && (
        <p className="settings__hint" data-testid="cloud-offline-hint">
          Tonearm keeps trying to reach the server. Uploads and playlist edits wait until it answers;
          songs on this computer and songs kept offline still play.
        </p>
      )}
      {token_store && (
        <p className="settings__hint">
          {token_store === "keychain"
            ? "Your sign-in is kept in the system keychain."
            : "Your sign-in is kept in a private file in Tonearm's data folder (no system keychain was found)."}
        </p>
      )}
    </div>
  );
}

/** "2.1 MB/s · about 3 min left", from the sync engine's totals events. */
function UploadRateLine() {
  const rate = useUploadRate();
  if (!rate || rate.bytes_per_second <= 0) return null;
  const eta = formatEta(rate.eta_seconds);
  return (
    <p className="cloud__rate" data-testid="upload-rate">
      {formatRate(rate.bytes_per_second)}
      {eta && ` · ${eta}`}
    </p>
  );
}

function UploadList(props: {
  tracks: TrackCloudState[];
  more: number;
  onPause: (id: string) => void;
  onResume: (id: string) => void;
  onRetry: (id: string) => void;
}) {
  const live = useLiveUploads();
  const hasFailed = props.tracks.some((track) => track.state === "failed");
  const now = useNow(hasFailed ? 30_000 : null);
  return (
    <>
      <ul className="cloud__activity" aria-label="Uploads">
        {props.tracks.map((track) => (
          <UploadRow
            key={track.track_id}
            track={track}
            live={live.get(track.track_id)}
            now={now}
            onPause={props.onPause}
            onResume={props.onResume}
            onRetry={props.onRetry}
          />
        ))}
      </ul>
      {props.more > 0 && <p className="settings__hint">and {plural(props.more, "more song")}</p>}
    </>
  );
}

function UploadRow(props: {
  track: TrackCloudState;
  live: TrackUpload | undefined;
  now: number;
  onPause: (id: string) => void;
  onResume: (id: string) => void;
  onRetry: (id: string) => void;
}) {
  const { track, live, now } = props;
  const title = track.title || "Untitled";
  // The engine's events are newer than the list; use their bytes while the track uploads.
  const bytes = live && live.state === "uploading" && live.bytes_total > 0 ? live : track;
  const percent = bytes.bytes_total > 0 ? Math.min(100, Math.round((bytes.bytes_done / bytes.bytes_total) * 100)) : 0;
  return (
    <li className={`cloud__row cloud__row--${track.state}`} data-track-id={track.track_id}>
      <span className="cloud__title">{title}</span>
      <span className="cloud__state">
        {STATE_LABEL[track.state]}
        {track.state === "uploading" && ` · ${percent}%`}
      </span>
      <span className="cloud__row-actions">
        {PAUSABLE.includes(track.state) && (
          <button type="button" className="button button--small" aria-label={`Pause ${title}`} onClick={() => props.onPause(track.track_id)}>
            Pause
          </button>
        )}
        {track.state === "paused" && (
          <button type="button" className="button button--small" aria-label={`Resume ${title}`} onClick={() => props.onResume(track.track_id)}>
            Resume
          </button>
        )}
        {track.state === "failed" && (
          <button type="button" className="button button--small" aria-label={`Retry now: ${title}`} onClick={() => props.onRetry(track.track_id)}>
            Retry now
          </button>
        )}
      </span>
      {track.state === "uploading" && (
        <progress max={bytes.bytes_total} value={bytes.bytes_done} aria-label={`${title} uploaded`} />
      )}
      {track.state === "failed" && (
        <span className="cloud__failure">
          {track.error && <span className="cloud__error">{track.error}</span>}
          {track.next_retry_at !== null && <span className="cloud__retry">{nextTry(track.next_retry_at, now)}</span>}
        </span>
      )}
    </li>
  );
}

/** When a failed upload is tried again, in words. */
function nextTry(at: number, now: number): string {
  const wait = at - now;
  if (wait <= 0) return "Tonearm tries again shortly.";
  if (wait < 60_000) return "Tonearm tries again in less than a minute.";
  if (wait < 60 * 60_000) return `Tonearm tries again in ${Math.round(wait / 60_000)} min.`;
  const when = new Date(at);
  const sameDay = new Date(now).toDateString() === when.toDateString();
  const time = when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return sameDay
    ? `Tonearm tries again at ${time}.`
    : `Tonearm tries again on ${when.toLocaleDateString(undefined, { month: "short", day: "numeric" })} at ${time}.`;
}

/** The time now, refreshed every `every` ms (or never). */
function useNow(every: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (every === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), every);
    return () => clearInterval(timer);
  }, [every]);
  return now;
}

function PlaylistSync({ playlists }: { playlists: PlaylistSyncState[] }) {
  return (
    <ul className="cloud__playlists" aria-label="Playlist sync">
      {playlists.map((playlist) => (
        <li key={playlist.playlist_id} data-pending={playlist.pending_edits}>
          <span className="cloud__title">{playlist.name || "Untitled playlist"}</span>
          <span className="cloud__state">
            {playlist.pending_edits === 0
              ? "In sync"
              : `${playlist.pending_edits.toLocaleString()} ${playlist.pending_edits === 1 ? "edit" : "edits"} waiting`}
          </span>
        </li>
      ))}
    </ul>
  );
}

function CacheMeter({ used, budget }: { used: number; budget: number }) {
  const text = `${formatSize(used)} of ${formatSize(budget)}`;
  const fraction = budget > 0 ? Math.min(1, used / budget) : 0;
  return (
    <div className="cloud__cache">
      <p className="cloud__cache-text" data-testid="cloud-cache">Stream cache: {text}</p>
      <div
        className="meter"
        role="meter"
        aria-label="Stream cache"
        aria-valuemin={0}
        aria-valuemax={budget}
        aria-valuenow={Math.min(used, budget)}
        aria-valuetext={text}
      >
        <div className="meter__fill" style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  );
}

/** Storage used in the locker (as the server counts it after a sync), against the quota. */
function StorageLine({ used, quota }: { used: number; quota: number | null }) {
  return (
    <div className="cloud__storage" data-testid="cloud-storage">
      <p>
        Storage used: {formatSize(used)}
        {quota !== null ? ` of ${formatSize(quota)}` : " (no limit set on the server)"}
      </p>
      {quota !== null && (
        <div className="meter" role="meter" aria-label="Storage used" aria-valuemin={0} aria-valuemax={quota} aria-valuenow={used}>
          <div className="meter__fill" style={{ width: `${Math.min(100, (used / Math.max(quota, 1)) * 100)}%` }} />
        </div>
      )}
    </div>
  );
}
