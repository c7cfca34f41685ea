//! When the web process gives memory back: WebKit's memory-pressure settings.
//!
//! WebKit's web process measures its own memory now and then (every 30 s by default) and,
//! past a threshold, releases what it can: caches of fonts, glyphs and styles, its JavaScript
//! heap's garbage and compiled code, and the free pages of every allocator. By default that
//! threshold is a third of the machine's memory (capped at 3 GB), so on a desktop it never
//! comes: scrolling the 100,000-song table left the web process 55-60 MB above where it
//! started, for good, though a release brings it back to its start (`docs/benchmarks.md`).
//!
//! WebKitGTK takes these settings only when its web context is built, and wry builds that
//! context itself with no way to pass them. So the shell adds them at construction: it wraps
//! the web context class's GObject `constructor`, the documented hook through which GObject
//! hands every construct property to a new object, and fills in `memory-pressure-settings`
//! when the creator left it unset. Everything else about the context stays wry's.
//!
//! The web process is never killed for its memory (the settings' kill threshold stays 0), and
//! it releases without blocking: measured every 2 s the releases fell inside a scroll and made
//! it stutter, so it measures every 5 s.
//!
//! Linux only; macOS and Windows webviews answer the system's own memory pressure.

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod linux {
    use std::ffi::{CStr, c_uint};
    use std::sync::OnceLock;

    use webkit2gtk::glib::gobject_ffi::{
        GObject, GObjectClass, GObjectConstructParam, g_type_class_ref, g_value_get_boxed,
    };
    use webkit2gtk::glib::translate::{IntoGlib, ToGlibPtr, from_glib_full};
    use webkit2gtk::glib::{ToValue, Value, ffi::GType, prelude::StaticType};
    use webkit2gtk::{MemoryPressureSettings, WebContext};

    type Constructor =
        unsafe extern "C" fn(GType, c_uint, *mut GObjectConstructParam) -> *mut GObject;

    /// What `construct` needs: the class's own constructor, and the settings to hand it.
    struct Wrapped {
        original: Constructor,
        settings: Value,
    }

    // SAFETY: only read on the main thread, where GTK creates every web context; the value
    // is never changed after it is stored.
    unsafe impl Send for Wrapped {}
    unsafe impl Sync for Wrapped {}

    static WRAPPED: OnceLock<Wrapped> = OnceLock::new();

    /// The web process's memory budget, in MB: its thresholds are fractions of it.
    const BUDGET_MB: u32 = 240;
    /// Above this share of the budget (about 80 MB), the web process drops its caches and
    /// returns its allocators' free pages at each measurement.
    const CONSERVATIVE: f64 = 0.33;
    /// Above this share (about 100 MB), it also collects its JavaScript heap and drops compiled
    /// code: what browsing a big table leaves behind. The web process starts at 55-60 MB.
    const STRICT: f64 = 0.42;
    /// Seconds between two measurements. Idle just above the lower threshold, where the web
    /// process settles after browsing, its releases cost about 30 ms of CPU every 8 s.
    const POLL_SECONDS: f64 = 5.0;

    const PROPERTY: &CStr = c"memory-pressure-settings";

    /// WebKit's default settings. (The binding's `new` insists on GTK being initialized,
    /// which the settings themselves do not need; Tauri initializes GTK later.)
    fn default_settings() -> MemoryPressureSettings {
        // SAFETY: returns a new boxed settings structure, owned by the caller.
        unsafe { from_glib_full(webkit2gtk::ffi::webkit_memory_pressure_settings_new()) }
    }

    /// Wraps the class's constructor once; a second call finds `WRAPPED` taken and changes
    /// nothing.
    fn install(settings: MemoryPressureSettings) {
        // SAFETY: `g_type_class_ref` returns the class structure of a registered GObject type,
        // kept alive by the reference never given back. Its `constructor` is replaced before
        // any web context exists (the caller runs before Tauri builds a window), on the main
        // thread, and the replacement calls the original with the same arguments.
        unsafe {
            let class =
                g_type_class_ref(WebContext::static_type().into_glib()).cast::<GObjectClass>();
            let Some(original) = (*class).constructor else {
                tracing::warn!("WebKit's web context has no constructor to wrap");
                return;
            };
            let wrapped = Wrapped {
                original,
                settings: settings.to_value(),
            };
            if WRAPPED.set(wrapped).is_ok() {
                (*class).constructor = Some(construct);
            }
        }
    }

    /// The web context's constructor, with the memory-pressure settings filled in when unset.
    unsafe extern "C" fn construct(
        type_: GType,
        count: c_uint,
        params: *mut GObjectConstructParam,
    ) -> *mut GObject {
        let wrapped = WRAPPED.get().expect("installed before it is called");
        if params.is_null() {
            // SAFETY: the original constructor, called exactly as GObject called this one.
            return unsafe { (wrapped.original)(type_, count, params) };
        }
        // SAFETY: GObject passes `count` construct parameters, each with a valid property
        // specification and value. The copy points the one parameter changed at a value owned
        // by `wrapped` (a boxed settings copy GObject copies again when it sets the property)
        // instead of changing GObject's own, which may be the property's shared default.
        unsafe {
            let mut ours = std::slice::from_raw_parts(params, count as usize).to_vec();
            for param in &mut ours {
                let name = CStr::from_ptr((*param.pspec).name);
                if name == PROPERTY && g_value_get_boxed(param.value).is_null() {
                    let value: *const _ = wrapped.settings.to_glib_none().0;
                    param.value = value.cast_mut();
                }
            }
            (wrapped.original)(type_, count, ours.as_mut_ptr())
        }
    }

    /// Gives every web context created from now on the app's memory-pressure settings. Call
    /// on the main thread before Tauri builds the window.
    pub fn configure() {
        let mut settings = default_settings();
        settings.set_memory_limit(BUDGET_MB);
        settings.set_conservative_threshold(CONSERVATIVE);
        settings.set_strict_threshold(STRICT);
        settings.set_poll_interval(POLL_SECONDS);
        install(settings);
    }
}

#[cfg(target_os = "linux")]
pub use linux::configure;

#[cfg(not(target_os = "linux"))]
pub fn configure() {}
