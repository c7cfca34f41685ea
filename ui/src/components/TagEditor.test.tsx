// The tag editor as a user drives it: Properties on two songs shows what differs as Mixed,
// saving sends only what was typed, the toast's Undo puts it back, failures are named, and
// another song's cover can be found and taken.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../ipc/bindings";
import { makeTrack, ok } from "../test/fixtures";
import { OverlayProvider, useOverlays } from "./Overlays";
import { ToastProvider } from "./Toast";

vi.mock("../ipc/bindings", () => ({
  commands: { editTags: vi.fn(), undoTagEdit: vi.fn(), getTracks: vi.fn(), searchLibrary: vi.fn(), getArtwork: vi.fn(), setRating: vi.fn() },
  events: {},
}));

const one = makeTrack({ id: "t1", title: "One", artist: "Ada", album: "Blue", track_no: 1, path: "/m/one.flac" });
const two = makeTrack({ id: "t2", title: "Two", artist: "Ada", album: "Blue", track_no: 2, path: "/m/two.flac" });
// Songs the cover search finds: two with the same cover, one with none.
const red = makeTrack({ id: "r1", title: "Red Sky", artist: "Bo", album: "Red", artwork_id: "a1" });
const redder = makeTrack({ id: "r2", title: "Redder", artist: "Bo", album: "Red", artwork_id: "a1" });
const bare = makeTrack({ id: "r3", title: "Red Bare", artist: "Bo", album: null, artwork_id: null });

function Opener({ ids }: { ids: string[] }) {
  const overlays = useOverlays();
  return (
    <button type="button" onClick={() => overlays.editTags(ids)}>
      Open
    </button>
  );
}

/** The tag editor for `ids`, over a library holding `tracks`. */
function wrap(ids: string[], tracks: typeof one[] = [one, two]) {
  vi.mocked(commands.getTracks).mockImplementation((asked) => ok(tracks.filter((track) => asked.includes(track.id))));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <OverlayProvider>
          <Opener ids={ids} />
        </OverlayProvider>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  vi.mocked(commands.editTags).mockReset().mockImplementation((ids) => ok({ edited: ids, failed: [] }));
  vi.mocked(commands.undoTagEdit).mockReset().mockImplementation(() => ok({ edited: ["t1", "t2"], failed: [] }));
  vi.mocked(commands.getTracks).mockReset();
  vi.mocked(commands.searchLibrary)
    .mockReset()
    .mockImplementation((query) =>
      ok({ songs: { items: query.startsWith("red") ? [red, bare, redder] : [], total: 3, offset: 0 }, albums: [], artists: [] }),
    );
  vi.mocked(commands.getArtwork).mockReset().mockImplementation((id) => ok(`data:image/jpeg;base64,${id}`));
  vi.mocked(commands.setRating).mockReset().mockImplementation(() => ok(null));
});

describe("TagEditor", () => {
  it("edits two songs: mixed fields stay, typed ones are set, Undo puts them back", async () => {
    const user = userEvent.setup();
    wrap(["t1", "t2"]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit 2 songs" });
    const title = within(dialog).getByLabelText("Title") as HTMLInputElement;
    expect(title.value).toBe("");
    expect(title.placeholder).toBe("Mixed");
    expect((within(dialog).getByLabelText("Album") as HTMLInputElement).value).toBe("Blue");
    await user.clear(within(dialog).getByLabelText("Album"));
    await user.type(within(dialog).getByLabelText("Album"), "Green");
    await user.clear(within(dialog).getByLabelText("Artist"));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(commands.editTags).toHaveBeenCalled());
    const [ids, edit, cover] = vi.mocked(commands.editTags).mock.calls[0]!;
    expect(ids).toEqual(["t1", "t2"]);
    expect(edit.album).toEqual({ action: "set", value: "Green" });
    expect(edit.artist).toEqual({ action: "clear" });
    expect(edit.title).toEqual({ action: "leave" });
    expect(edit.track_no).toEqual({ action: "leave" });
    expect(cover).toEqual({ kind: "leave" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(await screen.findByText("Saved 2 songs")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Undo" }));
    await waitFor(() => expect(commands.undoTagEdit).toHaveBeenCalled());
    expect(await screen.findByText("Undid the last edit")).toBeTruthy();
  });

  it("keeps the songs that could not be changed to try again, and Ctrl+Z undoes outside text fields", async () => {
    vi.mocked(commands.editTags).mockImplementationOnce(() =>
      ok({ edited: ["t1"], failed: [{ track_id: "t2", path: "/m/two.flac", reason: "the file is read-only" }] }),
    );
    const user = userEvent.setup();
    wrap(["t1", "t2"], [one, two]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit 2 songs" });
    await user.clear(within(dialog).getByLabelText("Year"));
    await user.type(within(dialog).getByLabelText("Year"), "1999");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("two.flac was not changed: the file is read-only.")).toBeTruthy();
    expect(screen.getByText("Saved 1 of 2 songs")).toBeTruthy();
    expect(vi.mocked(commands.editTags).mock.calls[0]![1].year).toEqual({ action: "set", value: 1999 });
    // The file made writable, the same edit goes to that song only.
    await user.click(within(dialog).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(vi.mocked(commands.editTags).mock.calls[1]![0]).toEqual(["t2"]);
    expect(vi.mocked(commands.editTags).mock.calls[1]![1].year).toEqual({ action: "set", value: 1999 });
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => expect(commands.undoTagEdit).toHaveBeenCalledTimes(1));
  });

  it("shows one song's values and facts, and says what is wrong before saving", async () => {
    const user = userEvent.setup();
    wrap(["t1"], [one]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = await screen.findByRole("dialog", { name: "Properties" });
    expect((within(dialog).getByLabelText("Title") as HTMLInputElement).value).toBe("One");
    expect(within(dialog).getByText("/m/one.flac")).toBeTruthy();
    await user.type(within(dialog).getByLabelText("Track"), "x");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(within(dialog).getByRole("alert").textContent).toBe("Track must be a whole number.");
    expect(commands.editTags).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("reads the song again each time it opens, not the tags it showed before", async () => {
    const user = userEvent.setup();
    wrap(["t1"], [one]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    let dialog = await screen.findByRole("dialog", { name: "Properties" });
    expect((within(dialog).getByLabelText("Title") as HTMLInputElement).value).toBe("One");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    // Changed meanwhile (another device's edit, arrived by sync).
    vi.mocked(commands.getTracks).mockImplementation(() => ok([{ ...one, title: "Uno" }]));
    await user.click(screen.getByRole("button", { name: "Open" }));
    await screen.findByDisplayValue("Uno");
    dialog = screen.getByRole("dialog", { name: "Properties" });
    expect((within(dialog).getByLabelText("Title") as HTMLInputElement).value).toBe("Uno");
  });

  it("takes another song's cover, found by searching as you type", async () => {
    const user = userEvent.setup();
    wrap(["t1"], [one]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = await screen.findByRole("dialog", { name: "Properties" });
    await user.selectOptions(within(dialog).getByLabelText("Cover"), "Use the cover of another song…");
    await user.type(within(dialog).getByLabelText("Find a song with the cover you want"), "red");
    // Only the songs with a cover are offered, each showing it.
    const list = await within(dialog).findByRole("list", { name: "Songs with a cover" });
    const offered = within(list).getAllByRole("button");
    expect(offered.map((button) => button.querySelector(".cover-picker__title")?.textContent)).toEqual(["Red Sky", "Redder"]);
    expect(vi.mocked(commands.searchLibrary).mock.calls.at(-1)![0]).toBe("red");
    await waitFor(() => expect(within(offered[1]!).getByRole("img").getAttribute("src")).toBe("data:image/jpeg;base64,a1"));
    // Enter in the search box does not save.
    await user.keyboard("{Enter}");
    expect(commands.editTags).not.toHaveBeenCalled();

    const redderButton = within(list).getByRole("button", { name: /Redder/ });
    await user.click(redderButton);
    expect(redderButton.getAttribute("aria-pressed")).toBe("true");
    // The other song with the same cover is not the one chosen.
    expect(within(list).getByRole("button", { name: /Red Sky/ }).getAttribute("aria-pressed")).toBe("false");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(commands.editTags).toHaveBeenCalled());
    const [ids, edit, cover] = vi.mocked(commands.editTags).mock.calls[0]!;
    expect(ids).toEqual(["t1"]);
    expect(edit.title).toEqual({ action: "leave" });
    expect(cover).toEqual({ kind: "from_artwork", artwork_id: "a1" });
    expect(await screen.findByText("Saved “One”")).toBeTruthy();
  });

  it("asks which song's cover to use rather than keeping the cover", async () => {
    const user = userEvent.setup();
    wrap(["t1"], [one]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = await screen.findByRole("dialog", { name: "Properties" });
    await user.selectOptions(within(dialog).getByLabelText("Cover"), "Use the cover of another song…");
    await user.type(within(dialog).getByLabelText("Find a song with the cover you want"), "nothing");
    expect(await within(dialog).findByText("No song with a cover matches “nothing”.")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(within(dialog).getByRole("alert").textContent).toBe("Choose the song whose cover to use.");
    expect(commands.editTags).not.toHaveBeenCalled();
  });

  it("rates one song with five stars at once, 20 per star; clicking the current star clears it", async () => {
    const user = userEvent.setup();
    wrap(["t1"], [{ ...one, rating: 60 }]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = await screen.findByRole("dialog", { name: "Properties" });
    const stars = within(dialog).getByRole("group", { name: "Rating of One" });
    const star = (label: string) => within(stars).getByRole("button", { name: label });
    // Three stars (60): the third is the pressed one.
    expect(within(stars).getAllByRole("button").map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "false", "true", "false", "false"]);

    await user.click(star("4 stars"));
    await waitFor(() => expect(commands.setRating).toHaveBeenCalledWith(["t1"], 80));
    expect(star("4 stars").getAttribute("aria-pressed")).toBe("true");
    // Set at once: it is not a tag, so Save has nothing to send.
    expect(commands.editTags).not.toHaveBeenCalled();

    // From the keyboard, the current star again: the rating goes.
    star("4 stars").focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(commands.setRating).toHaveBeenLastCalledWith(["t1"], null));
    expect(within(stars).getAllByRole("button").every((b) => b.getAttribute("aria-pressed") === "false")).toBe(true);
    // Enter on a star does not submit the form.
    expect(screen.getByRole("dialog", { name: "Properties" })).toBeTruthy();
    expect(commands.editTags).not.toHaveBeenCalled();
  });

  it("puts the stars back and says why when the rating cannot be set", async () => {
    vi.mocked(commands.setRating).mockImplementation(() =>
      Promise.resolve({ status: "error" as const, error: { kind: "notFound" as const, message: "the song is gone" } }),
    );
    const user = userEvent.setup();
    wrap(["t1"], [one]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const stars = within(await screen.findByRole("dialog", { name: "Properties" })).getByRole("group", { name: "Rating of One" });
    await user.click(within(stars).getByRole("button", { name: "2 stars" }));
    expect(await screen.findByText("The song is gone. It may have been removed; the list has been refreshed.")).toBeTruthy();
    expect(within(stars).getByRole("button", { name: "2 stars" }).getAttribute("aria-pressed")).toBe("false");
  });
});
