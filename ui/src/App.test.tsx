// The app frame: navigation, empty states and the Settings facts, with the Rust side mocked
// through the generated bindings' own types.
import { QueryClient } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { commands, type AppInfo } from "./ipc/bindings";
import { views } from "./views/registry";

vi.mock("./ipc/bindings", () => ({ commands: { getAppInfo: vi.fn() } }));

const info: AppInfo = {
  name: "Tonearm",
  version: "9.8.7",
  os: "linux",
  dataDir: "/home/ada/.local/share/app.tonearm.desktop",
  cacheDir: "/home/ada/.cache/app.tonearm.desktop",
  logDir: "/home/ada/.local/share/app.tonearm.desktop/logs",
};

function renderApp() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<App client={client} />);
}

beforeEach(() => {
  vi.mocked(commands.getAppInfo).mockResolvedValue(info);
});

describe("the app frame", () => {
  it("opens on Songs with the sidebar, the view and the now-playing bar", () => {
    renderApp();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Songs");
    expect(screen.getByRole("navigation", { name: "Sidebar" })).toBeTruthy();
    const player = screen.getByRole("contentinfo", { name: "Now playing" });
    expect(within(player).getByText("Nothing playing")).toBeTruthy();
    expect(within(player).getByRole("button", { name: "Play" }).hasAttribute("disabled")).toBe(true);
  });

  it("lists every view in the sidebar and marks exactly the open one as current", async () => {
    const user = userEvent.setup();
    renderApp();
    const sidebar = screen.getByRole("navigation", { name: "Sidebar" });
    for (const view of views) {
      await user.click(within(sidebar).getByRole("button", { name: view.label }));
      expect(screen.getByRole("heading", { level: 1 }).textContent).toBe(view.label);
      const current = within(sidebar)
        .getAllByRole("button")
        .filter((button) => button.getAttribute("aria-current") === "page");
      expect(current.map((button) => button.textContent)).toEqual([view.label]);
    }
  });

  it("sends an empty library to the music folders in Settings", async () => {
    const user = userEvent.setup();
    renderApp();
    expect(screen.getByText("Add a music folder to get started")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Set up music folders" }));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Settings");
    expect(screen.getByRole("heading", { name: "Music folders" })).toBeTruthy();
  });
});

describe("Settings", () => {
  it("shows the version and directories reported by the app", async () => {
    const user = userEvent.setup();
    renderApp();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    expect(await screen.findByText("Tonearm 9.8.7 (linux)")).toBeTruthy();
    expect(screen.getByText(info.dataDir)).toBeTruthy();
    expect(screen.getByText(info.cacheDir)).toBeTruthy();
    expect(screen.getByText(info.logDir)).toBeTruthy();
    expect(commands.getAppInfo).toHaveBeenCalledTimes(1);
  });

  it("explains what to do when the app cannot answer", async () => {
    vi.mocked(commands.getAppInfo).mockRejectedValue("state not managed");
    const user = userEvent.setup();
    renderApp();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/Restart the app/);
    expect(alert.textContent).not.toMatch(/state not managed/);
  });
});
