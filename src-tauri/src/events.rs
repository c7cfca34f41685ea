//! Events the shell sends the UI: facts, named in the past tense.

use serde::Serialize;
use specta::Type;

/// The watcher applied a batch of file changes to the library.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct LibraryChanged(pub tonearm_library::ScanReport);
