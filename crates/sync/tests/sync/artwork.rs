//! Covers go with the songs: a device uploads each cover once and names it in the track's
//! metadata; another device shows a cloud-only song and album with that cover, and a cover
//! changed on one device is written into the same song's file on another.

use crate::support::{Device, Locker, fixtures, only};
use tonearm_library::{CoverEdit, TagEdit, Track, TrackState};
use tonearm_sync::Until;

/// A picture unlike the fixtures' cover.
fn other_cover() -> Vec<u8> {
    let image = image::RgbImage::from_fn(120, 90, |x, y| image::Rgb([x as u8, y as u8, 99]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

fn cover_of(device: &Device, track: &Track) -> Vec<u8> {
    let id = track.artwork_id.clone().expect("a cover");
    device
        .library
        .artwork(&id)
        .expect("reads")
        .expect("held")
        .bytes
}

async fn upload_one(server: &Locker, device: &Device) {
    device.login(server, "ann").await;
    device.cloud.queue_all().expect("queue");
    device.cloud.run_uploads(1, Until::Idle).await;
    device.cloud.sync().await.expect("sync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_only_song_and_its_album_show_the_cover_on_another_device() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let a = Device::new();
    a.add_music(&[fixtures().join("tagged.flac")]);
    upload_one(&server, &a).await;
    let original = cover_of(&a, &only(&a));

    let b = Device::new();
    b.login(&server, "ann").await;
    b.cloud.sync().await.expect("sync");
    let cloud_only = only(&b);
    assert_eq!(cloud_only.state, TrackState::Cloud);
    assert_eq!(
        cover_of(&b, &cloud_only),
        original,
        "the same picture, fetched"
    );
    let albums = b.library.albums(false, 0, 10).expect("albums").items;
    assert_eq!(albums.len(), 1);
    assert_eq!(
        albums[0].artwork_id, cloud_only.artwork_id,
        "the album shows it"
    );
    // Nothing goes back: the cover B fetched is what the cloud has.
    assert_eq!(b.cloud.sync().await.expect("sync").metadata_sent, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cover_changed_on_one_device_is_written_into_the_song_s_file_on_another() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let a = Device::new();
    a.add_music(&[fixtures().join("tagged.flac")]);
    upload_one(&server, &a).await;
    let b = Device::new();
    b.add_music(&[fixtures().join("tagged.flac")]);
    upload_one(&server, &b).await;
    a.cloud.sync().await.expect("sync");
    let on_b = only(&b);
    assert_eq!(on_b.state, TrackState::Present);

    let cover = other_cover();
    let edit = TagEdit {
        cover: CoverEdit::Replace(cover.clone()),
        ..TagEdit::default()
    };
    let report = a.library.edit_tags(&[on_b.id], &edit).expect("edits");
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(a.cloud.sync().await.expect("sync A").metadata_sent, 1);
    b.cloud.sync().await.expect("sync B");

    let after = only(&b);
    assert_eq!(after.id, on_b.id);
    assert_eq!(cover_of(&b, &after), cover, "the row has the new cover");
    let in_file = tonearm_library::scan::read::read_file(std::path::Path::new(&after.path))
        .expect("readable")
        .cover
        .expect("the file has a cover");
    assert_eq!(in_file, cover, "written into B's file");
    assert_eq!(b.cloud.sync().await.expect("sync B").metadata_sent, 0);
    assert_eq!(b.cloud.bytes_uploaded(), 0, "no audio went up");

    // Removed on B (a cover edit of the file there), it is removed on A too.
    let remove = TagEdit {
        cover: CoverEdit::Remove,
        ..TagEdit::default()
    };
    b.library.edit_tags(&[after.id], &remove).expect("edits");
    b.cloud.sync().await.expect("sync B");
    a.cloud.sync().await.expect("sync A");
    let on_a = only(&a);
    assert_eq!(on_a.artwork_id, None);
    let in_file =
        tonearm_library::scan::read::read_file(std::path::Path::new(&on_a.path)).expect("readable");
    assert!(in_file.cover.is_none(), "removed from A's file");
}
