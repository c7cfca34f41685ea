//! Cover art: images devices upload once per content hash, checked to be images of a sane
//! size before they are kept, and served at the size a client asks for.
//!
//! A thumbnail is made on first request and cached on disk (`<data>/thumbnails/<px>/<hash>.jpg`)
//! at one of a few sizes (the smallest at least as large as asked), so a client asking for
//! every size from 1 to 2000 costs a handful of files per cover, not two thousand. Making one
//! decodes a whole image, so a semaphore bounds how many are made at once, and the decoder's
//! own limits bound the memory one image may take.

use crate::catalog::Artwork;
use crate::error::{Error, Result};
use bytes::Bytes;
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tonearm_protocol::BlobHash;

/// The largest cover accepted, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The largest cover accepted, in pixels per side.
pub const MAX_SIDE: u32 = 8_000;

/// The sizes thumbnails are made at.
const SIZES: [u32; 6] = [64, 128, 256, 512, 768, 1200];

/// Thumbnails being made at once.
const MAKING: usize = 2;

/// Checks that `bytes` are a cover this server keeps (JPEG, PNG, WebP, GIF or BMP, at most
/// [`MAX_SIDE`] pixels a side) and describes it.
pub fn inspect(hash: &BlobHash, bytes: &[u8]) -> Result<Artwork> {
    if bytes.len() > MAX_BYTES {
        return Err(Error::BadRequest(format!(
            "a cover may be at most {MAX_BYTES} bytes"
        )));
    }
    if BlobHash::of(bytes) != *hash {
        return Err(Error::BadRequest(
            "the image does not hash to the BLAKE3 in the URL".into(),
        ));
    }
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| {
            matches!(
                f,
                ImageFormat::Jpeg
                    | ImageFormat::Png
                    | ImageFormat::WebP
                    | ImageFormat::Gif
                    | ImageFormat::Bmp
            )
        })
        .ok_or_else(|| {
            Error::BadRequest("a cover must be a JPEG, PNG, WebP, GIF or BMP image".into())
        })?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| Error::BadRequest(format!("the image cannot be read: {e}")))?;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::BadRequest(format!(
            "a cover may be at most {MAX_SIDE}×{MAX_SIDE} pixels, not {width}×{height}"
        )));
    }
    Ok(Artwork {
        hash: hash.clone(),
        mime: format.to_mime_type().to_owned(),
        width,
        height,
        size: bytes.len() as u64,
    })
}

/// Where thumbnails are cached, and the bound on making them.
#[derive(Debug, Clone)]
pub struct Thumbnails {
    dir: PathBuf,
    making: Arc<Semaphore>,
}

impl Thumbnails {
    /// Thumbnails under `data_dir/thumbnails`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("thumbnails"),
            making: Arc::new(Semaphore::new(MAKING)),
        }
    }

    /// The size a request for `asked` pixels gets: `None` when the original is as small.
    pub fn size_for(artwork: &Artwork, asked: u32) -> Option<u32> {
        let size = SIZES
            .iter()
            .copied()
            .find(|s| *s >= asked)
            .unwrap_or(SIZES[SIZES.len() - 1]);
        (artwork.width.max(artwork.height) > size).then_some(size)
    }

    /// The JPEG thumbnail of `artwork` at `size` pixels (its longer side), from the cache or
    /// made from `original` (fetched only when needed).
    pub async fn get<F, Fut>(&self, artwork: &Artwork, size: u32, original: F) -> Result<Bytes>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Bytes>>,
    {
        let path = self
            .dir
            .join(size.to_string())
            .join(format!("{}.jpg", artwork.hash));
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Ok(Bytes::from(bytes));
        }
        let _permit = self.making.acquire().await.expect("never closed");
        // Another request may have made it while this one waited.
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Ok(Bytes::from(bytes));
        }
        let source = original().await?;
        let made = tokio::task::spawn_blocking(move || shrink(&source, size)).await??;
        let dir = path.parent().expect("a file in a folder");
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(Error::io(dir))?;
        let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
        tokio::fs::write(&temporary, &made)
            .await
            .map_err(Error::io(&temporary))?;
        tokio::fs::rename(&temporary, &path)
            .await
            .map_err(Error::io(&path))?;
        Ok(Bytes::from(made))
    }
}

/// The image scaled so its longer side is `size`, as JPEG.
fn shrink(bytes: &[u8], size: u32) -> Result<Vec<u8>> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::Corrupt(format!("a stored cover cannot be read: {e}")))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| Error::Corrupt(format!("a stored cover cannot be decoded: {e}")))?;
    let small = image.resize(size, size, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&small.to_rgb8())
        .map_err(|e| Error::Corrupt(format!("a thumbnail cannot be encoded: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 10, 10]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(image)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn only_real_images_of_a_sane_size_are_kept() {
        let bytes = png(300, 200);
        let artwork = inspect(&BlobHash::of(&bytes), &bytes).unwrap();
        assert_eq!(
            (artwork.width, artwork.height, artwork.mime.as_str()),
            (300, 200, "image/png")
        );
        assert!(inspect(&BlobHash::of(b"x"), &bytes).is_err(), "wrong hash");
        let text = b"<svg></svg>".to_vec();
        assert!(
            inspect(&BlobHash::of(&text), &text).is_err(),
            "not a raster image"
        );
        let huge = png(MAX_SIDE + 1, 1);
        assert!(inspect(&BlobHash::of(&huge), &huge).is_err(), "too wide");
        // A header claiming a huge image is refused before anything is decoded.
        let mut liar = png(1, 1);
        liar[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(inspect(&BlobHash::of(&liar), &liar).is_err());
    }

    #[tokio::test]
    async fn thumbnails_are_made_once_at_a_few_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let thumbnails = Thumbnails::new(dir.path());
        let bytes = png(1000, 500);
        let artwork = inspect(&BlobHash::of(&bytes), &bytes).unwrap();
        assert_eq!(Thumbnails::size_for(&artwork, 100), Some(128));
        assert_eq!(
            Thumbnails::size_for(&artwork, 5000),
            None,
            "the original is smaller"
        );
        let original = Bytes::from(bytes.clone());
        let small = thumbnails
            .get(&artwork, 128, || async { Ok(original.clone()) })
            .await
            .unwrap();
        let decoded = image::load_from_memory(&small).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (128, 64));
        let cached = thumbnails
            .get(&artwork, 128, || async { Err(Error::NotFound("original")) })
            .await
            .unwrap();
        assert_eq!(cached, small, "the second request reads the cache");
    }
}
