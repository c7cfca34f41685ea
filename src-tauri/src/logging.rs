//! Logging to a daily-rotating file in the app's log directory (the last
//! [`KEEP_FILES`] days are kept), plus stderr in debug builds, and a panic hook that
//! records where and why the app panicked before the default hook runs.
//!
//! Level filtering follows `RUST_LOG` (default: `info` for Tonearm, `warn` for the rest).

use std::path::Path;
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// How many daily log files are kept.
pub const KEEP_FILES: usize = 7;

/// Installs the global subscriber and the panic hook. A second call (tests build several
/// apps in one process) keeps the first subscriber.
pub fn init(log_dir: &Path) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,tonearm=info,tonearm_desktop=info"));
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("tonearm")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(log_dir);
    let (file_layer, file_error) = match file {
        Ok(writer) => (
            Some(fmt::layer().with_ansi(false).with_writer(writer)),
            None,
        ),
        Err(error) => (None, Some(error)),
    };
    let stderr_layer = cfg!(debug_assertions).then(|| fmt::layer().with_writer(std::io::stderr));
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(stderr_layer)
        .try_init()
        .is_ok();
    if installed {
        install_panic_hook();
    }
    if let Some(error) = file_error {
        tracing::warn!(log_dir = %log_dir.display(), %error, "logging to stderr only");
    }
}

fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let backtrace = std::backtrace::Backtrace::force_capture();
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        tracing::error!(%location, %message, %backtrace, "panic");
        default_hook(info);
    }));
}
