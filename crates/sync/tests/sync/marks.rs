//! Plays, ratings and loves are cloud data: plays made offline on two devices add up, a
//! rating or a love set on one device reaches the other, and a Subsonic app's scrobble and
//! star reach the desktop too.

use crate::support::{Device, Locker, fixtures, only, subsonic};
use tonearm_sync::Until;

/// Two devices with the same file, matched to one cloud track; A played it twice before it
/// was uploaded (what a library had before plays were cloud data).
async fn two_devices(server: &Locker) -> (Device, Device) {
    server.add_user("ann").await;
    let a = Device::new();
    a.add_music(&[fixtures().join("tagged.flac")]);
    let id = only(&a).id;
    a.library.record_play(id, 1_700_000_000_000).expect("play");
    a.library.record_play(id, 1_700_000_100_000).expect("play");
    a.login(server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(1, Until::Idle).await;
    let report = a.cloud.sync().await.expect("sync");
    assert_eq!(
        report.plays_sent, 2,
        "the plays made before go up with the song"
    );
    let b = Device::new();
    b.add_music(&[fixtures().join("tagged.flac")]);
    b.login(server, "ann").await;
    b.cloud.queue_all().expect("queue");
    b.cloud.run_uploads(1, Until::Idle).await;
    b.cloud.sync().await.expect("sync");
    assert_eq!(only(&b).id, id);
    assert_eq!(only(&b).play_count, 2, "B sees A's plays");
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plays_made_offline_on_two_devices_all_count() {
    let server = Locker::start().await;
    let (a, b) = two_devices(&server).await;
    let id = only(&a).id;
    // Offline: A plays it once, B twice.
    a.library.record_play(id, 1_700_001_000_000).expect("play");
    b.library.record_play(id, 1_700_002_000_000).expect("play");
    b.library.record_play(id, 1_700_003_000_000).expect("play");
    assert_eq!(only(&a).play_count, 3);
    assert_eq!(only(&b).play_count, 4);

    b.cloud.sync().await.expect("sync B");
    a.cloud.sync().await.expect("sync A");
    b.cloud.sync().await.expect("sync B again");
    for device in [&a, &b] {
        let track = only(device);
        assert_eq!(track.play_count, 5, "2 before, 1 on A, 2 on B");
        assert_eq!(track.last_played_at, Some(1_700_003_000_000));
    }
    // Sent once: nothing left to send, and a resend would not count twice.
    assert_eq!(a.cloud.sync().await.expect("sync").plays_sent, 0);
    assert_eq!(only(&a).play_count, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_and_a_love_reach_the_other_device_and_the_last_one_wins() {
    let server = Locker::start().await;
    let (a, b) = two_devices(&server).await;
    let id = only(&a).id;
    a.library.set_rating(id, Some(80)).expect("rate");
    b.library.set_loved(id, true).expect("love");
    a.cloud.sync().await.expect("sync A");
    b.cloud.sync().await.expect("sync B");
    a.cloud.sync().await.expect("sync A");
    for device in [&a, &b] {
        let track = only(device);
        assert_eq!((track.rating, track.loved), (Some(80), true));
    }
    // A rating the cloud keeps in whole stars comes back as the nearest star.
    b.library.set_rating(id, Some(55)).expect("rate");
    b.cloud.sync().await.expect("sync B");
    a.cloud.sync().await.expect("sync A");
    assert_eq!(only(&a).rating, Some(60));
    // Unloved and unrated on A: both go.
    a.library.set_loved(id, false).expect("unlove");
    a.library.set_rating(id, None).expect("unrate");
    a.cloud.sync().await.expect("sync A");
    b.cloud.sync().await.expect("sync B");
    let track = only(&b);
    assert_eq!((track.rating, track.loved), (None, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subsonic_app_s_scrobble_and_star_reach_the_desktop() {
    let server = Locker::start().await;
    let (a, _b) = two_devices(&server).await;
    let id = only(&a).id.to_string();
    subsonic(&server, "scrobble", &format!("&id={id}&time=1700009000000")).await;
    subsonic(&server, "star", &format!("&id={id}")).await;
    a.cloud.sync().await.expect("sync A");
    let track = only(&a);
    assert_eq!((track.play_count, track.loved), (3, true));
    assert_eq!(track.last_played_at, Some(1_700_009_000_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_only_song_loved_on_one_device_is_loved_on_the_other() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let a = Device::new();
    a.add_music(&[fixtures().join("tagged.flac")]);
    a.login(&server, "ann").await;
    a.cloud.queue_all().expect("queue");
    a.cloud.run_uploads(1, Until::Idle).await;
    let b = Device::new();
    b.login(&server, "ann").await;
    b.cloud.sync().await.expect("sync B");
    let id = only(&b).id;
    b.library.set_loved(id, true).expect("love");
    assert!(only(&b).loved);
    b.cloud.sync().await.expect("sync B");
    assert!(only(&b).loved, "still loved after the sync");
    a.cloud.sync().await.expect("sync A");
    assert!(only(&a).loved);
}
