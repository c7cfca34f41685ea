// The tag editor as a user drives it: Properties on two songs shows what differs as Mixed,
// saving sends only what was typed, the toast's Undo puts it back, failures are named.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands } from "../ipc/bindings";
import { makeTrack, ok } from "../test/fixtures";
import { OverlayProvider, useOverlays } from "./Overlays";
import { ToastProvider } from "./Toast";

vi.mock("../ipc/bindings", () => ({
  commands: { editTags: vi.fn(), undoTagEdit: vi.fn(), getTracks: vi.fn() },
  events: {},
}));

const one = makeTrack({ id: "t1", title: "One", artist: "Ada", album: "Blue", track_no: 1, path: "/m/one.flac" });
const two = makeTrack({ id: "t2", title: "Two", artist: "Ada", album: "Blue", track_no: 2, path: "/m/two.flac" });

function Opener({ ids, tracks }: { ids: string[]; tracks: typeof one[] }) {
  const overlays = useOverlays();
  return (
    <button type="button" onClick={() => overlays.editTags(ids, tracks)}>
      Open
    </button>
  );
}

function wrap(ids: string[], tracks: typeof one[]) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <OverlayProvider>
          <Opener ids={ids} tracks={tracks} />
        </OverlayProvider>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  vi.mocked(commands.editTags).mockReset().mockImplementation((ids) => ok({ edited: ids, failed: [] }));
  vi.mocked(commands.undoTagEdit).mockReset().mockImplementation(() => ok({ edited: ["t1", "t2"], failed: [] }));
  vi.mocked(commands.getTracks).mockReset().mockImplementation(() => ok([one, two]));
});

describe("TagEditor", () => {
  it("edits two songs: mixed fields stay, typed ones are set, Undo puts them back", async () => {
    const user = userEvent.setup();
    wrap(["t1", "t2"], []);
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

  it("lists the files that could not be changed, and Ctrl+Z undoes outside text fields", async () => {
    vi.mocked(commands.editTags).mockImplementation(() =>
      ok({ edited: ["t1"], failed: [{ track_id: "t2", path: "/m/two.flac", reason: "the file is read-only" }] }),
    );
    const user = userEvent.setup();
    wrap(["t1", "t2"], [one, two]);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit 2 songs" });
    expect(commands.getTracks).not.toHaveBeenCalled();
    await user.clear(within(dialog).getByLabelText("Year"));
    await user.type(within(dialog).getByLabelText("Year"), "1999");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("two.flac was not changed: the file is read-only.")).toBeTruthy();
    expect(screen.getByText("Saved 1 of 2 songs")).toBeTruthy();
    expect(vi.mocked(commands.editTags).mock.calls[0]![1].year).toEqual({ action: "set", value: 1999 });
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
});
