// The tag editor's form as data: what the fields show for one song or many (a field whose
// values differ is "mixed" and stays as each song has it unless the user types), and the
// edit the form sends (each field left, set or cleared). Pure, so it is tested on its own.
import type { FieldEdit, TagEdit, Track } from "@data";

export const TEXT_FIELDS = [
  ["title", "Title"],
  ["artist", "Artist"],
  ["album", "Album"],
  ["album_artist", "Album artist"],
  ["track_no", "Track"],
  ["track_total", "of"],
  ["disc_no", "Disc"],
  ["disc_total", "of"],
  ["year", "Year"],
  ["genre", "Genre"],
  ["composer", "Composer"],
  ["comment", "Comment"],
] as const;

export type TextField = (typeof TEXT_FIELDS)[number][0];
const NUMBER_FIELDS = new Set<TextField>(["track_no", "track_total", "disc_no", "disc_total", "year"]);

export interface FieldState {
  /** What the field shows (empty when mixed). */
  value: string;
  /** What the songs hold, when they all hold the same (null when mixed or unknown). */
  original: string | null;
  /** The songs differ: shown as "Mixed". */
  mixed: boolean;
  /** The user typed in it. */
  dirty: boolean;
}

export interface TagForm {
  text: Record<TextField, FieldState>;
  compilation: { value: boolean; mixed: boolean; dirty: boolean };
}

function valueOf(track: Track, field: TextField): string | null {
  const value = track[field];
  return value === null || value === undefined ? "" : String(value);
}

/** The form for `tracks`: a field shows the songs' value when they agree, "Mixed" otherwise. */
export function formFromTracks(tracks: readonly Track[]): TagForm {
  const text = {} as Record<TextField, FieldState>;
  for (const [field] of TEXT_FIELDS) {
    const values = new Set(tracks.map((t) => valueOf(t, field)));
    const [only] = values;
    const same = values.size === 1 && only !== null && only !== undefined;
    text[field] = same ? { value: only, original: only, mixed: false, dirty: false } : { value: "", original: null, mixed: true, dirty: false };
  }
  const flags = new Set(tracks.map((t) => t.compilation));
  return {
    text,
    compilation: { value: flags.size === 1 ? Boolean(tracks[0]?.compilation) : false, mixed: flags.size > 1, dirty: false },
  };
}

/** The form with `field` typed into. */
export function typeInto(form: TagForm, field: TextField, value: string): TagForm {
  return { ...form, text: { ...form.text, [field]: { ...form.text[field], value, dirty: true } } };
}

/** The edit the form asks for, or what is wrong with it. */
export function editFromForm(form: TagForm): { edit: TagEdit; changed: boolean } | { error: string } {
  const edit: Record<string, FieldEdit<string> | FieldEdit<number> | FieldEdit<boolean>> = {};
  let changed = false;
  for (const [field, label] of TEXT_FIELDS) {
    const state = form.text[field];
    const value = state.value.trim();
    if (!state.dirty || (!state.mixed && value === (state.original ?? "").trim())) {
      edit[field] = { action: "leave" };
      continue;
    }
    if (value === "") {
      if (field === "title" && !state.mixed) return { error: "A song needs a title." };
      // A mixed field left empty stays as each song has it; a field emptied is removed.
      edit[field] = state.mixed ? { action: "leave" } : { action: "clear" };
      if (!state.mixed) changed = true;
      continue;
    }
    if (NUMBER_FIELDS.has(field)) {
      const number = Number(value);
      const name = label === "of" ? (field === "track_total" ? "Number of tracks" : "Number of discs") : label;
      if (!/^-?\d+$/.test(value) || (field !== "year" && number < 0) || !Number.isSafeInteger(number)) {
        return { error: `${name} must be a whole number.` };
      }
      edit[field] = { action: "set", value: number };
    } else {
      edit[field] = { action: "set", value };
    }
    changed = true;
  }
  const flag = form.compilation;
  edit.compilation = flag.dirty ? { action: "set", value: flag.value } : { action: "leave" };
  if (flag.dirty) changed = true;
  return { edit: edit as TagEdit, changed };
}

/** One sentence for the songs an edit could not change. */
export function describeFailures(failed: readonly { path: string | null; reason: string }[]): string {
  if (failed.length === 0) return "";
  const name = (f: { path: string | null }) => (f.path ? (f.path.split(/[\\/]/).at(-1) ?? f.path) : "a song in the cloud");
  if (failed.length === 1) return `${name(failed[0]!)} was not changed: ${failed[0]!.reason}.`;
  const shown = failed.slice(0, 3).map((f) => `${name(f)} (${f.reason})`).join(", ");
  const more = failed.length > 3 ? ` and ${failed.length - 3} more` : "";
  return `${failed.length} songs were not changed: ${shown}${more}. Check that the files are there and not read-only.`;
}
