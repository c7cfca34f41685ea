//! Small values of the sync engine, by key: the change feed's cursor (how far this device has
//! applied the cloud's changes) and the account it is logged in to. The sync engine owns the
//! keys and what the values mean; they are all dropped at logout, unlike the app's
//! preferences (`preferences`), which survive it.

use crate::Library;
use crate::error::Result;
use rusqlite::{OptionalExtension, Transaction, params};

impl Library {
    /// A small stored value of the sync engine (the feed position, the account).
    pub fn sync_value(&self, key: &str) -> Result<Option<String>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT value FROM sync_values WHERE key = ?1",
                    [key],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    /// Stores (or, with `None`, forgets) a value of the sync engine.
    pub fn set_sync_value(&self, key: &str, value: Option<&str>) -> Result<()> {
        self.store().write(|tx| set(tx, key, value))
    }
}

/// [`Library::set_sync_value`] inside a transaction (a page of the feed sets its cursor with
/// the changes it applies).
pub(super) fn set(tx: &Transaction<'_>, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(value) => tx
            .prepare_cached(
                "INSERT INTO sync_values (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?,
        None => tx
            .prepare_cached("DELETE FROM sync_values WHERE key = ?1")?
            .execute([key])?,
    };
    Ok(())
}
