// The cloud end to end: a real locker server (`tonearm-server`), the app connects to it from
// the Cloud view, uploads its library in the background, and shows the progress.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchApp, screenshotDir } from "./support/app.mjs";

const fixtures = join(import.meta.dirname, "..", "fixtures", "audio");
const serverBinary = process.env.TONEARM_SERVER;
const password = "correct horse battery staple";
let app;
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
  app = await launchApp({ env: { TONEARM_TOKEN_STORE: "file" } });
});
after(async () => {
  await app?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function waitForText(selector, pattern, timeout = 20_000) {
  const { browser } = app;
  await browser.waitUntil(
    async () => {
      const element = await browser.$(selector);
      return (await element.isExisting()) && pattern.test(await element.getText());
    },
    { timeout, timeoutMsg: `${selector} never matched ${pattern}` },
  );
  return browser.$(selector).getText();
}

test("connecting to a locker uploads the library and shows it in the cloud panel", async () => {
  const { browser } = app;
  await browser.$('button[data-view="settings"]').click();
  await browser.$("#folder-path").setValue(join(work, "Music"));
  await browser.$("button=Add folder").click();
  await waitForText('[data-testid="scan-summary"]', /Scan finished/);

  await browser.$('button[data-view="cloud"]').click();
  await browser.$("#cloud-server").waitForExist({ timeout: 10_000 });
  await browser.$("#cloud-server").setValue(serverUrl);
  await browser.$("#cloud-user").setValue("ann");
  await browser.$("#cloud-password").setValue(password);
  await browser.$("button=Connect").click();
  assert.match(await waitForText('[data-testid="cloud-connection"]', /Connected/), /Connected/);
  await browser.$("button=Upload library").click();
  const totals = await waitForText('[data-testid="cloud-totals"]', /In the cloud\s*3 songs/);
  assert.match(totals, /Only on this computer\s*0/);
  await browser.saveScreenshot(join(screenshotDir, "cloud.png"));
});
