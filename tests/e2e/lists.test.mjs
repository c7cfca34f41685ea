// Long lists in the real window. The songs table and the albums grid draw only what is in
// view, placed by arithmetic on the scroll position; the UI's unit tests check that
// arithmetic in jsdom, which lays nothing out. Here WebKit lays them out: scrolled to places
// and flicked through, each drawn row or card must be the right one, where its index puts
// it, and what is in view must be drawn.
//
// Environment (set by `cargo xtask test`): TONEARM_LONG_LIBRARY, a synthetic library of a few
// thousand tracks, and TONEARM_CLI, the command line that scans it into the app's data.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchApp } from "./support/app.mjs";

const library = process.env.TONEARM_LONG_LIBRARY;
const cli = process.env.TONEARM_CLI;
let app;
let dataDir;
let tracks;

before(async () => {
  if (!library || !cli) throw new Error("TONEARM_LONG_LIBRARY and TONEARM_CLI are not set: run the suite through `cargo xtask test`");
  dataDir = mkdtempSync(join(tmpdir(), "tonearm-e2e-long-"));
  execFileSync(cli, ["--data-dir", dataDir, "folders", "add", library], { stdio: "ignore" });
  const scanned = execFileSync(cli, ["--data-dir", dataDir, "scan"], { encoding: "utf8" });
  tracks = Number(/(\d+) added/.exec(scanned)?.[1]);
  assert.ok(tracks >= 1000, `the long library scanned too few tracks: ${scanned}`);
  app = await launchApp({ dataDir });
});
after(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const SONGS = '[role="grid"][aria-label="Songs"] .tracks__scroll';

/**
 * Runs `check` until it passes, for up to 5 s: a list that has just been scrolled draws its
 * rows a frame or two later, and on a loaded machine later still. The last failure is thrown.
 */
async function settled(check) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Scrolls `selector` to `top` (clamped by the browser) and gives the page a frame to answer. */
async function scrollTo(browser, selector, top) {
  await browser.executeAsync((selector, top, done) => {
    document.querySelector(selector).scrollTop = top;
    requestAnimationFrame(() => requestAnimationFrame(() => done()));
  }, selector, top);
}

/** Scrolls by `step` pixels a frame for `frames` frames, as a flick of the wheel does. */
async function flick(browser, selector, step, frames) {
  await browser.executeAsync((selector, step, frames, done) => {
    const scroller = document.querySelector(selector);
    let left = frames;
    const next = () => {
      scroller.scrollTop += step;
      if (--left > 0) requestAnimationFrame(next);
      else requestAnimationFrame(() => done());
    };
    requestAnimationFrame(next);
  }, selector, step, frames);
}

/** Where the songs table's drawn rows are, measured in the window, once every one has its song. */
async function drawnSongs(browser) {
  let drawn;
  await browser.waitUntil(
    async () => {
      drawn = await browser.execute((selector) => {
        const scroller = document.querySelector(selector);
        const box = scroller.getBoundingClientRect();
        const head = scroller.querySelector(".tracks__head").getBoundingClientRect().height;
        const rows = [...scroller.querySelectorAll('.tracks__body > [role="row"]')].map((row) => {
          const rect = row.getBoundingClientRect();
          return {
            index: Number(row.dataset.index),
            // From the top of the body (below the header), in the scrolled content.
            y: rect.top - box.top + scroller.scrollTop - head,
            height: rect.height,
            loading: row.querySelector(".tracks__loading") !== null,
            title: row.querySelector('[data-column="title"]').textContent,
          };
        });
        return { scrollTop: scroller.scrollTop, viewport: scroller.clientHeight - head, scrollHeight: scroller.scrollHeight, head, rows };
      }, SONGS);
      return drawn.rows.length > 0 && drawn.rows.every((row) => !row.loading);
    },
    { timeout: 10_000, timeoutMsg: "the rows in view never got their songs" },
  );
  return drawn;
}

/** The library's songs from `offset`, in the Songs view's order, asked of the app itself. */
async function songsFrom(browser, offset, limit) {
  return browser.executeAsync((offset, limit, done) => {
    const filter = { album_key: null, artist: null, genre: null, present_only: false };
    window.__TAURI_INTERNALS__
      .invoke("list_tracks", { filter, sort: "artist", descending: false, offset, limit })
      .then((page) => done(page.items.map((track) => track.title)), (error) => done({ error: String(error) }));
  }, offset, limit);
}

/** Every drawn row is the song its index names, at index × the row height, in order, and covers the view. */
async function assertSongsPlaced(browser, where) {
  const drawn = await drawnSongs(browser);
  const { rows } = drawn;
  const rowHeight = rows[0].height;
  assert.ok(rowHeight > 0, `${where}: rows have a height`);
  rows.forEach((row, at) => {
    assert.equal(row.index, rows[0].index + at, `${where}: the rows drawn follow one another`);
    assert.ok(Math.abs(row.y - row.index * rowHeight) < 1, `${where}: row ${row.index} sits at ${row.y} px, not ${row.index * rowHeight}`);
  });
  // The body is as tall as every row, wherever it is scrolled: the scrollbar does not drift.
  assert.ok(Math.abs(drawn.scrollHeight - (drawn.head + tracks * rowHeight)) < 1, `${where}: the table is ${drawn.scrollHeight} px tall`);
  const first = rows[0].index;
  const last = rows.at(-1).index;
  assert.ok(first * rowHeight <= drawn.scrollTop, `${where}: the top of the view (${drawn.scrollTop} px) is drawn (first row ${first})`);
  const bottom = Math.min(tracks * rowHeight, drawn.scrollTop + drawn.viewport);
  assert.ok((last + 1) * rowHeight >= bottom, `${where}: the bottom of the view (${bottom} px) is drawn (last row ${last})`);
  const expected = await songsFrom(browser, first, rows.length);
  assert.ok(Array.isArray(expected), `${where}: the app listed its songs: ${JSON.stringify(expected)}`);
  assert.deepEqual(rows.map((row) => row.title), expected, `${where}: the rows show the songs at their places`);
  return drawn;
}

test("the songs table draws the right songs where they belong, wherever it is scrolled", async () => {
  const { browser } = app;
  await browser.$(`button[data-view="songs"]`).click();
  const grid = browser.$('[role="grid"][aria-label="Songs"]');
  await grid.waitForExist({ timeout: 10_000 });
  assert.equal(await grid.getAttribute("aria-rowcount"), String(tracks + 1));
  const { rows: [{ height: rowHeight }] } = await settled(() => assertSongsPlaced(browser, "at the top"));

  // Past the first pages, between two rows (the table draws whole rows), at the end.
  for (const [where, top] of [
    ["row 1,234", 1234 * rowHeight],
    ["between rows 1,800 and 1,801", 1800 * rowHeight + rowHeight / 3],
    ["the end", tracks * rowHeight],
  ]) {
    await scrollTo(browser, SONGS, top);
    const drawn = await settled(() => assertSongsPlaced(browser, where));
    if (where === "the end") assert.equal(drawn.rows.at(-1).index, tracks - 1, "the last song is drawn at the end");
  }

  // Back up in a flick of 60 frames, then down in another.
  await flick(browser, SONGS, -140, 60);
  await settled(() => assertSongsPlaced(browser, "after a flick up"));
  await flick(browser, SONGS, 97, 60);
  await settled(() => assertSongsPlaced(browser, "after a flick down"));
});

test("the albums grid draws the right albums in their cells, wherever it is scrolled", async () => {
  const { browser } = app;
  await browser.$(`button[data-view="albums"]`).click();
  const body = browser.$(".view-albums .virtual__body");
  await body.waitForExist({ timeout: 10_000 });
  const albums = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__
      .invoke("list_albums", { byArtist: false, offset: 0, limit: 1_000_000 })
      .then((page) => done(page.items.map((album) => album.title)), (error) => done({ error: String(error) }));
  });
  assert.ok(Array.isArray(albums) && albums.length >= 100, `the library has enough albums to scroll: ${JSON.stringify(albums).slice(0, 200)}`);

  const SCROLLER = ".view-albums .virtual";
  const placed = async (where) => {
    const drawn = await browser.execute((selector) => {
      const scroller = document.querySelector(selector);
      const box = scroller.getBoundingClientRect();
      const list = scroller.querySelector(".virtual__body");
      const cards = [...list.querySelectorAll(".virtual__card")].map((card) => {
        const rect = card.getBoundingClientRect();
        return {
          index: Number(card.getAttribute("aria-posinset")) - 1,
          x: rect.left - box.left,
          y: rect.top - box.top + scroller.scrollTop,
          width: rect.width,
          height: rect.height,
          title: card.querySelector(".album-card__title").textContent,
        };
      });
      return { columns: Number(list.dataset.columns), scrollTop: scroller.scrollTop, viewport: scroller.clientHeight, cards };
    }, SCROLLER);
    const { columns, cards } = drawn;
    assert.ok(columns >= 2 && cards.length > 0, `${where}: cards in ${columns} columns`);
    // Cells of one size in a regular lattice: column and row found from the index alone.
    const [a] = cards;
    const across = cards.find((card) => card.index === a.index + 1 && card.index % columns !== 0);
    const down = cards.find((card) => card.index === a.index + columns);
    assert.ok(across && down, `${where}: a neighbour across and below the first card`);
    const stepX = across.x - a.x;
    const stepY = down.y - a.y;
    assert.ok(stepX >= a.width && stepY >= a.height, `${where}: cards do not overlap`);
    for (const card of cards) {
      const column = card.index % columns;
      const row = Math.floor(card.index / columns);
      const x = a.x + (column - (a.index % columns)) * stepX;
      const y = a.y + (row - Math.floor(a.index / columns)) * stepY;
      assert.ok(Math.abs(card.x - x) < 1 && Math.abs(card.y - y) < 1, `${where}: album ${card.index} sits at ${card.x},${card.y}, not ${x},${y}`);
      assert.equal(card.title, albums[card.index] || "Unknown album", `${where}: album ${card.index} is in its cell`);
    }
    // Every cell the view shows is drawn: from the row at its top to the row at its bottom.
    const firstRow = Math.floor(Math.max(0, drawn.scrollTop - a.y) / stepY) + Math.floor(a.index / columns);
    const lastRow = Math.min(Math.ceil(albums.length / columns) - 1, Math.floor((drawn.scrollTop + drawn.viewport - a.y) / stepY) + Math.floor(a.index / columns));
    const drawnIndexes = new Set(cards.map((card) => card.index));
    for (let index = firstRow * columns; index < Math.min(albums.length, (lastRow + 1) * columns); index++) {
      assert.ok(drawnIndexes.has(index), `${where}: album ${index}, in view, is drawn`);
    }
  };

  await settled(() => placed("at the top"));
  const height = await browser.execute((selector) => document.querySelector(selector).scrollHeight, SCROLLER);
  for (const [where, top] of [
    ["the middle", height / 2],
    ["the end", height],
  ]) {
    await scrollTo(browser, SCROLLER, top);
    await settled(() => placed(where));
  }
  await flick(browser, SCROLLER, -150, 40);
  await settled(() => placed("after a flick up"));
});
