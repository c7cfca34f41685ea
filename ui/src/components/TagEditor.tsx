// The tag editor ("Properties" of the songs menu, "Edit album"): one form for one song or
// many. A field whose values differ shows "Mixed" and stays as each song has it unless the
// user types; an emptied field is removed. Saving tells what changed and offers Undo.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { describeError, useEditTags, useTracksById, type CoverChoice, type Track } from "../ipc";
import { formatDate, formatDuration, formatSize } from "../lib/format";
import { describeFailures, editFromForm, formFromTracks, typeInto, type TagForm, type TextField } from "../lib/tagForm";
import { Dialog } from "./Overlays";
import { useToast } from "./Toast";

export interface TagEditorProps {
  ids: readonly string[];
  /** The songs when the caller has them all (a fetch otherwise). */
  tracks: readonly Track[];
  onClose: () => void;
  /** Undoes the edit just saved (the toast's "Undo"). */
  onUndo: () => void;
  /** An edit was saved (Ctrl+Z may undo it). */
  onSaved: () => void;
}

export function TagEditorDialog({ ids, tracks, onClose, onUndo, onSaved }: TagEditorProps) {
  const complete = tracks.length === ids.length && tracks.length > 0;
  const fetched = useTracksById(complete ? [] : ids);
  const loaded = complete ? tracks : fetched.data;
  const title = ids.length === 1 ? "Properties" : `Edit ${ids.length.toLocaleString()} songs`;
  if (!loaded) {
    return (
      <Dialog title={title} onClose={onClose} className="dialog--wide">
        <p>{fetched.error ? describeError(fetched.error) : "Loading…"}</p>
      </Dialog>
    );
  }
  return <TagEditorForm title={title} tracks={loaded} onClose={onClose} onUndo={onUndo} onSaved={onSaved} />;
}

function TagEditorForm({ title, tracks, onClose, onUndo, onSaved }: { title: string; tracks: readonly Track[] } & Pick<TagEditorProps, "onClose" | "onUndo" | "onSaved">) {
  const [form, setForm] = useState<TagForm>(() => formFromTracks(tracks));
  const [cover, setCover] = useState<"leave" | "remove" | "file">("leave");
  const [coverPath, setCoverPath] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const edit = useEditTags();
  const toast = useToast();
  const single = tracks.length === 1 ? tracks[0]! : null;
  const songs = tracks.length === 1 ? `“${tracks[0]!.title}”` : `${tracks.length.toLocaleString()} songs`;

  const field = (name: TextField, label: string, className?: string) => {
    const state = form.text[name];
    return (
      <label className={`dialog__field ${className ?? ""}`}>
        {label}
        <input
          className="input"
          value={state.value}
          placeholder={state.mixed ? "Mixed" : ""}
          inputMode={["track_no", "track_total", "disc_no", "disc_total", "year"].includes(name) ? "numeric" : undefined}
          onChange={(event) => setForm((current) => typeInto(current, name, event.target.value))}
        />
      </label>
    );
  };

  const save = () => {
    const result = editFromForm(form);
    if ("error" in result) {
      setProblem(result.error);
      return;
    }
    const coverChoice: CoverChoice =
      cover === "remove" ? { kind: "remove" } : cover === "file" && coverPath.trim() ? { kind: "from_file", path: coverPath.trim() } : { kind: "leave" };
    if (!result.changed && coverChoice.kind === "leave") {
      onClose();
      return;
    }
    edit.mutate(
      { ids: tracks.map((t) => t.id), edit: result.edit, cover: coverChoice },
      {
        onSuccess: (report) => {
          onClose();
          if (report.edited.length > 0) {
            onSaved();
            const what = report.edited.length === tracks.length ? songs : `${report.edited.length} of ${tracks.length} songs`;
            toast(`Saved ${what}`, "info", { label: "Undo", run: onUndo });
          }
          if (report.failed.length > 0) toast(describeFailures(report.failed), "error");
        },
        onError: (error) => setProblem(describeError(error)),
      },
    );
  };

  return (
    <Dialog title={title} onClose={onClose} className="dialog--wide">
      <form
        aria-label={`Tags of ${songs}`}
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <div className="tag-form">
          {field("title", "Title", "tag-form__wide")}
          {field("artist", "Artist")}
          {field("album_artist", "Album artist")}
          {field("album", "Album", "tag-form__wide")}
          <div className="tag-form__pair">
            {field("track_no", "Track")}
            <span aria-hidden="true">/</span>
            {field("track_total", "Tracks")}
          </div>
          <div className="tag-form__pair">
            {field("disc_no", "Disc")}
            <span aria-hidden="true">/</span>
            {field("disc_total", "Discs")}
          </div>
          {field("year", "Year")}
          {field("genre", "Genre")}
          {field("composer", "Composer", "tag-form__wide")}
          {field("comment", "Comment", "tag-form__wide")}
          <Compilation form={form} setForm={setForm} />
          <label className="dialog__field tag-form__wide">
            Cover
            <select className="input" value={cover} onChange={(event) => setCover(event.target.value as typeof cover)}>
              <option value="leave">Keep {tracks.length === 1 ? "the cover" : "each song's cover"}</option>
              <option value="remove">Remove the cover</option>
              <option value="file">Use a picture file…</option>
            </select>
          </label>
          {cover === "file" && (
            <label className="dialog__field tag-form__wide">
              Picture file (full path of a JPEG or PNG)
              <input className="input" value={coverPath} onChange={(event) => setCoverPath(event.target.value)} placeholder="/home/me/Pictures/cover.jpg" />
            </label>
          )}
        </div>
        {single && <Facts track={single} />}
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={edit.isPending}>
            {edit.isPending ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Compilation({ form, setForm }: { form: TagForm; setForm: (update: (form: TagForm) => TagForm) => void }) {
  const box = useRef<HTMLInputElement>(null);
  const { value, mixed, dirty } = form.compilation;
  useEffect(() => {
    if (box.current) box.current.indeterminate = mixed && !dirty;
  }, [mixed, dirty]);
  return (
    <label className="tag-form__check tag-form__wide">
      <input
        ref={box}
        type="checkbox"
        checked={value}
        onChange={(event) => {
          const checked = event.target.checked;
          setForm((current) => ({ ...current, compilation: { ...current.compilation, value: checked, dirty: true } }));
        }}
      />
      Part of a compilation (various artists)
    </label>
  );
}

/** What a single song is, beyond its tags: length, format, file. */
function Facts({ track }: { track: Track }) {
  const rows: [string, ReactNode][] = [
    ["Length", formatDuration(track.duration_ms)],
    ["Format", [track.codec ?? track.format, track.sample_rate && `${(track.sample_rate / 1000).toFixed(1)} kHz`, track.bit_depth && `${track.bit_depth}-bit`, track.bitrate_kbps && `${track.bitrate_kbps} kbit/s`].filter(Boolean).join(", ")],
    ["Size", track.size > 0 ? formatSize(track.size) : ""],
    ["ReplayGain", track.replaygain.track_gain !== null ? `${track.replaygain.track_gain.toFixed(2)} dB (track)${track.replaygain.album_gain !== null ? `, ${track.replaygain.album_gain.toFixed(2)} dB (album)` : ""}` : "none"],
    ["Plays", track.play_count],
    ["Added", formatDate(track.added_at)],
    ["Location", track.path ? <span className="path">{track.path}</span> : "In the cloud only"],
  ];
  return (
    <>
      <dl className="facts" aria-label={`Properties of ${track.title}`}>
        {rows
          .filter(([, value]) => value !== "" && value !== null)
          .map(([name, value]) => (
            <div key={name} className="facts__row">
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
      {track.state_reason && <p className="error">{track.state_reason}</p>}
    </>
  );
}
