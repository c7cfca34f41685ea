// `cargo xtask screenshots`: a picture of every view of the real app, for the README and the
// docs, taken from a demo library (the fixtures plus a synthetic library) connected to a
// real locker server, with a second device that streams what only the cloud has.
//
//   TONEARM_APP, TONEARM_SERVER   the built app and server
//   TONEARM_DEMO_MUSIC            a folder of music to add (a synthetic library)
//   TONEARM_SCREENSHOTS           where the PNG files go (docs/screenshots)

import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchApp } from "./support/app.mjs";

const out = process.env.TONEARM_SCREENSHOTS;
const serverBinary = process.env.TONEARM_SERVER;
const demo = process.env.TONEARM_DEMO_MUSIC;
if (!out || !serverBinary || !demo) throw new Error("run through `cargo xtask screenshots`");
const password = "correct horse battery staple";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const work = mkdtempSync(join(tmpdir(), "tonearm-shots-"));
mkdirSync(out, { recursive: true });

const data = join(work, "server");
const added = spawnSync(serverBinary, ["--data-dir", data, "user", "add", "ada"], { input: `${password}\n` });
if (added.status !== 0) throw new Error(String(added.stderr));
const server = spawn(serverBinary, ["--data-dir", data, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
const serverUrl = await new Promise((resolve, reject) => {
  let text = "";
  server.stdout.on("data", (chunk) => {
    text += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(text);
    if (match) resolve(match[1]);
  });
  server.on("exit", (code) => reject(new Error(`tonearm-server exited with ${code}`)));
});

// Sound goes to a file: there may be no sound card.
const alsa = join(work, "alsa.conf");
writeFileSync(
  alsa,
  `pcm.!default { type plug; slave { pcm "capture_file"; format S16_LE; rate 44100; channels 2 } }\n` +
    `pcm.capture_file { type file; slave.pcm { type null }; file "${join(work, "sound.wav")}"; format "wav" }\n`,
);
const env = { TONEARM_TOKEN_STORE: "file", ALSA_CONFIG_PATH: `/usr/share/alsa/alsa.conf:${alsa}` };

/** Waits for the frame to settle, then saves the window. */
async function shot(browser, name) {
  await sleep(900);
  await browser.saveScreenshot(join(out, `${name}.png`));
  console.log(`wrote ${name}.png`);
}

async function waitForText(browser, selector, pattern, timeout = 60_000) {
  await browser.waitUntil(async () => pattern.test(await browser.$(selector).getProperty("textContent").catch(() => "")), {
    timeout,
    timeoutMsg: `${selector} never matched ${pattern}`,
  });
}

const go = (browser, view) => browser.$(`button[data-view="${view}"]`).click();
const cell = (title) => `//div[@role="gridcell" and @data-column="title" and text()="${title}"]`;

async function connect(browser) {
  await go(browser, "cloud");
  await browser.$("#cloud-server").waitForExist({ timeout: 10_000 });
  await browser.$("#cloud-server").setValue(serverUrl);
  await browser.$("#cloud-user").setValue("ada");
  await browser.$("#cloud-password").setValue(password);
  await browser.$("button=Connect").click();
  await waitForText(browser, '[data-testid="cloud-connection"]', /Connected/);
}

let first;
let second;
try {
  // The first device: fixtures and the demo library, uploaded to the locker.
  const music = join(work, "Music");
  cpSync(join(import.meta.dirname, "..", "fixtures", "audio"), join(music, "Fixtures"), { recursive: true });
  first = await launchApp({ env });
  const { browser } = first;
  await go(browser, "settings");
  for (const folder of [music, demo]) {
    await browser.$("#folder-path").setValue(folder);
    await browser.$("button=Add folder").click();
    await waitForText(browser, '[data-testid="scan-summary"]', /Scan finished/);
  }
  // Uploads only when asked, so that this device shows every upload state.
  await browser.$('//label[contains(., "Upload new music automatically")]/input').click();
  await connect(browser);
  // A little of it only (the fixtures album): the second device then has songs that only the
  // cloud holds, and this one shows every upload state.
  await browser.keys(["Control", "f"]);
  await browser.$("#search").setValue("tonearm fixtures");
  const found = browser.$('[role="grid"][aria-label="Matching songs"]');
  await found.waitForExist({ timeout: 10_000 });
  await browser.$(cell("Déjà Vu 東京 (ID3v2.3)")).waitForExist({ timeout: 10_000 });
  await browser.$(cell("Déjà Vu 東京 (ID3v2.3)")).click();
  await browser.keys(["Control", "a"]);
  await browser.$(cell("Déjà Vu 東京 (ID3v2.3)")).click({ button: "right" });
  await browser.$('//li[@role="menuitem" and text()="Upload now"]').click();

  // A playlist, from the menu.
  await browser.$(cell("Déjà Vu 東京 (ID3v2.3)")).click();
  await browser.keys(["Shift", "ArrowDown", "ArrowDown", "ArrowDown"]);
  await browser.$(cell("Déjà Vu 東京 (ID3v2.3)")).click({ button: "right" });
  await shot(browser, "menu");
  await browser.$('//li[@role="menuitem" and contains(., "Add to playlist")]').moveTo();
  await browser.$('//li[@role="menuitem" and text()="New playlist…"]').click();
  await browser.$('[role="dialog"] input').setValue("sunday morning");
  await browser.keys("Enter");
  await browser.$('//button[@data-playlist and contains(., "sunday morning")]').waitForExist({ timeout: 10_000 });
  await browser.$("#search").clearValue();

  // Play the album, and take the views.
  await browser.$("#search").setValue("tonearm fixtures");
  await browser.$('//section[@aria-labelledby="search-albums"]//button[contains(., "Ünïcode")]').click();
  await browser.$('[data-testid="view-album"]').waitForExist({ timeout: 10_000 });
  await browser.$("button=Play").click();
  await browser.waitUntil(async () => (await browser.$('[data-testid="now-playing-title"]').getText()) !== "Nothing playing", { timeout: 15_000 });
  // The file "sound card" is not paced: the album plays through in a moment and the device
  // closes (pausing would keep it open, spinning a core on silence).
  await sleep(3000);
  await shot(browser, "album");
  await go(browser, "songs");
  await shot(browser, "songs");
  await go(browser, "albums");
  await shot(browser, "albums");
  await go(browser, "artists");
  await shot(browser, "artists");
  await go(browser, "genres");
  await shot(browser, "genres");
  await browser.keys(["Control", "f"]);
  await browser.$("#search").setValue("sigur");
  await browser.$('[data-testid="search-results"]').waitForExist({ timeout: 10_000 });
  await shot(browser, "search");
  await browser.$("#search").clearValue();
  await browser.$('//button[@data-playlist and contains(., "sunday morning")]').click();
  await browser.$('[data-testid="playlist-name"]').waitForExist({ timeout: 10_000 });
  await browser.$('button[aria-label="Queue"]').click();
  await shot(browser, "playlist-and-queue");
  await browser.$('button[aria-label="Queue"]').click();
  await go(browser, "cloud");
  await waitForText(browser, '[data-testid="cloud-totals"]', /In the cloud\s*[1-9]/);
  await shot(browser, "cloud");
  await go(browser, "settings");
  await shot(browser, "settings");
  await browser.$('//fieldset[legend="Theme"]//label[contains(., "Dark")]').click();
  await go(browser, "songs");
  await shot(browser, "songs-dark");
  await go(browser, "settings");
  await browser.$('//fieldset[legend="Theme"]//label[contains(., "System")]').click();

  // The second device: the same locker, nothing on disk; what the first uploaded streams.
  second = await launchApp({ env });
  const other = second.browser;
  await connect(other);
  await waitForText(other, '[data-testid="cloud-totals"]', /Only in the cloud\s*[1-9]/);
  await go(other, "songs");
  await other.$('[role="grid"][aria-label="Songs"] [data-cloud-state="cloud_only"]').waitForExist({ timeout: 20_000 });
  await shot(other, "cloud-only");
  console.log(`screenshots in ${out}`);
} finally {
  await first?.close();
  await second?.close();
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
