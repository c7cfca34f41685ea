//! Covers travel apart from the tags that name them: a device uploads each cover once (by its
//! BLAKE3, which is also the library's artwork id) before sending metadata that names it, and
//! fetches a cover it lacks before applying metadata that names it, so a cloud-only song shows
//! its cover and another device's new cover can be written into this device's file.
//!
//! A cover the server refuses (too large, not an image it keeps) is left out of what is sent,
//! once; a cover that cannot be fetched now leaves the track's cover as it is here, and is
//! fetched at the track's next change.

use crate::Cloud;
use crate::client::Client;
use crate::error::{Result, SyncError};
use tonearm_library::{ArtworkId, TrackId};
use tonearm_protocol::TrackMetadata;

impl Cloud {
    /// Makes sure the server has the cover `metadata` names; leaves it out when the server
    /// refuses it.
    pub(crate) async fn share_artwork(
        &self,
        client: &Client,
        metadata: &mut TrackMetadata,
    ) -> Result<()> {
        let Some(hash) = metadata.artwork.as_ref().map(|h| h.as_str().to_owned()) else {
            return Ok(());
        };
        if self.lock_shared().contains(&hash) {
            return Ok(());
        }
        if !client.has_artwork(&hash).await? {
            let Some(artwork) = self.library.artwork(&ArtworkId(hash.clone()))? else {
                // Named but not held (cannot happen for a row's own cover): send none.
                metadata.artwork = None;
                return Ok(());
            };
            match client.put_artwork(&hash, artwork.bytes).await {
                Ok(()) => {}
                Err(SyncError::Server {
                    status, message, ..
                }) if (400..500).contains(&status) => {
                    tracing::info!(%hash, %message, "the cloud refused a cover; songs go up without it");
                    metadata.artwork = None;
                    return Ok(());
                }
                Err(other) => return Err(other),
            }
        }
        self.lock_shared().insert(hash);
        Ok(())
    }

    /// Makes sure this device holds the cover `metadata` names before it is applied to
    /// `track`; when it cannot be fetched, `metadata` is given the track's own cover instead.
    pub(crate) async fn fetch_artwork(
        &self,
        client: &Client,
        track: TrackId,
        metadata: &mut tonearm_library::cloud::CloudMetadata,
    ) -> Result<()> {
        let Some(hash) = metadata.artwork.clone() else {
            return Ok(());
        };
        if self.library.has_artwork(&hash)? {
            return Ok(());
        }
        let fetched = match fetch_cover(client, &hash).await {
            Some(bytes) => self.library.add_artwork(&bytes)?,
            None => None,
        };
        if fetched.is_none() {
            metadata.artwork = self.library.track_artwork(track)?.map(|id| id.0);
        }
        Ok(())
    }

    fn lock_shared(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.shared_artwork
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The cover `hash` from the cloud, if it came and is the bytes its hash names; a cover that
/// did not is logged and left for a later change to fetch.
pub(crate) async fn fetch_cover(client: &Client, hash: &str) -> Option<Vec<u8>> {
    match client.get_artwork(hash).await {
        Ok(bytes) if ArtworkId::of(&bytes).0 == hash => Some(bytes),
        Ok(_) => {
            tracing::info!(%hash, "a cover's bytes are not what its hash names; fetched at the next change");
            None
        }
        Err(error) => {
            tracing::info!(%hash, %error, "a cover could not be fetched; fetched at the next change");
            None
        }
    }
}
