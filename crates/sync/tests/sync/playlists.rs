//! Playlists edited on three devices, offline at times, converge: the same entries in the
//! same order everywhere, and no addition lost.

use crate::support::{Device, Locker, entries, subsonic, write_tones};
use std::collections::HashSet;
use tonearm_library::{EntryId, TrackId};
use tonearm_sync::Until;
use tonearm_testkit::rng::Rng;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_offline_edits_on_three_devices_converge_without_losing_additions() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), 4, 300.0, 100.0, 0.5);
    let devices = [Device::new(), Device::new(), Device::new()];
    devices[0].add_music(&files);
    for device in &devices {
        device.login(&server, "ann").await;
    }
    devices[0].cloud.queue_all().expect("queue");
    devices[0].cloud.run_uploads(2, Until::Idle).await;
    let playlist = devices[0]
        .library
        .create_playlist("Road trip")
        .expect("create");
    for device in &devices {
        device.cloud.sync().await.expect("sync");
    }
    let tracks: Vec<TrackId> = devices[0].tracks().iter().map(|t| t.id).collect();
    for device in &devices[1..] {
        assert_eq!(
            device.library.playlist(playlist).expect("synced").name,
            "Road trip"
        );
    }

    for seed in [7_u64, 42, 1_234] {
        let mut rng = Rng::new(seed);
        let mut added = HashSet::new();
        let mut removed = HashSet::new();
        for _round in 0..6 {
            for device in &devices {
                for _ in 0..3 {
                    let current = entries(device, playlist);
                    match rng.below(5) {
                        0 | 1 => {
                            let track = tracks[rng.below(tracks.len())];
                            let at = rng.below(current.len() + 1);
                            let ids = device
                                .library
                                .add_to_playlist(playlist, &[track], Some(at))
                                .expect("add");
                            added.extend(ids);
                        }
                        2 if !current.is_empty() => {
                            let (entry, _) = current[rng.below(current.len())];
                            device
                                .library
                                .remove_from_playlist(playlist, entry)
                                .expect("remove");
                            removed.insert(entry);
                        }
                        _ if !current.is_empty() => {
                            let (entry, _) = current[rng.below(current.len())];
                            let to = rng.below(current.len());
                            device
                                .library
                                .move_in_playlist(playlist, entry, to)
                                .expect("move");
                        }
                        _ => {}
                    }
                }
                // Each device is offline one round in three.
                if rng.below(3) != 0 {
                    device.cloud.sync().await.expect("sync");
                }
            }
        }
        // Everyone comes online: two passes, so each sees the others' last edits.
        for _ in 0..2 {
            for device in &devices {
                device.cloud.sync().await.expect("sync");
            }
        }
        let first = entries(&devices[0], playlist);
        for device in &devices[1..] {
            assert_eq!(
                entries(device, playlist),
                first,
                "seed {seed}: devices disagree"
            );
        }
        let present: HashSet<EntryId> = first.iter().map(|(e, _)| *e).collect();
        for entry in added.difference(&removed) {
            assert!(
                present.contains(entry),
                "seed {seed}: addition {entry} was lost"
            );
        }
        for entry in &removed {
            assert!(
                !present.contains(entry),
                "seed {seed}: removal of {entry} undone"
            );
        }
        for device in &devices {
            assert!(
                device
                    .library
                    .pending_playlist_ops(0, 10)
                    .expect("ops")
                    .is_empty()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_song_not_yet_in_the_cloud_holds_back_only_its_own_entry() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), 2, 300.0, 100.0, 0.5);
    let (here, there) = (Device::new(), Device::new());
    here.add_music(&files);
    here.login(&server, "ann").await;
    there.login(&server, "ann").await;
    let tracks = here.tracks();
    let (uploaded, local) = (tracks[0].id, tracks[1].id);
    here.cloud.queue(&[uploaded]).expect("queue");
    here.cloud.run_uploads(1, Until::Idle).await;

    // First an entry that must wait for its song, then edits that need nothing.
    let waiting = here.library.create_playlist("Waiting").expect("create");
    here.library
        .add_to_playlist(waiting, &[local], None)
        .expect("add");
    let ready = here.library.create_playlist("Ready").expect("create");
    here.library
        .add_to_playlist(ready, &[uploaded], None)
        .expect("add");
    let entry = entries(&here, waiting)[0].0;
    here.library
        .remove_from_playlist(waiting, entry)
        .expect("remove");
    let again = here
        .library
        .add_to_playlist(waiting, &[local], None)
        .expect("add");
    let report = here.cloud.sync().await.expect("sync");
    assert_eq!(
        report.playlist_ops_waiting, 3,
        "the add and remove of one entry, and the new add"
    );

    there.cloud.sync().await.expect("sync");
    assert_eq!(
        entries(&there, ready),
        [(entries(&here, ready)[0].0, uploaded)]
    );
    assert!(
        entries(&there, waiting).is_empty(),
        "the playlist is there, its entry waits"
    );

    // The song goes up: what waited follows, in order.
    here.cloud.queue(&[local]).expect("queue");
    here.cloud.run_uploads(1, Until::Idle).await;
    let report = here.cloud.sync().await.expect("sync");
    assert_eq!(report.playlist_ops_waiting, 0);
    there.cloud.sync().await.expect("sync");
    assert_eq!(entries(&there, waiting), [(again[0], local)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_playlist_edited_from_a_subsonic_app_converges_with_edits_on_two_desktops() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), 5, 300.0, 100.0, 0.5);
    let (a, b) = (Device::new(), Device::new());
    a.add_music(&files);
    a.login(&server, "ann").await;
    b.login(&server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(2, Until::Idle).await;
    let tracks: Vec<TrackId> = a.tracks().iter().map(|t| t.id).collect();
    let playlist = a.library.create_playlist("Shared").expect("create");
    a.library
        .add_to_playlist(playlist, &tracks[..3], None)
        .expect("add");
    a.cloud.sync().await.expect("sync A");
    b.cloud.sync().await.expect("sync B");
    assert_eq!(entries(&b, playlist).len(), 3);

    // Offline on both desktops: A adds a song at the top, B removes the second entry.
    let first_on_a = a
        .library
        .add_to_playlist(playlist, &[tracks[3]], Some(0))
        .expect("add on A");
    let second = entries(&b, playlist)[1].0;
    b.library
        .remove_from_playlist(playlist, second)
        .expect("remove on B");
    // Meanwhile an app removes the first song it sees (index 0, before A's addition reached
    // the cloud) and adds another at the end.
    let id = playlist.to_string();
    subsonic(
        &server,
        "updatePlaylist",
        &format!(
            "&playlistId={id}&songIndexToRemove=0&songIdToAdd={}",
            tracks[4]
        ),
    )
    .await;

    for device in [&a, &b, &a] {
        device.cloud.sync().await.expect("sync");
    }
    let on_a = entries(&a, playlist);
    assert_eq!(on_a, entries(&b, playlist), "the desktops agree");
    let expected: Vec<TrackId> = vec![tracks[3], tracks[2], tracks[4]];
    assert_eq!(
        on_a.iter().map(|(_, t)| *t).collect::<Vec<_>>(),
        expected,
        "A's addition, the third song, the app's addition; both removals kept"
    );
    assert_eq!(on_a[0].0, first_on_a[0], "A's entry kept its id");
    let from_app = subsonic(&server, "getPlaylist", &format!("&id={id}")).await;
    let in_app: Vec<String> = from_app["playlist"]["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(
        in_app,
        expected.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "the app sees the same list"
    );
}
