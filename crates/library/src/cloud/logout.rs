//! Logging out: the device forgets everything it learned from the cloud account, so another
//! account starts from a clean slate. Cloud-only tracks go (and the albums, artists and genres
//! only they made), tracks of this device become local-only, and the upload queue, the sync
//! values (the feed cursor, the account) and the playlist edits waiting to be sent are dropped.
//! The music, the playlists themselves, the stream cache and the app's preferences stay.

use crate::Library;
use crate::error::Result;
use crate::scan::write::{self, Dirty};

impl Library {
    /// Forgets everything learned from a cloud account (on logout): cloud-only tracks go,
    /// local tracks become local-only, the feed position and pending edits are dropped.
    pub fn forget_cloud(&self) -> Result<()> {
        self.store().write(|tx| {
            let cloud_only: Vec<i64> = {
                let mut stmt = tx.prepare("SELECT pk FROM tracks WHERE state = 'cloud'")?;
                stmt.query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut dirty = Dirty::default();
            // What pages of the feed left stale is summarised again with the rest.
            dirty.names.extend(super::tracks::stale_names(tx)?);
            for pk in cloud_only {
                write::delete_track(tx, pk, &mut dirty)?;
            }
            write::rebuild_summaries(tx, Some(&dirty))?;
            tx.execute("DELETE FROM cloud_tracks", [])?;
            tx.execute("DELETE FROM sync_values", [])?;
            tx.execute("DELETE FROM playlist_ops", [])?;
            Ok(())
        })
    }
}
