//! The main window comes back where the user left it: size, place and maximized state are
//! remembered as the user moves and resizes it (a moment after the last change, so a crash
//! loses nothing) and when it closes, and restored when the app starts.
//!
//! A remembered place that no connected screen shows any more (a monitor unplugged) is
//! ignored, so the window never opens out of sight.

use crate::preferences::WindowGeometry;
use crate::state::LibraryState;
use std::sync::atomic::{AtomicU64, Ordering};
use tauri::{AppHandle, LogicalPosition, LogicalSize, Manager, Runtime};

/// Puts the main window where it was.
pub fn restore<R: Runtime>(app: &AppHandle<R>) {
    let (Some(window), Some(library)) = (
        app.get_webview_window("main"),
        app.try_state::<LibraryState>(),
    ) else {
        return;
    };
    let Some(geometry) = WindowGeometry::load(&library.library) else {
        return;
    };
    let _ = window.set_size(LogicalSize::new(geometry.width, geometry.height));
    if on_a_screen(&window, &geometry) {
        let _ = window.set_position(LogicalPosition::new(geometry.x, geometry.y));
    }
    if geometry.maximized {
        let _ = window.maximize();
    }
}

/// Changes of the window's size or place so far; a save waits for them to stop.
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// The window moved or was resized: remember where it is once it stays still a moment.
pub fn changed<R: Runtime>(app: &AppHandle<R>) {
    let change = CHANGES.fetch_add(1, Ordering::Relaxed) + 1;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        if CHANGES.load(Ordering::Relaxed) == change {
            remember(&app);
        }
    });
}

/// Records where the main window is.
pub fn remember<R: Runtime>(app: &AppHandle<R>) {
    let (Some(window), Some(library)) = (
        app.get_webview_window("main"),
        app.try_state::<LibraryState>(),
    ) else {
        return;
    };
    let (Ok(scale), Ok(size), Ok(position)) = (
        window.scale_factor(),
        window.inner_size(),
        window.outer_position(),
    ) else {
        return;
    };
    let maximized = window.is_maximized().unwrap_or(false);
    let size = size.to_logical::<f64>(scale);
    let position = position.to_logical::<f64>(scale);
    let mut geometry = WindowGeometry {
        x: position.x,
        y: position.y,
        width: size.width,
        height: size.height,
        maximized,
    };
    // A maximized window keeps the size it had before, when that is known.
    if maximized && let Some(before) = WindowGeometry::load(&library.library) {
        geometry = WindowGeometry {
            maximized,
            ..before
        };
    }
    geometry.save(&library.library);
}

fn on_a_screen<R: Runtime>(window: &tauri::WebviewWindow<R>, geometry: &WindowGeometry) -> bool {
    let Ok(monitors) = window.available_monitors() else {
        return false;
    };
    monitors.iter().any(|monitor| {
        let scale = monitor.scale_factor();
        let origin = monitor.position().to_logical::<f64>(scale);
        let size = monitor.size().to_logical::<f64>(scale);
        // The title bar's corner must be on the screen.
        geometry.x + 40.0 >= origin.x
            && geometry.x + 40.0 < origin.x + size.width
            && geometry.y >= origin.y
            && geometry.y + 20.0 < origin.y + size.height
    })
}
