// The first run: a short welcome that finds the music folder the OS keeps (and takes
// others), starts the scan, and asks where the cloud is: nowhere for now, a server, or this
// computer. Shown until the user finishes or skips it; Settings and the Cloud view do the
// same things later.
import { useState, type FormEvent } from "react";
import { Dialog } from "../components/Overlays";
import { Icon } from "../components/Icon";
import {
  describeError,
  useAddMusicFolder,
  useCloudLogin,
  useFinishWelcome,
  useScan,
  useStartLocalLocker,
  useDiscoverMusic,
  useSuggestedFolders,
} from "@data";
import { DiscoveredPlaces, newPlaces } from "../components/DiscoveredPlaces";
import { plural } from "../lib/format";

type Cloud = "none" | "server" | "this-computer";

export function Welcome({ onDone }: { onDone: () => void }) {
  const discovered = useDiscoverMusic();
  // Where the OS keeps music, should looking through the drives fail.
  const suggested = useSuggestedFolders();
  const add = useAddMusicFolder();
  const scan = useScan();
  const login = useCloudLogin();
  const locker = useStartLocalLocker();
  const finish = useFinishWelcome();
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [other, setOther] = useState("");
  const [cloud, setCloud] = useState<Cloud>("none");
  const [server, setServer] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [lan, setLan] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const offered = discovered.isError ? (suggested.data ?? []) : newPlaces(discovered.data);
  const folders = chosen ?? offered;
  const toggle = (path: string) =>
    setChosen(folders.includes(path) ? folders.filter((f) => f !== path) : [...folders, path]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const wanted = [...folders, ...(other.trim() ? [other.trim()] : [])];
      for (const folder of wanted) await add.mutateAsync(folder);
      if (wanted.length > 0) scan.mutate();
      if (cloud === "server") await login.mutateAsync({ server, username, password });
      if (cloud === "this-computer") await locker.mutateAsync({ password, lan });
      await finish.mutateAsync();
      onDone();
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  }

  const skip = () => void finish.mutateAsync().then(onDone, setProblem);

  return (
    <Dialog title="Welcome to Tonearm" onClose={skip} className="dialog--wide welcome">
      <form onSubmit={(event) => void submit(event)} aria-label="Set up Tonearm">
        <section aria-labelledby="welcome-music">
          <h3 id="welcome-music">
            <Icon name="folder" size={16} /> Your music
          </h3>
          <p className="settings__hint">Tonearm reads the songs in these folders and keeps watching them.</p>
          {discovered.isPending && (
            <p className="settings__hint" role="status">
              Looking for music on this computer…
            </p>
          )}
          {discovered.data && <DiscoveredPlaces found={discovered.data} chosen={folders} onToggle={toggle} />}
          {discovered.isError && (
            <>
              {offered.length === 0 && <p className="settings__hint">No music folder was found on this computer; add one below.</p>}
              <ul className="welcome__folders">
                {offered.map((path) => (
                  <li key={path}>
                    <label className="settings__check">
                      <input type="checkbox" checked={folders.includes(path)} onChange={() => toggle(path)} />
                      <span className="path">{path}</span>
                    </label>
                  </li>
                ))}
              </ul>
            </>
          )}
          <label className="dialog__field">
            Another folder
            <input
              id="welcome-folder"
              className="input path"
              placeholder="/home/you/Music"
              value={other}
              onChange={(event) => setOther(event.target.value)}
              spellCheck={false}
            />
          </label>
        </section>

        <section aria-labelledby="welcome-cloud">
          <h3 id="welcome-cloud">
            <Icon name="cloud" size={16} /> Where is your cloud?
          </h3>
          <p className="settings__hint">
            Your cloud keeps a copy of your library, your playlists in step on every device, and streams what a
            device does not hold.
          </p>
          <fieldset className="settings__radios">
            <legend className="visually-hidden">Cloud</legend>
            {(
              [
                ["none", "Not now"],
                ["server", "A Tonearm server"],
                ["this-computer", "This computer"],
              ] as const
            ).map(([value, label]) => (
              <label key={value} className="settings__check">
                <input type="radio" name="welcome-cloud" value={value} checked={cloud === value} onChange={() => setCloud(value)} />
                {label}
              </label>
            ))}
          </fieldset>
          {cloud === "server" && (
            <div className="cloud__login">
              <label>
                Server
                <input id="welcome-server" className="input" value={server} onChange={(e) => setServer(e.target.value)} required placeholder="http://192.168.1.20:7420" />
              </label>
              <label>
                User name
                <input id="welcome-user" className="input" value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="username" />
              </label>
            </div>
          )}
          {cloud !== "none" && (
            <div className="cloud__login">
              <label>
                {cloud === "server" ? "Password" : "Password for your other devices (8 characters or more)"}
                <input
                  id="welcome-password"
                  className="input"
                  type="password"
                  value={password}
                  minLength={cloud === "this-computer" ? 8 : undefined}
                  onChange={(e) => setPassword(e.target.value)}
                  required
                  autoComplete={cloud === "server" ? "current-password" : "new-password"}
                />
              </label>
              {cloud === "this-computer" && (
                <label className="settings__check">
                  <input type="checkbox" checked={lan} onChange={(e) => setLan(e.target.checked)} />
                  Let devices on my network connect
                </label>
              )}
            </div>
          )}
        </section>

        {problem !== null && (
          <p role="alert" className="error">
            {describeError(problem)}
          </p>
        )}
        <div className="dialog__actions">
          <button type="button" className="button" onClick={skip} disabled={busy}>
            Skip for now
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? "Setting up…" : folders.length + (other.trim() ? 1 : 0) > 0 ? `Start with ${plural(folders.length + (other.trim() ? 1 : 0), "folder")}` : "Start"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
