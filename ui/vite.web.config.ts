// Vite builds the web player into ui/dist-web, which tonearm-server embeds and serves at `/`.
// The same components as the desktop app, over the HTTP data layer (`@data` is src/web/data).
// A small plugin writes the service worker with the list of the build's files, so a new
// build replaces the cached app as a whole.
import react from "@vitejs/plugin-react";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import { dataLayer } from "./vite.config.ts";

function serviceWorker(): Plugin {
  return {
    name: "tonearm-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = ["/", ...Object.keys(bundle).map((name) => `/${name}`), "/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png"];
      const version = createHash("sha256").update(files.join("\n")).digest("hex").slice(0, 16);
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: `// Tonearm web player: keeps the app's own files (never music or library data) for a fast start.
const CACHE = "tonearm-app-${version}";
const FILES = ${JSON.stringify(files.filter((f) => f !== "/index.html"))};
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((key) => key.startsWith("tonearm-app-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/rest/")) return;
  if (request.mode === "navigate") {
    // The page: fresh when the server answers, the kept copy when it does not.
    event.respondWith(fetch(request).catch(() => caches.match("/", { cacheName: CACHE })));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
});
`,
      });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL("./web", import.meta.url)),
  publicDir: fileURLToPath(new URL("./web/public", import.meta.url)),
  plugins: [react(), serviceWorker()],
  resolve: { alias: dataLayer("web/data") },
  clearScreen: false,
  build: {
    // Safari 16 (iOS 16) and the Chromium of the last few years.
    target: ["safari16", "chrome111", "firefox115"],
    // Built aside by `cargo xtask`, as the app's UI is (vite.config.ts).
    outDir: process.env.TONEARM_UI_OUT
      ? join(process.env.TONEARM_UI_OUT, "dist-web")
      : fileURLToPath(new URL("./dist-web", import.meta.url)),
    emptyOutDir: true,
  },
});
