//! "Download my library": cloud-only songs brought down to a folder of this device, byte for
//! byte what was uploaded, and adopted as the songs they were (same ids, plays, ratings,
//! playlist entries).
//!
//! Each song goes to `<destination>/Album Artist/Album/NN Title.ext`
//! (`tonearm_library::export::layout`), through `<name>.part` next to it: a download that
//! stops (the app quits, the network drops, the user cancels) leaves the part, and the next
//! one asks the server for the rest with a `Range` request. The whole file's BLAKE3 is
//! computed as the bytes arrive (the part's first, on a resume) and must be the cloud's
//! before the part is renamed into place; a file that is not what was uploaded is deleted,
//! never kept. Only then does the library adopt the file as the track
//! (`Library::adopt_download`), so a crash between the two leaves a complete, verified file
//! that the next download recognises (same size and hash) and adopts without fetching.
//!
//! Downloads share the speed limit the user set for uploads (`Tuning::bandwidth_limit`), with
//! their own budget: a restore and uploads at the same time may each use it.
//!
//! The export (`crate::export`) downloads the same way, into its own folder, without
//! adopting.

use crate::Cloud;
use crate::error::{Result, SyncError};
use crate::upload::{RateLimit, backoff};
use serde::Serialize;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tonearm_library::cloud::CloudFile;
use tonearm_library::export::layout;
use tonearm_library::model::TrackState;
use tonearm_library::{Track, TrackId};

/// Attempts at one song when the network fails, resuming each time from the part.
const ATTEMPTS: u32 = 4;

/// The suffix of a file being downloaded.
pub const PART_SUFFIX: &str = ".part";

/// Where a download stands.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DownloadProgress {
    /// The song being downloaded, if one is.
    pub track_id: Option<TrackId>,
    pub tracks_done: u64,
    pub tracks_total: u64,
    /// Bytes on disk of the songs to download (parts resumed count as done).
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Bytes per second fetched by this run.
    pub bytes_per_second: u64,
    pub eta_seconds: Option<u64>,
}

/// A song downloaded.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DownloadedTrack {
    pub track_id: TrackId,
    pub path: PathBuf,
    pub size: u64,
    /// Bytes already there from an earlier run (a part resumed, or a complete file).
    pub resumed_from: u64,
}

/// A song that could not be downloaded, and why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DownloadFailure {
    pub track_id: TrackId,
    pub error: String,
}

/// What a download did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DownloadReport {
    pub downloaded: Vec<DownloadedTrack>,
    pub failed: Vec<DownloadFailure>,
    /// Songs asked for that are already files of this device (nothing to download).
    pub already_local: u64,
    /// Bytes fetched from the server by this run.
    pub bytes_fetched: u64,
    /// The run was cancelled: parts are kept, and the next run resumes them.
    pub cancelled: bool,
}

/// Stops a download from another thread (a button, Ctrl+C, a test).
#[derive(Debug, Default)]
pub struct Cancel(AtomicBool);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts bytes for [`DownloadProgress`], and reports now and then.
pub(crate) struct Meter<'a> {
    report: &'a (dyn Fn(&DownloadProgress) + Send + Sync),
    started: Instant,
    fetched: u64,
    pub(crate) progress: DownloadProgress,
}

impl<'a> Meter<'a> {
    pub(crate) fn new(
        report: &'a (dyn Fn(&DownloadProgress) + Send + Sync),
        tracks_total: u64,
        bytes_total: u64,
    ) -> Self {
        Self {
            report,
            started: Instant::now(),
            fetched: 0,
            progress: DownloadProgress {
                track_id: None,
                tracks_done: 0,
                tracks_total,
                bytes_done: 0,
                bytes_total,
                bytes_per_second: 0,
                eta_seconds: None,
            },
        }
    }

    /// Bytes that were already on disk (they count as done, not as fetched).
    fn found(&mut self, bytes: u64) {
        self.progress.bytes_done += bytes;
    }

    fn fetched(&mut self, bytes: u64) {
        self.fetched += bytes;
        self.progress.bytes_done += bytes;
        self.report();
    }

    /// A song is done (or given up): what was left of it no longer counts.
    pub(crate) fn finished(&mut self, left_over: u64) {
        self.progress.tracks_done += 1;
        self.progress.bytes_total = self.progress.bytes_total.saturating_sub(left_over);
        self.report();
    }

    pub(crate) fn report(&mut self) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            (self.fetched as f64 / elapsed) as u64
        } else {
            0
        };
        self.progress.bytes_per_second = rate;
        let left = self
            .progress
            .bytes_total
            .saturating_sub(self.progress.bytes_done);
        self.progress.eta_seconds = (rate > 0).then(|| left / rate);
        (self.report)(&self.progress);
    }
}

impl Cloud {
    /// Downloads `tracks` (or, with `None`, every cloud-only song) into `destination`, laid
    /// out as `Album Artist/Album/NN Title.ext`, and makes each the local file of its track
    /// (same id, plays, rating, playlists). `destination` becomes a music folder of the
    /// library unless it is already in one. Resumes what an earlier run left; `cancel` stops
    /// it between two chunks, keeping what was fetched. A song that fails is reported in the
    /// answer and the others go on; an error is returned only when nothing can start
    /// (logged out, the folder cannot be made). `progress` is called after every chunk
    /// that arrives and after every song: a display throttles it itself.
    pub async fn download(
        &self,
        tracks: Option<&[TrackId]>,
        destination: &Path,
        progress: &(dyn Fn(&DownloadProgress) + Send + Sync),
        cancel: &Cancel,
    ) -> Result<DownloadReport> {
        let client = self.client()?;
        std::fs::create_dir_all(destination).map_err(|source| SyncError::Write {
            path: destination.to_path_buf(),
            source,
        })?;
        let destination =
            std::fs::canonicalize(destination).map_err(|source| SyncError::Write {
                path: destination.to_path_buf(),
                source,
            })?;
        if self.library.folder_holding(&destination)?.is_none() {
            // A folder that holds music folders cannot be one: the songs are still adopted,
            // with their paths, outside any folder.
            if let Err(error) = self.library.add_folder(&destination) {
                tracing::warn!(%error, "the download folder is not a music folder");
            }
        }
        let ids = match tracks {
            Some(ids) => ids.to_vec(),
            None => self.library.cloud_only_tracks()?,
        };
        let mut report = DownloadReport::default();
        let mut wanted = Vec::new();
        for track in self.library.tracks_by_id(&ids)? {
            if track.state != TrackState::Cloud {
                report.already_local += 1;
                continue;
            }
            match self.library.cloud_file(track.id)? {
                Some(file) => wanted.push((track, file)),
                None => report.failed.push(DownloadFailure {
                    track_id: track.id,
                    error: format!("track {} is not in the cloud", track.id),
                }),
            }
        }
        let total = wanted.iter().map(|(_, f)| f.size).sum();
        let mut meter = Meter::new(progress, wanted.len() as u64, total);
        let rate = RateLimit::default();
        let mut claimed = HashSet::new();
        for (track, file) in wanted {
            if cancel.is_cancelled() {
                report.cancelled = true;
                break;
            }
            meter.progress.track_id = Some(track.id);
            let target = place(&destination, &track, &mut claimed, |p| {
                is_complete_copy(p, &file)
            });
            let before = meter.fetched;
            let result = self
                .fetch_verified(&client, &file, &target, &rate, &mut meter, cancel)
                .await
                .and_then(|resumed_from| {
                    self.library
                        .adopt_download(track.id, &target, &file.blake3)?;
                    Ok(resumed_from)
                });
            report.bytes_fetched += meter.fetched - before;
            match result {
                Ok(resumed_from) => {
                    meter.finished(0);
                    report.downloaded.push(DownloadedTrack {
                        track_id: track.id,
                        path: target,
                        size: file.size,
                        resumed_from,
                    });
                }
                Err(SyncError::Cancelled) => {
                    report.cancelled = true;
                    break;
                }
                Err(error) => {
                    tracing::warn!(track = %track.id, %error, "download failed");
                    let done = part_len(&target);
                    meter.progress.bytes_done = meter
                        .progress
                        .bytes_done
                        .saturating_sub(done.min(file.size));
                    meter.finished(file.size);
                    report.failed.push(DownloadFailure {
                        track_id: track.id,
                        error: crate::error_chain(&error),
                    });
                }
            }
        }
        meter.progress.track_id = None;
        meter.report();
        if !report.downloaded.is_empty() {
            self.publish_totals();
        }
        Ok(report)
    }

    /// Brings `file` to `target` through `target.part`, resuming the part and retrying
    /// network failures; returns how many bytes were already on disk. On return, `target`
    /// holds exactly the cloud's bytes (hash checked).
    pub(crate) async fn fetch_verified(
        &self,
        client: &crate::Client,
        file: &CloudFile,
        target: &Path,
        rate: &RateLimit,
        meter: &mut Meter<'_>,
        cancel: &Cancel,
    ) -> Result<u64> {
        if is_complete_copy(target, file) {
            meter.found(file.size);
            return Ok(file.size);
        }
        let part = part_path(target);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SyncError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let resumed_from = part_len(target).min(file.size);
        meter.found(resumed_from);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .fetch_part(client, file, &part, rate, meter, cancel)
                .await
            {
                Ok(()) => break,
                Err(error) if error.is_transient() && attempt < ATTEMPTS => {
                    tracing::info!(track = %file.track_id, %error, attempt, "download retried");
                    // What the failed attempt wrote stays in the part and counts as done.
                    tokio::time::sleep(backoff(attempt).min(Duration::from_secs(10))).await;
                }
                Err(error) => return Err(error),
            }
        }
        std::fs::rename(&part, target).map_err(|source| SyncError::Write {
            path: target.to_path_buf(),
            source,
        })?;
        Ok(resumed_from)
    }

    /// One attempt: the part's bytes hashed, the rest fetched and appended, the whole
    /// checked. A part longer than the file, or a whole whose hash is not the cloud's, is
    /// deleted.
    async fn fetch_part(
        &self,
        client: &crate::Client,
        file: &CloudFile,
        part: &Path,
        rate: &RateLimit,
        meter: &mut Meter<'_>,
        cancel: &Cancel,
    ) -> Result<()> {
        let write_error = |source| SyncError::Write {
            path: part.to_path_buf(),
            source,
        };
        let mut hasher = blake3::Hasher::new();
        let mut offset = hash_existing(part, &mut hasher)?;
        if offset > file.size {
            discard(part);
            meter.progress.bytes_done = meter.progress.bytes_done.saturating_sub(file.size);
            return Err(SyncError::HashMismatch {
                track: file.track_id,
                expected: file.blake3.clone(),
                actual: "(longer than the track)".to_owned(),
            });
        }
        if offset < file.size {
            let mut response = client
                .stream_from(tonearm_protocol::TrackId(file.track_id.0), offset)
                .await?;
            let out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(part)
                .map_err(write_error)?;
            let mut out = std::io::BufWriter::with_capacity(1024 * 1024, out);
            let result: Result<()> = async {
                while let Some(chunk) = response.chunk().await? {
                    if offset + chunk.len() as u64 > file.size {
                        return Err(SyncError::HashMismatch {
                            track: file.track_id,
                            expected: file.blake3.clone(),
                            actual: "(longer than the track)".to_owned(),
                        });
                    }
                    rate.wait(chunk.len(), self.bandwidth_limit()).await;
                    out.write_all(&chunk).map_err(write_error)?;
                    hasher.update(&chunk);
                    offset += chunk.len() as u64;
                    meter.fetched(chunk.len() as u64);
                    if cancel.is_cancelled() && offset < file.size {
                        return Err(SyncError::Cancelled);
                    }
                }
                Ok(())
            }
            .await;
            // What arrived is kept, whatever happened next (a resume starts after it).
            let flushed = out
                .into_inner()
                .map_err(|e| write_error(e.into_error()))
                .and_then(|f| f.sync_data().map_err(write_error));
            if let Err(SyncError::HashMismatch { .. }) = &result {
                discard(part);
                meter.progress.bytes_done = meter.progress.bytes_done.saturating_sub(offset);
            }
            result?;
            flushed?;
            if offset < file.size {
                return Err(SyncError::Network(format!(
                    "the download ended after {offset} of {} bytes",
                    file.size
                )));
            }
        }
        let actual = hasher.finalize().to_hex().to_string();
        if actual != file.blake3 {
            discard(part);
            meter.progress.bytes_done = meter.progress.bytes_done.saturating_sub(offset);
            return Err(SyncError::HashMismatch {
                track: file.track_id,
                expected: file.blake3.clone(),
                actual,
            });
        }
        Ok(())
    }

    /// The speed limit in bytes per second, if one is set.
    fn bandwidth_limit(&self) -> Option<u64> {
        Some(self.bandwidth_limit.load(Ordering::Relaxed)).filter(|l| *l > 0)
    }
}

/// Where `track` goes under `root`: its clean path, numbered past names taken by other
/// files (or claimed by other songs of this run). A complete copy of the same bytes, or a
/// part, already there is this song's, from an earlier run.
pub(crate) fn place(
    root: &Path,
    track: &Track,
    claimed: &mut HashSet<PathBuf>,
    is_this_song: impl Fn(&Path) -> bool,
) -> PathBuf {
    let base = root.join(layout::clean_path(track));
    let mut n = 1;
    loop {
        let candidate = layout::numbered(&base, n);
        n += 1;
        if claimed.contains(&candidate) {
            continue;
        }
        if candidate.exists() && !is_this_song(&candidate) {
            continue;
        }
        claimed.insert(candidate.clone());
        return candidate;
    }
}

/// `target` with [`PART_SUFFIX`] added to its name.
#[must_use]
pub fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(PART_SUFFIX);
    target.with_file_name(name)
}

/// The bytes of `target`'s part on disk (0 when there is none).
fn part_len(target: &Path) -> u64 {
    std::fs::metadata(part_path(target)).map_or(0, |m| m.len())
}

/// Whether `path` already holds exactly `file`'s bytes (a download finished before a crash).
pub(crate) fn is_complete_copy(path: &Path, file: &CloudFile) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == file.size)
        && crate::upload::hash_file(path).is_ok_and(|(hash, _, _)| hash == file.blake3)
}

/// Feeds the part's bytes to `hasher`; returns how many there were.
fn hash_existing(part: &Path, hasher: &mut blake3::Hasher) -> Result<u64> {
    let mut file = match std::fs::File::open(part) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(SyncError::Io {
                path: part.to_path_buf(),
                source,
            });
        }
    };
    let mut buffer = vec![0u8; 1024 * 1024];
    let mut total = 0;
    loop {
        let n = file.read(&mut buffer).map_err(|source| SyncError::Io {
            path: part.to_path_buf(),
            source,
        })?;
        if n == 0 {
            return Ok(total);
        }
        hasher.update(&buffer[..n]);
        total += n as u64;
    }
}

/// Deletes bytes that are not the cloud's.
fn discard(part: &Path) {
    if let Err(error) = std::fs::remove_file(part) {
        tracing::warn!(path = %part.display(), %error, "cannot delete a bad download");
    }
}
