// The library browser end to end: search as you type with grouped results, the songs menu,
// a playlist made from it and reordered from the keyboard, and the tag editor, in the real
// window.

import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchApp, screenshotDir } from "./support/app.mjs";
import { cell, openTagEditor as openTagEditorOf, tagField } from "./support/tags.mjs";

const fixtures = join(import.meta.dirname, "..", "fixtures", "audio");
let app;
let music;

before(async () => {
  music = mkdtempSync(join(tmpdir(), "tonearm-e2e-browse-"));
  cpSync(fixtures, join(music, "Fixtures"), { recursive: true });
  // Every song in Fixtures has the same cover (embedded, or the folder's cover.jpg): this one,
  // in a folder of its own, has none, so taking another song's cover is a change to see.
  mkdirSync(join(music, "Fixtures", "Loose"));
  copyFileSync(join(fixtures, "untagged.mp3"), join(music, "Fixtures", "Loose", "coverless.mp3"));
  app = await launchApp();
  const { browser } = app;
  await browser.$('button[data-view="settings"]').click();
  await browser.$("#folder-path").setValue(join(music, "Fixtures"));
  await browser.$("button=Add folder").click();
  await browser.waitUntil(async () => /Scan finished/.test(await browser.$('[data-testid="scan-summary"]').getText()), {
    timeout: 20_000,
    timeoutMsg: "the scan never finished",
  });
});
after(async () => {
  await app?.close();
  if (music) rmSync(music, { recursive: true, force: true });
});

/** The titles of a grid's rows, top to bottom. */
async function titles(grid) {
  const { browser } = app;
  return browser.execute((label) => {
    const rows = [...document.querySelectorAll(`[role="grid"][aria-label="${label}"] [role="row"][aria-selected]`)];
    rows.sort((a, b) => Number(a.getAttribute("aria-rowindex")) - Number(b.getAttribute("aria-rowindex")));
    return rows.map((row) => row.querySelector('[data-column="title"]')?.textContent ?? "");
  }, grid);
}

test("search as you type groups artists, albums and songs", async () => {
  const { browser } = app;
  await browser.keys(["Control", "f"]);
  const box = browser.$("#search");
  assert.equal(await browser.execute(() => document.activeElement?.id), "search", "Ctrl+F focuses the search box");
  await box.setValue("beyon");
  const results = browser.$('[data-testid="search-results"]');
  await results.waitForExist({ timeout: 5_000 });
  await browser.waitUntil(async () => /Tonearm Fixtures/.test(await results.getProperty("textContent")), { timeout: 5_000 });
  const text = await results.getProperty("textContent");
  assert.match(text, /Artists[\s\S]*Beyoncé/);
  assert.match(text, /Albums[\s\S]*Tonearm Fixtures — Ünïcode 音楽/);
  await browser.saveScreenshot(join(screenshotDir, "search.png"));

  // Narrow to one song, then open its artist.
  await box.setValue("smörgåsbord");
  await browser.$(cell("Smörgåsbord 名古屋 (ALAC)")).waitForExist({ timeout: 5_000 });
  assert.deepEqual(await titles("Matching songs"), ["Smörgåsbord 名古屋 (ALAC)"]);
  await box.setValue("beyonce");
  await browser.$('//section[@aria-labelledby="search-artists"]//button[contains(., "Beyoncé")]').click();
  await browser.$('[data-testid="view-artist"]').waitForExist({ timeout: 5_000 });
  assert.equal(await browser.$("#view-title").getText(), "Beyoncé");
});

test("a playlist made from the songs menu is reordered from the keyboard", async () => {
  const { browser } = app;
  await browser.$('button[data-view="songs"]').click();
  await browser.waitUntil(async () => (await titles("Songs")).length > 2, { timeout: 5_000 });
  const [first, second] = await titles("Songs");
  // Click the first song, Shift+Down takes the second too, and a right-click opens the menu.
  await browser.$(cell(first)).click();
  await browser.keys(["Shift", "ArrowDown"]);
  await browser.waitUntil(async () => (await browser.$('[role="grid"][aria-label="Songs"]').getAttribute("data-selected-count")) === "2", {
    timeout: 5_000,
    timeoutMsg: "Shift+Down did not select two songs",
  });
  await browser.$(cell(second)).click({ button: "right" });
  const menu = browser.$('[role="menu"][aria-label="Actions"]');
  await menu.waitForExist({ timeout: 5_000 });
  await menu.$('//li[@role="menuitem" and contains(., "Add to playlist")]').moveTo();
  await browser.$('//li[@role="menuitem" and text()="New playlist…"]').click();
  const name = browser.$('[role="dialog"] input');
  await name.waitForExist({ timeout: 5_000 });
  await name.setValue("evening mix");
  await browser.keys("Enter");

  const link = browser.$('//button[@data-playlist and contains(., "evening mix")]');
  await link.waitForExist({ timeout: 5_000 });
  await link.click();
  await browser.$('[data-testid="playlist-name"]').waitForExist({ timeout: 5_000 });
  const grid = await browser.$('[role="grid"]').getAttribute("aria-label");
  await browser.waitUntil(async () => (await titles(grid)).length === 2, { timeout: 5_000, timeoutMsg: "the playlist has not 2 songs" });
  const before = await titles(grid);
  assert.deepEqual([...before].sort(), [first, second].sort());

  // Select the first row and move it down with Alt+Down.
  await browser.$(cell(before[0])).click();
  await browser.keys(["Alt", "ArrowDown"]);
  await browser.waitUntil(async () => (await titles(grid))[0] === before[1], {
    timeout: 5_000,
    timeoutMsg: "the playlist was not reordered",
  });
  assert.deepEqual(await titles(grid), [before[1], before[0]]);
  await browser.saveScreenshot(join(screenshotDir, "playlist.png"));

  // The order is the library's, not just the screen's: it survives leaving and coming back.
  await browser.$('button[data-view="songs"]').click();
  await link.click();
  await browser.waitUntil(async () => (await titles(grid)).length === 2, { timeout: 5_000 });
  assert.deepEqual(await titles(grid), [before[1], before[0]]);
});

/** Opens the tag editor on the selection from the songs menu of `title`'s row. */
const openTagEditor = (title) => openTagEditorOf(app.browser, title);

test("two songs get a genre from the tag editor, and Ctrl+Z takes it back", async () => {
  const { browser } = app;
  await browser.$('button[data-view="songs"]').click();
  await browser.waitUntil(async () => (await titles("Songs")).length > 4, { timeout: 5_000 });
  const all = await titles("Songs");
  const readable = (t) => t && !t.includes("cannot be read");
  const at = all.findIndex((t, i) => readable(t) && readable(all[i + 1]));
  assert.ok(at >= 0, "two readable songs side by side");
  const [first, second] = [all[at], all[at + 1]];

  await browser.$(cell(first)).click();
  await browser.keys(["Shift", "ArrowDown"]);
  await browser.waitUntil(async () => (await browser.$('[role="grid"][aria-label="Songs"]').getAttribute("data-selected-count")) === "2", {
    timeout: 5_000,
    timeoutMsg: "Shift+Down did not select two songs",
  });
  await openTagEditor(second);
  assert.equal(await browser.$('//form[starts-with(@aria-label, "Tags of")]').getAttribute("aria-label"), "Tags of 2 songs");
  // The two songs have different titles: the field says so and is left alone unless typed in.
  assert.equal(await browser.$(tagField("Title")).getAttribute("placeholder"), "Mixed");
  await browser.saveScreenshot(join(screenshotDir, "tag-editor.png"));
  await browser.$(tagField("Genre")).setValue("edited genre");
  await browser.$("button=Save").click();
  await browser.$('//form[starts-with(@aria-label, "Tags of")]').waitForExist({ reverse: true, timeout: 10_000 });

  // Each song, opened alone, has the new genre and kept its own title.
  for (const title of [first, second]) {
    await browser.$(cell(title)).click();
    await openTagEditor(title);
    assert.equal(await browser.$(tagField("Genre")).getValue(), "edited genre", title);
    assert.equal(await browser.$(tagField("Title")).getValue(), title);
    await browser.$("button=Cancel").click();
  }

  // Undo puts the old genre back.
  await browser.$(cell(first)).click();
  await browser.keys(["Control", "z"]);
  await browser.waitUntil(
    async () => {
      await openTagEditor(first);
      const genre = await browser.$(tagField("Genre")).getValue();
      await browser.$("button=Cancel").click();
      return genre !== "edited genre";
    },
    { timeout: 10_000, timeoutMsg: "Ctrl+Z did not undo the edit" },
  );
});

/** The cover choice of the tag editor. */
const coverSelect = `//form[starts-with(@aria-label, "Tags of")]//label[normalize-space(text())="Cover"]/select`;

/** A song the tag editor's cover search offers, by its title. */
const offeredSong = (title) =>
  `//form[starts-with(@aria-label, "Tags of")]//ul[@aria-label="Songs with a cover"]//button[.//span[@class="cover-picker__title" and .="${title}"]]`;

/** The thumbnail `src` of a song the cover search offers (it loads after the button shows). */
async function offeredCover(title) {
  const { browser } = app;
  const image = browser.$(`${offeredSong(title)}//img`);
  await image.waitForExist({ timeout: 5_000, timeoutMsg: `no cover shown for ${title}` });
  return image.getAttribute("src");
}

test("one song's title is edited from Properties and another song's cover replaces its own", async () => {
  const { browser } = app;
  const form = '//form[starts-with(@aria-label, "Tags of")]';
  // Another album ("Tonearm Fixtures — Ünïcode 音楽"; the coverless song is on none).
  const donor = "Smörgåsbord 名古屋 (ALAC)";
  await browser.$('button[data-view="songs"]').click();
  await browser.$(cell("coverless")).waitForExist({ timeout: 10_000 });
  await browser.$(cell("coverless")).click();
  await openTagEditor("coverless");
  assert.equal(await browser.$(form).getAttribute("aria-label"), "Tags of “coverless”");
  await browser.$(tagField("Title")).setValue("borrowed cover");
  await browser.$(coverSelect).selectByVisibleText("Use the cover of another song…");
  const find = browser.$(tagField("Find a song with the cover you want"));
  await find.waitForExist({ timeout: 5_000 });

  // Saving before a song is chosen says so instead of keeping the cover.
  await browser.$("button=Save").click();
  const problem = browser.$(`${form}//*[@role="alert"]`);
  await problem.waitForExist({ timeout: 5_000, timeoutMsg: "saving without a song said nothing" });
  assert.equal(await problem.getText(), "Choose the song whose cover to use.");

  // The song has no cover yet: searched for, it is not offered.
  await find.setValue("coverless");
  await browser.$(`${form}//p[.="No song with a cover matches “coverless”."]`).waitForExist({ timeout: 5_000 });

  await find.setValue("alac"); // ASCII: typing under Xvfb drops some letters
  const pick = browser.$(offeredSong(donor));
  await pick.waitForExist({ timeout: 5_000 });
  const donorCover = await offeredCover(donor);
  assert.match(donorCover, /^data:image\//);
  await pick.click();
  await browser.waitUntil(async () => (await pick.getAttribute("aria-pressed")) === "true", {
    timeout: 5_000,
    timeoutMsg: "the song clicked is not marked as chosen",
  });
  await browser.saveScreenshot(join(screenshotDir, "tag-editor-cover.png"));
  await browser.$("button=Save").click();
  await browser.$(form).waitForExist({ reverse: true, timeout: 10_000 });

  // The row has the new title.
  await browser.$(cell("borrowed cover")).waitForExist({ timeout: 10_000 });
  assert.equal(await browser.$(cell("coverless")).isExisting(), false);

  // And the song now has the other song's cover: the cover search offers it, with that picture.
  await browser.$(cell("borrowed cover")).click();
  await openTagEditor("borrowed cover");
  assert.equal(await browser.$(tagField("Title")).getValue(), "borrowed cover");
  await browser.$(coverSelect).selectByVisibleText("Use the cover of another song…");
  await browser.$(tagField("Find a song with the cover you want")).setValue("borrowed");
  await browser.$(offeredSong("borrowed cover")).waitForExist({ timeout: 5_000, timeoutMsg: "the edited song has no cover" });
  assert.equal(await offeredCover("borrowed cover"), donorCover);
  await browser.$("button=Cancel").click();
  await browser.$(form).waitForExist({ reverse: true, timeout: 5_000 });
});
