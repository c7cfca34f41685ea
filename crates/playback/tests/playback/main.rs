//! The catalog over real libraries, a real locker server on 127.0.0.1 and real audio files:
//! what each kind of queue entry opens, and which album it is placed in.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tonearm_library::{TrackId, TrackState};
use tonearm_playback::{LibraryCatalog, QueuedTrack, Source};
use tonearm_player::catalog::{AlbumFingerprint, Catalog, OpenTrack, Playable};
use tonearm_sync::{Cloud, Until};
use tonearm_testkit::device::Device;
use tonearm_testkit::fixtures::audio_dir as fixtures;
use tonearm_testkit::locker::Locker;

/// All the bytes a catalog opened.
fn bytes(mut open: OpenTrack) -> Vec<u8> {
    let mut bytes = Vec::new();
    open.source.read_to_end(&mut bytes).expect("readable");
    bytes
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn id_of(device: &Device, name: &str) -> TrackId {
    device
        .tracks()
        .into_iter()
        .find(|t| t.path.ends_with(name))
        .map(|t| t.id)
        .expect("the track is in the library")
}

/// A locker with "ann", and a device of hers whose FLAC and MP3 are uploaded.
fn uploaded(runtime: &tokio::runtime::Runtime) -> (Locker, Device) {
    let locker = runtime.block_on(Locker::start());
    runtime.block_on(locker.add_user("ann"));
    let device = Device::new();
    device.add_music(&[
        fixtures().join("tagged.flac"),
        fixtures().join("id3v24.mp3"),
    ]);
    runtime.block_on(async {
        device.login(&locker, "ann").await;
        device.cloud.queue_all().expect("queue");
        device.cloud.run_uploads(2, Until::Idle).await;
    });
    assert_eq!(device.library.cloud_totals().expect("totals").in_cloud, 2);
    (locker, device)
}

/// A catalog that opens `cloud` on demand and counts how often it had to.
fn counting(
    device: &Device,
    runtime: &tokio::runtime::Runtime,
) -> (LibraryCatalog, Arc<AtomicUsize>) {
    let opened = Arc::new(AtomicUsize::new(0));
    let (cloud, count) = (device.cloud.clone(), opened.clone());
    let catalog = LibraryCatalog::new(device.library.clone()).with_cloud_on_demand(
        runtime.handle().clone(),
        move || -> tonearm_sync::Result<Arc<Cloud>> {
            count.fetch_add(1, Ordering::Relaxed);
            Ok(cloud.clone())
        },
    );
    (catalog, opened)
}

#[test]
fn a_track_whose_file_is_here_plays_from_it_without_opening_the_cloud() {
    let runtime = runtime();
    let (_locker, device) = uploaded(&runtime);
    let (catalog, opened) = counting(&device, &runtime);
    let id = id_of(&device, "tagged.flac");
    let queued = QueuedTrack::from_library(&device.library, &[id]).expect("queued");
    let open = catalog.open(&queued[0]).expect("opens");
    assert_eq!(open.extension.as_deref(), Some("flac"));
    assert!(open.info.title.contains("FLAC"), "{:?}", open.info);
    assert_eq!(open.gain.track_gain, Some(2.0));
    assert_eq!(
        bytes(open),
        std::fs::read(fixtures().join("tagged.flac")).expect("fixture")
    );
    assert_eq!(
        opened.load(Ordering::Relaxed),
        0,
        "the cloud was not needed"
    );
}

#[test]
fn a_file_gone_from_this_device_streams_from_the_cloud() {
    let runtime = runtime();
    let (_locker, device) = uploaded(&runtime);
    let (catalog, opened) = counting(&device, &runtime);
    let id = id_of(&device, "tagged.flac");
    std::fs::remove_file(device.dir.path().join("Music/tagged.flac")).expect("deleted");
    // Before a scan has noticed, and after it marked the track missing.
    let queued = QueuedTrack::from_library(&device.library, &[id]).expect("queued");
    let original = std::fs::read(fixtures().join("tagged.flac")).expect("fixture");
    for rescanned in [false, true] {
        if rescanned {
            tonearm_testkit::library::scan(&device.library);
            assert_eq!(
                device.library.track(id).expect("track").state,
                TrackState::Missing
            );
        }
        let open = catalog.open(&queued[0]).expect("streams");
        assert_eq!(open.extension.as_deref(), Some("flac"));
        assert!(open.info.title.contains("FLAC"), "{:?}", open.info);
        assert_eq!(bytes(open), original, "rescanned: {rescanned}");
    }
    assert_eq!(opened.load(Ordering::Relaxed), 1, "the cloud opened once");

    // Without the cloud, the file's own error says what is wrong.
    let local = LibraryCatalog::new(device.library.clone());
    let error = local.open(&queued[0]).expect_err("not here");
    assert!(error.to_string().contains("tagged.flac"), "{error}");
}

#[test]
fn a_cloud_only_track_streams_on_another_device_and_not_without_the_cloud() {
    let runtime = runtime();
    let (locker, uploader) = uploaded(&runtime);
    let listener = Device::new();
    runtime.block_on(async {
        listener.login(&locker, "ann").await;
        listener.cloud.sync().await.expect("sync");
    });
    let mp3 = id_of(&uploader, "id3v24.mp3");
    assert_eq!(
        listener.library.track(mp3).expect("synced").state,
        TrackState::Cloud
    );
    let queued = QueuedTrack::from_library(&listener.library, &[mp3]).expect("queued");
    let catalog = LibraryCatalog::new(listener.library.clone())
        .with_cloud(listener.cloud.clone(), runtime.handle().clone());
    let open = catalog.open(&queued[0]).expect("streams");
    assert_eq!(open.extension.as_deref(), Some("mp3"));
    assert_eq!(
        bytes(open),
        std::fs::read(fixtures().join("id3v24.mp3")).expect("fixture")
    );

    let error = LibraryCatalog::new(listener.library.clone())
        .open(&queued[0])
        .expect_err("no cloud");
    assert!(error.to_string().contains("not connected"), "{error}");
}

#[test]
fn a_file_outside_the_library_plays_under_its_name_with_its_own_gain() {
    let device = Device::new();
    let path = fixtures().join("id3v23.mp3");
    let queued = QueuedTrack::file(&path);
    assert_eq!(queued.source, Source::File(path.clone()));
    assert_eq!(queued.track_id(), None);
    let open = LibraryCatalog::new(device.library.clone())
        .open(&queued)
        .expect("opens");
    assert_eq!(open.info.title, "id3v23.mp3");
    assert_eq!(open.gain.track_gain, Some(1.5));
    assert_eq!(open.extension.as_deref(), Some("mp3"));
}

#[test]
fn a_track_is_placed_in_the_album_the_library_lists_it_under() {
    let device = Device::new();
    let names = ["id3v24.mp3", "tagged.flac", "aac.m4a"];
    device.add_music(&names.map(|name| fixtures().join(name)));
    let untagged = device.dir.path().join("tone.wav");
    tonearm_testkit::wav::write_tone(&untagged, 440.0, 0.1, 0.5);

    let albums = device.library.albums(false, 0, 10).expect("albums").items;
    assert_eq!(albums.len(), 1, "{albums:?}");
    let ids: Vec<TrackId> = names.iter().map(|name| id_of(&device, name)).collect();
    let queued = QueuedTrack::from_library(&device.library, &ids).expect("queued");
    let places: Vec<_> = queued
        .iter()
        .map(|q| {
            let at = q.album().expect("in an album");
            (at.album, at.disc, at.track)
        })
        .collect();
    let album = AlbumFingerprint::of(&albums[0].key);
    assert_eq!(places, vec![(album, 1, 2), (album, 1, 3), (album, 2, 1)]);

    // A loose file gets the same place as its copy in the library; an untagged one none.
    let loose = QueuedTrack::file(fixtures().join("tagged.flac"));
    assert_eq!(loose.album(), queued[1].album());
    assert_eq!(QueuedTrack::file(&untagged).album(), None);
    assert_eq!(queued[0].track_id(), Some(ids[0]));
    assert!(matches!(queued[0].source, Source::Track(id) if id == ids[0]));
}
