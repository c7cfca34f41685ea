// The web player end to end, in Chromium against the real server: signing in (and staying
// signed in across a reload, listed with the account's sessions), browsing and searching the
// library a desktop device uploaded, playing with the audio clock really advancing, a
// gapless join between two songs, a playlist edited in the browser reaching the desktop
// device through sync and the reverse, and the phone layout at 390×844.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { screenshotDir } from "./support/app.mjs";
import { cli, listen, openBrowser, signIn, songNamed, startLocker, textMatching } from "./support/web.mjs";

let work;
let locker;
let browser;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "tonearm-e2e-web-"));
  mkdirSync(screenshotDir, { recursive: true });
  locker = await startLocker(work);
  browser = await openBrowser();
});
after(async () => {
  await browser?.deleteSession().catch(() => {});
  locker?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const row = (title) => `//div[@role="row"][div[@data-column="title" and .="${title}"]]`;

test("signs in; the session survives a reload and is listed with the account's devices", async () => {
  await browser.url(locker.url);
  // A wrong password is refused with the server's reason, and nothing is shown.
  await browser.$("#sign-in-username").waitForExist({ timeout: 15_000 });
  await browser.$("#sign-in-username").setValue("ann");
  await browser.$("#sign-in-password").setValue("not the password");
  await browser.$("button=Sign in").click();
  assert.match(await textMatching(browser, '[role="alert"]', /invalid credentials/i), /Check it and try again/);

  await signIn(browser, locker.url);
  assert.match(await textMatching(browser, '[data-testid="song-count"]', /6 songs/), /6 songs/);
  await browser.saveScreenshot(join(screenshotDir, "web-songs.png"));

  await browser.refresh();
  await browser.$('[data-testid="view-songs"]').waitForExist({ timeout: 15_000 });
  const devices = await browser.executeAsync((done) => {
    fetch("/api/v1/sessions", { credentials: "same-origin" })
      .then((r) => r.json())
      .then((body) => done(body.sessions.map((s) => s.device)));
  });
  assert.ok(devices.includes("web browser"), `sessions: ${devices}`);
  // The cookie is out of the page's reach.
  assert.equal(await browser.execute(() => document.cookie), "");
  // Installable: a manifest, and a service worker keeping the app's files (this is a secure
  // context: the server is on loopback).
  const installable = await browser.executeAsync((done) => {
    navigator.serviceWorker.ready.then(
      (registration) => done({ worker: registration.active?.scriptURL ?? null, manifest: document.querySelector('link[rel="manifest"]')?.href }),
      () => done(null),
    );
  });
  assert.match(installable?.worker ?? "", /\/sw\.js$/);
  assert.match(installable?.manifest ?? "", /\/manifest\.webmanifest$/);
});

test("browses albums, an album's page, artists and genres", async () => {
  await browser.$('button[data-view="albums"]').click();
  const album = "Tonearm Fixtures — Ünïcode 音楽";
  const card = `//button[contains(@class, "album-card")][span[@class="album-card__title" and .="${album}"]]`;
  await browser.$(card).waitForExist({ timeout: 10_000 });
  await browser.saveScreenshot(join(screenshotDir, "web-albums.png"));
  await browser.$(card).click();
  await textMatching(browser, "#view-title", new RegExp(album));
  await browser.$(row("Füße im Schnee 京都 (FLAC)")).waitForExist({ timeout: 10_000 });
  assert.equal(new URL(await browser.getUrl()).pathname.startsWith("/albums/al-"), true);

  await browser.$('button[data-view="artists"]').click();
  await browser.$("button*=Beyoncé").waitForExist({ timeout: 10_000 });
  await browser.$('button[data-view="genres"]').click();
  await browser.$("button*=Électronique").waitForExist({ timeout: 10_000 });
});

test("search as you type finds songs, albums and artists", async () => {
  await browser.$("#search").setValue("join");
  await browser.$(row("join a")).waitForExist({ timeout: 10_000 });
  await browser.$(row("join b")).waitForExist({ timeout: 10_000 });
  await browser.$("#search").setValue("fixtures");
  const results = await textMatching(browser, '[data-testid="search-results"]', /Tonearm Fixtures/);
  assert.match(results, /Albums/);
  await browser.saveScreenshot(join(screenshotDir, "web-search.png"));
});

test("plays a song: the audio clock advances and its sound reaches the output", async () => {
  await browser.$("#search").setValue("join a");
  await browser.$(row("join a")).waitForExist({ timeout: 10_000 });
  await browser.$(row("join a")).doubleClick();
  await textMatching(browser, '[data-testid="now-playing-title"]', /join a/);
  await textMatching(browser, '[data-testid="position"]', /0:0[12]/);
  const clock = await browser.execute(() => window.__tap?.context.currentTime ?? 0);
  assert.ok(clock > 0.5, `the audio clock is at ${clock}`);
  // The lock screen and media keys see it (the Media Session).
  const session = await browser.execute(() => [navigator.mediaSession.metadata?.title, navigator.mediaSession.playbackState]);
  assert.deepEqual(session, ["join a", "playing"]);
  await browser.$("button[aria-label=Pause]").click();
});

test("two songs join without a gap", async () => {
  await browser.$("#search").setValue("join");
  await browser.$(row("join a")).waitForExist({ timeout: 10_000 });
  await browser.$(row("join a")).doubleClick();
  await textMatching(browser, '[data-testid="now-playing-title"]', /join a/);
  // Listening starts a second in, once the output holds only this song.
  await textMatching(browser, '[data-testid="position"]', /0:01/);
  // "join b" next, whatever order the results are in.
  await browser.$(row("join b")).click({ button: "right" });
  await browser.$('[role="menuitem"]=Play next').click();
  const heard = await listen(browser, 4.5, 440, 660);
  await textMatching(browser, '[data-testid="now-playing-title"]', /join b/);
  assert.ok(heard.sounding > 10, `the output was silent: ${JSON.stringify(heard)}`);
  assert.ok(heard.joins > 0, `no window held the join: ${JSON.stringify(heard)}`);
  // A sine crosses zero once in a while (one sample); a gap is two or more silent samples.
  assert.ok(heard.longestGap <= 1, `a gap of ${heard.longestGap} samples: ${JSON.stringify(heard)}`);
  // ReplayGain from the tags the desktop read and the cloud kept: "join a" asks for -6 dB (a
  // quarter of full scale where the file holds half), "join b" has no tag and plays as it is.
  assert.ok(Math.abs(heard.fromPeak - 0.25) < 0.02, `join a peaked at ${heard.fromPeak}`);
  assert.ok(Math.abs(heard.toPeak - 0.5) < 0.02, `join b peaked at ${heard.toPeak}`);

  // Both were heard whole: each play reached the cloud, counted once.
  await browser.waitUntil(async () => (await songNamed(browser, "join a"))?.marks.play_count >= 1 && (await songNamed(browser, "join b"))?.marks.play_count === 1, {
    timeout: 10_000,
    timeoutMsg: "the plays never reached the cloud",
  });
  // A love from the now-playing bar is cloud data too.
  await browser.$('.now-playing button[aria-label="Love"]').click();
  await browser.waitUntil(async () => (await songNamed(browser, "join b"))?.marks.loved === true, { timeout: 10_000, timeoutMsg: "the love never reached the cloud" });
});

test("a song the browser cannot decode is skipped with a sentence saying why", async () => {
  const title = "Čeština 広島 (WavPack)";
  // Typed again if a keystroke went missing on the way (WebDriver under load).
  await browser.waitUntil(
    async () => {
      if (await browser.$(row(title)).isExisting()) return true;
      if ((await browser.$("#search").getValue()) !== "cestina") await browser.$("#search").setValue("cestina");
      return false;
    },
    { timeout: 20_000, interval: 500, timeoutMsg: "the WavPack song was not found by its folded name" },
  );
  await browser.$(row(title)).doubleClick();
  const said = await textMatching(browser, ".now-playing__error", /skipped/);
  assert.match(said, /“Čeština 広島 \(WavPack\)” was skipped: this browser cannot play (WAVPACK audio|its audio format)\./);
});

test("a playlist edited in the browser reaches the desktop device through sync, and the reverse", async () => {
  await browser.$('button[data-view="playlists"]').click();
  await browser.$("button*=New playlist").click();
  await browser.$('//*[@role="dialog"]//input').setValue("road trip");
  await browser.$('//*[@role="dialog"]//button[.="OK"]').click();
  await browser.$('button[data-playlist]').waitForExist({ timeout: 10_000 });

  // Two songs added from search results through the songs menu.
  for (const title of ["join a", "join b"]) {
    await browser.$("#search").setValue(title);
    await browser.$(row(title)).waitForExist({ timeout: 10_000 });
    await browser.$(row(title)).click({ button: "right" });
    await browser.$('[role="menuitem"]=Add to playlist').click();
    await browser.$('[role="menuitem"]=road trip').click();
    await browser.pause(300);
  }
  await browser.$("button[data-playlist]").click();
  await browser.$(row("join b")).waitForExist({ timeout: 10_000 });
  // Moved: "join b" first.
  await browser.$(row("join b")).click();
  await browser.keys(["Alt", "ArrowUp"]);
  await browser.waitUntil(async () => (await browser.$$('[role="gridcell"][data-column="title"]').map((e) => e.getText()))[0] === "join b", {
    timeout: 10_000,
    timeoutMsg: "the move did not show",
  });
  await browser.pause(500);

  cli(locker.device, ["cloud", "sync"]);
  const lists = JSON.parse(cli(locker.device, ["playlist", "list", "--json"]));
  const list = (lists.playlists ?? lists).find((p) => p.name === "road trip");
  assert.ok(list, `the desktop has no “road trip”: ${JSON.stringify(lists)}`);
  const shown = JSON.parse(cli(locker.device, ["playlist", "show", list.id, "--json"]));
  const titles = (shown.entries ?? []).map((e) => e.track?.title ?? e.title);
  assert.deepEqual(titles, ["join b", "join a"]);

  // The reverse: the desktop device adds a song, the browser shows it.
  const flac = JSON.parse(cli(locker.device, ["search", "schnee", "--json"]));
  const song = flac.items.find((t) => /Schnee/.test(t.title));
  cli(locker.device, ["playlist", "add", list.id, song.id]);
  cli(locker.device, ["cloud", "sync"]);
  await browser.refresh();
  await browser.$(row("Füße im Schnee 京都 (FLAC)")).waitForExist({ timeout: 15_000 });
  await browser.saveScreenshot(join(screenshotDir, "web-playlist.png"));
});

test("on a 390×844 phone: a drawer for navigation, the player at the bottom, nothing wider than the screen", async () => {
  const phone = await openBrowser({ phone: true });
  try {
    await signIn(phone, locker.url);
    const layout = await phone.execute(() => {
      const bar = document.querySelector(".now-playing").getBoundingClientRect();
      const play = document.querySelector('.now-playing button[aria-label="Play"]').getBoundingClientRect();
      const sidebar = document.querySelector(".web-sidebar").getBoundingClientRect();
      return {
        width: window.innerWidth,
        height: window.innerHeight,
        scrollWidth: document.documentElement.scrollWidth,
        barBottom: bar.bottom,
        play: [play.width, play.height],
        sidebarRight: sidebar.right,
      };
    });
    assert.equal(layout.width, 390);
    assert.ok(layout.scrollWidth <= 390, `the page is ${layout.scrollWidth} px wide`);
    assert.ok(Math.abs(layout.barBottom - layout.height) < 2, `the player bar ends at ${layout.barBottom} of ${layout.height}`);
    assert.ok(layout.play[0] >= 44 && layout.play[1] >= 44, `the play button is ${layout.play}`);
    assert.ok(layout.sidebarRight <= 0, "the navigation is open before the menu is tapped");
    await phone.saveScreenshot(join(screenshotDir, "web-phone.png"));

    await phone.$("button[aria-label=Menu]").click();
    await phone.waitUntil(async () => (await phone.execute(() => document.querySelector(".web-sidebar").getBoundingClientRect().left)) >= 0, {
      timeout: 5_000,
      timeoutMsg: "the drawer did not open",
    });
    await phone.saveScreenshot(join(screenshotDir, "web-phone-drawer.png"));
    await phone.$('button[data-view="albums"]').click();
    await phone.$('[data-testid="view-albums"]').waitForExist({ timeout: 10_000 });
    await phone.saveScreenshot(join(screenshotDir, "web-phone-albums.png"));
  } finally {
    await phone.deleteSession().catch(() => {});
  }
});

test("signing out ends the session on the server, not only in the page", async () => {
  const [cookie] = await browser.getCookies(["tonearm_session"]);
  assert.ok(cookie?.httpOnly, "the session cookie is HttpOnly");
  assert.equal(cookie.sameSite, "Strict");
  await browser.$("button=Sign out").click();
  await browser.$("#sign-in-username").waitForExist({ timeout: 10_000 });
  // The old cookie, replayed from outside the browser, no longer opens anything.
  const replayed = await fetch(`${locker.url}/api/v1/web/session`, { headers: { cookie: `tonearm_session=${cookie.value}` } });
  assert.equal(replayed.status, 401);
  // The desktop device's session is untouched.
  cli(locker.device, ["cloud", "sync"]);
});
