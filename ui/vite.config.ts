/// <reference types="vitest/config" />
// Vite builds the desktop UI into ui/dist, which the Rust shell embeds; Vitest runs the unit
// tests. The web player has its own config (`vite.web.config.ts`): the same components over
// another data layer, chosen by what `@data` names (see `dataLayer`).
import react from "@vitejs/plugin-react";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type AliasOptions } from "vite";

/** `@data` is the data layer the shared components import: `src/ipc` (Tauri) or `src/web/data` (HTTP). */
export function dataLayer(folder: string): AliasOptions {
  const root = fileURLToPath(new URL(`./src/${folder}`, import.meta.url));
  return [
    { find: /^@data$/, replacement: `${root}/index.ts` },
    { find: /^@data\/(.*)$/, replacement: `${root}/$1` },
  ];
}

export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  resolve: { alias: dataLayer("ipc") },
  server: { port: 5173, strictPort: true },
  build: {
    // WebKitGTK 2.4x and Safari 16 are the oldest engines the app runs in.
    target: "safari16",
    // `cargo xtask` builds aside (TONEARM_UI_OUT) and copies over only the files that
    // changed, so an unchanged UI does not make Cargo build the app again.
    outDir: process.env.TONEARM_UI_OUT ? join(process.env.TONEARM_UI_OUT, "dist") : "dist",
    emptyOutDir: true,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    clearMocks: true,
    restoreMocks: true,
  },
});
