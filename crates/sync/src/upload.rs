//! The upload queue's workers: hash, match (answering the ownership challenge), upload with
//! tus, record the cloud track. The queue itself lives in the library database
//! (`tonearm_library::cloud`), so it survives restarts; this module moves tracks through it.
//!
//! - **Hash**: streaming BLAKE3 in 1 MiB reads; the file's size and mtime are checked after,
//!   and a file that changed is hashed again rather than uploaded stale.
//! - **Match first**: a file the server holds is linked (after proving possession of its
//!   bytes when it belongs to someone else), never sent again.
//! - **Upload**: tus in chunks; the upload URL is kept in the database, so after a crash, a
//!   restart or a dropped connection the upload resumes from the offset the server reports.
//! - **Failures** wait with exponential backoff and jitter (2 s doubling to 1 h) and are tried
//!   again; a pause (of one track or all) stops a worker between chunks.
//! - **Bandwidth**: an optional limit shared by all workers.

use crate::client::Client;
use crate::error::{Result, SyncError};
use crate::{Cloud, SyncEvent, TrackUpload, blocking};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tonearm_library::TrackId;
use tonearm_library::cloud::{CloudGain, CloudMetadata, UploadJob, UploadState};
use tonearm_protocol::ReplayGainTags;
use tonearm_protocol::loudness::{Gain, Peak};
use tonearm_protocol::{
    AudioFormat, ChallengeAnswer, CreateTrackRequest, MatchRequest, MatchResponse, TrackMetadata,
    answer_challenge,
};

/// Bytes per tus PATCH.
const CHUNK: usize = 8 * 1024 * 1024;

/// How often in a row a PATCH may meet 409 Conflict or a dropped connection before the upload
/// fails (and waits for its retry), and the wait before asking the server for its offset,
/// growing each time.
const MAX_CONFLICTS: u32 = 8;
const CONFLICT_WAIT: Duration = Duration::from_millis(150);

/// Whether workers stop when the queue is empty (the command line) or wait for more (the app).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    Idle,
    Stopped,
}

/// The whole-file BLAKE3 of `path` (hex), with the size and mtime it was computed for.
pub fn hash_file(path: &Path) -> Result<(String, u64, i64)> {
    let io = |source| SyncError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let before = stamp(&file).map_err(io)?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    if stamp(&file).map_err(io)? != before {
        return Err(SyncError::Changed {
            path: path.to_path_buf(),
        });
    }
    Ok((hasher.finalize().to_hex().to_string(), before.0, before.1))
}

/// A file's size and modification time (unix ms), as the library records them.
fn stamp(file: &std::fs::File) -> std::io::Result<(u64, i64)> {
    let meta = file.metadata()?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Ok((meta.len(), mtime))
}

/// The cloud's metadata for a library track.
pub fn to_protocol(metadata: &CloudMetadata) -> TrackMetadata {
    TrackMetadata {
        title: metadata.title.clone(),
        artist: metadata.artist.clone(),
        album: metadata.album.clone(),
        album_artist: metadata.album_artist.clone(),
        genre: metadata.genre.clone(),
        year: metadata.year,
        track_number: metadata.track_number,
        disc_number: metadata.disc_number,
        duration_ms: metadata.duration_ms,
        track_total: metadata.track_total,
        disc_total: metadata.disc_total,
        composer: metadata.composer.clone(),
        compilation: metadata.compilation.then_some(true),
        comment: metadata.comment.clone(),
        artwork: metadata
            .artwork
            .as_deref()
            .and_then(|hash| tonearm_protocol::BlobHash::try_from(hash.to_owned()).ok()),
        format: match metadata.format.as_str() {
            "mp3" => AudioFormat::Mp3,
            "flac" => AudioFormat::Flac,
            "ogg" => AudioFormat::Ogg,
            "opus" => AudioFormat::Opus,
            "mp4" | "m4a" => AudioFormat::M4a,
            "wav" => AudioFormat::Wav,
            "aiff" => AudioFormat::Aiff,
            _ => AudioFormat::Unknown,
        },
        replaygain: ReplayGainTags {
            track_gain: metadata
                .replaygain
                .track_gain
                .and_then(Gain::from_hundredths),
            track_peak: metadata
                .replaygain
                .track_peak
                .and_then(Peak::from_millionths),
            album_gain: metadata
                .replaygain
                .album_gain
                .and_then(Gain::from_hundredths),
            album_peak: metadata
                .replaygain
                .album_peak
                .and_then(Peak::from_millionths),
        },
    }
    .bounded()
}

/// The library's metadata for a cloud track.
pub fn from_protocol(metadata: &TrackMetadata) -> CloudMetadata {
    CloudMetadata {
        title: metadata.title.clone(),
        artist: metadata.artist.clone(),
        album: metadata.album.clone(),
        album_artist: metadata.album_artist.clone(),
        genre: metadata.genre.clone(),
        year: metadata.year,
        track_number: metadata.track_number,
        disc_number: metadata.disc_number,
        duration_ms: metadata.duration_ms,
        track_total: metadata.track_total,
        disc_total: metadata.disc_total,
        composer: metadata.composer.clone(),
        compilation: metadata.compilation == Some(true),
        comment: metadata.comment.clone(),
        artwork: metadata
            .artwork
            .as_ref()
            .map(|hash| hash.as_str().to_owned()),
        format: match metadata.format {
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Flac => "flac",
            AudioFormat::Ogg => "ogg",
            AudioFormat::Opus => "opus",
            AudioFormat::M4a => "mp4",
            AudioFormat::Wav => "wav",
            AudioFormat::Aiff => "aiff",
            AudioFormat::Unknown => "other",
        }
        .to_owned(),
        replaygain: CloudGain {
            track_gain: metadata.replaygain.track_gain.map(Gain::hundredths),
            track_peak: metadata.replaygain.track_peak.map(Peak::millionths),
            album_gain: metadata.replaygain.album_gain.map(Gain::hundredths),
            album_peak: metadata.replaygain.album_peak.map(Peak::millionths),
        },
    }
}

/// How long a failed upload waits before its attempt number `attempts` (1-based), with
/// ±50% jitter so many failed uploads do not retry in lockstep.
pub fn backoff(attempts: u32) -> Duration {
    let base = 2u64.saturating_pow(attempts.min(12)).clamp(2, 3_600);
    let jitter = 0.5 + rand::random::<f64>();
    Duration::from_secs_f64(base as f64 * jitter)
}

/// Shares a bandwidth limit between workers: each chunk reserves its slot in time.
#[derive(Debug, Default)]
pub struct RateLimit {
    next_free: tokio::sync::Mutex<Option<Instant>>,
}

impl RateLimit {
    /// Waits until `bytes` may be sent at `limit` bytes per second.
    pub async fn wait(&self, bytes: usize, limit: Option<u64>) {
        let Some(limit) = limit.filter(|l| *l > 0) else {
            return;
        };
        let start = {
            let mut next_free = self.next_free.lock().await;
            let now = Instant::now();
            let start = next_free.map_or(now, |at| at.max(now));
            *next_free = Some(start + Duration::from_secs_f64(bytes as f64 / limit as f64));
            start
        };
        tokio::time::sleep_until(start.into()).await;
    }
}

impl Cloud {
    /// Runs the upload workers. With [`Until::Idle`], `workers` of them, returning when
    /// nothing is left to do now (failures wait for their retry time). With
    /// [`Until::Stopped`], until [`Cloud::stop_uploads`]: [`crate::MAX_WORKERS`] are started
    /// and those past the number allowed (`Settings::workers`, then [`Cloud::set_tuning`])
    /// wait, so the number can change while they run.
    pub async fn run_uploads(self: &Arc<Self>, workers: usize, until: Until) {
        self.library.recover_uploads().ok();
        let started = match until {
            Until::Idle => {
                let workers = workers.clamp(1, crate::MAX_WORKERS);
                self.workers.store(workers, Ordering::Relaxed);
                workers
            }
            Until::Stopped => crate::MAX_WORKERS,
        };
        // A JoinSet, so that dropping this future (the app's uploader being cancelled) ends
        // the workers too, in the middle of a request if need be.
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..started {
            let cloud = Arc::clone(self);
            tasks.spawn(async move { cloud.worker(index, until).await });
        }
        while let Some(ended) = tasks.join_next().await {
            if let Err(error) = ended
                && error.is_panic()
            {
                tracing::error!(%error, "an upload worker panicked");
            }
        }
        self.publish_totals();
    }

    /// Asks running workers to stop after their current step.
    pub fn stop_uploads(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.wake.notify_waiters();
    }

    /// Wakes idle workers (new tracks were queued, or uploads resumed).
    pub fn wake_uploads(&self) {
        self.wake.notify_waiters();
    }

    async fn worker(&self, index: usize, until: Until) {
        while !self.stopping.load(Ordering::Relaxed) {
            if index >= self.workers.load(Ordering::Relaxed) {
                // Not allowed to work now: wait until the setting changes.
                let _ = tokio::time::timeout(Duration::from_secs(5), self.wake.notified()).await;
                continue;
            }
            let job = match self.library.claim_upload(tonearm_library::now_ms()) {
                Ok(job) => job,
                Err(error) => {
                    tracing::error!(%error, "the upload queue cannot be read");
                    None
                }
            };
            let Some(job) = job else {
                if until == Until::Idle {
                    return;
                }
                // Wait for new work, or for the next retry to come due.
                let _ = tokio::time::timeout(Duration::from_secs(5), self.wake.notified()).await;
                continue;
            };
            let track = job.track_id;
            let (path, attempts) = (job.path.clone(), job.attempts);
            match self.upload(job).await {
                Ok(Some(id)) => {
                    self.refresh_storage().await;
                    self.emit_upload(id, UploadState::InCloud, 0, 0, None);
                    self.publish_totals();
                }
                Ok(None) => {
                    self.emit_upload(track, UploadState::LocalOnly, 0, 0, None);
                    self.publish_totals();
                }
                Err(SyncError::Paused) => self.emit_upload(track, UploadState::Paused, 0, 0, None),
                Err(SyncError::Changed { .. }) => {
                    tracing::info!(path = %path.display(), "changed while uploading; hashing again");
                    let _ = self.library.queue_uploads(Some(&[track]));
                    let _ = self
                        .library
                        .set_upload_state(track, UploadState::Queued, 0, 0);
                }
                Err(error) => {
                    let wait = backoff(attempts + 1);
                    let message = error.to_string();
                    tracing::warn!(path = %path.display(), %message, ?wait, "upload failed");
                    let retry_at = tonearm_library::now_ms() + wait.as_millis() as i64;
                    let _ = self.library.fail_upload(track, &message, retry_at);
                    self.emit_upload(track, UploadState::Failed, 0, 0, Some(message));
                    self.publish_totals();
                }
            }
        }
    }

    fn set_state(&self, track: TrackId, state: UploadState, done: u64, total: u64) -> Result<()> {
        if self.library.upload_state(track)? == UploadState::Paused {
            return Err(SyncError::Paused);
        }
        self.library.set_upload_state(track, state, done, total)?;
        self.emit_upload(track, state, done, total, None);
        Ok(())
    }

    pub(crate) fn emit_upload(
        &self,
        track_id: TrackId,
        state: UploadState,
        bytes_done: u64,
        bytes_total: u64,
        error: Option<String>,
    ) {
        let _ = self.events.send(SyncEvent::Upload(TrackUpload {
            track_id,
            state,
            bytes_done,
            bytes_total,
            error,
        }));
    }

    /// Moves one claimed track to the cloud; returns its id there, or `None` when the cloud
    /// keeps it out (an automatic upload of a song the user removed from it).
    async fn upload(&self, job: UploadJob) -> Result<Option<TrackId>> {
        let client = self.client()?;
        let track = job.track_id;
        let blake3 = match job.blake3.clone() {
            Some(hash) => hash,
            None => {
                self.set_state(track, UploadState::Hashing, 0, job.size)?;
                let path = job.path.clone();
                let (hash, size, mtime) = blocking(move || hash_file(&path)).await?;
                if (size, mtime) != (job.size, job.mtime_ms) {
                    return Err(SyncError::Changed { path: job.path });
                }
                self.library.record_hash(track, &hash, size, mtime)?;
                hash
            }
        };
        self.set_state(track, UploadState::Matching, 0, job.size)?;
        let request = MatchRequest {
            blake3: parse_hash(&blake3)?,
            size: job.size,
            automatic: job.automatic,
        };
        let mut answer = client.match_file(&request).await?;
        if let MatchResponse::Challenge {
            challenge_id,
            nonce,
            ranges,
            ..
        } = answer
        {
            let path = job.path.clone();
            let answers = blocking(move || prove(&path, &nonce, &ranges)).await?;
            answer = client
                .answer_challenge(challenge_id, &ChallengeAnswer { answers })
                .await?;
        }
        let existing = match answer {
            MatchResponse::Linked { track_ids } => track_ids.first().copied(),
            MatchResponse::UploadNeeded => {
                self.send_bytes(&client, &job, &blake3).await?;
                None
            }
            MatchResponse::Challenge { .. } => {
                return Err(SyncError::Protocol(
                    "the server asked a second challenge".to_owned(),
                ));
            }
            MatchResponse::Removed => {
                tracing::info!(path = %job.path.display(), "removed from the cloud by the user; left out");
                self.library.decline_upload(track)?;
                return Ok(None);
            }
        };
        self.set_state(track, UploadState::Verifying, job.size, job.size)?;
        let cloud_id = match existing {
            // The account already has a track over these bytes: adopt its id.
            Some(id) => TrackId(id.0),
            None => {
                let mut metadata = to_protocol(&job.metadata);
                self.share_artwork(&client, &mut metadata).await?;
                let created = client
                    .create_track(&CreateTrackRequest {
                        id: Some(tonearm_protocol::TrackId(track.0)),
                        blake3: request.blake3,
                        metadata,
                    })
                    .await?;
                TrackId(created.id.0)
            }
        };
        Ok(Some(self.library.finish_upload(
            track,
            cloud_id,
            &job.metadata,
        )?))
    }

    /// Opens a tus upload for the job's file and remembers its URL for a resume.
    async fn create_upload(
        &self,
        client: &Client,
        job: &UploadJob,
        blake3: &str,
    ) -> Result<String> {
        let name = job
            .path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let url = client.create_upload(job.size, blake3, &name).await?;
        self.library.set_upload_url(job.track_id, Some(&url))?;
        Ok(url)
    }

    /// Sends the file with tus, resuming an earlier upload where the server says.
    async fn send_bytes(&self, client: &Client, job: &UploadJob, blake3: &str) -> Result<()> {
        let track = job.track_id;
        let mut resumed = None;
        if let Some(url) = &job.upload_url
            && let Some(offset) = client.upload_offset(url).await?
        {
            tracing::info!(offset, size = job.size, "resuming an upload");
            resumed = Some((url.clone(), offset));
        }
        let (mut url, mut offset) = match resumed {
            Some(resumed) => resumed,
            None => (self.create_upload(client, job, blake3).await?, 0),
        };
        let limit = Some(self.bandwidth_limit.load(Ordering::Relaxed)).filter(|l| *l > 0);
        let chunk_size = if limit.is_some() { CHUNK / 16 } else { CHUNK };
        let mut conflicts = 0;
        while offset < job.size {
            self.set_state(track, UploadState::Uploading, offset, job.size)?;
            let length = chunk_size.min((job.size - offset) as usize);
            let path = job.path.clone();
            let chunk = blocking(move || read_at(&path, offset, length)).await?;
            self.rate.wait(chunk.len(), limit).await;
            let sent = chunk.len() as u64;
            let result = client.upload_chunk(&url, offset, chunk).await;
            match result {
                Ok((new_offset, _)) => {
                    conflicts = 0;
                    self.bytes_sent.fetch_add(sent, Ordering::Relaxed);
                    offset = new_offset;
                    self.publish_totals_now_and_then();
                }
                Err(error) if is_conflict(&error) && conflicts < MAX_CONFLICTS => {
                    // Another request still holds the upload (one cut off by a crash that the
                    // server has not noticed yet; refused before its body was read, this one
                    // may see the connection reset rather than the 409), or the offset moved:
                    // ask the server where it stands, as tus clients do.
                    conflicts += 1;
                    tokio::time::sleep(CONFLICT_WAIT * conflicts).await;
                    match client.upload_offset(&url).await {
                        Ok(Some(server_offset)) => offset = server_offset,
                        Ok(None) => {
                            url = self.create_upload(client, job, blake3).await?;
                            offset = 0;
                        }
                        Err(error) if is_conflict(&error) => {}
                        Err(error) => return Err(error),
                    }
                }
                Err(SyncError::Server {
                    code: Some(tonearm_protocol::ErrorCode::HashMismatch),
                    ..
                }) => {
                    // The file changed under the upload: the server discarded it.
                    self.library.set_upload_url(track, None)?;
                    return Err(SyncError::Changed {
                        path: job.path.clone(),
                    });
                }
                Err(error) => return Err(error),
            }
        }
        self.library.set_upload_url(track, None)?;
        Ok(())
    }
}

/// A PATCH refused because the upload is busy or elsewhere (409), or cut off (which is how a
/// refusal before the body was read can look): worth asking the server's offset again.
fn is_conflict(error: &SyncError) -> bool {
    matches!(error, SyncError::Server { status: 409, .. }) || error.is_network()
}

fn parse_hash(hex: &str) -> Result<tonearm_protocol::BlobHash> {
    hex.parse()
        .map_err(|_| SyncError::Protocol(format!("`{hex}` is not a BLAKE3 hash")))
}

/// Reads `length` bytes at `offset`.
fn read_at(path: &PathBuf, offset: u64, length: usize) -> Result<Vec<u8>> {
    let io = |source| SyncError::Io {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut buffer = vec![0u8; length];
    file.read_exact(&mut buffer).map_err(|source| {
        if source.kind() == std::io::ErrorKind::UnexpectedEof {
            SyncError::Changed { path: path.clone() }
        } else {
            io(source)
        }
    })?;
    Ok(buffer)
}

/// Answers an ownership challenge from the file's bytes.
fn prove(
    path: &PathBuf,
    nonce: &str,
    ranges: &[tonearm_protocol::ByteRange],
) -> Result<Vec<String>> {
    let key: [u8; 32] = decode_hex(nonce)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            SyncError::Protocol("the challenge nonce is not 32 bytes of hex".to_owned())
        })?;
    ranges
        .iter()
        .map(|range| {
            let bytes = read_at(path, range.offset, range.length as usize)?;
            Ok(answer_challenge(&key, &bytes))
        })
        .collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_an_hour() {
        for (attempt, base) in [(1, 2.0), (2, 4.0), (5, 32.0), (11, 2048.0), (30, 3600.0)] {
            for _ in 0..20 {
                let wait = backoff(attempt).as_secs_f64();
                assert!(
                    wait >= base * 0.5 && wait <= base * 1.5,
                    "attempt {attempt}: {wait}"
                );
            }
        }
    }

    #[test]
    fn formats_round_trip_between_the_library_and_the_wire() {
        for format in ["mp3", "flac", "ogg", "opus", "mp4", "wav", "aiff"] {
            let metadata = CloudMetadata {
                format: format.to_owned(),
                ..CloudMetadata::default()
            };
            assert_eq!(from_protocol(&to_protocol(&metadata)).format, format);
        }
    }

    #[test]
    fn replaygain_goes_to_the_cloud_and_back_unchanged() {
        let metadata = CloudMetadata {
            replaygain: CloudGain {
                track_gain: Some(-652),
                track_peak: Some(988_123),
                album_gain: Some(150),
                album_peak: None,
            },
            format: "flac".to_owned(),
            ..CloudMetadata::default()
        };
        let wire = to_protocol(&metadata);
        assert_eq!(wire.replaygain.track_gain.map(Gain::db), Some(-6.52));
        assert_eq!(from_protocol(&wire), metadata);
    }

    #[test]
    fn hex_nonces_decode_and_bad_ones_do_not() {
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("abc"), None);
    }
}
