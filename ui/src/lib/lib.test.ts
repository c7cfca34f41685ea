// The pure parts of the browser: selection, the virtual window, shortcuts, navigation, what
// the cloud column says, and ratings in stars.
import { describe, expect, it } from "vitest";
import { describeCloudState } from "../components/CloudState";
import type { Track } from "../ipc";
import { back, push, sectionOf, type History } from "../navigation";
import { shortcutFor, type KeyLike } from "../shortcuts";
import { click, clamp, contextClick, emptySelection, isSelected, move, selectAll, selectedCount, selectedIndices } from "./selection";
import { gridLayout, pagesFor, pagesToFetch, scrollToShow, snapScroll, visibleRows } from "./virtual";
import { artistName, fileName, folderName, formatDate, formatDuration, formatEta, formatSize } from "./format";
import { starsLabel, starsOf, starsText } from "./rating";

describe("selection", () => {
  it("selects like a desktop list: click, Ctrl+click, Shift+click", () => {
    let s = click(emptySelection, 3);
    expect(selectedIndices(s)).toEqual([3]);
    s = click(s, 6, { shift: true });
    expect(selectedIndices(s)).toEqual([3, 4, 5, 6]);
    s = click(s, 5, { toggle: true });
    expect(selectedIndices(s)).toEqual([3, 4, 6]);
    s = click(s, 10, { toggle: true });
    expect(s.ranges).toEqual([[3, 4], [6, 6], [10, 10]]);
    // Shift extends from the anchor (10, the last plain or Ctrl click) and replaces...
    expect(selectedIndices(click(s, 8, { shift: true }))).toEqual([8, 9, 10]);
    // ...or adds to the selection with Ctrl held too.
    expect(click(s, 7, { shift: true, toggle: true }).ranges).toEqual([[3, 4], [6, 10]]);
    expect(selectedIndices(click(s, 1))).toEqual([1]);
  });

  it("keeps a right-clicked selection and replaces it when the row is outside", () => {
    const s = click(click(emptySelection, 2), 5, { shift: true });
    expect(selectedIndices(contextClick(s, 4))).toEqual([2, 3, 4, 5]);
    expect(selectedIndices(contextClick(s, 9))).toEqual([9]);
  });

  it("moves with the arrows, extends with Shift, stays inside the list", () => {
    let s = move(emptySelection, 1, 5);
    expect(selectedIndices(s)).toEqual([0]);
    s = move(s, 1, 5, { shift: true });
    s = move(s, 1, 5, { shift: true });
    expect(selectedIndices(s)).toEqual([0, 1, 2]);
    expect(selectedIndices(move(s, 100, 5))).toEqual([4]);
    expect(selectedIndices(move(emptySelection, -1, 5))).toEqual([4]);
    expect(move(s, 1, 0)).toEqual(emptySelection);
  });

  it("selects 100,000 rows as one range and trims to a shorter list", () => {
    const all = selectAll(100_000);
    expect(all.ranges).toEqual([[0, 99_999]]);
    expect(selectedCount(all)).toBe(100_000);
    expect(isSelected(all, 54_321)).toBe(true);
    const trimmed = clamp(all, 10);
    expect(selectedCount(trimmed)).toBe(10);
    expect(clamp(click(emptySelection, 20), 10)).toEqual({ ranges: [], anchor: null, focus: null });
  });
});

describe("the virtual window", () => {
  it("draws the rows in view plus a margin, and no more", () => {
    expect(visibleRows(0, 300, 30, 100_000)).toEqual({ first: 0, last: 18 });
    expect(visibleRows(30_000, 300, 30, 100_000)).toEqual({ first: 992, last: 1018 });
    expect(visibleRows(2_999_700, 300, 30, 100_000)).toEqual({ first: 99_982, last: 100_000 });
    expect(visibleRows(0, 300, 30, 0)).toEqual({ first: 0, last: 0 });
  });

  it("draws again only every few rows scrolled, the view always covered", () => {
    expect(snapScroll(0, 30)).toBe(0);
    expect(snapScroll(239, 30)).toBe(0);
    expect(snapScroll(240, 30)).toBe(240);
    expect(snapScroll(30_100, 30)).toBe(30_000);
    for (let scrollTop = 0; scrollTop < 6_000; scrollTop += 7) {
      const drawn = visibleRows(snapScroll(scrollTop, 30), 300, 30, 100_000);
      const inView = visibleRows(scrollTop, 300, 30, 100_000, 0);
      expect(drawn.first).toBeLessThanOrEqual(inView.first);
      expect(drawn.last).toBeGreaterThanOrEqual(inView.last);
    }
  });

  it("names the pages a window needs and scrolls a row into view", () => {
    expect(pagesFor({ first: 95, last: 205 }, 100)).toEqual([0, 1, 2]);
    expect(pagesFor({ first: 0, last: 0 }, 100)).toEqual([]);
    // A list fetches ahead of the rows drawn, both ways, up to its end and not past it.
    expect(pagesToFetch({ first: 120, last: 160 }, 100, 100_000, 50)).toEqual([0, 1, 2]);
    expect(pagesToFetch({ first: 150, last: 160 }, 100, 100_000, 50)).toEqual([1, 2]);
    expect(pagesToFetch({ first: 0, last: 36 }, 100, 100_000, 50)).toEqual([0]);
    expect(pagesToFetch({ first: 0, last: 36 }, 100, 100_000, 80)).toEqual([0, 1]);
    expect(pagesToFetch({ first: 164, last: 200 }, 100, 200, 50)).toEqual([1]);
    expect(pagesToFetch({ first: 0, last: 0 }, 100, 100_000, 50)).toEqual([]);
    expect(scrollToShow(50, 0, 300, 30)).toBe(1230);
    expect(scrollToShow(2, 300, 300, 30)).toBe(60);
    expect(scrollToShow(12, 300, 300, 30)).toBe(300);
  });
});

describe("the albums grid", () => {
  it("fits as many covers as the width allows and widens them to fill the row", () => {
    // The albums view of a 1200-pixel window: five covers, not four and a gap.
    expect(gridLayout(924, 160, 16)).toEqual({ columns: 5, cardWidth: 165 });
    expect(gridLayout(1600, 160, 16)).toEqual({ columns: 9, cardWidth: 160 });
    expect(gridLayout(1775, 160, 16)).toEqual({ columns: 9, cardWidth: 179 });
    expect(gridLayout(2600, 160, 16)).toEqual({ columns: 14, cardWidth: 168 });
    // Narrower than one card: one, as wide as the room.
    expect(gridLayout(100, 160, 16)).toEqual({ columns: 1, cardWidth: 68 });
    expect(gridLayout(0, 160, 16)).toEqual({ columns: 1, cardWidth: 1 });
  });

  it("leaves less than a pixel per column unused at any width", () => {
    for (let width = 192; width <= 4000; width += 7) {
      const { columns, cardWidth } = gridLayout(width, 160, 16);
      const used = 16 + columns * (cardWidth + 16);
      expect(used).toBeLessThanOrEqual(width);
      expect(width - used).toBeLessThan(columns);
      expect(cardWidth).toBeGreaterThanOrEqual(160);
      expect(cardWidth).toBeLessThan(2 * 160 + 16);
    }
  });
});

describe("keyboard shortcuts", () => {
  const key = (k: string, more: Partial<KeyLike> = {}): KeyLike => ({
    key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, target: { tagName: "DIV" }, ...more,
  });
  it("maps the player, search and queue keys", () => {
    expect(shortcutFor(key(" "))).toEqual({ kind: "toggle_pause" });
    expect(shortcutFor(key("ArrowRight", { ctrlKey: true }))).toEqual({ kind: "next" });
    expect(shortcutFor(key("ArrowLeft", { metaKey: true }), true)).toEqual({ kind: "previous" });
    expect(shortcutFor(key("ArrowUp", { ctrlKey: true }))).toEqual({ kind: "volume", delta: 0.05 });
    expect(shortcutFor(key("f", { ctrlKey: true }))).toEqual({ kind: "search" });
    expect(shortcutFor(key("l", { ctrlKey: true }))).toEqual({ kind: "queue" });
    expect(shortcutFor(key("MediaTrackNext"))).toEqual({ kind: "next" });
    expect(shortcutFor(key("ArrowLeft", { altKey: true }))).toEqual({ kind: "back" });
  });
  it("leaves typing, buttons and plain arrows alone", () => {
    const input = { tagName: "INPUT", type: "search" };
    expect(shortcutFor(key(" ", { target: input }))).toBeNull();
    expect(shortcutFor(key("ArrowRight", { ctrlKey: true, target: input }))).toBeNull();
    expect(shortcutFor(key("f", { ctrlKey: true, target: input }))).toEqual({ kind: "search" });
    expect(shortcutFor(key("MediaPlayPause", { target: input }))).toEqual({ kind: "toggle_pause" });
    expect(shortcutFor(key(" ", { target: { tagName: "BUTTON" } }))).toBeNull();
    expect(shortcutFor(key(" ", { target: { tagName: "INPUT", type: "range" } }))).toEqual({ kind: "toggle_pause" });
    expect(shortcutFor(key("ArrowDown"))).toBeNull();
    expect(shortcutFor(key("f", { metaKey: true }))).toBeNull();
  });
});

describe("navigation", () => {
  it("goes back like a browser and replaces a search being typed", () => {
    let h: History = { stack: [{ view: "songs" }] };
    h = push(h, { view: "albums" });
    h = push(h, { view: "album", key: "k", title: "Kid A" });
    h = push(h, { view: "album", key: "k", title: "Kid A" });
    expect(h.stack).toHaveLength(3);
    h = push(h, { view: "search", query: "r" });
    h = push(h, { view: "search", query: "ra" });
    expect(h.stack).toHaveLength(4);
    expect(h.stack.at(-1)).toEqual({ view: "search", query: "ra" });
    h = back(back(h));
    expect(h.stack.at(-1)).toEqual({ view: "albums" });
    expect(back(back(back(h))).stack).toEqual([{ view: "songs" }]);
    expect(sectionOf({ view: "artist", name: "x" })).toBe("artists");
    expect(sectionOf({ view: "playlist", id: "p" })).toBeNull();
  });
});

describe("the cloud column", () => {
  const base = { state: "present", upload_state: "local_only", upload_error: null, kept_offline: false } as unknown as Track;
  it("says where each track stands", () => {
    expect(describeCloudState(base).label).toBe("On this computer");
    expect(describeCloudState({ ...base, upload_state: "in_cloud" }).label).toBe("In the cloud");
    expect(describeCloudState({ ...base, state: "cloud", upload_state: "in_cloud" }).label).toBe("Only in the cloud");
    expect(describeCloudState({ ...base, state: "cloud", kept_offline: true }).label).toBe("Kept offline");
    expect(describeCloudState({ ...base, upload_state: "failed", upload_error: "disk full" }).label).toBe("Upload failed: disk full");
    expect(describeCloudState({ ...base, upload_state: "queued" }).label).toBe("Waiting to upload");
  });
  it("follows live progress over the stored state", () => {
    const shown = describeCloudState(base, { state: "uploading", bytes_done: 25, bytes_total: 100, error: null });
    expect(shown.label).toBe("Uploading 25%");
    expect(shown.progress).toBe(0.25);
  });
});

describe("formats", () => {
  it("reads as people write", () => {
    expect(formatDuration(61_000)).toBe("1:01");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("–");
    expect(formatSize(1536 * 1024)).toBe("1.5 MB");
    expect(formatEta(30)).toBe("less than a minute left");
    expect(formatEta(3 * 3600 + 600)).toBe("about 3 h 10 min left");
    // One shared formatter, reading exactly as the date's own `toLocaleDateString` would.
    for (const ms of [0, 1_700_000_000_000, Date.UTC(1999, 11, 31, 23, 59), -86_400_000]) {
      expect(formatDate(ms)).toBe(new Date(ms).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }));
    }
    expect(formatDate(null)).toBe("");
    expect(formatDate(Number.NaN)).toBe("");
  });

  it("names what has no name, and the parts of a path", () => {
    expect(artistName("")).toBe("Unknown artist");
    expect(artistName(null)).toBe("Unknown artist");
    expect(artistName("Björk")).toBe("Björk");
    expect(fileName("/music/A/01 Track.mp3")).toBe("01 Track.mp3");
    expect(fileName("C:\\Music\\B\\01 Track.mp3")).toBe("01 Track.mp3");
    expect(folderName("/music/A/01 Track.mp3")).toBe("A");
    expect(folderName("C:\\Music\\B\\01 Track.mp3")).toBe("B");
    expect(folderName("01 Track.mp3")).toBe("");
  });
});

describe("ratings", () => {
  it("are whole stars, 20 each, from a 0..100 rating that another app may have set in between", () => {
    expect(starsOf(null)).toBe(0);
    expect(starsOf(0)).toBe(0);
    expect(starsOf(20)).toBe(1);
    expect(starsOf(80)).toBe(4);
    expect(starsOf(100)).toBe(5);
    // A rating set elsewhere to a value between stars shows as the nearest star.
    expect(starsOf(69)).toBe(3);
    expect(starsOf(70)).toBe(4);
    expect(starsOf(150)).toBe(5);
    expect([1, 4].map(starsLabel)).toEqual(["1 star", "4 stars"]);
    expect(starsText(4)).toBe("★★★★☆");
  });
});
