// The IPC boundary: only ui/src/ipc/ may talk to Tauri or import the generated bindings'
// code. Components that call `invoke` themselves drift from the Rust signatures unnoticed.
// Types are the shared vocabulary: `import type` from the bindings is allowed anywhere (the
// web player's data layer answers in the same types), and erased from the build.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

describe("the IPC boundary", () => {
  it("keeps Tauri and the generated bindings inside ui/src/ipc", () => {
    const offenders = sourceFiles(src)
      .filter((path) => !relative(src, path).startsWith("ipc"))
      .filter((path) => /^import\s+(?!type\b)[^;]*from\s+["'](@tauri-apps\/|[./]+\/?(ipc\/)?bindings)/m.test(readFileSync(path, "utf8")))
      .map((path) => relative(src, path));
    expect(offenders).toEqual([]);
  });

  it("keeps the web player off Tauri and the desktop's data layer", () => {
    const offenders = sourceFiles(join(src, "web"))
      .filter((path) => /from\s+["'](@tauri-apps\/|[./]+\/ipc(\/index)?["'])/.test(readFileSync(path, "utf8")))
      .map((path) => relative(src, path));
    expect(offenders).toEqual([]);
  });

  it("finds the files it checks", () => {
    expect(sourceFiles(src).length).toBeGreaterThan(5);
  });
});
