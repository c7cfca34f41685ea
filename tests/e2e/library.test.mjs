// The library end to end: add a folder in Settings, watch the scan run, browse the result,
// and see a file copied in later arrive through the folder watcher.

import assert from "node:assert/strict";
import { cpSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchApp, screenshotDir, waitForText } from "./support/app.mjs";

const fixtures = join(import.meta.dirname, "..", "fixtures", "audio");
let app;
let music;

before(async () => {
  music = mkdtempSync(join(tmpdir(), "tonearm-e2e-music-"));
  cpSync(fixtures, join(music, "Fixtures"), { recursive: true });
  app = await launchApp();
});
after(async () => {
  await app?.close();
  if (music) rmSync(music, { recursive: true, force: true });
});

async function open(view) {
  await app.browser.$(`button[data-view="${view}"]`).click();
  await app.browser.$(`[data-testid="view-${view}"]`).waitForExist({ timeout: 5_000 });
}

/** The title cell of a song in the songs table. */
const songCell = (title) => `//div[@role="gridcell" and @data-column="title" and text()="${title}"]`;

test("adding a music folder scans it and fills the library", async () => {
  const { browser } = app;
  await open("settings");
  await browser.$("#folder-path").setValue(music);
  await browser.$("button=Add folder").click();
  const summary = await waitForText(app.browser, '[data-testid="scan-summary"]', /Scan finished/);
  // 15 files with audio extensions: 12 readable, 3 broken; the WMA is listed as unsupported.
  assert.match(summary, /15 files, 12 added/);
  assert.match(summary, /4 files could not be added/);
  assert.match(await browser.$(".folders").getText(), /15 tracks/);
  await browser.saveScreenshot(join(screenshotDir, "settings-scanned.png"));

  await open("songs");
  assert.equal(await waitForText(app.browser, '[data-testid="song-count"]', /songs/), "15 songs");
  const grid = browser.$('[role="grid"][aria-label="Songs"]');
  assert.equal(await grid.getAttribute("aria-rowcount"), "16", "15 songs and the header row");
  await browser.waitUntil(async () => (await browser.$$('[role="grid"] [role="row"][aria-selected]')).length === 15, {
    timeout: 5_000,
    timeoutMsg: "the 15 songs were not drawn",
  });
  assert.ok(await browser.$(songCell("Naïve Mélodie 大阪 (ID3v2.4)")).isExisting(), "a tagged title is listed");
  // A file that cannot be read is listed by its file name, marked, in its folder, saying why.
  const broken = browser.$('//div[@role="row" and @data-state="unreadable"][.//div[@data-column="title" and contains(., "garbage.mp3")]]');
  assert.ok(await broken.isExisting(), "the unreadable MP3 is listed by its file name");
  assert.match(await broken.getAttribute("title"), /^Tonearm cannot read this file.*\n.*garbage\.mp3$/s);
  assert.ok(await broken.$('[data-column="title"] svg').isExisting(), "and marked");
  assert.match(await broken.$('[data-column="album"]').getProperty("textContent"), /Fixtures$/);
  await browser.saveScreenshot(join(screenshotDir, "songs-scanned.png"));

  await open("albums");
  // Text that may be cut with an ellipsis is read as the DOM holds it (WebKitWebDriver's
  // getText leaves it out).
  assert.match(await browser.$('ul[aria-label="Albums"]').getProperty("textContent"), /Tonearm Fixtures — Ünïcode 音楽/);
  // The grid's columns fill the width it has, whatever the window's size, covers included.
  const layout = await browser.execute(() => {
    const list = document.querySelector('ul[aria-label="Albums"]');
    const card = list.querySelector("li");
    return {
      width: list.parentElement.clientWidth,
      columns: Number(list.dataset.columns),
      card: card.getBoundingClientRect().width,
      cover: card.querySelector(".cover").getBoundingClientRect().width,
    };
  });
  const used = 16 + layout.columns * (layout.card + 16);
  assert.ok(used <= layout.width && layout.width - used < layout.columns, `grid ${JSON.stringify(layout)}`);
  assert.equal(layout.cover, layout.card, "covers take the card's width");
  await open("artists");
  const artists = await browser.$('ul[aria-label="Artists"]').getProperty("textContent");
  assert.match(artists, /Beyoncé/);
  assert.match(artists, /Sigur Rós/);
  // The untagged song is credited to no one (and is on no album).
  assert.match(artists, /^Unknown artist1 song/);
});

test("a file copied into a music folder appears without a rescan", async () => {
  copyFileSync(join(fixtures, "tagged.flac"), join(music, "Fixtures", "dropped in.flac"));
  await open("songs");
  // The watcher sends LibraryChanged; the view refreshes on it.
  assert.equal(await waitForText(app.browser, '[data-testid="song-count"]', /^16 songs$/, 20_000), "16 songs");
});
