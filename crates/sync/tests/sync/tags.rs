//! Tag edits sync as data: an edit on one device reaches the others as a metadata patch, no
//! audio goes up again, edits of different fields made offline on two devices both survive and
//! the same field is last-writer-wins.

use crate::support::{Device, Locker, fixtures, only};
use tonearm_library::cloud::UploadState;
use tonearm_library::{FieldEdit, TagEdit, Track, TrackState};
use tonearm_sync::Until;

fn set(text: &str) -> FieldEdit<String> {
    FieldEdit::Set(text.to_owned())
}

/// A with the FLAC uploaded, B with it as a cloud-only track.
async fn two_devices(server: &Locker) -> (Device, Device) {
    server.add_user("ann").await;
    let a = Device::new();
    a.add_music(&[fixtures().join("tagged.flac")]);
    a.login(server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(1, Until::Idle).await;
    let b = Device::new();
    b.login(server, "ann").await;
    b.cloud.sync().await.expect("sync");
    assert_eq!(only(&b).state, TrackState::Cloud);
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_one_device_arrives_on_another_without_uploading_the_audio() {
    let server = Locker::start().await;
    let (a, b) = two_devices(&server).await;
    let before = only(&a);
    a.cloud.sync().await.expect("sync");
    let storage_before = a.cloud.status().expect("status").storage_used;
    assert!(storage_before.is_some());

    let edit = TagEdit {
        title: set("Retitled"),
        composer: set("Someone"),
        comment: set("Bought at the gig"),
        ..TagEdit::default()
    };
    let report = a.library.edit_tags(&[before.id], &edit).expect("edits");
    assert!(report.failed.is_empty(), "{report:?}");
    let edited = only(&a);
    assert_eq!((edited.id, edited.title.as_str()), (before.id, "Retitled"));
    assert_ne!(edited.size, before.size, "the file itself was rewritten");
    assert_eq!(edited.upload_state, UploadState::InCloud);
    // Nothing to upload: the file changed only in its tags.
    assert_eq!(a.cloud.queue_all().expect("queue"), 0);
    assert!(a.library.claim_upload(i64::MAX).expect("claim").is_none());
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let rescan = a
        .cloud
        .scan(&tonearm_library::ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
        .expect("scan");
    assert_eq!(rescan.unchanged, 1, "{rescan:?}");
    assert_eq!(only(&a).upload_state, UploadState::InCloud);

    let sent = a.cloud.sync().await.expect("sync");
    assert_eq!(sent.metadata_sent, 1, "{sent:?}");
    assert_eq!(
        a.cloud.sync().await.expect("sync").metadata_sent,
        0,
        "sent once"
    );
    assert_eq!(
        a.cloud.status().expect("status").storage_used,
        storage_before,
        "no audio went up"
    );

    b.cloud.sync().await.expect("sync");
    let seen = only(&b);
    assert_eq!((seen.id, seen.title.as_str()), (before.id, "Retitled"));
    assert_eq!(seen.composer.as_deref(), Some("Someone"));
    assert_eq!(seen.comment.as_deref(), Some("Bought at the gig"));
    assert_eq!(seen.artist, before.artist, "fields not edited stay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_of_different_fields_both_survive_and_the_same_field_goes_to_the_last() {
    let server = Locker::start().await;
    let (a, b) = two_devices(&server).await;
    let id = only(&a).id;

    // Offline: A retitles its file, B changes the artist of its cloud-only track.
    let title = TagEdit {
        title: set("Title from A"),
        album: set("Album from A"),
        ..TagEdit::default()
    };
    a.library.edit_tags(&[id], &title).expect("edits A");
    let artist = TagEdit {
        artist: set("Artist from B"),
        album: set("Album from B"),
        ..TagEdit::default()
    };
    let report = b.library.edit_tags(&[id], &artist).expect("edits B");
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(only(&b).artist.as_deref(), Some("Artist from B"));

    a.cloud.sync().await.expect("sync A");
    b.cloud.sync().await.expect("sync B");
    let merged = only(&b);
    assert_eq!(merged.title, "Title from A");
    assert_eq!(merged.artist.as_deref(), Some("Artist from B"));
    assert_eq!(
        merged.album.as_deref(),
        Some("Album from B"),
        "the same field: the last to reach the cloud wins"
    );

    // A third device sees the merged state.
    let c = Device::new();
    c.login(&server, "ann").await;
    c.cloud.sync().await.expect("sync C");
    let third = only(&c);
    assert_eq!(
        (
            third.title.as_str(),
            third.artist.as_deref(),
            third.album.as_deref()
        ),
        ("Title from A", Some("Artist from B"), Some("Album from B"))
    );
}

/// A with the FLAC uploaded, B with the same file, matched to A's cloud track (same id).
async fn two_devices_with_the_file(server: &Locker) -> (Device, Device) {
    server.add_user("ann").await;
    let a = Device::new();
    a.add_music(&[fixtures().join("tagged.flac")]);
    a.login(server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(1, Until::Idle).await;
    let b = Device::new();
    b.add_music(&[fixtures().join("tagged.flac")]);
    b.login(server, "ann").await;
    b.cloud.queue_all().expect("queue");
    b.cloud.run_uploads(1, Until::Idle).await;
    b.cloud.sync().await.expect("sync");
    a.cloud.sync().await.expect("sync");
    let (on_a, on_b) = (only(&a), only(&b));
    assert_eq!(on_b.state, TrackState::Present);
    assert_eq!(on_b.id, on_a.id, "B's file took the cloud's id");
    assert_eq!(b.cloud.bytes_uploaded(), 0);
    (a, b)
}

/// The tags in the file itself, read as a scan would.
fn file_tags(track: &Track) -> tonearm_library::scan::read::FileTags {
    tonearm_library::scan::read::read_file(std::path::Path::new(&track.path)).expect("readable")
}

/// What the cloud knows B's file by.
fn cloud_hash(device: &Device, track: &Track) -> String {
    device
        .library
        .cloud_file(track.id)
        .expect("cloud file")
        .expect("in the cloud")
        .blake3
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_one_device_is_written_into_the_same_song_s_file_on_another() {
    let server = Locker::start().await;
    let (a, b) = two_devices_with_the_file(&server).await;
    let before = only(&b);
    let hash_before = cloud_hash(&b, &before);

    let edit = TagEdit {
        title: set("Retitled on A"),
        composer: set("Composer from A"),
        comment: set("A comment from A"),
        ..TagEdit::default()
    };
    a.library.edit_tags(&[before.id], &edit).expect("edits");
    assert_eq!(a.cloud.sync().await.expect("sync A").metadata_sent, 1);
    b.cloud.sync().await.expect("sync B");

    let after = only(&b);
    assert_eq!(after.id, before.id, "the id stays");
    assert_eq!(after.state, TrackState::Present);
    assert_eq!(after.title, "Retitled on A");
    assert_eq!(after.composer.as_deref(), Some("Composer from A"));
    assert_eq!(after.artist, before.artist, "fields not edited stay");
    let tags = file_tags(&after);
    assert_eq!(
        tags.title.as_deref(),
        Some("Retitled on A"),
        "the file changed"
    );
    assert_eq!(tags.composers, ["Composer from A"]);
    assert_eq!(tags.comment.as_deref(), Some("A comment from A"));
    assert_eq!(after.comment.as_deref(), Some("A comment from A"));
    assert_ne!(after.size, before.size, "the file itself was rewritten");
    // Nothing to upload and nothing to send back; the cloud still knows the file's bytes.
    assert_eq!(after.upload_state, UploadState::InCloud);
    assert_eq!(b.cloud.queue_all().expect("queue"), 0);
    assert!(b.library.claim_upload(i64::MAX).expect("claim").is_none());
    assert_eq!(
        cloud_hash(&b, &after),
        hash_before,
        "the content hash stays"
    );
    assert_eq!(b.cloud.sync().await.expect("sync B").metadata_sent, 0);
    assert_eq!(b.cloud.bytes_uploaded(), 0);
    assert_eq!(only(&b).title, "Retitled on A");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_of_two_files_of_one_song_merge_into_both_files() {
    let server = Locker::start().await;
    let (a, b) = two_devices_with_the_file(&server).await;
    let id = only(&a).id;

    // Offline: A retitles its file, B changes the artist of its own file.
    let title = TagEdit {
        title: set("Title from A"),
        ..TagEdit::default()
    };
    a.library.edit_tags(&[id], &title).expect("edits A");
    let artist = TagEdit {
        artist: set("Artist from B"),
        ..TagEdit::default()
    };
    let report = b.library.edit_tags(&[id], &artist).expect("edits B");
    assert!(report.failed.is_empty(), "{report:?}");

    a.cloud.sync().await.expect("sync A");
    // B sends its artist first, then gets A's title: its own edit is not overwritten.
    assert_eq!(b.cloud.sync().await.expect("sync B").metadata_sent, 1);
    a.cloud.sync().await.expect("sync A");

    for device in [&a, &b] {
        let track = only(device);
        assert_eq!(track.id, id);
        assert_eq!(
            (track.title.as_str(), track.artist.as_deref()),
            ("Title from A", Some("Artist from B"))
        );
        let tags = file_tags(&track);
        assert_eq!(tags.title.as_deref(), Some("Title from A"));
        assert_eq!(tags.artists, ["Artist from B"]);
    }
    // Settled: nothing more goes either way.
    assert_eq!(a.cloud.sync().await.expect("sync A").metadata_sent, 0);
    assert_eq!(b.cloud.sync().await.expect("sync B").metadata_sent, 0);
    assert_eq!(only(&b).title, "Title from A");
    assert_eq!(only(&a).artist.as_deref(), Some("Artist from B"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_file_does_not_stop_the_sync_and_its_row_still_follows() {
    let server = Locker::start().await;
    let (a, b) = two_devices_with_the_file(&server).await;
    let before = only(&b);
    let path = std::path::PathBuf::from(&before.path);
    let writable = std::fs::metadata(&path).expect("metadata").permissions();
    let mut permissions = writable.clone();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).expect("read-only");
    let bytes_before = std::fs::read(&path).expect("bytes");

    let edit = TagEdit {
        title: set("Retitled on A"),
        ..TagEdit::default()
    };
    a.library.edit_tags(&[before.id], &edit).expect("edits");
    a.cloud.sync().await.expect("sync A");
    let report = b.cloud.sync().await.expect("B's sync goes on");
    assert!(report.changes_applied > 0, "{report:?}");

    assert_eq!(
        std::fs::read(&path).expect("bytes"),
        bytes_before,
        "the file is untouched"
    );
    let after = only(&b);
    assert_eq!(
        (after.id, after.title.as_str()),
        (before.id, "Retitled on A")
    );
    // The old title is not sent back over A's edit.
    assert_eq!(b.cloud.sync().await.expect("sync B").metadata_sent, 0);
    a.cloud.sync().await.expect("sync A");
    assert_eq!(only(&a).title, "Retitled on A");
    let waiting = b.library.pending_tags().expect("pending");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert!(
        waiting[0].reason.to_lowercase().contains("read-only")
            || waiting[0].reason.contains("permission"),
        "{waiting:?}"
    );

    // Writable again: the next scan writes the waiting edit into the file.
    std::fs::set_permissions(&path, writable).expect("writable");
    rescan(&b);
    assert_eq!(file_tags(&only(&b)).title.as_deref(), Some("Retitled on A"));
    assert!(b.library.pending_tags().expect("pending").is_empty());
    assert_eq!(b.cloud.sync().await.expect("sync B").metadata_sent, 0);
    assert_eq!(only(&b).title, "Retitled on A");
}

fn rescan(device: &Device) {
    let cancel = std::sync::atomic::AtomicBool::new(false);
    device
        .library
        .scan(&tonearm_library::ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
        .expect("scan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_while_this_device_s_file_is_missing_is_written_when_it_comes_back() {
    let server = Locker::start().await;
    let (a, b) = two_devices_with_the_file(&server).await;
    let before = only(&b);
    let path = std::path::PathBuf::from(&before.path);
    let away = b.dir.path().join("away.flac");
    std::fs::rename(&path, &away).expect("moved away");
    rescan(&b);
    assert_eq!(only(&b).state, TrackState::Missing);

    let edit = TagEdit {
        title: set("Retitled while away"),
        ..TagEdit::default()
    };
    a.library.edit_tags(&[before.id], &edit).expect("edits");
    a.cloud.sync().await.expect("sync A");
    b.cloud.sync().await.expect("B's sync goes on");
    let waiting = b.library.pending_tags().expect("pending");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].track_id, before.id);

    // The disk is back with the file as it was: the scan finds it, the edit is written.
    std::fs::rename(&away, &path).expect("moved back");
    rescan(&b);
    let back = only(&b);
    assert_eq!(back.state, TrackState::Present);
    assert_eq!(back.id, before.id);
    assert_eq!(back.title, "Retitled while away");
    assert_eq!(
        file_tags(&back).title.as_deref(),
        Some("Retitled while away")
    );
    assert!(b.library.pending_tags().expect("pending").is_empty());
    // The stale title never went back: the cloud and A keep the edit.
    assert_eq!(b.cloud.sync().await.expect("sync B").metadata_sent, 0);
    a.cloud.sync().await.expect("sync A");
    assert_eq!(only(&a).title, "Retitled while away");
}
