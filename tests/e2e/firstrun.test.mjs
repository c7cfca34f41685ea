// The first run end to end: the welcome finds the music in the home folder by itself ("Find
// my music") and makes this computer the cloud; the library is scanned and uploaded to the locker running inside the app; another
// device logs in to that locker and sees the songs as cloud-only.

import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchApp, screenshotDir, waitForText } from "./support/app.mjs";

const fixtures = join(import.meta.dirname, "..", "fixtures", "audio");
const password = "correct horse battery staple";
let app;
let other;
let music;

before(async () => {
  // A home folder of its own: the songs in ~/Music/Fixtures, and a hidden folder and a
  // node_modules with songs in them that discovery must not offer.
  music = mkdtempSync(join(tmpdir(), "tonearm-e2e-first-"));
  cpSync(fixtures, join(music, "Music", "Fixtures"), { recursive: true });
  for (const hidden of [join(music, ".hidden"), join(music, "code", "node_modules")]) {
    mkdirSync(hidden, { recursive: true });
    cpSync(join(fixtures, "tagged.flac"), join(hidden, "song.flac"));
  }
  app = await launchApp({ welcome: true, env: { TONEARM_TOKEN_STORE: "file", HOME: music } });
});
after(async () => {
  await other?.close();
  await app?.close();
  if (music) rmSync(music, { recursive: true, force: true });
});

test("the welcome sets up the library and this computer as the cloud", async () => {
  const { browser } = app;
  const welcome = browser.$('[role="dialog"][aria-labelledby="dialog-title"]');
  await welcome.waitForExist({ timeout: 20_000 });
  assert.match(await welcome.getText(), /Welcome to Tonearm/);
  // Found without asking, ticked: ~/Music only.
  const found = await waitForText(browser, '[data-testid="discovered"]', /Tonearm found \d+ songs in 1 place/);
  assert.match(found, new RegExp(`${join(music, "Music")}`));
  assert.equal(await browser.$(`//label[contains(., "${join(music, "Music")}")]/input`).isSelected(), true);
  await browser.saveScreenshot(join(screenshotDir, "welcome.png"));
  await browser.$('//label[contains(., "This computer")]/input').click();
  await browser.$("#welcome-password").setValue(password);
  await browser.$('//button[starts-with(., "Start")]').click();
  await browser.waitUntil(async () => !(await welcome.isExisting()), { timeout: 20_000, timeoutMsg: "the welcome stayed" });

  // The scan fills the library.
  await browser.$('button[data-view="songs"]').click();
  await waitForText(browser, '[data-testid="song-count"]', /^15 songs/);

  // The locker inside the app: connected, and the library goes up to it.
  await browser.$('button[data-view="cloud"]').click();
  await waitForText(browser, '[data-testid="cloud-connection"]', /Connected/);
  const line = await waitForText(browser, '[data-testid="local-locker"]', /This computer is your cloud/);
  await waitForText(browser, '[data-testid="cloud-totals"]', /In the cloud\s*1[0-9] songs/, 60_000);
  await browser.saveScreenshot(join(screenshotDir, "this-computer.png"));

  // It is a real server: another device logs in to it and sees the songs it does not have.
  const [, url, username] = /\((http:\/\/127\.0\.0\.1:\d+), as ([^)]+)\)/.exec(line) ?? [];
  assert.ok(url && username, line);
  other = await launchApp({ env: { TONEARM_TOKEN_STORE: "file" } });
  const device = other.browser;
  await device.$('button[data-view="cloud"]').click();
  await device.$("#cloud-server").waitForExist({ timeout: 10_000 });
  await device.$("#cloud-server").setValue(url);
  await device.$("#cloud-user").setValue(username);
  await device.$("#cloud-password").setValue(password);
  await device.$("button=Connect").click();
  await waitForText(device, '[data-testid="cloud-totals"]', /Only in the cloud\s*1[0-9]/);
});
