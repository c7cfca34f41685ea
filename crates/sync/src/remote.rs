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
use crate::{Cloud, SyncEvent, blocking};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;
use tonearm_library::cloud::{
    CloudMetadata, PendingPlaylistOp, RemoteApplied, RemoteChange, RemotePage, RemoteTrack,
    UploadState,
};
use tonearm_library::{EntryId, Library, PlaylistId, TrackId};
use tonearm_protocol::{
    ChangeEvent, CloudTrack, MetadataPatch, OpId, PlaylistAction, PlaylistOp, PlaylistOpsRequest,
};

/// The feed position in the library's sync values.
const CURSOR_KEY: &str = "feed_cursor";

/// Changes asked for per request (the server's largest page).
const PAGE: u32 = 5000;

/// Covers fetched at once.
const COVERS_AT_ONCE: usize = 4;

/// Pages of the feed fetched ahead of the transaction being written.
const PAGES_AHEAD: usize = 4;

/// The most changes written in one library transaction (one page, when pages are full).
/// Pages that arrived while the last transaction was written go in the next one together, up
/// to this: each transaction costs a commit and a rebuild of the summaries it touched (a
/// first sync of 100,000 tracks is writing-bound), and other writes of the app wait behind
/// it. At 100,000 tracks: 20,000 took 11.2 s in all with an app's write waiting up to 2 s;
/// 5,000 took 9.6 s and up to 0.7 s; pages and transactions of 2,000 took 18.6 s.
const MOST_PER_TRANSACTION: u64 = 5_000;

/// How often a long pull rebuilds the artist and genre summaries (each rebuild counts every
/// track of each genre it touches); the album summaries follow every transaction.
const NAMES_EVERY: std::time::Duration = std::time::Duration::from_secs(4);

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

    /// Pulls the change feed: pages are fetched (with the covers they name) ahead of the one
    /// being written, and what arrived while a transaction was written goes in the next one,
    /// up to [`MOST_PER_TRANSACTION`] changes. Each transaction carries the cursor after its
    /// last page, so a sync stopped half-way resumes after what it wrote, and what it wrote
    /// can be browsed meanwhile.
    async fn pull(&self, report: &mut SyncReport) -> Result<()> {
        let client = self.client()?;
        let cursor: u64 = self
            .library
            .sync_value(CURSOR_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<FetchedPage>>(PAGES_AHEAD);
        // It owns the sender: the writing sees the end of the feed when it returns.
        let fetching = async move {
            let mut fetched = HashSet::new();
            let mut since = cursor;
            loop {
                let page = self.fetch_page(&client, since, &mut fetched).await;
                let more = match &page {
                    Ok(page) => {
                        since = page.cursor;
                        page.more
                    }
                    Err(_) => false,
                };
                // Closed: the writing stopped at an error.
                if sender.send(page).await.is_err() || !more {
                    return;
                }
            }
        };
        let ((), written) = tokio::join!(fetching, self.write_pages(receiver, report));
        written
    }

    /// Writes the pages `fetch_page` sends, as they come; returns at the end of the feed or
    /// at the first error (after writing the pages before it). A pull that adds at least as
    /// many tracks as the library holds (a new device's first sync) is written in bulk: the
    /// library's sorted indexes are built at its end, however it ends.
    async fn write_pages(
        &self,
        receiver: tokio::sync::mpsc::Receiver<Result<FetchedPage>>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let mut bulk = None;
        let written = self.write_batches(receiver, report, &mut bulk).await;
        let ended = match bulk {
            Some(bulk) => bulk.end().await,
            None => Ok(()),
        };
        written.and(ended)
    }

    /// [`Self::write_pages`]' transactions; `bulk` is set when the first one begins a bulk
    /// pull.
    async fn write_batches(
        &self,
        mut receiver: tokio::sync::mpsc::Receiver<Result<FetchedPage>>,
        report: &mut SyncReport,
        bulk: &mut Option<BulkPull>,
    ) -> Result<()> {
        let mut names_rebuilt: Option<std::time::Instant> = None;
        let mut first_transaction = true;
        while let Some(first) = receiver.recv().await {
            let mut batch = first?;
            let mut failure = None;
            while batch.count < MOST_PER_TRANSACTION {
                match receiver.try_recv() {
                    Ok(Ok(next)) => batch.append(next),
                    Ok(Err(error)) => {
                        failure = Some(error);
                        break;
                    }
                    Err(_) => break,
                }
            }
            if first_transaction {
                first_transaction = false;
                *bulk = BulkPull::begin(&self.library, &batch.page).await?;
            }
            // Artists and genres are summarised with the first transaction, now and then,
            // and with the last.
            batch.page.rebuild_names = !batch.more
                || failure.is_some()
                || names_rebuilt.is_none_or(|at| at.elapsed() >= NAMES_EVERY);
            if batch.page.rebuild_names {
                names_rebuilt = Some(std::time::Instant::now());
            }
            let (count, covers, cursor, more) = (
                batch.count,
                batch.page.covers.len(),
                batch.cursor,
                batch.more,
            );
            let library = self.library.clone();
            let (applied, took) = blocking(move || {
                let started = std::time::Instant::now();
                let applied = library.apply_remote_page(&batch.page)?;
                Ok((applied, started.elapsed()))
            })
            .await?;
            tracing::debug!(
                changes = count,
                covers,
                cursor,
                apply_ms = took.as_secs_f64() * 1e3,
                "changes of the feed applied"
            );
            report.changes_applied += count;
            self.follow_linked(&applied.linked)?;
            if let Some(error) = failure {
                return Err(error);
            }
            if more {
                let _ = self.events.send(SyncEvent::Pulled {
                    changes_applied: report.changes_applied,
                });
            }
        }
        Ok(())
    }

    /// One page of the feed after `since`, as the library applies it, with the covers its
    /// tracks name that this device lacks (fetched a few at once; `fetched` are those this
    /// pull already has, applied or about to be). A cover that cannot be fetched is left out:
    /// its tracks keep the cover they have here, and it is tried again at a later change.
    async fn fetch_page(
        &self,
        client: &Client,
        since: u64,
        fetched: &mut HashSet<String>,
    ) -> Result<FetchedPage> {
        let started = std::time::Instant::now();
        let response = client.changes(since, PAGE).await?;
        let asked = started.elapsed();
        let cursor = response.next.max(since);
        let changes: Vec<RemoteChange> = response
            .changes
            .into_iter()
            .map(|change| to_remote(change.event))
            .collect();
        let mut wanted = Vec::new();
        for change in &changes {
            if let RemoteChange::Track(track) = change
                && let Some(hash) = &track.metadata.artwork
                && !fetched.contains(hash)
                && !wanted.contains(hash)
                && !self.library.has_artwork(hash)?
            {
                wanted.push(hash.clone());
            }
        }
        let covered = std::time::Instant::now();
        let covers = fetch_covers(client, wanted).await;
        fetched.extend(covers.iter().map(|(hash, _)| hash.clone()));
        tracing::debug!(
            since,
            changes = changes.len(),
            covers = covers.len(),
            feed_ms = asked.as_secs_f64() * 1e3,
            covers_ms = covered.elapsed().as_secs_f64() * 1e3,
            "a page of the change feed fetched"
        );
        Ok(FetchedPage {
            count: changes.len() as u64,
            more: response.more,
            cursor,
            page: RemotePage {
                covers: covers.into_iter().map(|(_, bytes)| bytes).collect(),
                changes,
                cursor: Some((CURSOR_KEY.to_owned(), cursor.to_string())),
                rebuild_names: true,
            },
        })
    }

    /// Another device's tag edits reach the files of this device that a page linked.
    fn follow_linked(&self, linked: &[(TrackId, CloudMetadata)]) -> Result<()> {
        for (track, metadata) in linked {
            if let Some(edit) = self.library.follow_cloud_tags(*track, metadata)? {
                log_failed_follow(&edit);
            }
        }
        Ok(())
    }
}

/// A pull written in bulk: the library's sorted indexes are deferred until it ends
/// ([`Library::begin_bulk_pull`]). [`BulkPull::end`] builds them; a pull dropped before (its
/// task cancelled) builds them on a blocking thread as it goes, or, with no runtime left,
/// the next opening of the library does.
struct BulkPull {
    library: Option<Arc<Library>>,
}

impl BulkPull {
    /// Begins a bulk pull if the pull's first transaction, `first`, adds at least as many
    /// tracks as the library holds.
    async fn begin(library: &Arc<Library>, first: &RemotePage) -> Result<Option<Self>> {
        let adding = first
            .changes
            .iter()
            .filter(|change| matches!(change, RemoteChange::Track(_)))
            .count() as u64;
        let library = library.clone();
        blocking(move || {
            Ok(library.begin_bulk_pull(adding)?.then(|| Self {
                library: Some(library),
            }))
        })
        .await
    }

    /// Builds the deferred indexes.
    async fn end(mut self) -> Result<()> {
        let Some(library) = self.library.take() else {
            return Ok(());
        };
        blocking(move || Ok(library.end_bulk_pull()?)).await
    }
}

impl Drop for BulkPull {
    fn drop(&mut self) {
        let Some(library) = self.library.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn_blocking(move || {
                if let Err(error) = library.end_bulk_pull() {
                    tracing::warn!(%error, "the library's indexes were not built after a pull");
                }
            });
        }
    }
}

/// Pages of the feed, ready to apply.
struct FetchedPage {
    page: RemotePage,
    /// Their changes.
    count: u64,
    /// Whether the feed has more after them.
    more: bool,
    /// The feed's position after them.
    cursor: u64,
}

impl FetchedPage {
    /// `next` (the page after these) joins them.
    fn append(&mut self, next: FetchedPage) {
        self.page.covers.extend(next.page.covers);
        self.page.changes.extend(next.page.changes);
        self.page.cursor = next.page.cursor;
        self.count += next.count;
        self.more = next.more;
        self.cursor = next.cursor;
    }
}

/// Fetches covers [`COVERS_AT_ONCE`] at a time; returns those that came, checked to be the
/// bytes their hash names.
async fn fetch_covers(client: &Client, wanted: Vec<String>) -> Vec<(String, Vec<u8>)> {
    let mut covers = Vec::with_capacity(wanted.len());
    let mut running = tokio::task::JoinSet::new();
    let mut wanted = wanted.into_iter();
    loop {
        while running.len() < COVERS_AT_ONCE {
            let Some(hash) = wanted.next() else { break };
            let client = client.clone();
            running.spawn(async move {
                let fetched = crate::artwork::fetch_cover(&client, &hash).await;
                (hash, fetched)
            });
        }
        let Some(done) = running.join_next().await else {
            return covers;
        };
        match done {
            Ok((hash, Some(bytes))) => covers.push((hash, bytes)),
            Ok((_, None)) => {}
            Err(error) => tracing::warn!(%error, "a cover fetch failed"),
        }
    }
}

/// A change of the feed as the library applies it.
fn to_remote(event: ChangeEvent) -> RemoteChange {
    match event {
        ChangeEvent::TrackUpserted { track } => RemoteChange::Track(Box::new(remote_track(&track))),
        ChangeEvent::TrackDeleted { track_id } => RemoteChange::TrackDeleted(TrackId(track_id.0)),
        ChangeEvent::PlaylistUpserted { playlist } => RemoteChange::Playlist {
            id: PlaylistId(playlist.id.0),
            name: playlist.name,
        },
        ChangeEvent::PlaylistDeleted { playlist_id } => {
            RemoteChange::PlaylistDeleted(PlaylistId(playlist_id.0))
        }
        ChangeEvent::EntryUpserted { entry } => RemoteChange::Entry {
            playlist: PlaylistId(entry.playlist_id.0),
            entry: EntryId(entry.id.0),
            track: TrackId(entry.track_id.0),
            position: entry.position,
        },
        ChangeEvent::EntryRemoved { entry_id, .. } => {
            RemoteChange::EntryRemoved(EntryId(entry_id.0))
        }
        ChangeEvent::TrackMarks { marks } => RemoteChange::Marks {
            track: TrackId(marks.track_id.0),
            marks: tonearm_library::history::CloudMarks {
                play_count: marks.play_count,
                played_at: marks.played_at,
                stars: marks.rating,
                loved: marks.loved,
            },
        },
    }
}

/// A cloud track as the library takes it.
fn remote_track(track: &CloudTrack) -> RemoteTrack {
    RemoteTrack {
        id: TrackId(track.id.0),
        blake3: track.blake3.as_str().to_owned(),
        size: track.size,
        metadata: from_protocol(&track.metadata),
        revision: track.revision,
    }
}

/// Logs the files another device's tag edit could not be written into.
fn log_failed_follow(edit: &tonearm_library::EditReport) {
    for failure in &edit.failed {
        tracing::warn!(
            track = %failure.track_id,
            path = failure.path.as_deref().unwrap_or(""),
            reason = %failure.reason,
            "another device's tag edit could not be written into this file"
        );
    }
}

impl Cloud {
    /// A track as the cloud has it: a cloud-only row takes its metadata; a file of this device
    /// takes the fields another device changed (written into the file, the row read again);
    /// a file that cannot be written is logged, and the sync goes on.
    async fn apply_track(&self, client: &Client, track: &CloudTrack) -> Result<()> {
        let mut remote = remote_track(track);
        self.fetch_artwork(client, remote.id, &mut remote.metadata)
            .await?;
        if self.library.apply_remote_track(&remote)? != RemoteApplied::Linked {
            return Ok(());
        }
        self.follow_linked(&[(remote.id, remote.metadata)])
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
