// Starts the real Tonearm app for a test: a fresh data directory, tauri-driver in front of
// WebKitWebDriver, and a WebdriverIO session attached to the app's window.
//
// Environment (set by `cargo xtask test`):
//   TONEARM_APP          path of the built app binary
//   TONEARM_SCREENSHOTS  folder for screenshots (optional)

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remote } from "webdriverio";

const application = process.env.TONEARM_APP;
export const screenshotDir = process.env.TONEARM_SCREENSHOTS ?? join(tmpdir(), "tonearm-e2e-screenshots");

/** A free TCP port on loopback. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on `port`, or rejects after `timeoutMs`. */
async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.end(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on port ${port} within ${timeoutMs} ms`);
}

/**
 * Launches the app with its own data directory, or `dataDir` (and `env` added to its
 * environment), past the first-run welcome unless `welcome`. Returns the WebdriverIO browser,
 * the data directory, the driver process, and `close()` which ends the session and the driver
 * and removes a directory it made.
 */
export async function launchApp({ env = {}, dataDir: kept, welcome = false } = {}) {
  if (!application) throw new Error("TONEARM_APP is not set: run the suite through `cargo xtask test`");
  mkdirSync(screenshotDir, { recursive: true });
  // A data directory given by the caller is theirs: it is used as it is and kept.
  const dataDir = kept ?? mkdtempSync(join(tmpdir(), "tonearm-e2e-"));
  // tauri-driver sometimes accepts the session before WebKitWebDriver listens on its port
  // (the request then fails at once): try again with fresh ports, a few times.
  let failure;
  for (let attempt = 1; attempt <= 3; attempt++) {
    let app;
    try {
      app = await start(dataDir, env, Boolean(kept));
    } catch (error) {
      failure = error;
      continue;
    }
    try {
      if (!welcome) await skipWelcome(app.browser);
    } catch (error) {
      await app.close();
      throw error;
    }
    return app;
  }
  if (!kept) rmSync(dataDir, { recursive: true, force: true });
  throw failure;
}

/**
 * The running processes of the app of this data directory (the shell, WebKit's processes: they
 * inherit its `TONEARM_DATA_DIR`) whose name starts with `name` (Linux's `comm`, 15
 * characters at most), with their environment.
 */
export function processesOf(dataDir, name) {
  const marker = `TONEARM_DATA_DIR=${dataDir}\0`;
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        if (!readFileSync(`/proc/${pid}/comm`, "utf8").startsWith(name)) return [];
        const environment = readFileSync(`/proc/${pid}/environ`, "utf8");
        return environment.includes(marker) ? [{ pid: Number(pid), environment: environment.split("\0") }] : [];
      } catch {
        return [];
      }
    });
}

/**
 * Ends an app of this data directory that outlived its WebDriver session. Ending the session
 * normally closes the app, but once in a while it does not; an app left running would keep
 * the driver's output pipes (and so this test file) open, and its ports taken.
 */
async function endLeftovers(dataDir) {
  const leftovers = () => processesOf(dataDir, "tonearm-deskto").map(({ pid }) => pid);
  if (process.platform !== "linux") return;
  for (const pid of leftovers()) process.kill(pid, "SIGTERM");
  for (let i = 0; i < 50 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of leftovers()) process.kill(pid, "SIGKILL");
}

/**
 * A fresh data directory opens on the first-run welcome; tests about something else skip it,
 * as a user who sets up later would (`welcome: true` keeps it).
 */
async function skipWelcome(browser) {
  const state = () => browser.execute(() => document.querySelector(".app")?.getAttribute("data-first-run") ?? "unknown");
  await browser.waitUntil(async () => (await state()) !== "unknown", {
    timeout: 20_000,
    timeoutMsg: "the app never said whether this is its first run",
  });
  if ((await state()) === "welcome") {
    await browser.$("button=Skip for now").click();
    await browser.waitUntil(async () => !(await browser.$('[role="dialog"]').isExisting()), { timeout: 5_000 });
  }
}

async function start(dataDir, env, keep) {
  const port = await freePort();
  const nativePort = await freePort();
  const driverLog = [];
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    // WebKitWebDriver's screenshots can stall when WebKit draws in software (the app's choice
    // where there is no GPU): tests draw with OpenGL unless they ask otherwise.
    env: { ...process.env, TONEARM_GPU: "on", ...env, TONEARM_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  driver.stdout.on("data", (chunk) => driverLog.push(String(chunk)));
  driver.stderr.on("data", (chunk) => driverLog.push(String(chunk)));
  const stopDriver = async () => {
    driver.kill();
    await new Promise((resolve) => (driver.exitCode !== null || driver.signalCode !== null ? resolve() : driver.once("exit", resolve)));
  };

  let browser;
  try {
    await waitForPort(port, 15_000);
    browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "error",
      connectionRetryCount: 0,
      capabilities: {
        browserName: "wry",
        "wdio:enforceWebDriverClassic": true,
        "tauri:options": { application },
      },
    });
  } catch (error) {
    await stopDriver();
    throw new Error(`the app did not start: ${error.message}\n${driverLog.join("")}`);
  }

  return {
    browser,
    dataDir,
    driver,
    async close() {
      await browser.deleteSession().catch(() => {});
      await stopDriver();
      await endLeftovers(dataDir);
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the text of `selector` matches `pattern`, and returns it. The text is read as
 * the DOM holds it: WebKitWebDriver's visible-text reading leaves out text that may be cut
 * with an ellipsis.
 */
export async function waitForText(browser, selector, pattern, timeout = 20_000) {
  const text = () => browser.$(selector).getProperty("textContent").catch(() => "");
  await browser.waitUntil(async () => pattern.test((await text()) ?? ""), {
    timeout,
    timeoutMsg: `${selector} never matched ${pattern}`,
  });
  return text();
}
