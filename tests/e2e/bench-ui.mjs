// `cargo xtask bench ui`: the desktop app with a large library, measured in the real window.
//
//   TONEARM_APP        the (release) app binary
//   TONEARM_BENCH_DATA a data directory whose library is already scanned (kept as it is)
//   TONEARM_BENCH_SMAPS (optional) a folder to keep each process's /proc/PID/smaps in at every
//                      memory reading, for `tests/e2e/smaps-by-file.mjs` to break down
//
// Prints, with the figures the desktop-experience issue sets as goals:
// - start: from launching the app to the Songs view painted with songs (median of 3 starts);
// - search: from a keystroke in the search box to its results painted (every prefix typed);
// - scroll: frame times while the songs table scrolls, measured in the webview with
//   requestAnimationFrame (p50, p95, max, frames over 16.7 ms), the same for the albums grid,
//   and for plain rows scrolled alike in the same window at the end: the reference, what the
//   engine does with no script work;
// - memory: all the app's processes (the shell and WebKit's web and network processes), as
//   proportional set size (shared pages counted once) and as resident size, right after
//   browsing and again 15 s later, idle (and the same after the albums grid);
// - play all: how long the player's control takes to play every song, and how long another
//   command sent meanwhile waits for its answer (the window's thread free, or not).
//
// The app marks what it painted on the page's performance timeline (`ui/src/perf.ts`); the
// figures come from those marks, not from WebDriver round trips.

import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchApp } from "./support/app.mjs";

const dataDir = process.env.TONEARM_BENCH_DATA;
if (!dataDir) throw new Error("TONEARM_BENCH_DATA is not set: run `cargo xtask bench ui`");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value) => `${value.toFixed(1)} ms`;

/** The epoch time of a performance mark in the page, once it exists. */
async function markTime(browser, name, timeout = 30_000) {
  let time = null;
  await browser.waitUntil(
    async () => {
      time = await browser.execute((mark) => {
        const entry = performance.getEntriesByName(mark).at(-1);
        return entry ? performance.timeOrigin + entry.startTime : null;
      }, name);
      return time !== null;
    },
    { timeout, interval: 20, timeoutMsg: `the page never marked ${name}` },
  );
  return time;
}

/** Every process whose parent chain leads to `root`, with `root`. */
function processTree(root) {
  const parents = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(name), ppid);
    } catch {
      // The process ended while listing.
    }
  }
  const tree = [root];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (tree.includes(ppid) && !tree.includes(pid)) {
        tree.push(pid);
        grew = true;
      }
    }
  }
  return tree;
}

const smapsDir = process.env.TONEARM_BENCH_SMAPS;
if (smapsDir) mkdirSync(smapsDir, { recursive: true });

/**
 * The app's processes (found under tauri-driver), and their memory in kB. `reading` names the
 * moment, for the copies of each process's mappings kept when TONEARM_BENCH_SMAPS is set.
 */
function appMemory(driverPid, reading) {
  let pss = 0;
  let rss = 0;
  const names = [];
  const each = [];
  for (const pid of processTree(driverPid)) {
    let command;
    try {
      command = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    // The driver chain (tauri-driver, WebKitWebDriver) is the test's, not the app's.
    if (/tauri-driver|WebKitWebDriver/.test(command)) continue;
    const field = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      if (smapsDir) writeFileSync(join(smapsDir, `${reading}-${command}.smaps`), readFileSync(`/proc/${pid}/smaps`, "utf8"));
      const own = field(rollup, "Pss");
      pss += own;
      rss += field(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
      names.push(command);
      // Anonymous memory is the process's own heap; file-backed is mostly shared libraries.
      const mb = (kb) => (kb / 1024).toFixed(0);
      each.push(
        `${command} ${mb(own)} MB (anonymous ${mb(field(rollup, "Pss_Anon"))}, files ${mb(field(rollup, "Pss_File"))})`,
      );
    } catch {
      // Gone.
    }
  }
  return { pss, rss, names, each };
}

/**
 * When the app's own process (`tonearm-desktop`, under tauri-driver) started, as epoch ms: the
 * kernel's start time (clock ticks since boot) placed on the epoch through `/proc/uptime`, to
 * about 20 ms. The launch time above also counts tauri-driver and WebKitWebDriver starting,
 * which a user's start does not.
 */
function appStartedAt(driverPid) {
  for (const pid of processTree(driverPid)) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("tonearm-deskto")) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
      const uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
      const boot = Date.now() - uptime * 1000;
      return boot + (ticks / 100) * 1000;
    } catch {
      // Gone, or not the app.
    }
  }
  return null;
}

async function measureStart() {
  const started = Date.now();
  // Drawing as users' machines like this one do (software: there is no GPU here).
  const app = await launchApp({ dataDir, env: { TONEARM_GPU: process.env.TONEARM_GPU ?? "" } });
  try {
    const painted = await markTime(app.browser, "songs-painted");
    const total = await app.browser.execute(() => document.querySelector('[role="grid"]')?.getAttribute("aria-rowcount"));
    const page = await app.browser.execute(() => performance.timeOrigin);
    const appStart = appStartedAt(app.driver.pid);
    return { app, startMs: painted - started, processMs: appStart === null ? null : painted - appStart, pageMs: page - started, rows: Number(total) - 1 };
  } catch (error) {
    await app.close();
    throw error;
  }
}

async function measureSearch(browser) {
  const words = ["a", "ar", "art", "arti", "artis", "artist", "b", "be", "bey", "beyo", "s", "si", "sig", "sigu", "sigur"];
  const box = await browser.$("#search");
  const timings = [];
  let previous = "";
  for (const query of words) {
    // One key at a time, as people type: a query that extends the last by a letter gets that
    // letter; a new word replaces the box's text.
    if (previous && query.length === previous.length + 1 && query.startsWith(previous)) await browser.keys(query.at(-1));
    else await box.setValue(query);
    previous = query;
    const typed = await markTime(browser, `search-typed:${query}`);
    const answered = await markTime(browser, `search-answered:${query}`);
    const painted = await markTime(browser, `search-painted:${query}`);
    timings.push({ query, ms: painted - typed, answer: answered - typed });
    await sleep(150);
  }
  await box.clearValue();
  return timings;
}

async function measureScroll(browser) {
  await browser.$('button[data-view="songs"]').click();
  await browser.$('[role="grid"][aria-label="Songs"]').waitForExist({ timeout: 10_000 });
  await sleep(500);
  return scrollFrames(browser, '[role="grid"][aria-label="Songs"] .tracks__scroll');
}

/** The albums grid, a card per album with its cover, scrolled like the songs table. */
async function measureAlbumScroll(browser) {
  await browser.$('button[data-view="albums"]').click();
  await browser.$(".view-albums .virtual__card").waitForExist({ timeout: 10_000 });
  const albums = await browser.execute(() => Number(document.querySelector(".view-albums .virtual__card")?.getAttribute("aria-setsize")));
  await sleep(500);
  return { albums, ...(await scrollFrames(browser, ".view-albums .virtual")) };
}

/** Back to the songs, whose table the reference below takes the place of. */
async function backToSongs(browser) {
  await browser.$('button[data-view="songs"]').click();
  await browser.$('[role="grid"][aria-label="Songs"]').waitForExist({ timeout: 10_000 });
}

/**
 * The reference for the scroll: what this WebKit, on this machine, does with no script work at
 * all. The app's page is replaced (so this runs last) by 3,000 plain rows of seven cells in a
 * box the size and place of the songs table, scrolled alike.
 */
async function measurePlainScroll(browser) {
  await browser.execute(() => {
    const table = document.querySelector('[role="grid"][aria-label="Songs"] .tracks__scroll').getBoundingClientRect();
    const box = document.createElement("div");
    box.id = "plain-rows";
    box.style.cssText = `position:fixed;left:${table.left}px;top:${table.top}px;width:${table.width}px;height:${table.height}px;overflow:auto`;
    for (let i = 0; i < 3000; i++) {
      const row = document.createElement("div");
      row.style.cssText = "display:flex;height:30px;align-items:center;border-bottom:1px solid #8884";
      for (let c = 0; c < 7; c++) {
        const cell = document.createElement("span");
        cell.style.cssText = "flex:1;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;padding:0 8px";
        cell.textContent = `Song ${i}, column ${c}, with some longer text`;
        row.appendChild(cell);
      }
      box.appendChild(row);
    }
    document.body.replaceChildren(box);
  });
  await sleep(500);
  return scrollFrames(browser, "#plain-rows");
}

/**
 * "Play all" on the whole library, as the Songs view sends it (in order, then shuffled, three
 * times each): when its answer came, and when a command sent 5 ms after it was answered.
 */
function measurePlayAll(browser) {
  return browser.executeAsync((done) => {
    const invoke = window.__TAURI_INTERNALS__.invoke;
    const filter = { album_key: null, artist: null, genre: null, present_only: false };
    const runs = [];
    const once = (shuffle) =>
      new Promise((resolve) => {
        const control = { kind: "play_list", filter, sort: "title", descending: false, start: null, shuffle };
        const sent = performance.now();
        const played = invoke("control_player", { control }).then(() => performance.now() - sent);
        setTimeout(async () => {
          const asked = performance.now();
          await invoke("get_preferences");
          const other = performance.now() - asked;
          runs.push({ played: await played, other });
          await invoke("control_player", { control: { kind: "stop" } });
          setTimeout(resolve, 300);
        }, 5);
      });
    [false, true, false, true, false, true]
      .reduce((previous, shuffle) => previous.then(() => once(shuffle)), Promise.resolve())
      .then(() => done(runs));
  });
}

/** Frame times while `selector` scrolls 120 px a frame for 400 frames. */
function scrollFrames(browser, selector) {
  return browser.executeAsync((selector, done) => {
    const scroller = document.querySelector(selector);
    const frames = [];
    let last = performance.now();
    let count = 0;
    const step = (now) => {
      frames.push(now - last);
      last = now;
      // About 4 rows a frame: a brisk flick of the wheel, sustained.
      scroller.scrollTop += 120;
      if (++count < 400) requestAnimationFrame(step);
      else done({ frames: frames.slice(2), scrollTop: scroller.scrollTop });
    };
    requestAnimationFrame((now) => {
      last = now;
      requestAnimationFrame(step);
    });
  }, selector);
}

const starts = [];
const processStarts = [];
let app;
for (let run = 0; run < 3; run++) {
  const result = await measureStart();
  starts.push(result.startMs);
  if (result.processMs !== null) processStarts.push(result.processMs);
  console.log(
    `start ${run + 1}: Songs painted ${ms(result.startMs)} after launch, ${result.processMs === null ? "?" : ms(result.processMs)} after the app's process started (${result.rows.toLocaleString()} songs; the page began loading at ${ms(result.pageMs)})`,
  );
  if (run < 2) await result.app.close();
  else app = result.app;
}

try {
  const { browser } = app;
  await sleep(1000);
  const idle = appMemory(app.driver.pid, "1-start");
  const search = await measureSearch(browser);
  const searched = appMemory(app.driver.pid, "2-searched");
  const scroll = await measureScroll(browser);
  const busy = appMemory(app.driver.pid, "3-browsed");
  // What the app keeps once the user stops: the JavaScript engine collects on its own
  // schedule, not at once.
  await sleep(15_000);
  const settled = appMemory(app.driver.pid, "4-idle");
  const playAll = await measurePlayAll(browser);
  // After the memory readings, which stay comparable with earlier runs (they had no albums).
  const albumScroll = await measureAlbumScroll(browser);
  const withAlbums = appMemory(app.driver.pid, "5-albums");
  await sleep(15_000);
  const albumsSettled = appMemory(app.driver.pid, "6-albums-idle");
  await backToSongs(browser);
  const plain = await measurePlainScroll(browser);

  const searchTimes = search.map((s) => s.ms);
  const frames = scroll.frames;
  console.log("");
  console.log(
    `start to Songs painted: median ${ms(percentile(starts, 50))} from launching through WebDriver (runs: ${starts.map(ms).join(", ")}); median ${processStarts.length ? ms(percentile(processStarts, 50)) : "?"} from the app's process starting (runs: ${processStarts.map(ms).join(", ")}) (goal < 1000 ms)`,
  );
  console.log(
    `search, keystroke to results painted: p50 ${ms(percentile(searchTimes, 50))}, max ${ms(Math.max(...searchTimes))} over ${search.length} keystrokes (goal: every one < 50 ms)`,
  );
  console.log(`  ${search.map((s) => `${s.query}: ${s.ms.toFixed(0)} (answer ${s.answer.toFixed(0)})`).join(", ")}`);
  console.log(
    `scrolling the songs table: frame p50 ${ms(percentile(frames, 50))}, p95 ${ms(percentile(frames, 95))}, max ${ms(Math.max(...frames))}, ${frames.filter((f) => f > 16.7).length} of ${frames.length} frames over 16.7 ms, ${frames.filter((f) => f > 25).length} over 25 ms; p99 ${ms(percentile(frames, 99))} (goal p99 < 16.7 ms)`,
  );
  const plainFrames = plain.frames;
  console.log(
    `  reference, plain rows scrolled alike in the same window: frame p50 ${ms(percentile(plainFrames, 50))}, p95 ${ms(percentile(plainFrames, 95))}, max ${ms(Math.max(...plainFrames))}, ${plainFrames.filter((f) => f > 16.7).length} of ${plainFrames.length} frames over 16.7 ms, ${plainFrames.filter((f) => f > 25).length} over 25 ms; p99 ${ms(percentile(plainFrames, 99))} (frame times come in whole milliseconds here, so a steady 60 Hz reads as 16 and 17 ms)`,
  );
  const albumFrames = albumScroll.frames;
  console.log(
    `scrolling the albums grid (${albumScroll.albums.toLocaleString()} albums): frame p50 ${ms(percentile(albumFrames, 50))}, p95 ${ms(percentile(albumFrames, 95))}, max ${ms(Math.max(...albumFrames))}, ${albumFrames.filter((f) => f > 16.7).length} of ${albumFrames.length} frames over 16.7 ms, ${albumFrames.filter((f) => f > 25).length} over 25 ms; p99 ${ms(percentile(albumFrames, 99))}`,
  );
  console.log(
    `memory, all app processes: ${(busy.pss / 1024).toFixed(0)} MB PSS after browsing (${(idle.pss / 1024).toFixed(0)} MB at start); RSS sum ${(busy.rss / 1024).toFixed(0)} MB (goal < 300 MB)`,
  );
  console.log(`memory 15 s later, idle: ${(settled.pss / 1024).toFixed(0)} MB PSS (after the search alone: ${(searched.pss / 1024).toFixed(0)} MB); after the albums grid too: ${(withAlbums.pss / 1024).toFixed(0)} MB, and 15 s later ${(albumsSettled.pss / 1024).toFixed(0)} MB`);
  console.log(`  at start: ${idle.each.join(", ")}; after browsing: ${busy.each.join(", ")}; 15 s later: ${settled.each.join(", ")}; after the albums grid: ${withAlbums.each.join(", ")}; 15 s later: ${albumsSettled.each.join(", ")}`);
  console.log(
    `play all (${playAll.length} times): answered in ${playAll.map((run) => run.played.toFixed(0)).join(", ")} ms; a command sent meanwhile answered in ${playAll.map((run) => run.other.toFixed(0)).join(", ")} ms (max ${ms(Math.max(...playAll.map((run) => run.other)))}: how long the window's thread was held)`,
  );
} finally {
  await app.close();
}
