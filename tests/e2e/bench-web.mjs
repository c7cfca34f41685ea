// `cargo xtask bench web`: the web player in headless Chromium against the release
// `tonearm-server`, serving an account of 100,000 tracks, measured in the page.
//
//   TONEARM_SERVER         the (release) server binary
//   TONEARM_CLI            the (release) command line, the desktop device that uploads two songs
//   TONEARM_BENCH_FILL     the `bench_server` example, which writes the catalog (`fill-web`)
//   TONEARM_BENCH_CATALOG  where the filled data directory is kept between runs (written once;
//                          each run serves a copy, so runs do not change it)
//   TONEARM_WEB_DIST       ui/dist-web, for the JavaScript's size
//
// Prints, with the goals of the web player's issue:
// - first page: a signed-in reload, from the navigation's start to the first row of the Songs
//   grid holding a song and painted (median and max of 5 reloads with the service worker and
//   the HTTP cache warm, and of 3 with both out of the way), with where the time went;
// - search: from the keydown of each letter typed into the search box, one key at a time, to
//   its results painted (p50, p95, max);
// - scrolling: frame times while the songs grid scrolls 4 rows a frame for 400 frames
//   (requestAnimationFrame deltas at the display's 60 Hz, so a frame whose work overran shows
//   as a late one; and the main thread's work on each frame), the pages of songs fetched
//   meanwhile and the frames that showed rows still loading; and jumps to deep rows (a drag of
//   the scrollbar) to their songs painted;
// - the app's JavaScript gzipped (each file of ui/dist-web/assets, node's zlib), and what the
//   server really sends for the scripts of its page (its build-time gzip copies);
// - the gap between two gapless songs at the audio output (two 3-second tones uploaded by a
//   real device, measured as the e2e test does).
//
// Time stamps come from the page (performance marks of `ui/src/perf.ts`, a MutationObserver,
// event time stamps), not from WebDriver round trips.

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { listen, openBrowser, password, signIn, startServer, textMatching, toneWav, uploadAsDevice } from "./support/web.mjs";

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run \`cargo xtask bench web\``);
  return value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value) => `${value.toFixed(1)} ms`;
const verdict = (met) => (met ? "met" : "MISSED");
const began = Date.now();
const progress = (what) => console.error(`[${((Date.now() - began) / 1000).toFixed(0)} s] ${what}`);

/** The data directory with the catalog, written once by `bench_server fill-web`. */
function catalogDir() {
  const root = need("TONEARM_BENCH_CATALOG");
  const data = join(root, "data");
  if (existsSync(join(root, "filled"))) return data;
  console.log(`writing the 100,000-track catalog into ${data} (once; about two minutes)`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const filled = spawnSync(need("TONEARM_BENCH_FILL"), ["fill-web", data, "ann"], {
    input: `${password}\n`,
    stdio: ["pipe", "inherit", "inherit"],
  });
  if (filled.status !== 0) throw new Error(`bench_server fill-web failed (${filled.status})`);
  writeFileSync(join(root, "filled"), "");
  return data;
}

/** A resident-memory figure of a process, in MiB. */
function rssMib(pid, field = "VmRSS") {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0) / 1024;
}

/** The time of a performance mark (ms since the page's time origin), once it exists. */
async function markTime(browser, name, timeout = 15_000) {
  let time = null;
  await browser.waitUntil(
    async () => {
      time = await browser.execute((mark) => performance.getEntriesByName(mark).at(-1)?.startTime ?? null, name);
      return time !== null;
    },
    { timeout, interval: 10, timeoutMsg: `the page never marked ${name}` },
  );
  return time;
}

/**
 * What every page records for the benchmark, from its very start: when the first song row of
 * the Songs grid was in the DOM and when it was painted, the song pages the data layer asked
 * for, and the time stamps of keydowns in the search box.
 */
function instrument() {
  const bench = { firstRow: null, firstRowPainted: null, songPages: [], keydowns: [], errors: [] };
  window.__bench = bench;
  // Every request of a page is kept (covers and searches are many).
  performance.setResourceTimingBufferSize(10_000);
  window.addEventListener("error", (event) => bench.errors.push(String(event.error?.stack ?? event.message)));
  const consoleError = console.error;
  console.error = (...args) => {
    bench.errors.push(args.map((arg) => String(arg?.stack ?? arg)).join(" ").slice(0, 2000));
    consoleError.apply(console, args);
  };
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input?.url ?? String(input));
    if (url.includes("/api/v1/library/songs")) bench.songPages.push({ url, at: performance.now() });
    return fetch.call(this, input, init);
  };
  document.addEventListener("keydown", (event) => {
    if (event.target?.id === "search") bench.keydowns.push(event.timeStamp);
  }, true);
  const observer = new MutationObserver(() => {
    const cell = document.querySelector('[role="grid"][aria-label="Songs"] [role="gridcell"][data-column="title"]');
    if (!cell || !cell.textContent || cell.querySelector(".tracks__loading")) return;
    observer.disconnect();
    bench.firstRow = performance.now();
    // The frame callback runs before the paint; the task after it, once it is done.
    requestAnimationFrame(() => setTimeout(() => (bench.firstRowPainted = performance.now()), 0));
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

/** One load of the page, signed in, to its first song painted; where the time went. */
async function loadOnce(browser) {
  await browser.refresh();
  await browser.waitUntil(() => browser.execute(() => window.__bench?.firstRowPainted != null), {
    timeout: 30_000,
    interval: 20,
    timeoutMsg: "no song was painted",
  });
  return browser.execute(() => {
    const navigation = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const end = (pattern) => resources.find((entry) => pattern.test(entry.name));
    const script = end(/\/assets\/.*\.js$/);
    const session = end(/\/api\/v1\/web\/session/);
    const songs = end(/\/api\/v1\/library\/songs/);
    return {
      painted: window.__bench.firstRowPainted,
      inDom: window.__bench.firstRow,
      mark: performance.getEntriesByName("songs-painted").at(-1)?.startTime ?? null,
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
      html: navigation.responseEnd,
      script: script ? script.responseEnd : null,
      scriptFromWorker: script ? script.workerStart > 0 || script.transferSize === 0 : null,
      domContentLoaded: navigation.domContentLoadedEventEnd,
      session: session ? { start: session.startTime, end: session.responseEnd } : null,
      songs: songs ? { start: songs.startTime, end: songs.responseEnd } : null,
      worker: Boolean(navigator.serviceWorker?.controller),
      requests: resources.filter((entry) => entry.name.includes("/api/")).map((entry) => {
        const url = new URL(entry.name);
        return `${url.pathname}${url.search}`;
      }),
    };
  });
}

async function measureFirstPage(browser, url) {
  await signIn(browser, url);
  // The service worker installs after the first load and keeps the app's files.
  const worker = await browser
    .waitUntil(() => browser.execute(() => Boolean(navigator.serviceWorker?.controller)), { timeout: 10_000, interval: 100 })
    .then(() => true, () => false);
  await loadOnce(browser); // warm-up: the server's page cache, the browser's code cache
  const warm = [];
  for (let run = 0; run < 5; run++) warm.push(await loadOnce(browser));
  // Cold: no service worker, no kept files, the HTTP cache bypassed.
  await browser.execute(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
    for (const key of await caches.keys()) await caches.delete(key);
  });
  let bypassed = true;
  try {
    await browser.networkSetCacheBehavior({ cacheBehavior: "bypass" });
  } catch {
    bypassed = false;
  }
  const cold = [];
  for (let run = 0; run < 3; run++) {
    cold.push(await loadOnce(browser));
    // The page registers its worker again on load: out of the way before the next run.
    await browser.execute(async () => {
      for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
      for (const key of await caches.keys()) await caches.delete(key);
    });
  }
  if (bypassed) await browser.networkSetCacheBehavior({ cacheBehavior: "default" }).catch(() => {});
  return { worker, warm, cold, bypassed };
}

async function measureSearch(browser) {
  const words = ["love", "night", "river", "gold", "dream"];
  const box = await browser.$("#search");
  await box.click();
  const timings = [];
  for (const word of words) {
    for (let length = 1; length <= word.length; length++) {
      const query = word.slice(0, length);
      const before = await browser.execute(() => window.__bench.keydowns.length);
      await browser.keys(word[length - 1]);
      const typed = await markTime(browser, `search-typed:${query}`);
      const answered = await markTime(browser, `search-answered:${query}`);
      const painted = await markTime(browser, `search-painted:${query}`);
      const { keydown, rows, request } = await browser.execute(
        (before, query) => {
          const request = performance
            .getEntriesByType("resource")
            .filter((entry) => entry.name.includes("/api/v1/library/search") && new URL(entry.name).searchParams.get("q") === query)
            .at(-1);
          return {
            keydown: window.__bench.keydowns[before] ?? null,
            rows: document.querySelectorAll('[role="grid"][aria-label="Matching songs"] [role="row"][data-index]').length,
            request: request
              ? { start: request.startTime, sent: request.requestStart, first: request.responseStart, end: request.responseEnd }
              : null,
          };
        },
        before,
        query,
      );
      const start = keydown ?? typed;
      timings.push({
        query,
        ms: painted - start,
        answer: answered - start,
        sent: request ? request.start - start : null,
        server: request ? request.end - request.start : null,
        // Waiting for a connection (the browser's six per server, covers loading meanwhile),
        // then to the first byte of the answer (the server's work), then the rest of it.
        queued: request && request.sent > 0 ? request.sent - request.start : null,
        waiting: request && request.sent > 0 ? request.first - request.sent : null,
        rows,
      });
      await sleep(150);
    }
    await browser.keys(["Control", "a"]);
    await browser.keys("Backspace");
    await browser.$('[data-testid="view-songs"]').waitForExist({ timeout: 10_000 });
    await sleep(300);
  }
  return timings;
}

/** Waits for the Songs grid to show rows; says what the page shows if it does not. */
async function songRows(browser) {
  const rows = '[role="grid"][aria-label="Songs"] [role="row"][data-index]';
  await browser.$(rows).waitForExist({ timeout: 10_000 }).catch(async () => {
    const shown = await browser.execute(() => ({
      url: location.href,
      rowcount: document.querySelector('[role="grid"]')?.getAttribute("aria-rowcount"),
      text: document.body.innerText.slice(0, 300),
      errors: window.__bench?.errors,
    }));
    throw new Error(`the Songs grid shows no rows: ${JSON.stringify(shown)}`);
  });
}

async function measureScroll(browser) {
  await browser.$('button[data-view="songs"]').click();
  await songRows(browser);
  await sleep(1000);
  const flick = await browser.executeAsync((done) => {
    const scroller = document.querySelector('[role="grid"][aria-label="Songs"] .tracks__scroll');
    const pagesBefore = window.__bench.songPages.length;
    scroller.scrollTop = 0;
    const frames = [];
    const work = [];
    let loadingFrames = 0;
    let last = 0;
    let count = 0;
    const channel = new MessageChannel();
    let began = 0;
    // The task after a frame runs once its rendering is done: from the frame's callbacks to
    // there is the main thread's work on it.
    channel.port1.onmessage = () => work.push(performance.now() - began);
    const step = (now) => {
      began = performance.now();
      frames.push(now - last);
      last = now;
      // Rows on screen still waiting for their page, as this frame shows them.
      const view = scroller.getBoundingClientRect();
      const loading = [...scroller.querySelectorAll(".tracks__loading")].some((element) => {
        const box = element.getBoundingClientRect();
        return box.bottom > view.top && box.top < view.bottom;
      });
      if (loading) loadingFrames++;
      // About 4 rows a frame: a brisk flick of the wheel, sustained.
      scroller.scrollTop += 120;
      channel.port2.postMessage(null);
      if (++count < 400) requestAnimationFrame(step);
      else
        setTimeout(() =>
          done({
            frames: frames.slice(2),
            work: work.slice(2),
            loadingFrames,
            rows: Math.round(scroller.scrollTop / 30),
            pages: window.__bench.songPages.length - pagesBefore,
            total: Number(scroller.closest('[role="grid"]').getAttribute("aria-rowcount")) - 1,
          }),
        );
    };
    requestAnimationFrame((now) => {
      last = now;
      requestAnimationFrame(step);
    });
  });
  // Jumps, as a drag of the scrollbar lands: deep rows, to their songs painted. Two other
  // outcomes are watched for, both seen: the list going back to its top, and the app failing
  // (a blank page, after which the page is loaded again for the next jump).
  const jumps = [];
  for (const row of [50_000, 12_345, 87_654, 99_950, 31_000, 64_321]) {
    await songRows(browser);
    const jump = await browser.executeAsync((row, done) => {
      // React's production build names its errors by number (#185: maximum update depth exceeded).
      const brief = (error) => /React error #\d+/.exec(error)?.[0] ?? error.split("\n")[0].slice(0, 120);
      const grid = () => document.querySelector('[role="grid"][aria-label="Songs"]');
      const pagesBefore = window.__bench.songPages.length;
      const errorsBefore = window.__bench.errors.length;
      const started = performance.now();
      grid().querySelector(".tracks__scroll").scrollTop = row * 30;
      const finish = (outcome) =>
        requestAnimationFrame(() =>
          setTimeout(() => done({ row, outcome, ms: performance.now() - started, pages: window.__bench.songPages.length - pagesBefore }), 0),
        );
      const check = () => {
        const scroller = grid()?.querySelector(".tracks__scroll");
        const error = window.__bench.errors.slice(errorsBefore).find((text) => /error/i.test(text));
        if (!scroller && error) return finish(`the app failed (${brief(error)})`);
        if (scroller && scroller.scrollTop < (row * 30) / 2) return finish("went back to the top");
        const view = scroller?.getBoundingClientRect();
        const shown = [...(scroller?.querySelectorAll('[role="row"][data-index] [data-column="title"]') ?? [])].filter((cell) => {
          const box = cell.getBoundingClientRect();
          return box.bottom > view.top && box.top < view.bottom;
        });
        if (shown.length > 0 && shown.every((cell) => cell.textContent && !cell.querySelector(".tracks__loading"))) return finish("painted");
        if (performance.now() - started > 10_000) return finish("not painted in 10 s");
        requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    }, row);
    // The app may fail a moment after the list went back to its top.
    await sleep(1000);
    if (!jump.outcome.startsWith("the app failed")) {
      const failed = await browser.execute(() =>
        document.querySelector('[role="grid"][aria-label="Songs"]')
          ? null
          : (/React error #\d+/.exec(window.__bench.errors.at(-1) ?? "")?.[0] ?? window.__bench.errors.at(-1)?.split("\n")[0].slice(0, 120) ?? "a blank page"),
      );
      if (failed) jump.outcome += `, then the app failed (${failed})`;
    }
    jumps.push(jump);
    if (jump.outcome.includes("the app failed")) await browser.refresh();
  }
  return { ...flick, jumps };
}

/** The app's scripts: each file of ui/dist-web/assets gzipped, and what the server sends for its page's scripts. */
async function measureScripts(url) {
  const dist = join(need("TONEARM_WEB_DIST"), "assets");
  const files = readdirSync(dist).filter((name) => name.endsWith(".js"));
  const local = files.map((name) => {
    const bytes = readFileSync(join(dist, name));
    return { name, raw: bytes.length, gzip: gzipSync(bytes).length, gzip9: gzipSync(bytes, { level: 9 }).length };
  });
  const page = await (await fetch(`${url}/`)).text();
  const scripts = [...page.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="([^"]+\.js)"/g)].map((m) => m[1]);
  const served = [];
  for (const path of scripts) {
    served.push(
      await new Promise((resolve, reject) => {
        get(`${url}${path}`, { headers: { "accept-encoding": "gzip" } }, (response) => {
          let bytes = 0;
          response.on("data", (chunk) => (bytes += chunk.length));
          response.on("end", () => resolve({ path, bytes, encoding: response.headers["content-encoding"] ?? "identity" }));
        }).on("error", reject);
      }),
    );
  }
  return { local, served };
}

async function measureGapless(browser) {
  const row = (title) => `//div[@role="row"][div[@data-column="title" and .="${title}"]]`;
  await browser.$("#search").setValue("join");
  await browser.$(row("join a")).waitForExist({ timeout: 10_000 });
  await browser.$(row("join a")).doubleClick();
  await textMatching(browser, '[data-testid="now-playing-title"]', /join a/);
  // Listening starts a second in, once the output holds only this song.
  await textMatching(browser, '[data-testid="position"]', /0:01/);
  await browser.$(row("join b")).click({ button: "right" });
  await browser.$('[role="menuitem"]=Play next').click();
  const heard = await listen(browser, 4.5, 440, 660);
  await textMatching(browser, '[data-testid="now-playing-title"]', /join b/);
  await browser.$("button[aria-label=Pause]").click().catch(() => {});
  return heard;
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(" ");
const loadBefore = load();
const work = mkdtempSync(join(tmpdir(), "tonearm-bench-web-"));
let server;
let browser;
try {
  const catalog = catalogDir();
  cpSync(catalog, join(work, "server"), { recursive: true });
  server = await startServer(join(work, "server"));
  console.log(`server ${server.url} (pid ${server.pid}), a copy of ${catalog}`);
  // First, before anything else has time to build the UI again.
  const scripts = await measureScripts(server.url);
  // A real device uploads the two songs of the gapless join (with the catalog: 100,002 songs).
  const music = join(work, "Music");
  mkdirSync(music);
  toneWav(join(music, "join a.wav"), 440, 3);
  toneWav(join(music, "join b.wav"), 660, 3);
  progress("a device uploads two songs");
  uploadAsDevice(join(work, "desktop"), server.url, music);

  browser = await openBrowser();
  await browser.addInitScript(instrument);

  progress("first page");
  const first = await measureFirstPage(browser, server.url);
  progress("search");
  const search = await measureSearch(browser);
  progress("scrolling");
  const scroll = await measureScroll(browser);
  progress("gapless join");
  const gapless = await measureGapless(browser);
  const serverRss = rssMib(server.pid);
  const serverPeak = rssMib(server.pid, "VmHWM");

  const line = (label, value) => console.log(`${label.padEnd(44)} ${value}`);
  console.log("");
  const summary = (runs) => {
    const painted = runs.map((r) => r.painted);
    return { median: percentile(painted, 50), max: Math.max(...painted), each: painted.map((p) => p.toFixed(0)).join(", ") };
  };
  const breakdown = (runs) => {
    const median = [...runs].sort((a, b) => a.painted - b.painted)[Math.floor(runs.length / 2)];
    const at = (value) => (value === null ? "?" : value.toFixed(0));
    return (
      `page ${at(median.html)}, script ${at(median.script)}${median.scriptFromWorker ? " (from the service worker)" : ""}, ` +
      `DOMContentLoaded ${at(median.domContentLoaded)}, session ${median.session ? `${at(median.session.start)}-${at(median.session.end)}` : "?"}, ` +
      `first songs page ${median.songs ? `${at(median.songs.start)}-${at(median.songs.end)}` : "?"}, row in the DOM ${at(median.inDom)}, ` +
      `painted ${at(median.painted)} (the app's songs-painted mark ${at(median.mark)}; first contentful paint ${at(median.fcp)}); ` +
      `API requests: ${median.requests.join(" ")}`
    );
  };
  const warm = summary(first.warm);
  const cold = summary(first.cold);
  line(
    "first page painted with songs, warm",
    `median ${ms(warm.median)}, max ${ms(warm.max)} (runs ${warm.each}; service worker ${first.worker ? "in control" : "NOT in control"})  [goal < 1000 ms: ${verdict(warm.max < 1000)}]`,
  );
  console.log(`    median run, ms from navigation start: ${breakdown(first.warm)}`);
  line(
    "first page painted with songs, cold",
    `median ${ms(cold.median)}, max ${ms(cold.max)} (runs ${cold.each}; no service worker, HTTP cache ${first.bypassed ? "bypassed" : "NOT bypassed"})  [goal < 1000 ms: ${verdict(cold.max < 1000)}]`,
  );
  console.log(`    median run, ms from navigation start: ${breakdown(first.cold)}`);

  const searchTimes = search.map((s) => s.ms);
  const searchAnswers = search.map((s) => s.answer);
  line(
    "search, keydown to results painted",
    `p50 ${ms(percentile(searchTimes, 50))}, p95 ${ms(percentile(searchTimes, 95))}, max ${ms(Math.max(...searchTimes))} over ${search.length} keystrokes  [goal < 100 ms: ${verdict(percentile(searchTimes, 95) < 100)} at p95, ${verdict(Math.max(...searchTimes) < 100)} for every one]`,
  );
  const sent = search.filter((s) => s.sent !== null);
  line(
    "    where the time went (p50)",
    `keydown to the request sent ${ms(percentile(sent.map((s) => s.sent), 50))}, the request ${ms(percentile(sent.map((s) => s.server), 50))}, ` +
      `keydown to the answer parsed ${ms(percentile(searchAnswers, 50))} (max ${ms(Math.max(...searchAnswers))}), answer to painted ${ms(percentile(search.map((s) => s.ms - s.answer), 50))}`,
  );
  const timed = search.filter((s) => s.waiting !== null);
  if (timed.length > 0)
    line(
      "    the request (p50, max)",
      `queued for a connection ${ms(percentile(timed.map((s) => s.queued), 50))}, ${ms(Math.max(...timed.map((s) => s.queued)))}; ` +
        `to the first byte ${ms(percentile(timed.map((s) => s.waiting), 50))}, ${ms(Math.max(...timed.map((s) => s.waiting)))}`,
    );
  console.log(
    `    ${search.map((s) => `${s.query}: ${s.ms.toFixed(0)} (sent ${s.sent?.toFixed(0) ?? "?"}, request ${s.server?.toFixed(0) ?? "?"}, answer ${s.answer.toFixed(0)})`).join(", ")}`,
  );

  const frames = scroll.frames;
  // The page draws at the display's 60 Hz: a frame on time comes 16.7 ms after the last, give
  // or take the timer's jitter (16.6-16.8 ms); one whose work overran comes a vsync later.
  const late = frames.filter((f) => f > 17.5).length;
  const busy = scroll.work;
  line(
    "scrolling the songs grid (4 rows a frame)",
    `frame p50 ${ms(percentile(frames, 50))}, p95 ${ms(percentile(frames, 95))}, max ${ms(Math.max(...frames))}; ${late} of ${frames.length} frames over 16.7 ms (${((100 * late) / frames.length).toFixed(1)}%, jitter of ±0.8 ms aside)  [goal < 16 ms: ${verdict(late === 0 && percentile(busy, 95) < 16)}]`,
  );
  line(
    "    main-thread work per frame",
    `p50 ${ms(percentile(busy, 50))}, p95 ${ms(percentile(busy, 95))}, max ${ms(Math.max(...busy))}; ${busy.filter((w) => w > 16).length} over 16 ms (the frame's callbacks, its rendering and the React update its scroll caused)`,
  );
  line(
    "    pages fetched while scrolling",
    `${scroll.pages} pages of 100 for ${scroll.rows.toLocaleString("en")} rows scrolled past (of ${scroll.total.toLocaleString("en")}); ${scroll.loadingFrames} of ${frames.length + 2} frames showed rows still loading`,
  );
  const painted = scroll.jumps.filter((j) => j.outcome === "painted");
  const jumpTimes = painted.map((j) => j.ms);
  line(
    "jump to a deep row, to its songs painted",
    `${painted.length} of ${scroll.jumps.length} painted${painted.length ? ` (median ${ms(percentile(jumpTimes, 50))}, max ${ms(Math.max(...jumpTimes))})` : ""}: ${scroll.jumps
      .map((j) => `row ${j.row.toLocaleString("en")} ${j.outcome} after ${j.ms.toFixed(0)} ms, ${j.pages} pages`)
      .join("; ")}`,
  );

  const gzip = scripts.local.reduce((sum, file) => sum + file.gzip, 0);
  const gzip9 = scripts.local.reduce((sum, file) => sum + file.gzip9, 0);
  const raw = scripts.local.reduce((sum, file) => sum + file.raw, 0);
  line(
    "the app's JavaScript, gzipped",
    `${(gzip / 1000).toFixed(1)} KB (level 9: ${(gzip9 / 1000).toFixed(1)} KB; ${(raw / 1000).toFixed(1)} KB raw, ${scripts.local.length} file${scripts.local.length === 1 ? "" : "s"})  [goal < 250 KB: ${verdict(gzip < 250_000)}]`,
  );
  line(
    "    what the server sends for its page's scripts",
    scripts.served.map((s) => `${s.path} ${(s.bytes / 1000).toFixed(1)} KB (${s.encoding})`).join(", ") || "no script found in the page",
  );
  const built = new Set(scripts.local.map((file) => `/assets/${file.name}`));
  if (scripts.served.some((s) => !built.has(s.path)))
    console.log("    NOTE: ui/dist-web is not the build the server embeds (the UI was built again since): the two figures above are of different builds");

  const gap = gapless.joins > 0 ? (gapless.joinGap <= 1 ? 0 : gapless.joinGap) : null;
  line(
    "gapless join, silent samples at the output",
    gap === null
      ? `NO window held the join (${JSON.stringify(gapless)})  [goal 0 samples: MISSED]`
      : `${gap} (longest silent run in the ${gapless.joins} windows holding the join: ${gapless.joinGap} sample${gapless.joinGap === 1 ? "" : "s"}, where 1 is a sine crossing zero; anywhere while sounding: ${gapless.longestGap}; ${gapless.sounding} of ${gapless.windows} windows sounding at ${gapless.rate} Hz)  [goal 0: ${verdict(gap === 0 && gapless.longestGap <= 1)}]`,
  );
  line("server memory", `${serverRss.toFixed(0)} MiB resident after the run, peak ${serverPeak.toFixed(0)} MiB`);
  line("load average (1, 5, 15 min)", `${loadBefore} before, ${load()} after (this machine's other work shows in the figures)`);
} finally {
  await browser?.deleteSession().catch(() => {});
  server?.stop();
  rmSync(work, { recursive: true, force: true });
}
