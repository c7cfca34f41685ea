// The cloud end to end: a real locker server (`tonearm-server`); the app connects to it from
// the Cloud view and uploads its library in the background, each song's state changing to
// "in the cloud"; a second device (another data directory) connects to the same locker, sees
// the songs it does not have as cloud-only and plays one, streamed, to its sound card, and
// shows their album with the cover the cloud keeps; a tag edit of a cloud-only song there
// reaches the first device's file, and a love set there shows on the first device.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchApp, screenshotDir, waitForText } from "./support/app.mjs";
import { attributeOf, cell, lovedMark, menuItem, openTagEditor, tagField, tagForm, waitForMatch } from "./support/tags.mjs";

const fixtures = join(import.meta.dirname, "..", "fixtures", "audio");
const serverBinary = process.env.TONEARM_SERVER;
const password = "correct horse battery staple";
let app;
let second;
let work;
let server;
let serverUrl;

before(async () => {
  if (!serverBinary) throw new Error("TONEARM_SERVER is not set: run the suite through `cargo xtask test`");
  work = mkdtempSync(join(tmpdir(), "tonearm-e2e-cloud-"));
  const data = join(work, "server");
  const added = spawnSync(serverBinary, ["--data-dir", data, "user", "add", "ann"], { input: `${password}\n` });
  assert.equal(added.status, 0, String(added.stderr));
  server = spawn(serverBinary, ["--data-dir", data, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
  serverUrl = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    server.on("exit", (code) => reject(new Error(`tonearm-server exited with ${code}`)));
  });
  mkdirSync(join(work, "Music"));
  for (const name of ["id3v24.mp3", "tagged.flac", "tagged.ogg"]) copyFileSync(join(fixtures, name), join(work, "Music", name));
  // A trash of its own, where "Remove download" puts files.
  app = await launchApp({ env: { TONEARM_TOKEN_STORE: "file", XDG_DATA_HOME: join(work, "xdg") } });
});
after(async () => {
  await app?.close();
  await second?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("connecting to a locker uploads the library by itself and shows it in the cloud panel", async () => {
  const { browser } = app;
  await browser.$('button[data-view="settings"]').click();
  await browser.$("#folder-path").setValue(join(work, "Music"));
  await browser.$("button=Add folder").click();
  await waitForText(app.browser, '[data-testid="scan-summary"]', /Scan finished/);

  await connect(browser);
  assert.match(await waitForText(app.browser, '[data-testid="cloud-connection"]', /Connected/), /Connected/);
  // No "Upload library" click: new music goes up by itself (the default setting).
  const totals = await waitForText(app.browser, '[data-testid="cloud-totals"]', /In the cloud\s*3 songs/);
  assert.match(totals, /Only on this computer\s*0/);
  await browser.saveScreenshot(join(screenshotDir, "cloud.png"));
});

/** Connects the app in `browser` to the test locker as ann. */
async function connect(browser) {
  await browser.$('button[data-view="cloud"]').click();
  await browser.$("#cloud-server").waitForExist({ timeout: 10_000 });
  await browser.$("#cloud-server").setValue(serverUrl);
  await browser.$("#cloud-user").setValue("ann");
  await browser.$("#cloud-password").setValue(password);
  await browser.$("button=Connect").click();
}

/** The cloud column's state of every song drawn in the Songs view. */
async function cloudStates(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[role="grid"][aria-label="Songs"] [data-cloud-state]')].map((e) => e.getAttribute("data-cloud-state")),
  );
}

test("each song's cloud state changes to in the cloud", async () => {
  const { browser } = app;
  await browser.$('button[data-view="songs"]').click();
  await browser.waitUntil(async () => {
    const states = await cloudStates(browser);
    return states.length === 3 && states.every((s) => s === "in_cloud");
  }, { timeout: 15_000, timeoutMsg: "the songs never showed as in the cloud" });
  await browser.saveScreenshot(join(screenshotDir, "songs-in-cloud.png"));
});

test("a second device lists the cloud's songs as cloud-only and streams one to its sound card", async () => {
  const capture = join(work, "second.wav");
  const conf = join(work, "second.conf");
  writeFileSync(
    conf,
    `pcm.!default { type plug; slave { pcm "capture_file"; format S16_LE; rate 44100; channels 2 } }\n` +
      `pcm.capture_file { type file; slave.pcm { type null }; file "${capture}"; format "wav" }\n`,
  );
  second = await launchApp({ env: { TONEARM_TOKEN_STORE: "file", ALSA_CONFIG_PATH: `/usr/share/alsa/alsa.conf:${conf}` } });
  const { browser } = second;
  await connect(browser);
  assert.match(await waitForText(browser, '[data-testid="cloud-totals"]', /Only in the cloud\s*3/, 20_000), /Only in the cloud\s*3/);

  await browser.$('button[data-view="songs"]').click();
  await browser.waitUntil(async () => {
    const states = await cloudStates(browser);
    return states.length === 3 && states.every((s) => s === "cloud_only");
  }, { timeout: 15_000, timeoutMsg: "the cloud's songs are not listed as cloud-only" });
  const title = "Füße im Schnee 京都 (FLAC)";
  await browser.$(`//div[@role="gridcell" and @data-column="title" and text()="${title}"]`).doubleClick();
  const loud = () => {
    if (!existsSync(capture)) return 0;
    const bytes = readFileSync(capture);
    let count = 0;
    for (let at = bytes.indexOf("data") + 8; at + 2 <= bytes.length; at += 4) if (Math.abs(bytes.readInt16LE(at)) > 200) count++;
    return count;
  };
  await browser.waitUntil(() => loud() > 44_100 * 0.5, { timeout: 15_000, timeoutMsg: "no streamed sound reached the sound card" });
  // The engine reported it played: its play count went up. (The file "sound card" is not
  // paced, so the song is over before the now-playing bar could be read.)
  const plays = `//div[@role="row"][div[@data-column="title" and text()="${title}"]]/div[@data-column="plays"]`;
  await browser.waitUntil(async () => (await browser.$(plays).getProperty("textContent")) === "1", {
    timeout: 10_000,
    timeoutMsg: "the engine never counted the cloud song as played",
  });
  await browser.saveScreenshot(join(screenshotDir, "cloud-only-playing.png"));
});

test("the second device shows the cloud-only album with the cover the cloud keeps, not the placeholder", async () => {
  const { browser } = second;
  const manifest = JSON.parse(readFileSync(join(fixtures, "manifest.json"), "utf8"));
  const album = manifest.files.find((file) => file.name === "tagged.flac").tags.album;
  assert.equal(album, "Tonearm Fixtures — Ünïcode 音楽");
  await browser.$('button[data-view="albums"]').click();
  const card = `//ul[@aria-label="Albums"]//button[contains(@class, "album-card")][span[@class="album-card__title" and .="${album}"]]`;
  await browser.$(card).waitForExist({ timeout: 10_000, timeoutMsg: "the cloud-only album is not in the Albums view" });
  // The cover is fetched from the cloud before the songs naming it are shown, so the card
  // draws it at once; the thumbnail is the fixtures' 96×96 cover (it is never enlarged).
  const image = browser.$(`${card}//div[contains(@class, "cover")]/img[@alt="Cover of ${album}"]`);
  await image.waitForExist({ timeout: 10_000, timeoutMsg: "the cloud-only album shows no cover" });
  await browser.waitUntil(async () => (await image.getProperty("naturalWidth")) > 0, {
    timeout: 5_000,
    timeoutMsg: "the album's cover never decoded",
  });
  assert.match(await image.getAttribute("src"), /^data:image\/jpeg;base64,/);
  assert.equal(await image.getProperty("naturalWidth"), manifest.cover.width);
  assert.equal(await image.getProperty("naturalHeight"), manifest.cover.height);
  assert.equal(await browser.$(`${card}//*[contains(@class, "cover__placeholder")]`).isExisting(), false);
  await browser.saveScreenshot(join(screenshotDir, "cloud-only-album.png"));
});

test("a cloud-only song retitled on the second device is retitled in the first device's file", async () => {
  const title = "Füße im Schnee 京都 (FLAC)";
  const retitled = "retitled on the second device";
  {
    const { browser } = second;
    await browser.$('button[data-view="songs"]').click();
    await openTagEditor(browser, title);
    assert.equal(await browser.$(tagForm).getAttribute("aria-label"), `Tags of “${title}”`);
    await browser.$(tagField("Title")).setValue(retitled);
    await browser.$(tagField("Comment")).setValue("a comment that travels");
    await browser.$("button=Save").click();
    await browser.$(tagForm).waitForExist({ reverse: true, timeout: 10_000 });
    await waitForMatch(browser, cell(retitled));
    // Still cloud-only: the edit changed the cloud's record, nothing was downloaded for it.
    const state = `//div[@role="row"][div[@data-column="title" and .="${retitled}"]]//*[@data-cloud-state]`;
    assert.equal(await attributeOf(browser, state, "data-cloud-state"), "cloud_only");
  }
  const { browser } = app;
  const file = join(work, "Music", "tagged.flac");
  await browser.$('button[data-view="cloud"]').click();
  // The second device sends its edit right after saving; the first syncs when asked.
  await browser.waitUntil(
    async () => {
      const sync = browser.$("button=Sync now");
      if (await sync.isExisting()) await sync.click();
      return readFileSync(file).includes(`TITLE=${retitled}`);
    },
    { timeout: 20_000, interval: 1_000, timeoutMsg: "the edit never reached the first device's file" },
  );
  assert.ok(readFileSync(file).includes("COMMENT=a comment that travels"), "the comment travels too");
  await browser.$('button[data-view="songs"]').click();
  await waitForMatch(browser, cell(retitled));
  assert.equal(await browser.$(cell(title)).isExisting(), false);
});

test("a love set on the second device shows on the first", async () => {
  const title = "retitled on the second device";
  {
    const { browser } = second;
    await browser.$('button[data-view="songs"]').click();
    await browser.$(cell(title)).waitForExist({ timeout: 10_000 });
    assert.equal(await browser.$(lovedMark(title)).isExisting(), false, "not loved yet");
    await browser.$(cell(title)).click({ button: "right" });
    await browser.$('[role="menu"][aria-label="Actions"]').waitForExist({ timeout: 5_000 });
    assert.equal(await browser.$(menuItem("Unlove")).isExisting(), false);
    await browser.$(menuItem("Love")).click();
    await browser.$(lovedMark(title)).waitForExist({ timeout: 10_000, timeoutMsg: "the love did not show on the second device" });
  }
  const { browser } = app;
  // The second device sends the love at once; the first syncs when asked, then its songs list
  // (fetched again when it is opened) shows the heart.
  await browser.waitUntil(
    async () => {
      await browser.$('button[data-view="cloud"]').click();
      const sync = browser.$("button=Sync now");
      await sync.waitForExist({ timeout: 10_000 });
      await sync.click();
      // "Syncing…" while it runs; "Sync now" again when it is done.
      await browser.$("button=Sync now").waitForExist({ timeout: 20_000 });
      await browser.$('button[data-view="songs"]').click();
      await browser.$(cell(title)).waitForExist({ timeout: 10_000 });
      return browser
        .$(lovedMark(title))
        .waitForExist({ timeout: 2_000 })
        .then(() => true, () => false);
    },
    { timeout: 60_000, interval: 1_000, timeoutMsg: "the love set on the second device never showed on the first" },
  );
  await browser.saveScreenshot(join(screenshotDir, "loved-from-another-device.png"));
});

test("removing a song's download frees its space: the file goes to the trash, the song stays, cloud-only", async () => {
  const { browser } = app;
  const title = "Señor Árbol 札幌 (Vorbis)";
  await browser.$('button[data-view="songs"]').click();
  await browser.$(cell(title)).waitForExist({ timeout: 10_000 });
  await browser.$(cell(title)).click({ button: "right" });
  await browser.$('[role="menu"][aria-label="Actions"]').waitForExist({ timeout: 5_000 });
  await browser.$(menuItem("Remove download…")).click();
  const dialog = browser.$('//*[@role="dialog" or @role="alertdialog"][contains(., "Remove the download")]');
  await dialog.waitForExist({ timeout: 10_000 });
  assert.match(await dialog.getText(), /This frees \d+(\.\d+)? KB/);
  await browser.$('//*[@role="dialog" or @role="alertdialog"]//button[.="Remove download"]').click();
  await waitForText(browser, ".toasts", /Freed \d/);
  const row = `//div[@role="row"][div[@data-column="title" and .="${title}"]]//*[@data-cloud-state]`;
  await browser.waitUntil(async () => (await browser.$(row).getAttribute("data-cloud-state")) === "cloud_only", {
    timeout: 10_000,
    timeoutMsg: "the song did not become cloud-only",
  });
  assert.equal(existsSync(join(work, "Music", "tagged.ogg")), false, "the file is still in the music folder");
  assert.equal(existsSync(join(work, "xdg", "Trash", "files", "tagged.ogg")), true, "the file is not in the trash");
  assert.match(readFileSync(join(work, "xdg", "Trash", "info", "tagged.ogg.trashinfo"), "utf8"), /Path=.*tagged\.ogg/);
});

test("the second device downloads its library: files checked byte for byte, the same songs, now of this computer", async () => {
  const { browser } = second;
  // Lowercase and digits only: WebDriver's typing under Xvfb drops capitals.
  const folder = join(tmpdir(), `tonearm-e2e-download-${process.pid}`);
  rmSync(folder, { recursive: true, force: true });
  after(() => rmSync(folder, { recursive: true, force: true }));
  await browser.$('button[data-view="cloud"]').click();
  await browser.$("#download-folder").waitForExist({ timeout: 10_000 });
  await browser.$("#download-folder").setValue(folder);
  await browser.$("button=Download").click();
  const report = await waitForText(browser, '[data-testid="download-report"]', /Downloaded \d+ songs?/, 60_000);
  assert.doesNotMatch(report, /failed/);
  await waitForText(browser, '[data-testid="cloud-totals"]', /Only in the cloud\s*0/, 20_000);
  // The clean layout: album artist, album, numbered title.
  const tree = spawnSync("find", [folder], { encoding: "utf8" }).stdout;
  assert.ok(existsSync(join(folder, "Beyoncé", "Tonearm Fixtures — Ünïcode 音楽")), `no album folder under the album artist: ${tree}`);
  await browser.$('button[data-view="songs"]').click();
  await browser.waitUntil(async () => {
    const states = await cloudStates(browser);
    return states.length >= 3 && states.every((s) => s === "in_cloud");
  }, { timeout: 15_000, timeoutMsg: "the downloaded songs are not files of this device" });
});

test("the Cloud view finds what freeing space would remove: nothing among songs played or added this month", async () => {
  const { browser } = app;
  await browser.$('button[data-view="cloud"]').click();
  await browser.$("#free-up-months").waitForExist({ timeout: 10_000 });
  await browser.$("button=Find them").click();
  assert.match(await waitForText(browser, '[data-testid="free-up-plan"]', /No song to remove/), /safely in the cloud/);
});
