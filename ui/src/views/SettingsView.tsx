// Settings: music folders (add, remove, rescan with live progress), playback (ReplayGain),
// uploads (how many at once, a speed limit), the stream cache size, the theme, the keyboard
// shortcuts, and what the app knows about its installation. Every change is saved at once and
// the app applies it right away; there is no Save button.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { DiscoveredPlaces, newPlaces } from "../components/DiscoveredPlaces";
import { EmptyState } from "../components/EmptyState";
import { useToast } from "../components/Toast";
import {
  describeError,
  useAddMusicFolder,
  useAppInfo,
  useDiscoverMusic,
  useExportLibrary,
  useImportItunes,
  useCloudStatus,
  useMusicFolders,
  usePreferences,
  useRemoveMusicFolder,
  useScan,
  type ItunesImport,
  type Preferences,
  type ReplayGainMode,
  type ScanReport,
  type Theme,
} from "@data";
import { useEditPreferences } from "@data/settings";
import { formatSize, plural } from "../lib/format";
import type { ViewProps } from "./registry";
import "../styles/settings.css";

type Edit = (change: (current: Preferences) => Preferences) => void;

export function SettingsView(_props: ViewProps) {
  return (
    <div className="settings">
      <MusicFolders />
      <ItunesSection />
      <ExportSection />
      <PreferenceSections />
      <ShortcutsSection />
      <AboutSection />
    </div>
  );
}

/** "Export everything": the exit guarantee, into one folder. */
function ExportSection() {
  const [folder, setFolder] = useState("");
  const exporting = useExportLibrary();
  const report = exporting.data;
  const progress = exporting.progress;
  return (
    <section aria-labelledby="settings-export">
      <h2 id="settings-export">Export everything</h2>
      <p className="settings__hint">
        Every song&apos;s file (songs only in the cloud are downloaded), your playlists as M3U8 files, and your ratings,
        loves and plays as <code>library.json</code>, into one folder: your music stays yours.
      </p>
      <form
        className="folders__add"
        onSubmit={(event) => {
          event.preventDefault();
          if (folder.trim()) exporting.mutate(folder);
        }}
      >
        <label htmlFor="export-folder">Into</label>
        <input
          id="export-folder"
          className="input path"
          placeholder="/home/you/Tonearm export"
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="button" disabled={exporting.isPending || !folder.trim()}>
          {exporting.isPending ? "Exporting…" : "Export"}
        </button>
      </form>
      {exporting.isPending && progress && (
        <p className="settings__hint" role="status">
          {progress.tracks_done.toLocaleString()} of {plural(progress.tracks_total, "song")}…
        </p>
      )}
      {exporting.isError && (
        <p role="alert" className="error">
          {describeError(exporting.error)}
        </p>
      )}
      {report && !exporting.isPending && (
        <p role="status" data-testid="export-report">
          Exported {plural(report.songs, "song")} ({report.copied.toLocaleString()} copied, {report.downloaded.toLocaleString()} downloaded) and{" "}
          {plural(report.playlists, "playlist")}
          {report.failed.length > 0 ? `; ${plural(report.failed.length, "song")} could not be: ${report.failed[0]?.error}` : ""}.
        </p>
      )}
    </section>
  );
}

/** Playlists, ratings, loves and plays from an iTunes or Apple Music library export. */
function ItunesSection() {
  const [path, setPath] = useState("");
  const importing = useImportItunes();
  const report = importing.data;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (path.trim()) importing.mutate(path.trim());
  }
  return (
    <section aria-labelledby="settings-itunes">
      <h2 id="settings-itunes">Import from iTunes or Apple Music</h2>
      <p className="settings__hint">
        In iTunes or Music, choose File → Library → Export Library…, then give that file here. The playlists, ratings,
        loves, play counts and dates of the songs in your music folders come over; importing the same file again
        changes nothing, and what you changed in Tonearm since stays.
      </p>
      <form className="folders__add" onSubmit={submit}>
        <label htmlFor="itunes-path">Library file</label>
        <input
          id="itunes-path"
          className="input path"
          placeholder="/home/you/Library.xml"
          value={path}
          onChange={(event) => setPath(event.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="button button--primary" disabled={importing.isPending || !path.trim()}>
          {importing.isPending ? "Importing…" : "Import"}
        </button>
      </form>
      {importing.isError && (
        <p role="alert" className="error">
          {describeError(importing.error)}
        </p>
      )}
      {report && !importing.isPending && <ItunesReport report={report} />}
    </section>
  );
}

function ItunesReport({ report }: { report: ItunesImport }) {
  const found = report.matched_by_location + report.matched_by_tags;
  const created = report.playlists_created;
  const updated = report.playlists_updated;
  return (
    <div className="scan-summary" data-testid="itunes-report" role="status">
      <p>
        Found {plural(found, "song")} of {plural(report.songs, "song")} in your library ({report.matched_by_location.toLocaleString()} by
        their files, {report.matched_by_tags.toLocaleString()} by their tags).{" "}
        {created + updated > 0
          ? `${plural(created, "playlist")} created, ${updated.toLocaleString()} updated.`
          : "No playlist changed."}{" "}
        {report.tracks_changed > 0 ? `${plural(report.tracks_changed, "song")} got ratings, loves, plays or dates.` : "No song changed."}
      </p>
      {report.unmatched.length > 0 && (
        <details>
          <summary>{plural(report.unmatched.length, "song")} not in your music folders</summary>
          <ul className="path">
            {report.unmatched.slice(0, 200).map((song, index) => (
              <li key={index}>
                {song.name}
                {song.artist ? ` — ${song.artist}` : ""}
                {song.location ? ` (${song.location})` : ""}
              </li>
            ))}
            {report.unmatched.length > 200 && <li>… and {(report.unmatched.length - 200).toLocaleString()} more</li>}
          </ul>
        </details>
      )}
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
              <button
                type="button"
                className="button"
                disabled={running}
                aria-label={`Remove ${folder.path}`}
                onClick={() => remove.mutate(folder.path)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {folders.isError && (
        <p role="alert" className="error">
          {describeError(folders.error)}
        </p>
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
      {remove.isError && (
        <p role="alert" className="error">
          {describeError(remove.error)}
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
      <FindMusic busy={running} onAdded={() => scan.mutate()} />
    </section>
  );
}

/** "Find my music": looks through the home folder and the drives, offers what it finds. */
function FindMusic({ busy, onAdded }: { busy: boolean; onAdded: () => void }) {
  const [looking, setLooking] = useState(false);
  const found = useDiscoverMusic(looking);
  const add = useAddMusicFolder();
  const [chosen, setChosen] = useState<string[] | null>(null);
  const offered = newPlaces(found.data);
  const selected = chosen ?? offered;
  const toggle = (path: string) => setChosen(selected.includes(path) ? selected.filter((p) => p !== path) : [...selected, path]);
  async function addChosen() {
    try {
      for (const path of selected) await add.mutateAsync(path);
      setChosen(null);
      setLooking(false);
      onAdded();
    } catch {
      // Shown below from add.error.
    }
  }
  if (!looking) {
    return (
      <p className="folders__find">
        <button type="button" className="button" onClick={() => setLooking(true)}>
          Find my music…
        </button>{" "}
        <span className="settings__hint">Looks through your home folder and drives for folders with songs.</span>
      </p>
    );
  }
  return (
    <div className="folders__find" aria-label="Find my music">
      {found.isFetching && (
        <p className="settings__hint" role="status">
          Looking for music on this computer…
        </p>
      )}
      {found.isError && (
        <p role="alert" className="error">
          {describeError(found.error)}
        </p>
      )}
      {found.data && !found.isFetching && (
        <>
          <DiscoveredPlaces found={found.data} chosen={selected} onToggle={toggle} />
          <button type="button" className="button button--primary" disabled={busy || add.isPending || selected.length === 0} onClick={() => void addChosen()}>
            {selected.length === 1 ? "Add this folder" : `Add ${selected.length} folders`}
          </button>{" "}
          <button type="button" className="button" onClick={() => setLooking(false)}>
            Cancel
          </button>
        </>
      )}
    </div>
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

/** Playback, uploads, cache and appearance: the sections backed by the saved preferences. */
function PreferenceSections() {
  const preferences = usePreferences();
  const editor = useEditPreferences();
  const toast = useToast();

  useEffect(() => {
    if (editor.error) toast(`Tonearm could not save that setting. ${describeError(editor.error)}`, "error");
  }, [editor.error, toast]);

  if (preferences.isPending) return <p className="settings__hint">Reading your settings…</p>;
  if (preferences.isError) {
    return (
      <section aria-labelledby="settings-preferences">
        <h2 id="settings-preferences">Playback, uploads and appearance</h2>
        <p className="error">{describeError(preferences.error)}</p>
        <div>
          <button type="button" className="button" onClick={() => void preferences.refetch()}>
            Try again
          </button>
        </div>
      </section>
    );
  }
  const prefs = preferences.data;
  return (
    <>
      <PlaybackSection prefs={prefs} edit={editor.edit} />
      <UploadsSection prefs={prefs} edit={editor.edit} />
      <CacheSection prefs={prefs} edit={editor.edit} />
      <AppearanceSection prefs={prefs} edit={editor.edit} />
    </>
  );
}

const REPLAY_GAIN_MODES: { value: ReplayGainMode; label: string }[] = [
  { value: "off", label: "Off" },
  { value: "track", label: "Track" },
  { value: "album", label: "Album" },
  { value: "auto", label: "Automatic" },
];

function decibels(value: number): string {
  const rounded = Math.abs(value).toFixed(1);
  return value > 0 ? `+${rounded} dB` : value < 0 ? `−${rounded} dB` : "0.0 dB";
}

function PlaybackSection({ prefs, edit }: { prefs: Preferences; edit: Edit }) {
  const gain = prefs.replay_gain;
  const preamp = gain.preamp_db ?? 0;
  return (
    <section aria-labelledby="settings-playback" className="settings__group">
      <h2 id="settings-playback">Playback</h2>
      <p className="settings__hint">
        ReplayGain evens out loudness between songs using the gain stored in their tags.
        Automatic uses the album's gain while an album plays in order, and each song's otherwise.
      </p>
      <div className="settings__row">
        <label htmlFor="replay-gain-mode">ReplayGain</label>
        <select
          id="replay-gain-mode"
          className="select"
          value={gain.mode}
          onChange={(event) => {
            const mode = event.target.value as ReplayGainMode;
            edit((p) => ({ ...p, replay_gain: { ...p.replay_gain, mode } }));
          }}
        >
          {REPLAY_GAIN_MODES.map((mode) => (
            <option key={mode.value} value={mode.value}>
              {mode.label}
            </option>
          ))}
        </select>
      </div>
      <div className="settings__row">
        <label htmlFor="replay-gain-preamp">Preamp</label>
        <input
          id="replay-gain-preamp"
          type="range"
          min={-15}
          max={15}
          step={0.5}
          value={preamp}
          aria-valuetext={decibels(preamp)}
          onChange={(event) => {
            const preamp_db = Number(event.target.value);
            edit((p) => ({ ...p, replay_gain: { ...p.replay_gain, preamp_db } }));
          }}
        />
        <output htmlFor="replay-gain-preamp" className="settings__value" data-testid="preamp-value">
          {decibels(preamp)}
        </output>
      </div>
      <CheckRow
        label="Prevent clipping"
        hint="Lowers the gain when a song's peak would distort."
        checked={gain.prevent_clipping}
        onChange={(prevent_clipping) => edit((p) => ({ ...p, replay_gain: { ...p.replay_gain, prevent_clipping } }))}
      />
    </section>
  );
}

/** A settings row holding one checkbox, with an optional hint. */
function CheckRow({ label, hint, checked, onChange }: { label: string; hint?: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <div className="settings__row">
      <label className="settings__check">
        <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
        {label}
      </label>
      {hint && <span className="settings__hint">{hint}</span>}
    </div>
  );
}

const DEFAULT_LIMIT_KBPS = 1024;

function UploadsSection({ prefs, edit }: { prefs: Preferences; edit: Edit }) {
  const limited = prefs.upload_limit_kbps !== null;
  // The last limit used, so switching the limit off and on again brings it back.
  const [lastLimit, setLastLimit] = useState(prefs.upload_limit_kbps ?? DEFAULT_LIMIT_KBPS);
  useEffect(() => {
    if (prefs.upload_limit_kbps !== null) setLastLimit(prefs.upload_limit_kbps);
  }, [prefs.upload_limit_kbps]);
  return (
    <section aria-labelledby="settings-uploads" className="settings__group">
      <h2 id="settings-uploads">Uploads</h2>
      <CheckRow
        label="Upload new music automatically"
        hint="While connected to a cloud. A song you remove from the cloud is not sent again."
        checked={prefs.auto_upload}
        onChange={(auto_upload) => edit((p) => ({ ...p, auto_upload }))}
      />
      <div className="settings__row">
        <label htmlFor="uploads-at-once">Uploads at once</label>
        <select
          id="uploads-at-once"
          className="select"
          value={prefs.uploads_at_once}
          onChange={(event) => {
            const uploads_at_once = Number(event.target.value);
            edit((p) => ({ ...p, uploads_at_once }));
          }}
        >
          {[1, 2, 3, 4, 5, 6, 7, 8].map((count) => (
            <option key={count} value={count}>
              {count}
            </option>
          ))}
        </select>
      </div>
      <CheckRow
        label="Limit upload speed"
        checked={limited}
        onChange={(on) => edit((p) => ({ ...p, upload_limit_kbps: on ? lastLimit : null }))}
      />
      <div className="settings__row">
        <label htmlFor="upload-limit">Upload speed limit (KB/s)</label>
        <NumberField
          id="upload-limit"
          value={prefs.upload_limit_kbps ?? lastLimit}
          min={1}
          max={10_000_000}
          disabled={!limited}
          onCommit={(upload_limit_kbps) => {
            setLastLimit(upload_limit_kbps);
            edit((p) => ({ ...p, upload_limit_kbps }));
          }}
        />
      </div>
      <p className="settings__hint">
        {limited
          ? "Uploads stay under this speed, leaving room for the rest of your connection."
          : "Uploads use as much of your connection as they can."}
      </p>
    </section>
  );
}

/** A whole-number field: edits are saved while valid; leaving the field shows what was kept. */
function NumberField(props: { id: string; value: number; min: number; max: number; disabled?: boolean; onCommit: (value: number) => void }) {
  const { value } = props;
  const [text, setText] = useState(String(value));
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) setText(String(value));
  }, [value]);
  return (
    <input
      id={props.id}
      type="number"
      inputMode="numeric"
      className="input settings__number"
      min={props.min}
      max={props.max}
      step={1}
      value={text}
      disabled={props.disabled}
      onFocus={() => (focused.current = true)}
      onBlur={() => {
        focused.current = false;
        setText(String(value));
      }}
      onChange={(event) => {
        const entered = event.target.value;
        setText(entered);
        const number = Number(entered);
        if (entered.trim() !== "" && Number.isInteger(number) && number >= props.min && number <= props.max && number !== value) {
          props.onCommit(number);
        }
      }}
    />
  );
}

const CACHE_SIZES_MB = [512, 1024, 2048, 5120, 10240, 20480];

function megabytes(mb: number): string {
  return mb < 1024 ? `${mb} MB` : `${Number((mb / 1024).toFixed(1))} GB`;
}

function CacheSection({ prefs, edit }: { prefs: Preferences; edit: Edit }) {
  const cloud = useCloudStatus();
  const used = cloud.data?.status.cache_bytes;
  const sizes = CACHE_SIZES_MB.includes(prefs.cache_budget_mb)
    ? CACHE_SIZES_MB
    : [...CACHE_SIZES_MB, prefs.cache_budget_mb].sort((a, b) => a - b);
  return (
    <section aria-labelledby="settings-cache" className="settings__group">
      <h2 id="settings-cache">Stream cache</h2>
      <p className="settings__hint">
        Songs only in the cloud are kept on this computer after they stream, up to this size, so
        they play again without the network. Songs you keep offline are not counted.
      </p>
      <div className="settings__row">
        <label htmlFor="cache-size">Cache size</label>
        <select
          id="cache-size"
          className="select"
          value={prefs.cache_budget_mb}
          onChange={(event) => {
            const cache_budget_mb = Number(event.target.value);
            edit((p) => ({ ...p, cache_budget_mb }));
          }}
        >
          {sizes.map((mb) => (
            <option key={mb} value={mb}>
              {megabytes(mb)}
            </option>
          ))}
        </select>
        {used !== undefined && (
          <span className="settings__hint" data-testid="cache-used">
            {formatSize(used)} in use
          </span>
        )}
      </div>
    </section>
  );
}

const THEMES: { value: Theme; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

function AppearanceSection({ prefs, edit }: { prefs: Preferences; edit: Edit }) {
  const name = useId();
  return (
    <section aria-labelledby="settings-appearance" className="settings__group">
      <h2 id="settings-appearance">Appearance</h2>
      <fieldset className="settings__radios">
        <legend>Theme</legend>
        {THEMES.map((theme) => (
          <label key={theme.value} className="settings__check">
            <input
              type="radio"
              name={name}
              value={theme.value}
              checked={prefs.theme === theme.value}
              onChange={() => edit((p) => ({ ...p, theme: theme.value }))}
            />
            {theme.label}
          </label>
        ))}
      </fieldset>
      <p className="settings__hint">System follows your computer's light or dark setting.</p>
    </section>
  );
}

const mac = typeof navigator !== "undefined" && /Mac/.test(navigator.platform);

function ShortcutsSection() {
  const command = mac ? "Cmd" : "Ctrl";
  const shortcuts: [string[], string][] = [
    [["Space"], "Play or pause"],
    [[`${command}+→`], "Next song"],
    [[`${command}+←`], "Previous song"],
    [[`${command}+↑`, `${command}+↓`], "Volume up or down"],
    [[`${command}+F`], "Search"],
    [[`${command}+L`], "Show the queue"],
    [["Enter"], "Play the selected song"],
    [[`${command}+A`], "Select all"],
    [["Delete"], "Remove from the playlist"],
    [["Shift+F10", "Menu"], "Open the song menu"],
    [["Alt+↑", "Alt+↓"], "Move in a playlist or the queue"],
    [["Escape"], "Close menus and dialogs"],
  ];
  return (
    <section aria-labelledby="settings-shortcuts">
      <h2 id="settings-shortcuts">Keyboard shortcuts</h2>
      <table className="shortcuts" aria-labelledby="settings-shortcuts">
        <thead>
          <tr>
            <th scope="col">Keys</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {shortcuts.map(([keys, action]) => (
            <tr key={action}>
              <td>
                {keys.map((key, index) => (
                  <span key={key}>
                    {index > 0 && (keys.length > 1 && key === "Menu" ? " or the " : " or ")}
                    <kbd>{key}</kbd>
                    {key === "Menu" && " key"}
                  </span>
                ))}
              </td>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
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
