import { launchApp } from "./support/app.mjs";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const app = await launchApp({ dataDir: process.env.TONEARM_BENCH_DATA, env: { TONEARM_GPU: process.env.TONEARM_GPU ?? "" } });
const b = app.browser;
await b.$('[role="grid"][aria-label="Songs"]').waitForExist({ timeout: 20000 });
await sleep(1000);
const t = { height: 584, left: 248, width: 924, top: 89 };
async function setup(mode) {
  await b.execute((mode, t) => {
    const rows = document.createElement("div");
    for (let i = 0; i < 3000; i++) {
      const row = document.createElement("div");
      row.style.cssText = "display:flex;height:30px;align-items:center;border-bottom:1px solid #8884";
      for (let c = 0; c < 7; c++) { const cell = document.createElement("span"); cell.style.cssText = "flex:1;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;padding:0 8px"; cell.textContent = `Song ${i}, column ${c}, with some longer text`; row.appendChild(cell); }
      rows.appendChild(row);
    }
    const fixed = [];
    if (mode.includes("fixed")) {
      const side = document.createElement("div"); side.style.cssText = `position:fixed;left:0;top:0;width:${t.left}px;bottom:0;background:#222;color:#eee`; side.textContent = "sidebar";
      const head = document.createElement("div"); head.style.cssText = `position:fixed;left:${t.left}px;top:0;right:0;height:${t.top}px;background:#333;color:#eee`; head.textContent = "header";
      fixed.push(side, head);
    }
    document.documentElement.style.cssText = ""; document.body.style.cssText = "";
    if (mode === "box") {
      const box = document.createElement("div"); box.id = "scroller";
      box.style.cssText = `position:fixed;left:${t.left}px;top:${t.top}px;width:${t.width}px;height:${t.height}px;overflow:auto`;
      box.appendChild(rows); document.body.replaceChildren(box);
    } else {
      rows.style.cssText = mode.includes("fixed") ? `margin-left:${t.left}px;padding-top:${t.top}px` : "";
      document.body.replaceChildren(rows, ...fixed);
      document.documentElement.style.cssText = `overflow:auto;height:auto;background:${mode.includes("opaque") ? "#fff" : "transparent"}`;
      document.body.style.cssText = "overflow:visible;height:auto;margin:0;background:#fff";
      window.scrollTo(0, 0);
    }
  }, mode, t);
  await sleep(500);
}
const frames = (mode) => b.executeAsync((mode, done) => {
  const el = mode === "box" ? document.getElementById("scroller") : document.scrollingElement; el.scrollTop = 0;
  const f = []; let last = performance.now(); let n = 0;
  const step = (now) => { f.push(now - last); last = now; el.scrollTop += 120; if (++n < 400) requestAnimationFrame(step); else done({ f: f.slice(2), top: el.scrollTop }); };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(step); });
}, mode);
const modes = (process.env.MODES ?? "box,doc-opaque,doc-fixed-opaque,doc").split(",");
for (let r = 0; r < Number(process.env.ROUNDS ?? 2); r++) for (const mode of r % 2 ? [...modes].reverse() : modes) {
  await setup(mode);
  const { f, top } = await frames(mode);
  const mean = f.reduce((a, x) => a + x, 0) / f.length;
  console.log(`${mode}: top ${top}, mean ${mean.toFixed(2)} p50 ${pct(f, 50).toFixed(1)} p99 ${pct(f, 99).toFixed(1)} over16.7 ${f.filter((x) => x > 16.7).length}`);
}
await app.close();
