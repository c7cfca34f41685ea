// Playback end to end: double-click a song in the real window, and the app plays it through
// the real audio stack into an ALSA device that writes what it is given to a WAV file (there
// is no sound card here). The captured tone proves which song reached the speakers.

import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchApp, screenshotDir } from "./support/app.mjs";

const fixtures = join(import.meta.dirname, "..", "fixtures", "audio");
let app;
let work;
let capture;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "tonearm-e2e-play-"));
  mkdirSync(join(work, "Music"));
  for (const name of ["id3v24.mp3", "tagged.flac"]) copyFileSync(join(fixtures, name), join(work, "Music", name));
  capture = join(work, "capture.wav");
  const conf = join(work, "capture.conf");
  writeFileSync(
    conf,
    `pcm.!default { type plug; slave { pcm "capture_file"; format S16_LE; rate 44100; channels 2 } }\n` +
      `pcm.capture_file { type file; slave.pcm { type null }; file "${capture}"; format "wav" }\n`,
  );
  app = await launchApp({ env: { ALSA_CONFIG_PATH: `/usr/share/alsa/alsa.conf:${conf}` } });
});
after(async () => {
  await app?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The left channel of the captured WAV, as numbers. */
function captured() {
  if (!existsSync(capture)) return [];
  const bytes = readFileSync(capture);
  const start = bytes.indexOf("data") + 8;
  const left = [];
  for (let at = start; at + 4 <= bytes.length; at += 4) left.push(bytes.readInt16LE(at));
  return left;
}

/** The frequency of the first half second of sound, from its upward zero crossings. */
function firstTone(samples) {
  const first = samples.findIndex((s) => Math.abs(s) > 200);
  const part = samples.slice(first + 1000, first + 1000 + 22_050);
  const crossings = [];
  for (let i = 1; i < part.length; i++) if (part[i - 1] < 0 && part[i] >= 0) crossings.push(i);
  return ((crossings.length - 1) * 44_100) / (crossings.at(-1) - crossings[0]);
}

test("double-clicking a song plays it through the sound card", async () => {
  const { browser } = app;
  await browser.$('button[data-view="settings"]').click();
  await browser.$("#folder-path").setValue(join(work, "Music"));
  await browser.$("button=Add folder").click();
  await browser.waitUntil(async () => /Scan finished/.test(await browser.$('[data-testid="scan-summary"]').getText()), {
    timeout: 15_000,
  });
  await browser.$('button[data-view="songs"]').click();
  const row = await browser.$('//div[@role="gridcell" and @data-column="title" and text()="Naïve Mélodie 大阪 (ID3v2.4)"]');
  await row.waitForExist({ timeout: 10_000 });
  await row.doubleClick();
  await browser.waitUntil(() => captured().filter((s) => Math.abs(s) > 200).length > 44_100 * 0.8, {
    timeout: 15_000,
    timeoutMsg: "the sound card never received the song",
  });
  await browser.saveScreenshot(join(screenshotDir, "playing.png"));
  // The MP3 is a 400 Hz tone; it played first, then the rest of the list.
  const tone = firstTone(captured());
  assert.ok(Math.abs(tone - 400) < 5, `heard ${tone.toFixed(1)} Hz first`);
});
