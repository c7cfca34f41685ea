// Where a process's memory is, by what it maps: `node tests/e2e/smaps-by-file.mjs FILE...`
// on copies of /proc/PID/smaps (`TONEARM_BENCH_SMAPS=dir cargo xtask bench ui` keeps them).
// For each file, the proportional set size of every mapped file (a shared library, the app's
// binary, a font) and of the process's own memory ([heap], [anon]), largest first, with the
// part of each that is anonymous: a library's relocated data is its own, not shared.

import { readFileSync } from "node:fs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tests/e2e/smaps-by-file.mjs SMAPS_FILE...");
  process.exit(2);
}

const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/;
const mb = (kb) => (kb / 1024).toFixed(1).padStart(6);

for (const file of files) {
  const byName = new Map();
  let current = null;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const mapping = header.exec(line);
    if (mapping) {
      const name = mapping[1] || "[anon]";
      current = byName.get(name) ?? { pss: 0, anonymous: 0 };
      byName.set(name, current);
      continue;
    }
    const [key, value] = line.split(/:\s+/);
    if (!current || value === undefined) continue;
    if (key === "Pss") current.pss += Number.parseInt(value, 10);
    if (key === "Anonymous") current.anonymous += Number.parseInt(value, 10);
  }
  const rows = [...byName].sort((a, b) => b[1].pss - a[1].pss);
  const total = rows.reduce((sum, [, m]) => sum + m.pss, 0);
  console.log(`${file}: ${mb(total).trim()} MB PSS`);
  console.log("   PSS MB  anon MB  mapping");
  for (const [name, m] of rows.slice(0, 20)) console.log(`  ${mb(m.pss)}   ${mb(m.anonymous)}  ${name}`);
}
