//! "Remove downloads": local files whose bytes the cloud holds go to the OS trash, and their
//! songs stay in the library as cloud-only (same id, plays, playlists; they stream and can be
//! downloaded again).
//!
//! The library plans ([`Library::plan_free_up`](tonearm_library::Library::plan_free_up));
//! this module carries a plan out, one file at a time, and trusts nothing the plan knew:
//! right before each removal the pin is asked again, the file is checked against the bytes
//! that were uploaded (hashed again when its size or mtime moved), and the server is asked,
//! then, whether it still holds a track with this id and exactly those bytes for this
//! account. Only then is the file moved to the trash ([`crate::trash`]) and the track marked
//! cloud-only; if marking fails, the file is put back. Any doubt refuses, with its reason:
//! a file is never removed on the strength of an old answer.

use crate::trash::{Trash, Trashed};
use crate::{Cloud, Result, SyncError};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use tonearm_library::TrackId;
use tonearm_library::cloud::{FreeUpItem, FreeUpPlan};

/// A file removed.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freed {
    pub track_id: TrackId,
    pub title: String,
    pub bytes: u64,
    /// Where the file is now, in the trash (`None`: in the system's trash, which does not say
    /// where).
    pub trashed_to: Option<PathBuf>,
}

/// Why a file of the plan was kept.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum FreeUpRefusal {
    /// Kept offline (pinned since the plan was made).
    Pinned,
    /// The file is not the one that was uploaded (edited since).
    FileChanged,
    /// The server no longer has this track for this account.
    NotOnServer,
    /// The server's track holds other bytes than this file.
    ServerDiffers,
    /// The server could not be reached: nothing is removed without its answer.
    Offline { message: String },
    /// No trash to move the file to (no home folder is known).
    NoTrash,
    /// Something else failed (the file, the trash, the library); the file stays.
    Failed { message: String },
}

impl FreeUpRefusal {
    /// One sentence for the user.
    pub fn describe(&self) -> String {
        match self {
            Self::Pinned => "kept offline".to_owned(),
            Self::FileChanged => "the file changed since it was uploaded".to_owned(),
            Self::NotOnServer => "the cloud no longer has it".to_owned(),
            Self::ServerDiffers => "the cloud holds different bytes".to_owned(),
            Self::Offline { message } => format!("the cloud did not answer: {message}"),
            Self::NoTrash => "no trash was found for this user".to_owned(),
            Self::Failed { message } => message.clone(),
        }
    }
}

/// A file of the plan that was kept.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub track_id: TrackId,
    pub title: String,
    #[serde(flatten)]
    pub reason: FreeUpRefusal,
}

/// What freeing space did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FreeUpReport {
    pub freed: Vec<Freed>,
    pub freed_bytes: u64,
    pub refused: Vec<Refused>,
    /// Stopped by the caller before the end of the plan (the rest was not touched).
    pub cancelled: bool,
}

impl Cloud {
    /// Carries out `plan` into the user's trash (see the module documentation); stops
    /// between files once `cancel` is set.
    pub async fn free_up(&self, plan: &FreeUpPlan, cancel: &AtomicBool) -> Result<FreeUpReport> {
        self.free_up_into(plan, Trash::for_user(), cancel).await
    }

    /// [`Cloud::free_up`] into a given trash (`None`: none on this system, nothing removed).
    pub async fn free_up_into(
        &self,
        plan: &FreeUpPlan,
        trash: Option<Trash>,
        cancel: &AtomicBool,
    ) -> Result<FreeUpReport> {
        let client = self.client()?;
        let mut report = FreeUpReport::default();
        let mut offline: Option<String> = None;
        for item in &plan.tracks {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                break;
            }
            // The pin is asked again first: it may have come since the plan was made.
            let outcome = match (self.library.is_pinned(&item.blake3), &trash, &offline) {
                (Ok(true), _, _) => Err(FreeUpRefusal::Pinned),
                (Err(error), _, _) => Err(FreeUpRefusal::Failed {
                    message: error.to_string(),
                }),
                (Ok(false), None, _) => Err(FreeUpRefusal::NoTrash),
                (Ok(false), _, Some(message)) => Err(FreeUpRefusal::Offline {
                    message: message.clone(),
                }),
                (Ok(false), Some(trash), None) => self.free_one(&client, trash, item).await,
            };
            match outcome {
                Ok(trashed) => {
                    report.freed_bytes += item.bytes;
                    report.freed.push(Freed {
                        track_id: item.track_id,
                        title: item.title.clone(),
                        bytes: item.bytes,
                        trashed_to: trashed.file().map(PathBuf::from),
                    });
                }
                Err(reason) => {
                    if let FreeUpRefusal::Offline { message } = &reason {
                        // No answer now: the rest is not asked, and not removed.
                        offline = Some(message.clone());
                    }
                    tracing::info!(track = %item.track_id, reason = %reason.describe(), "kept");
                    report.refused.push(Refused {
                        track_id: item.track_id,
                        title: item.title.clone(),
                        reason,
                    });
                }
            }
        }
        if !report.freed.is_empty() {
            self.publish_totals();
        }
        Ok(report)
    }

    /// Removes one file (not pinned) after checking the file and the server again; returns
    /// where it went.
    async fn free_one(
        &self,
        client: &crate::Client,
        trash: &Trash,
        item: &FreeUpItem,
    ) -> std::result::Result<Trashed, FreeUpRefusal> {
        let failed = |error: &dyn std::fmt::Display| FreeUpRefusal::Failed {
            message: error.to_string(),
        };
        self.check_file(item).await?;
        match client
            .track(tonearm_protocol::TrackId(item.track_id.0))
            .await
        {
            Ok(track) if track.blake3.as_str() == item.blake3 && track.size == item.bytes => {}
            Ok(_) => return Err(FreeUpRefusal::ServerDiffers),
            Err(SyncError::Server { status: 404, .. }) => return Err(FreeUpRefusal::NotOnServer),
            Err(error) if error.is_network() => {
                return Err(FreeUpRefusal::Offline {
                    message: error.to_string(),
                });
            }
            Err(error) => return Err(failed(&error)),
        }
        let (path, moving) = (item.path.clone(), trash.clone());
        let trashed = tokio::task::spawn_blocking(move || moving.put(&path))
            .await
            .map_err(|e| failed(&e))?
            .map_err(|e| failed(&e))?;
        if let Err(error) = self.library.mark_freed(item) {
            tracing::warn!(%error, path = %item.path.display(), "the track could not be marked cloud-only; the file is put back");
            if let Err(restore) = trash.restore(&trashed) {
                tracing::error!(error = %restore, "the file stays in the trash");
            }
            return Err(failed(&error));
        }
        Ok(trashed)
    }

    /// Whether the file still holds the bytes that were uploaded: trusted as hashed while its
    /// size and mtime are those it was hashed at, else hashed again.
    async fn check_file(&self, item: &FreeUpItem) -> std::result::Result<(), FreeUpRefusal> {
        let path = item.path.clone();
        let (blake3, size, mtime) = (item.blake3.clone(), item.bytes, item.hashed_mtime_ms);
        let outcome = tokio::task::spawn_blocking(move || {
            let meta = std::fs::metadata(&path).map_err(|source| SyncError::Io {
                path: path.clone(),
                source,
            })?;
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis() as i64);
            if (meta.len(), modified) == (size, mtime) {
                return Ok(None);
            }
            if meta.len() != size {
                return Ok(Some(false));
            }
            let (hash, _, _) = crate::upload::hash_file(&path)?;
            Ok::<_, SyncError>(Some(hash == blake3))
        })
        .await
        .map_err(|e| FreeUpRefusal::Failed {
            message: e.to_string(),
        })?;
        match outcome {
            Ok(None | Some(true)) => Ok(()),
            Ok(Some(false)) | Err(SyncError::Changed { .. }) => Err(FreeUpRefusal::FileChanged),
            Err(error) => Err(FreeUpRefusal::Failed {
                message: error.to_string(),
            }),
        }
    }
}
