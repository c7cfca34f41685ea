//! The app's preferences, stored beside the library so they share its crash safety.
//!
//! Values are opaque JSON text under a key: what they mean belongs to whoever owns the
//! setting (the desktop shell owns its typed `Preferences`). Logging out of the cloud does
//! not touch them, unlike the sync engine's `sync_values`.

use crate::Library;
use crate::error::Result;
use rusqlite::{OptionalExtension, params};

impl Library {
    /// The stored value of a preference, if it was ever set.
    pub fn preference(&self, key: &str) -> Result<Option<String>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT value FROM preferences WHERE key = ?1",
                    [key],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    /// Stores a preference, replacing the value it had.
    pub fn set_preference(&self, key: &str, value: &str) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "INSERT INTO preferences (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }
}
