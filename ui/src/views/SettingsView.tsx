// Settings: music folders (add, remove, rescan with live progress) and what the app knows
// about its installation.
import { useState, type FormEvent } from "react";
import { EmptyState } from "../components/EmptyState";
import {
  describeError,
  useAddMusicFolder,
  useAppInfo,
  useMusicFolders,
  useRemoveMusicFolder,
  useScan,
  type ScanReport,
} from "../ipc";

export function SettingsView() {
  return (
    <div className="settings">
      <MusicFolders />
      <section aria-labelledby="settings-appearance">
        <h2 id="settings-appearance">Appearance</h2>
        <p className="settings__hint">The theme follows your system's light or dark setting.</p>
      </section>
      <AboutSection />
    </div>
  );
}

function MusicFolders() {
  const folders = useMusicFolders();
  const add = useAddMusicFolder();
  const remove = useRemoveMusicFolder();
  const scan = useScan();
  const [path, setPath] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!path.trim()) return;
    try {
      await add.mutateAsync(path);
      setPath("");
      scan.mutate();
    } catch {
      // Shown below from add.error.
    }
  }

  const running = scan.isPending;
  const progress = scan.progress;
  return (
    <section aria-labelledby="settings-folders">
      <h2 id="settings-folders">Music folders</h2>
      {folders.data && folders.data.length === 0 && (
        <EmptyState icon="folder" title="No music folders yet">
          Folders you add here are scanned for music and watched for changes.
        </EmptyState>
      )}
      {folders.data && folders.data.length > 0 && (
        <ul className="folders" aria-label="Music folders">
          {folders.data.map((folder) => (
            <li key={folder.id} className="folders__item">
              <span className="path">{folder.path}</span>
              <span className="folders__count" data-folder-tracks={folder.track_count}>
                {folder.available ? `${folder.track_count} tracks` : "not available (unplugged?)"}
              </span>
              <button type="button" className="button" disabled={running} onClick={() => remove.mutate(folder.path)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="folders__add" onSubmit={submit}>
        <label htmlFor="folder-path">Folder</label>
        <input
          id="folder-path"
          className="input path"
          placeholder="/home/you/Music"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="button button--primary" disabled={add.isPending || !path.trim()}>
          Add folder
        </button>
        <button type="button" className="button" disabled={running || !folders.data?.length} onClick={() => scan.mutate()}>
          Rescan
        </button>
      </form>
      {add.isError && (
        <p role="alert" className="error">
          {describeError(add.error)}
        </p>
      )}
      {running && (
        <div className="scan" role="status" aria-live="polite">
          <progress
            max={progress?.files_to_read || 1}
            value={progress?.phase === "reading" ? progress.files_read : undefined}
            aria-label="Scan progress"
          />
          <span>
            {progress?.phase === "reading"
              ? `Reading ${progress.files_read} of ${progress.files_to_read} files (${Math.round(progress.rate_per_sec ?? 0)}/s)`
              : `Looking for music… ${progress?.files_found ?? 0} files found`}
          </span>
          <button type="button" className="button" onClick={() => void scan.cancel()}>
            Stop
          </button>
        </div>
      )}
      {scan.isError && (
        <p role="alert" className="error">
          {describeError(scan.error)}
        </p>
      )}
      {scan.data && !running && <ScanSummary report={scan.data} />}
    </section>
  );
}

function ScanSummary({ report }: { report: ScanReport }) {
  const problems = report.unreadable.length + report.unsupported.length + report.errors.length;
  return (
    <div className="scan-summary" role="status" data-testid="scan-summary">
      <p>
        {report.cancelled ? "Scan stopped: " : "Scan finished: "}
        {report.files_found} files, {report.added} added, {report.updated} updated, {report.moved} moved,{" "}
        {report.missing} missing.
      </p>
      {problems > 0 && (
        <details>
          <summary>{problems} files could not be added</summary>
          <ul>
            {report.unreadable.map((p) => (
              <li key={p.path}>
                <span className="path">{p.path}</span>: {p.reason}
              </li>
            ))}
            {report.unsupported.map((path) => (
              <li key={path}>
                <span className="path">{path}</span>: this format is not supported
              </li>
            ))}
            {report.errors.map((p) => (
              <li key={p.path}>
                <span className="path">{p.path}</span>: {p.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function AboutSection() {
  const info = useAppInfo();
  return (
    <section aria-labelledby="settings-about">
      <h2 id="settings-about">About</h2>
      {info.isPending && <p className="settings__hint">Reading app information…</p>}
      {info.isError && (
        <p role="alert" className="error">
          Tonearm could not read its own settings. Restart the app; if this keeps happening, the
          log file in the app's log folder says why.
        </p>
      )}
      {info.data && (
        <dl className="facts" aria-label="App information">
          <dt>Version</dt>
          <dd data-fact="version">
            {info.data.name} {info.data.version} ({info.data.os})
          </dd>
          <dt>Library and settings</dt>
          <dd data-fact="data-dir" className="path">{info.data.dataDir}</dd>
          <dt>Cache</dt>
          <dd data-fact="cache-dir" className="path">{info.data.cacheDir}</dd>
          <dt>Logs</dt>
          <dd data-fact="log-dir" className="path">{info.data.logDir}</dd>
        </dl>
      )}
    </section>
  );
}
