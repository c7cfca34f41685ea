//! Artwork: embedded covers and folder images, stored once, with cached thumbnails.

use crate::support::TestLibrary;
use tonearm_library::ArtworkId;
use tonearm_library::artwork::ThumbnailSize;

#[test]
fn a_cover_shared_by_many_tracks_is_stored_once() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let cover = std::fs::read(crate::support::fixtures().join("cover.jpg")).expect("cover");
    let tracks = t
        .library
        .tracks(&Default::default(), Default::default(), false, 0, 100)
        .expect("tracks")
        .items;
    let with_cover: Vec<_> = tracks.iter().filter_map(|t| t.artwork_id.clone()).collect();
    assert!(with_cover.len() >= 10);
    assert!(
        with_cover.iter().all(|id| *id == ArtworkId::of(&cover)),
        "every fixture embeds the same JPEG"
    );
    let stored = t
        .library
        .artwork(&with_cover[0])
        .expect("query")
        .expect("stored");
    assert_eq!(stored.bytes, cover);
    assert_eq!(stored.mime, "image/jpeg");
}

#[test]
fn a_folder_image_stands_in_for_a_missing_embedded_cover() {
    let t = TestLibrary::new();
    let path = t.add("untagged.mp3", "Album/01.mp3");
    let image = image::RgbImage::from_fn(600, 400, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let folder_png = t.music.join("Album/Folder.png");
    image.save(&folder_png).expect("png written");
    t.scan();
    let track = t.library.track_at(&path).expect("query").expect("track");
    let id = track.artwork_id.expect("the folder image is used");
    assert_eq!(id, ArtworkId::of(&std::fs::read(&folder_png).expect("png")));

    let thumb = t
        .library
        .thumbnail(&id, ThumbnailSize::Medium)
        .expect("thumbnail")
        .expect("made");
    let made = image::open(&thumb).expect("a readable JPEG");
    assert_eq!(
        (made.width(), made.height()),
        (256, 171),
        "fits 256 px, keeps the aspect ratio"
    );
    let again = t
        .library
        .thumbnail(&id, ThumbnailSize::Medium)
        .expect("cached")
        .expect("path");
    assert_eq!(again, thumb);
    assert!(
        t.library
            .thumbnail(&ArtworkId("../../etc/passwd".into()), ThumbnailSize::Small)
            .expect("refused")
            .is_none()
    );
}

#[test]
fn covers_past_what_readers_may_hold_at_once_are_each_stored() {
    // 24 songs with a cover of 1.5 MB each, all different: 36 MB, more than the scan lets
    // its readers hand the writer at once (16 MB), so readers wait for room as they go.
    use crate::support::edit_tag;
    use lofty::picture::{MimeType, Picture, PictureType};
    let t = TestLibrary::new();
    let songs: Vec<_> = (0..24u8)
        .map(|i| {
            let path = t.add("tagged.flac", &format!("Singles/{i:02}.flac"));
            let mut cover = b"\x89PNG\r\n\x1a\n".to_vec();
            cover.resize(1_500_000, i);
            edit_tag(&path, |tag| {
                tag.remove_picture_type(PictureType::CoverFront);
                tag.push_picture(
                    Picture::unchecked(cover.clone())
                        .pic_type(PictureType::CoverFront)
                        .mime_type(MimeType::Png)
                        .build(),
                );
            });
            (path, cover)
        })
        .collect();
    // Were readers to wait on covers that never reach the writer, the scan would never end:
    // fail instead of waiting with it.
    let (scanned, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || scanned.send((t.scan(), t)).expect("reported"));
    let (report, t) = done
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the scan ends");
    assert_eq!(report.added, 24);
    for (path, cover) in &songs {
        let track = t.library.track_at(path).expect("query").expect("track");
        let id = track.artwork_id.expect("its cover");
        assert_eq!(id, ArtworkId::of(cover), "{}", path.display());
        let stored = t.library.artwork(&id).expect("query").expect("stored");
        assert_eq!(stored.bytes.len(), cover.len());
    }
}
