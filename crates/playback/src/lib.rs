//! The library played: how a queued track is opened for the audio engine and where it sits
//! in its album, decided once for the desktop app and `tonearm play`.
//!
//! - A library track whose file opens plays from it.
//! - A track only in the cloud, or one whose file cannot be opened here (deleted, moved, on
//!   a disk that is not plugged in) but that the cloud has, streams through the sync engine's
//!   cache, so it plays offline once cached.
//! - An audio file outside the library (`tonearm play PATH`) plays under its file name with
//!   its own ReplayGain tags.
//!
//! ReplayGain's album mode needs each item's album: it is (a fingerprint of) the library's
//! album key (the one the albums pages group by, [`tonearm_library::normalize::album_key`]),
//! for library rows and loose files alike.
//!
//! This crate is where `tonearm-library`, `tonearm-player` and `tonearm-sync` meet, so that
//! none of them has to know the others: the player sees a [`Catalog`], the cloud reader a
//! byte source ([`ReaderSource`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonearm_library::artwork::ThumbnailSize;
use tonearm_library::query::AlbumPlacement;
use tonearm_library::{Library, LibraryError, Track, TrackId, TrackState};
use tonearm_player::PlayerError;
use tonearm_player::catalog::{
    AlbumFingerprint, AlbumPosition, Catalog, OpenTrack, Playable, TrackInfo,
};
use tonearm_player::gain::TrackGain;
use tonearm_player::source::ReaderSource;
use tonearm_sync::Cloud;

/// What a queue entry plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A track of the library.
    Track(TrackId),
    /// An audio file, played as it is (whether or not the library has it).
    File(PathBuf),
}

/// An entry of the play queue: what it plays, and where it sits in its album.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedTrack {
    pub source: Source,
    album: Option<AlbumPosition>,
}

impl Playable for QueuedTrack {
    fn album(&self) -> Option<&AlbumPosition> {
        self.album.as_ref()
    }
}

impl QueuedTrack {
    /// Library tracks, looked up for queueing in one read however long the list; fails with
    /// [`LibraryError::UnknownTrack`] on the first id the library does not know.
    pub fn from_library(library: &Library, ids: &[TrackId]) -> Result<Vec<Self>, LibraryError> {
        Ok(library
            .album_placements(ids)?
            .into_iter()
            .map(Self::placed)
            .collect())
    }

    /// A library track, placed in its album as the library says.
    pub fn placed(placement: AlbumPlacement) -> Self {
        Self {
            source: Source::Track(placement.id),
            album: album_position(
                placement.album_key.as_deref(),
                placement.disc_no,
                placement.track_no,
            ),
        }
    }

    /// An audio file; its tags are read now for its album (a file that cannot be read has
    /// none, and fails when it is opened).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let album = tonearm_library::scan::read::read_file(&path)
            .ok()
            .and_then(|tags| {
                let key = tags.album.is_some().then(|| {
                    tonearm_library::normalize::album_key(
                        &tags.album_artists,
                        &tags.artists,
                        tags.compilation,
                        tags.album.as_deref(),
                    )
                });
                album_position(key.as_deref(), tags.disc_no, tags.track_no)
            });
        Self {
            source: Source::File(path),
            album,
        }
    }

    /// The library track it plays, when it is one.
    pub fn track_id(&self) -> Option<TrackId> {
        match self.source {
            Source::Track(id) => Some(id),
            Source::File(_) => None,
        }
    }
}

/// A place in an album, for tracks that have an album; an unnumbered disc is the first, an
/// unnumbered track comes first on its disc.
fn album_position(
    key: Option<&str>,
    disc: Option<u32>,
    track: Option<u32>,
) -> Option<AlbumPosition> {
    Some(AlbumPosition {
        album: AlbumFingerprint::of(key?),
        disc: disc.unwrap_or(1),
        track: track.unwrap_or(0),
    })
}

/// Opens the file on disk, or has it streamed from the cloud: see the crate documentation.
pub struct LibraryCatalog {
    library: Arc<Library>,
    cloud: Option<Streaming>,
}

/// How the catalog reaches the sync engine, and the runtime its network work runs on.
struct Streaming {
    runtime: tokio::runtime::Handle,
    open: Box<dyn Fn() -> tonearm_sync::Result<Arc<Cloud>> + Send + Sync>,
    opened: Mutex<Option<Arc<Cloud>>>,
}

impl std::fmt::Debug for LibraryCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryCatalog")
            .field("library", &self.library)
            .field("streams", &self.cloud.is_some())
            .finish()
    }
}

impl LibraryCatalog {
    /// Plays what is on this device only.
    pub fn new(library: Arc<Library>) -> Self {
        Self {
            library,
            cloud: None,
        }
    }

    /// Streams through `cloud`, whose network work runs on `runtime` (the app's engine).
    pub fn with_cloud(self, cloud: Arc<Cloud>, runtime: tokio::runtime::Handle) -> Self {
        self.with_cloud_on_demand(runtime, move || Ok(cloud.clone()))
    }

    /// Streams through the sync engine `open` returns, called the first time a track must
    /// stream (the command line: playing local files never opens the cloud, nor the OS
    /// keychain that holds its token). A failure is that track's error; the next one tries
    /// again.
    pub fn with_cloud_on_demand(
        mut self,
        runtime: tokio::runtime::Handle,
        open: impl Fn() -> tonearm_sync::Result<Arc<Cloud>> + Send + Sync + 'static,
    ) -> Self {
        self.cloud = Some(Streaming {
            runtime,
            open: Box::new(open),
            opened: Mutex::new(None),
        });
        self
    }

    fn open_track(&self, id: TrackId) -> Result<OpenTrack, PlayerError> {
        let track = self.library.track(id).map_err(unavailable)?;
        let info = self.info(&track);
        let gain = gain(&track.replaygain);
        if track.state != TrackState::Cloud {
            match OpenTrack::file(Path::new(&track.path), info.clone(), gain) {
                Ok(open) => return Ok(open),
                // A file gone from this device still plays from the cloud, when there is one.
                Err(error)
                    if self.cloud.is_none()
                        || self.library.cloud_file(id).ok().flatten().is_none() =>
                {
                    return Err(error);
                }
                Err(error) => tracing::info!(%error, "not here; streaming it from the cloud"),
            }
        }
        let streaming = self
            .cloud
            .as_ref()
            .ok_or_else(|| PlayerError::Unavailable("not connected to the cloud".to_owned()))?;
        let reader = streaming
            .cloud()?
            .open_track(id, streaming.runtime.clone())
            .map_err(unavailable)?;
        let len = reader.len();
        Ok(OpenTrack {
            source: Box::new(ReaderSource::new(reader, Some(len))),
            extension: Some(track.format.to_ascii_lowercase()),
            info,
            gain,
        })
    }

    /// What to show for a library track, with its cover for the OS media controls.
    fn info(&self, track: &Track) -> TrackInfo {
        let artwork = track.artwork_id.as_ref().and_then(|artwork| {
            self.library
                .thumbnail(artwork, ThumbnailSize::Large)
                .ok()
                .flatten()
        });
        TrackInfo {
            title: track.title.clone(),
            artist: track.artist.clone(),
            album: track.album.clone(),
            duration: track.duration_ms.map(Duration::from_millis),
            artwork,
        }
    }
}

impl Streaming {
    fn cloud(&self) -> Result<Arc<Cloud>, PlayerError> {
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cloud) = opened.as_ref() {
            return Ok(cloud.clone());
        }
        let cloud = (self.open)().map_err(unavailable)?;
        *opened = Some(cloud.clone());
        Ok(cloud)
    }
}

impl Catalog for LibraryCatalog {
    type Item = QueuedTrack;

    fn open(&self, item: &QueuedTrack) -> Result<OpenTrack, PlayerError> {
        match &item.source {
            Source::Track(id) => self.open_track(*id),
            Source::File(path) => open_file(path),
        }
    }
}

/// A file played as it is: named after the file, with its ReplayGain tags when it has any.
fn open_file(path: &Path) -> Result<OpenTrack, PlayerError> {
    let gain = tonearm_library::scan::read::read_file(path).map_or_else(
        |_| TrackGain::default(),
        |tags| self::gain(&tags.replaygain),
    );
    let info = TrackInfo {
        title: path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        ),
        ..TrackInfo::default()
    };
    OpenTrack::file(path, info, gain)
}

fn gain(tags: &tonearm_library::model::ReplayGain) -> TrackGain {
    TrackGain {
        track_gain: tags.track_gain,
        track_peak: tags.track_peak,
        album_gain: tags.album_gain,
        album_peak: tags.album_peak,
    }
}

fn unavailable(error: impl std::fmt::Display) -> PlayerError {
    PlayerError::Unavailable(error.to_string())
}
