// The tag editor ("Properties" of the songs menu, "Edit album"): one form for one song or
// many. A field whose values differ shows "Mixed" and stays as each song has it unless the
// user types; an emptied field is removed. The cover can stay, go, come from a picture file or
// from another song. Saving tells what changed and offers Undo.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { describeError, useEditTags, useSearch, useSetRating, useTracksById, type CoverChoice, type Track, type TrackRow } from "@data";
import { artistName, formatDate, formatDuration, formatSize } from "../lib/format";
import { describeFailures, editFromForm, formFromTracks, typeInto, type TagForm, type TextField } from "../lib/tagForm";
import { Cover } from "./Cover";
import { Dialog } from "./Overlays";
import { StarRating } from "./StarRating";
import { useToast } from "./Toast";

export interface TagEditorProps {
  ids: readonly string[];
  onClose: () => void;
  /** Undoes the edit just saved (the toast's "Undo"). */
  onUndo: () => void;
  /** An edit was saved (Ctrl+Z may undo it). */
  onSaved: () => void;
}

export function TagEditorDialog({ ids, onClose, onUndo, onSaved }: TagEditorProps) {
  // Lists hold rows, not whole songs: the form needs every tag, so it reads them, afresh for
  // each opening (a song edited a moment ago must not show its old tags from the cache).
  const fetched = useTracksById(ids);
  const loaded = fetched.isFetchedAfterMount && !fetched.isError ? fetched.data : undefined;
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
  const [cover, setCover] = useState<"leave" | "remove" | "file" | "song">("leave");
  const [coverPath, setCoverPath] = useState("");
  // The song, not just its artwork id: many songs share one cover, and only the one clicked
  // should show as chosen.
  const [coverSong, setCoverSong] = useState<TrackRow | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // Songs whose files refused the last save (read-only, gone): the dialog stays open for
  // them, and saving again tries only them, once the user has fixed what the reason says.
  const [refused, setRefused] = useState<readonly string[] | null>(null);
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
    // Saving without a song would quietly keep the old cover, which is not what was asked.
    if (cover === "song" && !coverSong?.artwork_id) {
      setProblem("Choose the song whose cover to use.");
      return;
    }
    const coverChoice: CoverChoice =
      cover === "remove"
        ? { kind: "remove" }
        : cover === "song" && coverSong?.artwork_id
          ? { kind: "from_artwork", artwork_id: coverSong.artwork_id }
          : cover === "file" && coverPath.trim()
            ? { kind: "from_file", path: coverPath.trim() }
            : { kind: "leave" };
    if (!result.changed && coverChoice.kind === "leave") {
      onClose();
      return;
    }
    const ids = refused ?? tracks.map((t) => t.id);
    edit.mutate(
      { ids: [...ids], edit: result.edit, cover: coverChoice },
      {
        onSuccess: (report) => {
          if (report.edited.length > 0) {
            onSaved();
            const what = report.edited.length === tracks.length ? songs : `${report.edited.length} of ${tracks.length} songs`;
            toast(`Saved ${what}`, "info", { label: "Undo", run: onUndo });
          }
          if (report.failed.length === 0) {
            onClose();
            return;
          }
          setRefused(report.failed.map((f) => f.track_id));
          setProblem(describeFailures(report.failed));
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
              <option value="song">Use the cover of another song…</option>
            </select>
          </label>
          {cover === "file" && (
            <label className="dialog__field tag-form__wide">
              Picture file (full path of a JPEG or PNG)
              <input className="input" value={coverPath} onChange={(event) => setCoverPath(event.target.value)} placeholder="/home/me/Pictures/cover.jpg" />
            </label>
          )}
          {cover === "song" && <CoverSongPicker chosen={coverSong} onChoose={setCoverSong} />}
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
            {edit.isPending ? "Saving…" : refused ? "Try again" : "Save"}
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

/** "Use the cover of another song…": the library searched as the user types, showing only
 * songs that have a cover (there is nothing to copy from the others), each with it. */
function CoverSongPicker({ chosen, onChoose }: { chosen: TrackRow | null; onChoose: (track: TrackRow) => void }) {
  const [query, setQuery] = useState("");
  // The search view's own query (same limit, same cache), thinned out here.
  const results = useSearch(query);
  const searched = query.trim().length > 0;
  const songs = searched ? (results.data?.songs.items ?? []).filter((track) => track.artwork_id).slice(0, 8) : [];
  return (
    <div className="cover-picker tag-form__wide">
      <label className="dialog__field">
        Find a song with the cover you want
        <input
          className="input"
          type="search"
          value={query}
          placeholder="Title, artist or album"
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            // Enter in a search box searches; it must not save the whole form.
            if (event.key === "Enter") event.preventDefault();
          }}
        />
      </label>
      {results.isError && searched && <p className="error">{describeError(results.error)}</p>}
      {searched && results.data && !results.isPlaceholderData && songs.length === 0 && (
        <p className="cover-picker__note">No song with a cover matches “{query}”.</p>
      )}
      {songs.length > 0 && (
        <ul className="cover-picker__songs" aria-label="Songs with a cover">
          {songs.map((track) => (
            <li key={track.id}>
              <button type="button" className="cover-picker__song" aria-pressed={chosen?.id === track.id} onClick={() => onChoose(track)}>
                <Cover artwork={track.artwork_id} size="small" label={track.album ?? track.title} />
                <span className="cover-picker__title">{track.title}</span>
                <span className="cover-picker__meta">{[artistName(track.artist), track.album].filter(Boolean).join(" · ")}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {/* The choice outlives a new search that no longer lists it: say which it is. */}
      {chosen && <p className="cover-picker__note">Using the cover of “{chosen.title}”.</p>}
    </div>
  );
}

/** One song's rating, set as soon as a star is clicked (it is not a tag of the file: Save and
 * Cancel do not apply to it). */
function Rating({ track }: { track: Track }) {
  // The dialog holds the song as it was opened; the stars follow what the user clicks.
  const [rating, setRatingShown] = useState(track.rating);
  const setRating = useSetRating();
  const toast = useToast();
  return (
    <StarRating
      rating={rating}
      label={`Rating of ${track.title}`}
      onRate={(next) => {
        const before = rating;
        setRatingShown(next);
        setRating.mutate(
          { ids: [track.id], rating: next },
          {
            onError: (error) => {
              setRatingShown(before);
              toast(describeError(error), "error");
            },
          },
        );
      }}
    />
  );
}

/** What a single song is, beyond its tags: length, format, plays and rating, file. */
function Facts({ track }: { track: Track }) {
  const rows: [string, ReactNode][] = [
    ["Length", formatDuration(track.duration_ms)],
    ["Format", [track.codec ?? track.format, track.sample_rate && `${(track.sample_rate / 1000).toFixed(1)} kHz`, track.bit_depth && `${track.bit_depth}-bit`, track.bitrate_kbps && `${track.bitrate_kbps} kbit/s`].filter(Boolean).join(", ")],
    ["Size", track.size > 0 ? formatSize(track.size) : ""],
    ["ReplayGain", track.replaygain.track_gain !== null ? `${track.replaygain.track_gain.toFixed(2)} dB (track)${track.replaygain.album_gain !== null ? `, ${track.replaygain.album_gain.toFixed(2)} dB (album)` : ""}` : "none"],
    ["Plays", track.play_count],
    ["Rating", <Rating track={track} />],
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
