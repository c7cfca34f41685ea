//! What the cloud should know about a track (its descriptive tags), read from the track's row,
//! and what it was last sent, so an edit here (a retag, a rename of an untagged file) is sent
//! once as metadata without the audio going up again. Also the way back: the cloud's metadata
//! as the tags of a cloud-only row.

use super::parse_id;
use crate::Library;
use crate::error::Result;
use crate::ids::TrackId;
use crate::model::ReplayGain;
use crate::scan::read::FileTags;
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

/// What the cloud should know about a track: its descriptive metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudMetadata {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub duration_ms: Option<u64>,
    /// The library's format name (`mp3`, `flac`, `ogg`, `opus`, `m4a`, `wav`, `aiff`...).
    pub format: String,
    // Sent since tag editing; absent from what older versions recorded as sent.
    #[serde(default)]
    pub track_total: Option<u32>,
    #[serde(default)]
    pub disc_total: Option<u32>,
    #[serde(default)]
    pub composer: Option<String>,
    #[serde(default)]
    pub compilation: bool,
    #[serde(default)]
    pub comment: Option<String>,
    /// The front cover's id (the BLAKE3 of its bytes, as the cloud names covers too).
    #[serde(default)]
    pub artwork: Option<String>,
    /// ReplayGain as tagged. Absent from what older versions recorded as sent, so a library
    /// uploaded before sends it once.
    #[serde(default)]
    pub replaygain: CloudGain,
}

/// ReplayGain in whole numbers, hundredths of a dB and millionths of full scale, so that
/// metadata compares exactly (what to send is decided by comparing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudGain {
    pub track_gain: Option<i32>,
    pub track_peak: Option<u32>,
    pub album_gain: Option<i32>,
    pub album_peak: Option<u32>,
}

impl CloudGain {
    /// From the library's values (a value no tag can hold, such as NaN, is left out).
    #[must_use]
    pub fn from_replaygain(rg: &ReplayGain) -> Self {
        let gain = |db: Option<f64>| {
            db.filter(|d| d.is_finite() && d.abs() <= 64.0)
                .map(|d| (d * 100.0).round() as i32)
        };
        let peak = |p: Option<f64>| {
            p.filter(|p| p.is_finite() && (0.0..=64.0).contains(p))
                .map(|p| (p * 1_000_000.0).round() as u32)
        };
        Self {
            track_gain: gain(rg.track_gain),
            track_peak: peak(rg.track_peak),
            album_gain: gain(rg.album_gain),
            album_peak: peak(rg.album_peak),
        }
    }

    /// As the library keeps it: dB and linear amplitude.
    #[must_use]
    pub fn replaygain(&self) -> ReplayGain {
        ReplayGain {
            track_gain: self.track_gain.map(|g| f64::from(g) / 100.0),
            track_peak: self.track_peak.map(|p| f64::from(p) / 1_000_000.0),
            album_gain: self.album_gain.map(|g| f64::from(g) / 100.0),
            album_peak: self.album_peak.map(|p| f64::from(p) / 1_000_000.0),
        }
    }
}

/// The columns of a track (`t`) that [`CloudMetadata::from_row`] reads, in its order.
pub(super) const COLUMNS: &str = "t.title, t.artist, t.album, t.album_artist, t.genre, t.year, t.track_no, t.disc_no, t.duration_ms, t.format, t.track_total, t.disc_total, t.composer, t.compilation, t.comment, t.artwork_id, t.rg_track_gain, t.rg_track_peak, t.rg_album_gain, t.rg_album_peak";

impl CloudMetadata {
    /// Reads [`COLUMNS`], the first of them at index `first` of `row`.
    pub(super) fn from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            title: row.get(first)?,
            artist: row.get(first + 1)?,
            album: row.get(first + 2)?,
            album_artist: row.get(first + 3)?,
            genre: row.get(first + 4)?,
            year: row.get(first + 5)?,
            track_number: row.get(first + 6)?,
            disc_number: row.get(first + 7)?,
            duration_ms: row.get::<_, Option<i64>>(first + 8)?.map(|d| d as u64),
            format: row.get(first + 9)?,
            track_total: row.get(first + 10)?,
            disc_total: row.get(first + 11)?,
            composer: row.get(first + 12)?,
            compilation: row.get(first + 13)?,
            comment: row.get(first + 14)?,
            artwork: row.get(first + 15)?,
            replaygain: CloudGain::from_replaygain(&ReplayGain {
                track_gain: row.get(first + 16)?,
                track_peak: row.get(first + 17)?,
                album_gain: row.get(first + 18)?,
                album_peak: row.get(first + 19)?,
            }),
        })
    }

    /// The form kept in `cloud_tracks.metadata_sent`.
    pub(super) fn stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The tags of a cloud-only row: lists are stored joined by `"; "` (as the scanner writes
    /// them), so they are split the same way.
    pub(crate) fn tags(&self) -> FileTags {
        let split = |value: &Option<String>| -> Vec<String> {
            value
                .as_deref()
                .map(|v| v.split("; ").map(str::to_owned).collect())
                .unwrap_or_default()
        };
        FileTags {
            format: self.format.clone(),
            duration_ms: self.duration_ms,
            title: self.title.clone(),
            artists: split(&self.artist),
            album: self.album.clone(),
            album_artists: split(&self.album_artist),
            track_no: self.track_number,
            disc_no: self.disc_number,
            year: self.year,
            genres: split(&self.genre),
            track_total: self.track_total,
            disc_total: self.disc_total,
            composers: split(&self.composer),
            compilation: self.compilation,
            comment: self.comment.clone(),
            replaygain: self.replaygain.replaygain(),
            ..FileTags::default()
        }
    }
}

/// A track whose metadata the cloud should be told about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataChange {
    pub track: TrackId,
    /// What the cloud was last sent (`None`: not known, the whole metadata goes).
    pub sent: Option<CloudMetadata>,
    /// What it should know now.
    pub now: CloudMetadata,
}

impl Library {
    /// Tracks whose metadata changed since the cloud got it (a file retagged here or
    /// elsewhere, a cloud-only track edited), each with what the cloud was last sent (`None`
    /// when that is not known) and what it should know now.
    pub fn metadata_to_send(&self) -> Result<Vec<MetadataChange>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT t.id, c.metadata_sent, {COLUMNS}
                 FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                 WHERE c.in_cloud = 1 AND t.state IN ('present', 'cloud')
                   AND NOT EXISTS (SELECT 1 FROM tag_pending p WHERE p.track_id = t.id)"
            ))?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    parse_id(&row.get::<_, String>(0)?)?,
                    row.get::<_, Option<String>>(1)?,
                    CloudMetadata::from_row(row, 2)?,
                ))
            })?;
            let mut changed = Vec::new();
            for row in rows {
                let (id, sent, metadata) = row?;
                let sent: Option<CloudMetadata> = sent.and_then(|s| serde_json::from_str(&s).ok());
                if sent.as_ref() != Some(&metadata) {
                    changed.push(MetadataChange {
                        track: id,
                        sent,
                        now: metadata,
                    });
                }
            }
            Ok(changed)
        })
    }

    /// Remembers the metadata the cloud now has for a track.
    pub fn metadata_sent(&self, track: TrackId, metadata: &CloudMetadata) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET metadata_sent = ?2 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![track.to_string(), metadata.stored()],
            )?;
            Ok(())
        })
    }
}

impl Library {
    /// What the cloud was last sent for a track, or last told this device (`None`: not known).
    pub(crate) fn metadata_sent_for(&self, track: TrackId) -> Result<Option<CloudMetadata>> {
        self.store().read(|conn| {
            let sent: Option<Option<String>> = conn
                .query_row(
                    "SELECT c.metadata_sent FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                     WHERE t.id = ?1",
                    [track.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(sent.flatten().and_then(|s| serde_json::from_str(&s).ok()))
        })
    }
}
