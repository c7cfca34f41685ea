// Entry point of the web player: mounts the frame and registers the service worker that
// keeps the app's own files, so it starts fast and opens from a phone's home screen.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WebApp } from "./WebApp";
import "../styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <WebApp />
  </StrictMode>,
);

// Service workers need a secure context (HTTPS, or localhost); on plain HTTP the app still
// works, it just loads its files from the server each time.
if ("serviceWorker" in navigator && window.isSecureContext && import.meta.env.PROD) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}
