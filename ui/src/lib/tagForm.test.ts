// The tag editor's form as data: mixed fields for a selection, and the edit a form sends.
import { describe, expect, it } from "vitest";
import { makeTrack } from "../test/fixtures";
import { describeFailures, editFromForm, formFromTracks, typeInto } from "./tagForm";

const a = makeTrack({ id: "a", title: "One", artist: "Ada", album: "Blue", track_no: 1, year: 2020, genre: "Jazz" });
const b = makeTrack({ id: "b", title: "Two", artist: "Ada", album: "Blue", track_no: 2, year: 2020, genre: null, compilation: true });

describe("formFromTracks", () => {
  it("shows one song's values", () => {
    const form = formFromTracks([a]);
    expect(form.text.title).toEqual({ value: "One", original: "One", mixed: false, dirty: false });
    expect(form.text.track_no.value).toBe("1");
    expect(form.text.album_artist).toMatchObject({ value: "", mixed: false });
    expect(form.compilation).toEqual({ value: false, mixed: false, dirty: false });
  });

  it("shows what songs share, and fields that differ as mixed", () => {
    const form = formFromTracks([a, b]);
    expect(form.text.artist).toMatchObject({ value: "Ada", mixed: false });
    expect(form.text.album).toMatchObject({ value: "Blue", mixed: false });
    expect(form.text.title).toMatchObject({ value: "", mixed: true });
    expect(form.text.track_no).toMatchObject({ value: "", mixed: true });
    expect(form.text.genre).toMatchObject({ value: "", mixed: true });
    expect(form.compilation.mixed).toBe(true);
  });
});

describe("editFromForm", () => {
  it("leaves every field of an untouched form", () => {
    const result = editFromForm(formFromTracks([a, b]));
    expect(result).toMatchObject({ changed: false });
    if (!("edit" in result)) throw new Error(result.error);
    expect(Object.values(result.edit).every((field) => field?.action === "leave")).toBe(true);
  });

  it("sets typed fields, clears emptied ones, leaves mixed ones untouched", () => {
    let form = formFromTracks([a, b]);
    form = typeInto(form, "album", "Green");
    form = typeInto(form, "artist", "");
    form = typeInto(form, "year", "1999");
    form = typeInto(form, "genre", "Soul");
    const result = editFromForm(form);
    if (!("edit" in result)) throw new Error(result.error);
    expect(result.changed).toBe(true);
    expect(result.edit.album).toEqual({ action: "set", value: "Green" });
    expect(result.edit.artist).toEqual({ action: "clear" });
    expect(result.edit.year).toEqual({ action: "set", value: 1999 });
    expect(result.edit.genre).toEqual({ action: "set", value: "Soul" });
    expect(result.edit.title).toEqual({ action: "leave" });
    expect(result.edit.track_no).toEqual({ action: "leave" });
    expect(result.edit.compilation).toEqual({ action: "leave" });
  });

  it("leaves a mixed field typed into and emptied again, and a field put back as it was", () => {
    let form = formFromTracks([a, b]);
    form = typeInto(typeInto(form, "title", "x"), "title", "");
    form = typeInto(typeInto(form, "album", "x"), "album", "Blue");
    const result = editFromForm(form);
    if (!("edit" in result)) throw new Error(result.error);
    expect(result.edit.title).toEqual({ action: "leave" });
    expect(result.edit.album).toEqual({ action: "leave" });
    expect(result.changed).toBe(false);
  });

  it("refuses numbers that are not whole and an emptied title", () => {
    expect(editFromForm(typeInto(formFromTracks([a]), "track_no", "two"))).toEqual({ error: "Track must be a whole number." });
    expect(editFromForm(typeInto(formFromTracks([a]), "disc_total", "1.5"))).toEqual({ error: "Number of discs must be a whole number." });
    expect(editFromForm(typeInto(formFromTracks([a]), "title", " "))).toEqual({ error: "A song needs a title." });
  });

  it("sets the compilation flag once ticked", () => {
    const form = formFromTracks([a, b]);
    const result = editFromForm({ ...form, compilation: { value: true, mixed: true, dirty: true } });
    if (!("edit" in result)) throw new Error(result.error);
    expect(result.edit.compilation).toEqual({ action: "set", value: true });
  });
});

describe("describeFailures", () => {
  it("names the files and why, in a sentence", () => {
    expect(describeFailures([])).toBe("");
    expect(describeFailures([{ path: "/m/One.flac", reason: "the file is read-only" }])).toBe("One.flac was not changed: the file is read-only.");
    expect(describeFailures([{ path: "/m/a.mp3", reason: "gone" }, { path: null, reason: "offline" }])).toBe(
      "2 songs were not changed: a.mp3 (gone), a song in the cloud (offline). Check that the files are there and not read-only.",
    );
  });
});
