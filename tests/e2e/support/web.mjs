// The web player end to end: a real `tonearm-server` with an account whose library a real
// desktop device (the `tonearm` command line, the same library and sync crates as the app)
// uploaded, and Chromium driven by chromedriver through WebdriverIO.
//
// Environment (set by `cargo xtask test`):
//   TONEARM_SERVER  the server binary      TONEARM_CLI  the command line binary
//   TONEARM_SCREENSHOTS  folder for screenshots (optional)

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { remote } from "webdriverio";

const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "audio");
export const password = "correct horse battery staple";

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through \`cargo xtask test\``);
  return value;
}

/**
 * A 16-bit stereo WAV of a cosine at `hz` (starting at full amplitude, so silence at a join
 * is visible), at half of full scale; `trackGainDb` adds an ID3 tag asking ReplayGain for
 * that track gain.
 */
export function toneWav(path, hz, seconds, { rate = 44_100, trackGainDb = null } = {}) {
  const frames = Math.round(seconds * rate);
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    const sample = Math.round(0.5 * 32767 * Math.cos((2 * Math.PI * hz * i) / rate));
    data.writeInt16LE(sample, i * 4);
    data.writeInt16LE(sample, i * 4 + 2);
  }
  const fmt = Buffer.alloc(24);
  fmt.write("fmt ", 0);
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8);
  fmt.writeUInt16LE(2, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE(rate * 4, 16);
  fmt.writeUInt16LE(4, 20);
  fmt.writeUInt16LE(16, 22);
  const chunk = (id, body) => {
    const head = Buffer.alloc(8);
    head.write(id, 0);
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
  };
  const chunks = [fmt, chunk("data", data)];
  if (trackGainDb !== null) chunks.push(chunk("ID3 ", id3ReplayGain(trackGainDb)));
  const body = Buffer.concat([Buffer.from("WAVE"), ...chunks]);
  const riff = Buffer.alloc(8);
  riff.write("RIFF", 0);
  riff.writeUInt32LE(body.length, 4);
  writeFileSync(path, Buffer.concat([riff, body]));
}

/** An ID3v2.4 tag with one TXXX frame, REPLAYGAIN_TRACK_GAIN. */
function id3ReplayGain(db) {
  const syncsafe = (n) => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
  const frameBody = Buffer.concat([Buffer.from([3]), Buffer.from("REPLAYGAIN_TRACK_GAIN\0", "utf8"), Buffer.from(`${db.toFixed(2)} dB`, "utf8")]);
  const frame = Buffer.concat([Buffer.from("TXXX"), syncsafe(frameBody.length), Buffer.from([0, 0]), frameBody]);
  return Buffer.concat([Buffer.from("ID3"), Buffer.from([4, 0, 0]), syncsafe(frame.length), frame]);
}

/** Runs the command line as the desktop device whose data directory is `device`. */
export function cli(device, args, input) {
  const result = spawnSync(need("TONEARM_CLI"), ["--data-dir", device, ...args], {
    input,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, TONEARM_TOKEN_STORE: "file" },
  });
  assert.equal(result.status, 0, `tonearm ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Starts a server in `work`, adds ann, and has a desktop device upload a library: the
 * fixtures' songs (a WavPack one among them, which browsers cannot play) and two
 * three-second tones (`join a`, `join b`) for the gapless join.
 */
export async function startLocker(work) {
  const data = join(work, "server");
  const added = spawnSync(need("TONEARM_SERVER"), ["--data-dir", data, "user", "add", "ann"], { input: `${password}\n` });
  assert.equal(added.status, 0, String(added.stderr));
  const server = await startServer(data);
  const music = join(work, "Music");
  mkdirSync(music, { recursive: true });
  for (const name of ["id3v24.mp3", "tagged.flac", "tagged.ogg", "tagged.wv"]) copyFileSync(join(fixtures, name), join(music, name));
  // "join a" asks ReplayGain for -6 dB: it plays at half the amplitude of "join b".
  toneWav(join(music, "join a.wav"), 440, 3, { trackGainDb: -6.02 });
  toneWav(join(music, "join b.wav"), 660, 3);
  const device = uploadAsDevice(join(work, "desktop"), server.url, music);
  return { url: server.url, device, stop: server.stop };
}

/** Starts the server on the data directory `data` (which holds ann), on a free loopback port. */
export async function startServer(data) {
  const process_ = spawn(need("TONEARM_SERVER"), ["--data-dir", data, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    process_.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1].replace(/\/$/, ""));
    });
    process_.on("exit", (code) => reject(new Error(`tonearm-server exited with ${code}`)));
  });
  return { url, pid: process_.pid, stop: () => process_.kill() };
}

/** A desktop device with its data in `device` that adds the folder `music`, scans it and uploads it to ann's account at `url`. */
export function uploadAsDevice(device, url, music) {
  cli(device, ["folders", "add", music]);
  cli(device, ["scan"]);
  cli(device, ["cloud", "login", url, "--user", "ann", "--password-stdin"], `${password}\n`);
  cli(device, ["cloud", "upload", "--wait"]);
  return device;
}

/**
 * Chromium, headless, with audio allowed to start without a gesture; `phone` emulates a
 * 390×844 phone (touch, device pixel ratio 3). Every page gets a tap on the audio output
 * (an AnalyserNode beside the destination) so a test can read the samples really played.
 */
export async function openBrowser({ phone = false } = {}) {
  const browser = await remote({
    logLevel: "warn",
    capabilities: {
      browserName: "chrome",
      "goog:chromeOptions": {
        binary: "/usr/bin/chromium",
        args: [
          "--headless=new",
          "--no-sandbox",
          "--disable-dev-shm-usage",
          "--autoplay-policy=no-user-gesture-required",
          phone ? "--window-size=390,844" : "--window-size=1280,800",
        ],
        ...(phone ? { mobileEmulation: { deviceMetrics: { width: 390, height: 844, pixelRatio: 3, touch: true } } } : {}),
      },
      "wdio:chromedriverOptions": { binary: "/usr/bin/chromedriver" },
    },
  });
  await browser.addInitScript(() => {
    const connect = AudioNode.prototype.connect;
    AudioNode.prototype.connect = function (target, ...rest) {
      if (target instanceof AudioDestinationNode && !this.__tapped) {
        this.__tapped = true;
        const analyser = this.context.createAnalyser();
        analyser.fftSize = 32768;
        connect.call(this, analyser);
        window.__tap = { analyser, rate: this.context.sampleRate, context: this.context };
      }
      return connect.call(this, target, ...rest);
    };
  });
  return browser;
}

/** Signs in on the page at `url` as ann. */
export async function signIn(browser, url) {
  await browser.url(url);
  await browser.$("#sign-in-username").waitForExist({ timeout: 15_000 });
  await browser.$("#sign-in-username").setValue("ann");
  await browser.$("#sign-in-password").setValue(password);
  await browser.$("button=Sign in").click();
  await browser.$('[data-testid="view-songs"]').waitForExist({ timeout: 15_000 });
}

/** The text of `selector` once it matches `pattern`. */
export async function textMatching(browser, selector, pattern, timeout = 15_000) {
  let text = "";
  await browser.waitUntil(
    async () => {
      const element = await browser.$(selector);
      text = (await element.isExisting()) ? await element.getText() : "";
      return pattern.test(text);
    },
    { timeout, timeoutMsg: `${selector} never matched ${pattern} (last: ${JSON.stringify(text)})` },
  );
  return text;
}

/**
 * Listens to the output for `seconds`: the tap's latest 32,768 samples, read every 150 ms.
 * Each window's silence before the first and after the last sound is set aside (playback not
 * started, or over); what is left must be sound throughout, so the longest run of silent
 * samples inside it is the gap a join left. A window whose start is at about `fromHz` and
 * whose end at about `toHz` holds the join.
 */
export async function listen(browser, seconds, fromHz, toHz) {
  return browser.executeAsync(
    (seconds, fromHz, toHz, done) => {
      const silent = (x) => Math.abs(x) < 1e-4;
      const hz = (samples, rate) => {
        let crossings = 0;
        for (let i = 1; i < samples.length; i++) if (samples[i - 1] < 0 !== samples[i] < 0) crossings++;
        return crossings / 2 / (samples.length / rate);
      };
      const report = { windows: 0, sounding: 0, longestGap: 0, joins: 0, joinGap: -1, rate: 0, fromPeak: 0, toPeak: 0 };
      const peak = (samples) => samples.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
      const started = performance.now();
      const read = () => {
        const tap = window.__tap;
        if (tap) {
          const samples = new Float32Array(tap.analyser.fftSize);
          tap.analyser.getFloatTimeDomainData(samples);
          report.rate = tap.rate;
          report.windows++;
          let first = samples.findIndex((x) => !silent(x));
          let last = samples.length - 1;
          while (last >= 0 && silent(samples[last])) last--;
          if (first >= 0 && last - first > 2048) {
            report.sounding++;
            let run = 0;
            let longest = 0;
            for (let i = first; i <= last; i++) {
              run = silent(samples[i]) ? run + 1 : 0;
              longest = Math.max(longest, run);
            }
            report.longestGap = Math.max(report.longestGap, longest);
            const head = hz(samples.subarray(first, first + 4096), tap.rate);
            const tail = hz(samples.subarray(last - 4096, last), tap.rate);
            if (Math.abs(head - fromHz) < 20 && Math.abs(tail - toHz) < 20 && first === 0 && last === samples.length - 1) {
              report.joins++;
              report.joinGap = Math.max(report.joinGap, longest);
              report.fromPeak = peak(samples.subarray(first, first + 4096));
              report.toPeak = peak(samples.subarray(last - 4096, last));
            }
          }
        }
        if (performance.now() - started < seconds * 1000) setTimeout(read, 150);
        else done(report);
      };
      read();
    },
    seconds,
    fromHz,
    toHz,
  );
}

/** The server's record of a song, as the signed-in page reads it. */
export async function songNamed(browser, title) {
  return browser.executeAsync((title, done) => {
    fetch(`/api/v1/library/search?q=${encodeURIComponent(title)}`, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((found) => done(found.songs.find((s) => s.title === title) ?? null), () => done(null));
  }, title);
}
