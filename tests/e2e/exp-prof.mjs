// Experiment (not committed): scroll the songs table while perf records the web process.
import { launchApp } from "./support/app.mjs";
import { existsSync, writeFileSync } from "node:fs";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const app = await launchApp({ dataDir: process.env.TONEARM_BENCH_DATA, env: { TONEARM_GPU: "" } });
const b = app.browser;
await b.$('[role="grid"][aria-label="Songs"]').waitForExist({ timeout: 20000 });
await sleep(1500);
writeFileSync("/tmp/exp/ready", "1");
while (!existsSync("/tmp/exp/go")) await sleep(100);
const sel = process.env.SEL ?? '[role="grid"][aria-label="Songs"] .tracks__scroll';
for (let r = 0; r < Number(process.env.ROUNDS ?? 3); r++) {
  const { f } = await b.executeAsync((sel, done) => {
    const el = document.querySelector(sel); el.scrollTop = 0;
    const f = []; let last = performance.now(); let n = 0;
    const step = (now) => { f.push(now - last); last = now; el.scrollTop += 120; if (++n < 400) requestAnimationFrame(step); else done({ f: f.slice(2) }); };
    requestAnimationFrame((now) => { last = now; requestAnimationFrame(step); });
  }, sel);
  const mean = f.reduce((a, x) => a + x, 0) / f.length;
  console.log(`mean ${mean.toFixed(2)} p50 ${pct(f, 50)} p99 ${pct(f, 99)} over ${f.filter((x) => x > 16.7).length}`);
}
writeFileSync("/tmp/exp/done", "1");
await app.close();
