// Settings: music folders and what the app knows about its installation.
import { EmptyState } from "../components/EmptyState";
import { useAppInfo } from "../ipc";

export function SettingsView() {
  return (
    <div className="settings">
      <section aria-labelledby="settings-folders">
        <h2 id="settings-folders">Music folders</h2>
        <EmptyState icon="folder" title="No music folders yet">
          Folders you add here are scanned for music and watched for changes.
        </EmptyState>
      </section>
      <section aria-labelledby="settings-appearance">
        <h2 id="settings-appearance">Appearance</h2>
        <p className="settings__hint">The theme follows your system's light or dark setting.</p>
      </section>
      <AboutSection />
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
