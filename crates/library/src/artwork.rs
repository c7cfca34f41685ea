//! Artwork: originals stored once by content hash in the database, thumbnails made on first
//! request and cached on disk at the sizes the UI draws.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::ArtworkId;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Thumbnail sizes, in pixels of the longer side.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThumbnailSize {
    /// Song rows and the now-playing bar.
    Small,
    /// The album grid.
    Medium,
    /// Album pages and the OS media controls.
    Large,
}

impl ThumbnailSize {
    /// The size in pixels.
    pub fn pixels(self) -> u32 {
        match self {
            Self::Small => 64,
            Self::Medium => 256,
            Self::Large => 512,
        }
    }
}

/// An original image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artwork {
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: Vec<u8>,
}

impl Library {
    /// The original image, as found in the file or folder.
    pub fn artwork(&self, id: &ArtworkId) -> Result<Option<Artwork>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT mime, width, height, bytes FROM artwork WHERE id = ?1",
                    [&id.0],
                    |row| {
                        Ok(Artwork {
                            mime: row.get(0)?,
                            width: row.get(1)?,
                            height: row.get(2)?,
                            bytes: row.get(3)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    /// Keeps cover bytes (from the cloud) once by content; `None` when they are not an image.
    pub fn add_artwork(&self, bytes: &[u8]) -> Result<Option<ArtworkId>> {
        self.store()
            .write(|tx| crate::scan::write::store_artwork(tx, bytes))
    }

    /// Whether the library holds this cover.
    pub fn has_artwork(&self, id: &str) -> Result<bool> {
        self.store().read(|conn| {
            Ok(conn
                .prepare_cached("SELECT 1 FROM artwork WHERE id = ?1")?
                .exists([id])?)
        })
    }

    /// The cover a track's row has.
    pub fn track_artwork(&self, track: crate::ids::TrackId) -> Result<Option<ArtworkId>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT artwork_id FROM tracks WHERE id = ?1",
                    [track.to_string()],
                    |row| row.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten()
                .map(ArtworkId))
        })
    }

    /// A JPEG thumbnail no larger than `size`, made on first use and cached; `None` when the
    /// artwork is unknown.
    pub fn thumbnail(&self, id: &ArtworkId, size: ThumbnailSize) -> Result<Option<PathBuf>> {
        // Ids are hex hashes; anything else must not become a path.
        if id.0.is_empty() || !id.0.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let dir = self
            .cache_dir()
            .join("thumbnails")
            .join(size.pixels().to_string());
        let path = dir.join(format!("{}.jpg", id.0));
        if path.is_file() {
            return Ok(Some(path));
        }
        let Some(original) = self.artwork(id)? else {
            return Ok(None);
        };
        let image = image::load_from_memory(&original.bytes)?;
        let pixels = size.pixels();
        let thumb = if image.width() > pixels || image.height() > pixels {
            image.thumbnail(pixels, pixels)
        } else {
            image
        };
        std::fs::create_dir_all(&dir).map_err(|e| LibraryError::io(&dir, e))?;
        // Written aside and renamed, so a reader never sees half a file.
        let partial = dir.join(format!("{}.{}.part", id.0, std::process::id()));
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(&partial).map_err(|e| LibraryError::io(&partial, e))?,
        );
        image::DynamicImage::ImageRgb8(thumb.to_rgb8())
            .write_to(&mut out, image::ImageFormat::Jpeg)?;
        drop(out);
        std::fs::rename(&partial, &path).map_err(|e| LibraryError::io(&path, e))?;
        Ok(Some(path))
    }
}
