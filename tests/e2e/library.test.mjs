// The library end to end: add a folder in Settings, watch the scan run, browse the result,
// and see a file copied in later arrive through the folder watcher.

import assert from "node:assert/strict";
import { cpSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

/** An iTunes `Library.xml` (the plist iTunes exports) with one song at `path` and a playlist of it. */
function itunesLibrary(path) {
  const url = `file://${path.split("/").map(encodeURIComponent).join("/")}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Major Version</key><integer>1</integer>
	<key>Application Version</key><string>12.13.2.3</string>
	<key>Music Folder</key><string>file:///Users/%C3%85sa/Music/iTunes/iTunes%20Media/</string>
	<key>Tracks</key>
	<dict>
		<key>1001</key>
		<dict>
			<key>Track ID</key><integer>1001</integer>
			<key>Name</key><string>Füße im Schnee 京都 (FLAC)</string>
			<key>Total Time</key><integer>500</integer>
			<key>Play Count</key><integer>7</integer>
			<key>Play Date UTC</key><date>2024-05-01T12:00:00Z</date>
			<key>Rating</key><integer>80</integer>
			<key>Loved</key><true/>
			<key>Persistent ID</key><string>0123456789ABCDEF</string>
			<key>Track Type</key><string>File</string>
			<key>Location</key><string>${url}</string>
		</dict>
	</dict>
	<key>Playlists</key>
	<array>
		<dict>
			<key>Name</key><string>Library</string>
			<key>Master</key><true/>
			<key>Playlist ID</key><integer>1</integer>
			<key>Playlist Persistent ID</key><string>AAAAAAAAAAAAAAAA</string>
			<key>Visible</key><false/>
			<key>All Items</key><true/>
			<key>Playlist Items</key><array><dict><key>Track ID</key><integer>1001</integer></dict></array>
		</dict>
		<dict>
			<key>Name</key><string>Winter från iTunes</string>
			<key>Playlist ID</key><integer>2</integer>
			<key>Playlist Persistent ID</key><string>BBBBBBBBBBBBBBBB</string>
			<key>All Items</key><true/>
			<key>Playlist Items</key><array><dict><key>Track ID</key><integer>1001</integer></dict></array>
		</dict>
	</array>
</dict>
</plist>
`;
}

test("importing an iTunes library brings its playlists, ratings, loves and plays, and a second import changes nothing", async () => {
  const { browser } = app;
  const xml = join(music, "Library.xml");
  writeFileSync(xml, itunesLibrary(join(music, "Fixtures", "tagged.flac")));
  await open("settings");
  for (const round of [1, 2]) {
    await browser.$("#itunes-path").setValue(xml);
    await browser.$("button=Import").click();
    const report = await waitForText(browser, '[data-testid="itunes-report"]', /Found 1 song of 1 song/, 20_000);
    if (round === 1) assert.match(report, /1 playlist created/);
    else assert.match(report, /No playlist changed\. No song changed\./);
  }
  await browser.$('//button[contains(@class, "sidebar__item--playlist")][span[.="Winter från iTunes"]]').click();
  await browser.$(songCell("Füße im Schnee 京都 (FLAC)")).waitForExist({ timeout: 10_000 });
  const row = `//div[@role="row"][div[@data-column="title" and .="Füße im Schnee 京都 (FLAC)"]]`;
  await open("songs");
  await browser.$(row).waitForExist({ timeout: 10_000 });
  assert.equal(await browser.$(`${row}/div[@data-column="plays"]`).getProperty("textContent"), "7");
});

test("exporting everything writes the songs, the playlists as M3U8 and library.json into one folder", async () => {
  const { browser } = app;
  // Lowercase and digits only: WebDriver's typing under Xvfb drops capitals.
  const folder = join(tmpdir(), `tonearm-e2e-export-${process.pid}`);
  rmSync(folder, { recursive: true, force: true });
  after(() => rmSync(folder, { recursive: true, force: true }));
  await open("settings");
  await browser.$("#export-folder").setValue(folder);
  await browser.$("button=Export").click();
  const report = await waitForText(browser, '[data-testid="export-report"]', /Exported \d+ songs/, 60_000);
  const [, songs, copied] = /Exported (\d+) songs \((\d+) copied, 0 downloaded\) and 1 playlist\./.exec(report) ?? [];
  assert.ok(Number(songs) >= 15 && copied === songs, report);
  const playlists = readdirSync(join(folder, "Playlists"));
  assert.deepEqual(playlists, ["Winter från iTunes.m3u8"]);
  assert.match(readFileSync(join(folder, "Playlists", playlists[0]), "utf8"), /Füße im Schnee|tagged\.flac|\.flac/);
  const exported = JSON.parse(readFileSync(join(folder, "library.json"), "utf8"));
  assert.ok(JSON.stringify(exported).includes("Füße im Schnee 京都 (FLAC)"), "library.json lacks the song");
});
