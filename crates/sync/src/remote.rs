//! Two-way sync with the cloud, besides uploads: local playlist edits and tag edits go up,
//! the change feed comes down.
//!
//! A tag edit goes up as a metadata patch of the fields that differ from what the cloud was
//! last sent (`PATCH /api/v1/tracks/{id}/metadata`), never as audio: the server merges it into
//! what it has, so edits of different fields on different devices all survive and the same
//! field is last-writer-wins (the last to reach the server).
//!
//! The order is fixed: push first, then pull. The feed then carries the server's verdict on
//! this device's own edits too, so after a sync the device holds exactly the server's state,
//! which every device converges to (the server orders concurrent edits: last writer wins for
//! renames and moves, removals are final, additions are never lost).
//!
//! The server's answer to a patch (its merge, at its revision) is applied at once, so the feed's
//! older states of that track are skipped and never put an older value over this device's
//! edit. A track this device holds as a file takes another device's edit into the file and its
//! row (`Library::follow_cloud_tags`); a file that cannot be written is logged, not fatal.
//!
//! Playlist edits wait while they refer to a track the cloud does not have yet (it is still
//! uploading): sending them would get them rejected, and the addition lost.

use crate::client::Client;
use crate::error::Result;
use crate::upload::{from_protocol, to_protocol};
use crate::{Cloud, SyncEvent};
use serde::Serialize;
use std::collections::HashSet;
use tonearm_library::cloud::{PendingPlaylistOp, RemoteApplied, RemoteTrack, UploadState};
use tonearm_library::{EntryId, PlaylistId, TrackId};
use tonearm_protocol::{
    ChangeEvent, CloudTrack, MetadataPatch, OpId, PlaylistAction, PlaylistOp, PlaylistOpsRequest,
};

/// The feed position in the library's sync values.
const CURSOR_KEY: &str = "feed_cursor";

/// Changes asked for per request.
const PAGE: u32 = 500;

/// What a sync did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Feed changes applied here.
    pub changes_applied: u64,
    /// Playlist edits sent.
    pub playlist_ops_sent: u64,
    /// Playlist edits still waiting for their tracks to reach the cloud.
    pub playlist_ops_waiting: u64,
    /// Tracks whose tags were sent.
    pub metadata_sent: u64,
    /// Plays sent.
    pub plays_sent: u64,
}

impl Cloud {
    /// Syncs once: tag edits and playlist edits up, then the change feed down.
    pub async fn sync(&self) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        // A file that another device's edit waits for may be writable again.
        if let Err(error) = self.library.retry_pending_tags() {
            tracing::warn!(%error, "waiting tag edits were not retried");
        }
        let result = self.sync_steps(&mut report).await;
        match &result {
            Ok(()) => {
                self.refresh_storage().await;
                let _ = self.events.send(SyncEvent::Synced(report));
                self.set_online(true, None);
            }
            Err(error) if error.is_network() => {
                self.set_online(false, Some(error.to_string()));
            }
            Err(_) => {}
        }
        result.map(|()| report)
    }

    /// Asks the server how much it stores for this user (the cloud panel shows it). Worth
    /// showing, not worth failing for: a failure keeps the last figure.
    pub(crate) async fn refresh_storage(&self) {
        let Ok(client) = self.client() else { return };
        if let Ok(usage) = client.storage().await
            && let Ok(mut storage) = self.storage.lock()
        {
            *storage = Some(usage);
        }
    }

    async fn sync_steps(&self, report: &mut SyncReport) -> Result<()> {
        let client = self.client()?;
        self.upload_new_or_log();
        for change in self.library.metadata_to_send()? {
            // Only the fields changed here go, so another device's edit of another field
            // survives; what was sent is not known for rows older than this rule, and then
            // every field with a value goes (clearing nothing).
            let before = change.sent.as_ref().map(to_protocol).unwrap_or_default();
            let mut now = to_protocol(&change.now);
            self.share_artwork(&client, &mut now).await?;
            let patch = MetadataPatch::between(&before, &now);
            if patch.is_empty() {
                self.library.metadata_sent(change.track, &change.now)?;
            } else {
                let merged = client
                    .patch_track(tonearm_protocol::TrackId(change.track.0), &patch)
                    .await?;
                report.metadata_sent += 1;
                self.library.metadata_sent(change.track, &change.now)?;
                // The server's merge (other devices' edits of other fields included), at its
                // revision: the feed's older states of this track are then skipped, and never
                // put an older value over this edit.
                self.apply_track(&client, &merged).await?;
            }
        }
        self.push_marks(&client, report).await?;
        self.push_playlist_ops(report).await?;
        self.pull(report).await
    }

    /// Sends the plays, ratings and loves made here (of songs the cloud has).
    async fn push_marks(&self, client: &Client, report: &mut SyncReport) -> Result<()> {
        loop {
            let pending = self.library.plays_to_send(500)?;
            if pending.is_empty() {
                break;
            }
            let plays = pending
                .iter()
                .filter_map(|play| {
                    Some(tonearm_protocol::Play {
                        id: tonearm_protocol::PlayId::parse(&play.id)?,
                        track_id: tonearm_protocol::TrackId(play.track.0),
                        played_at: play.played_at.div_euclid(1000),
                    })
                })
                .collect();
            client
                .post_plays(&tonearm_protocol::PlaysRequest { plays })
                .await?;
            let ids: Vec<String> = pending.into_iter().map(|p| p.id).collect();
            report.plays_sent += ids.len() as u64;
            self.library.plays_sent(&ids)?;
        }
        for marks in self.library.marks_to_send()? {
            let patch = tonearm_protocol::MarksPatch {
                rating: marks.stars,
                loved: marks.loved,
            };
            match client
                .patch_marks(tonearm_protocol::TrackId(marks.track.0), &patch)
                .await
            {
                Ok(_) => {}
                // The cloud no longer has the song: nothing to rate there.
                Err(crate::error::SyncError::Server { status: 404, .. }) => {}
                Err(other) => return Err(other),
            }
            self.library.marks_sent(&marks)?;
        }
        Ok(())
    }

    /// Sends the playlist edits made here, in order. An entry whose song has not reached the
    /// cloud waits (sent now, the addition would be lost), and so do the later edits of that
    /// entry; every other edit goes, so one song that cannot be uploaded holds nothing else
    /// back.
    async fn push_playlist_ops(&self, report: &mut SyncReport) -> Result<()> {
        let client = self.client()?;
        let mut held: HashSet<String> = HashSet::new();
        let mut after = 0;
        let mut waiting = 0;
        loop {
            let pending = self.library.pending_playlist_ops(after, 200)?;
            let Some(last) = pending.last() else { break };
            after = last.seq;
            let mut batch = Vec::new();
            let mut answered = Vec::new();
            for op in &pending {
                let entry_held = op.entry_id.as_ref().is_some_and(|e| held.contains(e));
                if entry_held || !self.track_in_cloud(op.track_id.as_deref())? {
                    held.extend(op.entry_id.clone());
                    waiting += 1;
                    continue;
                }
                match to_action(op) {
                    Some(action) => batch.push(PlaylistOp {
                        op_id: op
                            .op_id
                            .parse::<OpId>()
                            .unwrap_or_else(|_| OpId::new_random()),
                        action,
                    }),
                    None => tracing::warn!(kind = %op.kind, "a malformed playlist edit is dropped"),
                }
                answered.push(op.seq);
            }
            if !batch.is_empty() {
                let response = client
                    .playlist_ops(&PlaylistOpsRequest { ops: batch })
                    .await?;
                report.playlist_ops_sent += response.results.len() as u64;
            }
            self.library.drop_playlist_ops(&answered)?;
        }
        report.playlist_ops_waiting = waiting;
        Ok(())
    }

    /// Whether an edit naming `track` may go: no track, or one the cloud has.
    fn track_in_cloud(&self, track: Option<&str>) -> Result<bool> {
        let Some(track) = track.and_then(|t| t.parse().ok()) else {
            return Ok(true);
        };
        Ok(self.library.cloud_file(track)?.is_some()
            || self.library.upload_state(track)? == UploadState::InCloud)
    }

    async fn pull(&self, report: &mut SyncReport) -> Result<()> {
        let client = self.client()?;
        let mut cursor: u64 = self
            .library
            .sync_value(CURSOR_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        loop {
            let page = client.changes(cursor, PAGE).await?;
            for change in &page.changes {
                self.apply(&client, &change.event).await?;
                report.changes_applied += 1;
            }
            cursor = page.next.max(cursor);
            self.library
                .set_sync_value(CURSOR_KEY, Some(&cursor.to_string()))?;
            if !page.more {
                return Ok(());
            }
        }
    }

    async fn apply(&self, client: &Client, event: &ChangeEvent) -> Result<()> {
        let library = &self.library;
        match event {
            ChangeEvent::TrackUpserted { track } => self.apply_track(client, track).await?,
            ChangeEvent::TrackDeleted { track_id } => {
                library.apply_remote_deletion(TrackId(track_id.0))?;
            }
            ChangeEvent::PlaylistUpserted { playlist } => {
                library.apply_remote_playlist(PlaylistId(playlist.id.0), &playlist.name)?;
            }
            ChangeEvent::PlaylistDeleted { playlist_id } => {
                library.apply_remote_playlist_deletion(PlaylistId(playlist_id.0))?;
            }
            ChangeEvent::EntryUpserted { entry } => {
                library.apply_remote_entry(
                    PlaylistId(entry.playlist_id.0),
                    EntryId(entry.id.0),
                    TrackId(entry.track_id.0),
                    &entry.position,
                )?;
            }
            ChangeEvent::EntryRemoved { entry_id, .. } => {
                library.apply_remote_entry_removal(EntryId(entry_id.0))?;
            }
            ChangeEvent::TrackMarks { marks } => {
                let track = TrackId(marks.track_id.0);
                let cloud = tonearm_library::history::CloudMarks {
                    play_count: marks.play_count,
                    played_at: marks.played_at,
                    stars: marks.rating,
                    loved: marks.loved,
                };
                match library.apply_remote_marks(track, &cloud) {
                    // A song this device does not list (removed here): nothing to mark.
                    Ok(()) | Err(tonearm_library::LibraryError::UnknownTrack(_)) => {}
                    Err(other) => return Err(other.into()),
                }
            }
        }
        Ok(())
    }
}

impl Cloud {
    /// A track as the cloud has it: a cloud-only row takes its metadata; a file of this device
    /// takes the fields another device changed (written into the file, the row read again);
    /// a file that cannot be written is logged, and the sync goes on.
    async fn apply_track(&self, client: &Client, track: &CloudTrack) -> Result<()> {
        let mut remote = RemoteTrack {
            id: TrackId(track.id.0),
            blake3: track.blake3.as_str().to_owned(),
            size: track.size,
            metadata: from_protocol(&track.metadata),
            revision: track.revision,
        };
        self.fetch_artwork(client, remote.id, &mut remote.metadata)
            .await?;
        if self.library.apply_remote_track(&remote)? != RemoteApplied::Linked {
            return Ok(());
        }
        if let Some(edit) = self
            .library
            .follow_cloud_tags(remote.id, &remote.metadata)?
        {
            for failure in &edit.failed {
                tracing::warn!(
                    track = %failure.track_id,
                    path = failure.path.as_deref().unwrap_or(""),
                    reason = %failure.reason,
                    "another device's tag edit could not be written into this file"
                );
            }
        }
        Ok(())
    }
}

/// A recorded playlist edit as the server's operation.
fn to_action(op: &PendingPlaylistOp) -> Option<PlaylistAction> {
    fn id<T>(text: &Option<String>, wrap: fn(uuid::Uuid) -> T) -> Option<T> {
        text.as_deref()?.parse().ok().map(wrap)
    }
    let playlist = || id(&op.playlist_id, tonearm_protocol::PlaylistId);
    let entry = || id(&op.entry_id, tonearm_protocol::EntryId);
    let position = || tonearm_protocol::PositionKey::parse(op.position.as_deref()?).ok();
    Some(match op.kind.as_str() {
        "create" => PlaylistAction::CreatePlaylist {
            playlist_id: playlist()?,
            name: op.name.clone()?,
        },
        "rename" => PlaylistAction::RenamePlaylist {
            playlist_id: playlist()?,
            name: op.name.clone()?,
        },
        "delete" => PlaylistAction::DeletePlaylist {
            playlist_id: playlist()?,
        },
        "add" => PlaylistAction::AddEntry {
            playlist_id: playlist()?,
            entry_id: entry()?,
            track_id: id(&op.track_id, tonearm_protocol::TrackId)?,
            position: position()?,
        },
        "remove" => PlaylistAction::RemoveEntry { entry_id: entry()? },
        "move" => PlaylistAction::MoveEntry {
            entry_id: entry()?,
            position: position()?,
        },
        _ => return None,
    })
}
