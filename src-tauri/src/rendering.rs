//! How the webview draws on Linux: with the GPU where there is one, in software otherwise.
//!
//! WebKitGTK composites pages with OpenGL. On a machine with no GPU (a virtual machine, a
//! remote desktop, Xvfb) that OpenGL is Mesa's software rasteriser, and every frame of the
//! songs table took about 60 ms on two cores; WebKit's own software path draws the same frame
//! in about 10 ms (`cargo xtask bench ui`, docs/benchmarks.md). So where the kernel offers no
//! GPU render node, accelerated compositing is turned off. `TONEARM_GPU=on` or `off` decides
//! instead.
//!
//! Without a GPU, WebKit's DMA-BUF renderer still handed each drawn frame to the window
//! through that software OpenGL (two `llvmpipe` threads in the shell); its shared-memory path
//! hands the same pixels over with cairo. Turning the renderer off there took 10-12 MB off
//! the app, with scrolling and search as fast as before.
//!
//! Without a GPU, the shell itself draws nothing with OpenGL either, yet two things loaded
//! Mesa's software driver (and with it LLVM, about 25 MB of the shell's memory) into it: GTK
//! asks GLX for its version when it opens the display (`GDK_GL=disable` stops that), and
//! WebKit opens an EGL display to find the GPU's render node to give the web process, unless
//! `WEBKIT_WEB_RENDER_DEVICE_FILE` names one. There is none to find, so it names a file that
//! is no device: the web process matches it against the kernel's DRM devices, finds none, and
//! draws as it would with no node named. The web process itself still needs EGL and keeps
//! Mesa; WebKit aborts without it.

use tauri::{Runtime, WebviewWindow};

/// Whether the webview should composite with the GPU.
#[cfg(target_os = "linux")]
fn use_gpu() -> bool {
    match std::env::var("TONEARM_GPU").as_deref() {
        Ok("on") => true,
        Ok("off") => false,
        _ => has_render_node(),
    }
}

/// A DRM render node (`/dev/dri/renderD128`...) is how a GPU offers OpenGL to programs.
#[cfg(target_os = "linux")]
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Sets, for WebKit's processes, how frames reach the window. Call first thing at start, before
/// WebKit or any thread runs (the environment is read once, and inherited by the web process).
#[cfg(target_os = "linux")]
pub fn configure() {
    if use_gpu() {
        return;
    }
    for (name, value) in SOFTWARE_ENVIRONMENT {
        crate::webkit_env::set(name, value);
    }
}

/// What GTK and WebKit are told when nothing should draw with OpenGL outside the web process.
#[cfg(target_os = "linux")]
const SOFTWARE_ENVIRONMENT: [(&str, &str); 3] = [
    // Frames reach the window through shared memory and cairo, not through OpenGL.
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    // GTK's OpenGL (GtkGLArea, GL-drawn windows) is used by nothing in the app.
    ("GDK_GL", "disable"),
    // No render node exists; naming a path that is none keeps WebKit from asking EGL.
    ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/dev/dri/no-render-node"),
];

/// Other systems choose well on their own.
#[cfg(not(target_os = "linux"))]
pub fn configure() {}

/// Sets the window's webview to draw in software when there is no GPU to draw with.
#[cfg(target_os = "linux")]
pub fn apply<R: Runtime>(window: &WebviewWindow<R>) {
    if use_gpu() {
        return;
    }
    let result = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    match result {
        Ok(()) => tracing::info!("no GPU render node: the webview draws in software"),
        Err(error) => tracing::warn!(%error, "cannot set how the webview draws"),
    }
}

/// Other systems choose well on their own.
#[cfg(not(target_os = "linux"))]
pub fn apply<R: Runtime>(_window: &WebviewWindow<R>) {}
