//! The library goes to the cloud from one device and plays on another; a second copy of a
//! file is matched, never sent again.

use crate::support::{Device, Locker, decode_all, fixtures};
use tonearm_library::TrackState;
use tonearm_library::cloud::UploadState;
use tonearm_player::source::{FileSource, ReaderSource};
use tonearm_sync::Until;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_library_uploaded_from_one_device_streams_on_another_sample_for_sample() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let files = ["tagged.flac", "id3v24.mp3", "tagged.opus"].map(|name| fixtures().join(name));

    let a = Device::new();
    a.add_music(&files);
    a.login(&server, "ann").await;
    assert_eq!(a.cloud.queue_all().expect("queue"), 3);
    a.cloud.run_uploads(3, Until::Idle).await;
    let totals = a.library.cloud_totals().expect("totals");
    assert_eq!(
        (totals.in_cloud, totals.pending, totals.failed),
        (3, 0, 0),
        "{totals:?}"
    );
    for track in a.tracks() {
        assert_eq!(
            a.library.upload_state(track.id).expect("state"),
            UploadState::InCloud
        );
    }

    let b = Device::new();
    b.login(&server, "ann").await;
    let report = b.cloud.sync().await.expect("sync");
    assert_eq!(report.changes_applied, 3);
    let listed = b.tracks();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .all(|t| t.state == TrackState::Cloud && t.path.is_empty())
    );
    let mut a_ids: Vec<_> = a.tracks().iter().map(|t| t.id).collect();
    let mut b_ids: Vec<_> = listed.iter().map(|t| t.id).collect();
    a_ids.sort();
    b_ids.sort();
    assert_eq!(
        a_ids, b_ids,
        "the cloud keeps the ids the first device minted"
    );
    let flac = listed
        .iter()
        .find(|t| t.title.contains("FLAC"))
        .expect("the FLAC is listed with its title");
    assert_eq!(flac.format, "flac");
    assert_eq!(b.library.stats().expect("stats").cloud, 3);

    // B plays the FLAC from the cloud: the samples are those of the file on A.
    let runtime = tokio::runtime::Handle::current();
    let id = flac.id;
    let cloud = b.cloud.clone();
    let streamed = tokio::task::spawn_blocking(move || {
        let reader = cloud.open_track(id, runtime).expect("opens");
        let len = reader.len();
        decode_all(Box::new(ReaderSource::new(reader, Some(len))), "flac")
    })
    .await
    .expect("decoded");
    let local = decode_all(
        Box::new(FileSource::open(&fixtures().join("tagged.flac")).expect("file")),
        "flac",
    );
    assert_eq!(streamed.len(), local.len());
    assert!(
        streamed == local,
        "streamed samples differ from the local decode"
    );

    // A second sync changes nothing.
    assert_eq!(b.cloud.sync().await.expect("sync").changes_applied, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_the_cloud_holds_is_matched_not_uploaded_and_keeps_its_cloud_id() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    server.add_user("bob").await;
    let flac = fixtures().join("tagged.flac");

    let a = Device::new();
    a.add_music(std::slice::from_ref(&flac));
    a.login(&server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(
        a.cloud.bytes_uploaded(),
        std::fs::metadata(&flac).expect("size").len()
    );
    let cloud_id = a.tracks()[0].id;

    // Ann's second device holds the same file: linked to the existing cloud track.
    let c = Device::new();
    c.add_music(std::slice::from_ref(&flac));
    let minted = c.tracks()[0].id;
    assert_ne!(minted, cloud_id);
    c.login(&server, "ann").await;
    c.cloud.queue_all().expect("queue");
    c.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(c.cloud.bytes_uploaded(), 0, "nothing sent again");
    let tracks = c.tracks();
    assert_eq!(tracks.len(), 1);
    assert_eq!(tracks[0].id, cloud_id, "the device adopted the cloud's id");
    assert_eq!(
        c.library.upload_state(cloud_id).expect("state"),
        UploadState::InCloud
    );
    // Its sync then links, and adds no cloud-only duplicate.
    c.cloud.sync().await.expect("sync");
    assert_eq!(c.tracks().len(), 1);

    // Bob has the same file: the server holds the bytes for Ann only, so Bob proves he has
    // them, and still sends nothing.
    let d = Device::new();
    d.add_music(std::slice::from_ref(&flac));
    d.login(&server, "bob").await;
    d.cloud.queue_all().expect("queue");
    d.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(d.cloud.bytes_uploaded(), 0);
    let bob_track = d.tracks()[0].id;
    assert_eq!(
        d.library.upload_state(bob_track).expect("state"),
        UploadState::InCloud
    );
    assert_ne!(bob_track, cloud_id, "users never share track ids");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metadata_edit_syncs_as_metadata_without_uploading_the_audio_again() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let a = Device::new();
    let source = tempfile::tempdir().expect("temp dir");
    let original = source.path().join("first title.wav");
    crate::support::write_tone(&original, 440.0, 1.0, 0.4);
    a.add_music(std::slice::from_ref(&original));
    a.login(&server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(1, Until::Idle).await;
    let sent = a.cloud.bytes_uploaded();
    let id = a.tracks()[0].id;

    let b = Device::new();
    b.login(&server, "ann").await;
    b.cloud.sync().await.expect("sync");
    assert_eq!(b.tracks()[0].title, "first title");

    // An untagged file is titled after its name: renaming it edits the title (the track,
    // moved, keeps its id).
    let music = a.dir.path().join("Music");
    std::fs::rename(
        music.join("first title.wav"),
        music.join("second title.wav"),
    )
    .expect("rename");
    a.add_music(&[]);
    assert_eq!(a.tracks()[0].id, id);
    assert_eq!(a.tracks()[0].title, "second title");
    let report = a.cloud.sync().await.expect("sync");
    assert_eq!(report.metadata_sent, 1);
    a.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(a.cloud.bytes_uploaded(), sent, "no audio sent again");
    assert_eq!(
        a.library.upload_state(id).expect("state"),
        UploadState::InCloud
    );

    b.cloud.sync().await.expect("sync");
    let tracks = b.tracks();
    assert_eq!((tracks.len(), tracks[0].id), (1, id));
    assert_eq!(tracks[0].title, "second title");
    assert_eq!(
        a.cloud.sync().await.expect("sync").metadata_sent,
        0,
        "sent once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_from_the_cloud_leaves_the_file_here_and_removes_the_stream_elsewhere() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let a = Device::new();
    a.add_music(&[fixtures().join("tagged.flac")]);
    a.login(&server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(1, Until::Idle).await;
    let id = a.tracks()[0].id;
    let b = Device::new();
    b.login(&server, "ann").await;
    b.cloud.sync().await.expect("sync");
    assert_eq!(b.tracks().len(), 1);

    a.cloud.delete_from_cloud(id).await.expect("deleted");
    let tracks = a.tracks();
    assert_eq!(tracks.len(), 1, "the file stays on the device that has it");
    assert_eq!(tracks[0].state, TrackState::Present);
    assert_eq!(
        a.library.upload_state(id).expect("state"),
        UploadState::LocalOnly
    );
    assert_eq!(a.library.cloud_totals().expect("totals").local_only, 1);

    b.cloud.sync().await.expect("sync");
    assert!(b.tracks().is_empty(), "the cloud-only copy is gone");
}
