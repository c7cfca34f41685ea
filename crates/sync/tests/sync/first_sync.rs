//! A new device's first sync of a feed longer than a page is written a transaction at a time,
//! each with the feed's cursor after it: a sync cut off half-way keeps what it wrote and
//! resumes after it, and ends where a sync that was never cut ends. A first sync that adds
//! more tracks than the device holds defers the library's sorted indexes to its end,
//! however it ends, and can be browsed and searched meanwhile.

use crate::support::{Device, Locker, PASSWORD, entries, write_tones};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tonearm_library::query::{TrackFilter, TrackSort};
use tonearm_library::{PlaylistId, TrackId};
use tonearm_protocol::{
    AudioFormat, BlobHash, OpId, PlaylistAction, PlaylistOp, PlaylistOpsRequest, TrackMetadata,
};
use tonearm_sync::{SyncEvent, Until};

/// The request line of a change feed page.
const FEED_REQUEST: &[u8] = b"GET /api/v1/changes";

/// What the proxy does to the request for its `nth` page of the feed.
#[derive(Clone)]
enum Stop {
    /// Cuts the connection, the request unanswered, as a network that drops.
    Cut,
    /// Holds the request until notified, as a slow network.
    Hold(Arc<Notify>),
}

/// A proxy in front of `upstream` that stops the request for the `nth` page of the change
/// feed (counting from 1) and lets everything else through; returns its address.
async fn proxy(upstream: SocketAddr, nth: usize, stop: Stop) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let seen = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (seen, stop) = (seen.clone(), stop.clone());
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let up = async {
                    let mut buffer = vec![0; 64 * 1024];
                    loop {
                        let read = from_client.read(&mut buffer).await.unwrap_or(0);
                        if read == 0 {
                            return;
                        }
                        let chunk = &buffer[..read];
                        let pages = chunk
                            .windows(FEED_REQUEST.len())
                            .filter(|w| *w == FEED_REQUEST)
                            .count();
                        let before = seen.fetch_add(pages, Ordering::SeqCst);
                        if before < nth && before + pages >= nth {
                            match &stop {
                                // Both connections close with the request unanswered.
                                Stop::Cut => return,
                                Stop::Hold(release) => release.notified().await,
                            }
                        }
                        if to_server.write_all(chunk).await.is_err() {
                            return;
                        }
                    }
                };
                let down = tokio::io::copy(&mut from_server, &mut to_client);
                tokio::select! {
                    () = up => {}
                    _ = down => {}
                }
            });
        }
    });
    format!("http://{address}")
}

/// A playlist of `songs`, in that order, made through the locker's API by `device` (logged
/// in): more entries than a page of the feed if asked.
async fn add_playlist(device: &Device, name: &str, songs: &[TrackId]) -> PlaylistId {
    let playlist = PlaylistId::new();
    let mut ops = vec![PlaylistOp {
        op_id: OpId::new_random(),
        action: PlaylistAction::CreatePlaylist {
            playlist_id: tonearm_protocol::PlaylistId(playlist.0),
            name: name.to_owned(),
        },
    }];
    let positions = tonearm_protocol::position::spread(songs.len());
    for (song, position) in songs.iter().zip(positions) {
        ops.push(PlaylistOp {
            op_id: OpId::new_random(),
            action: PlaylistAction::AddEntry {
                playlist_id: tonearm_protocol::PlaylistId(playlist.0),
                entry_id: tonearm_protocol::EntryId::new_random(),
                track_id: tonearm_protocol::TrackId(song.0),
                position,
            },
        });
    }
    let client = device.cloud.client().expect("logged in");
    for batch in ops.chunks(1_000) {
        client
            .playlist_ops(&PlaylistOpsRequest {
                ops: batch.to_vec(),
            })
            .await
            .expect("playlist ops");
    }
    playlist
}

fn cursor(device: &Device) -> Option<u64> {
    device
        .library
        .sync_value("feed_cursor")
        .expect("cursor")
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_cut_off_half_way_resumes_after_what_it_wrote() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    // One song, and a playlist of it 6,000 times: more than a page of the feed (5,000).
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), 1, 440.0, 100.0, 0.2);
    let first = Device::new();
    first.add_music(&files);
    first.login(&server, "ann").await;
    first.cloud.queue_all().expect("queue");
    first.cloud.run_uploads(1, Until::Idle).await;
    let song = first.tracks()[0].id;
    let playlist = add_playlist(&first, "Over and over", &[song; 6_000]).await;

    // A device that syncs once, uncut: what every device ends with.
    let whole = Device::new();
    whole.login(&server, "ann").await;
    let total = whole.cloud.sync().await.expect("sync").changes_applied;
    assert!(total > 6_000, "{total} changes");
    assert_eq!(entries(&whole, playlist).len(), 6_000);

    // A new device whose network drops while it asks for the second page.
    let proxy = proxy(server.config.listen, 2, Stop::Cut).await;
    let cut = Device::new();
    cut.cloud
        .login(&proxy.parse().expect("an address"), "ann", PASSWORD)
        .await
        .expect("login");
    let error = cut.cloud.sync().await.expect_err("cut off");
    assert!(error.is_network(), "{error:?}");
    let written = cursor(&cut).expect("the first page's cursor");
    assert_eq!(written, 5_000, "the first page, written with its cursor");
    // The feed holds the song and the playlist, then the entries: as many as the cursor says.
    let before_entries = total - 6_000;
    assert_eq!(
        entries(&cut, playlist).len() as u64,
        written - before_entries
    );

    // Again: it resumes after the first page.
    let report = cut.cloud.sync().await.expect("sync");
    assert_eq!(report.changes_applied, total - written);
    assert_eq!(cursor(&cut), cursor(&whole));
    assert_eq!(entries(&cut, playlist), entries(&whole, playlist));
    let ids = |device: &Device| device.tracks().iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(&cut), ids(&whole));
    assert_eq!(ids(&cut), [song]);
}

/// Songs put in the account through the server's store (their files need not exist for the
/// feed), titled `Song 0000` to `Song {count - 1}` in an order unlike the feed's.
async fn add_songs(server: &Locker, user: &str, count: usize) {
    let store = server.server().store();
    let user = store
        .user_by_name(user)
        .await
        .expect("the store answers")
        .expect("the account")
        .id;
    for i in 0..count {
        let hash = BlobHash::of(&(i as u64).to_le_bytes());
        store.add_blob(user, &hash, 1_000, 0).await.expect("a blob");
        let metadata = TrackMetadata {
            title: Some(format!("Song {:04}", (i * 7_919) % count)),
            artist: Some(format!("Artist {}", i % 40)),
            album: Some(format!("Album {}", i / 10)),
            track_number: Some((i % 10 + 1) as u32),
            duration_ms: Some(200_000),
            format: AudioFormat::Flac,
            ..TrackMetadata::default()
        };
        store
            .create_track(
                user,
                tonearm_protocol::TrackId::new_random(),
                &hash,
                &metadata,
            )
            .await
            .expect("a track");
    }
}

/// How many of five sorted indexes the library's database file holds now (a bulk pull
/// defers three, and keeps the Songs view's order by artist and an album's by album key),
/// and whether it records any as deferred.
fn sorted_indexes(device: &Device) -> (usize, bool) {
    let path = device.dir.path().join(tonearm_library::DATABASE_FILE);
    let db =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("the library's database");
    let present: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'
             AND name IN ('tracks_sort_title', 'tracks_sort_artist', 'tracks_album_key',
                          'tracks_genre', 'track_names_by_name')",
            [],
            |row| row.get(0),
        )
        .expect("the schema");
    let deferred: bool = db
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM deferred_indexes)",
            [],
            |row| row.get(0),
        )
        .expect("the records");
    (present as usize, deferred)
}

fn titles(device: &Device, count: u64) -> Vec<String> {
    device
        .library
        .tracks(&TrackFilter::default(), TrackSort::Title, false, 0, count)
        .expect("songs by title")
        .items
        .into_iter()
        .map(|t| t.title)
        .collect()
}

/// Every song's id, by title.
fn ids(device: &Device) -> Vec<TrackId> {
    device
        .library
        .tracks(&TrackFilter::default(), TrackSort::Title, false, 0, 100_000)
        .expect("songs by title")
        .items
        .into_iter()
        .map(|t| t.id)
        .collect()
}

/// Waits until `done` holds (a few seconds at most).
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_of_many_songs_builds_its_sorted_indexes_at_its_end_however_it_ends() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    // More songs than a bulk pull's least, then a playlist of them: more than a page (5,000).
    const SONGS: usize = 2_500;
    add_songs(&server, "ann", SONGS).await;
    let filler = Device::new();
    filler.login(&server, "ann").await;
    filler.cloud.sync().await.expect("sync");
    let songs = ids(&filler);
    assert_eq!(songs.len(), SONGS);
    let twice: Vec<TrackId> = songs.iter().chain(&songs).copied().collect();
    let playlist = add_playlist(&filler, "Everything, twice", &twice).await;
    filler.cloud.sync().await.expect("sync");
    assert_eq!(entries(&filler, playlist).len(), 2 * SONGS);
    let first: Vec<String> = (0..10).map(|i| format!("Song {i:04}")).collect();

    // A new device whose network stalls at the feed's second page: the first (every song
    // and half the playlist) is written, without the sorted indexes.
    for ends in ["at the end of the feed", "when the sync is dropped"] {
        let release = Arc::new(Notify::new());
        let proxy = proxy(server.config.listen, 2, Stop::Hold(release.clone())).await;
        let device = Device::new();
        device
            .cloud
            .login(&proxy.parse().expect("an address"), "ann", PASSWORD)
            .await
            .expect("login");
        assert_eq!(
            sorted_indexes(&device),
            (5, false),
            "a new library has its indexes"
        );
        let heard = std::sync::Mutex::new(device.cloud.subscribe());
        let syncing = tokio::spawn({
            let cloud = device.cloud.clone();
            async move { cloud.sync().await }
        });
        until("the first page", || cursor(&device).is_some_and(|c| c > 0)).await;
        // The app is told it can list what arrived, while the sync goes on.
        until("the app told of the first page", || {
            std::iter::from_fn(|| heard.lock().expect("events").try_recv().ok()).any(|event| {
                matches!(event, SyncEvent::Pulled { changes_applied } if changes_applied >= SONGS as u64)
            })
        })
        .await;
        assert_eq!(
            sorted_indexes(&device),
            (2, true),
            "{ends}: deferred while it runs"
        );
        // Browsable and searchable meanwhile, in order.
        assert_eq!(titles(&device, 10), first, "{ends}");
        let found = device.library.search("song 1234", 0, 10).expect("search");
        assert_eq!(found.total, 1, "{ends}: search finds the songs written");

        if ends == "at the end of the feed" {
            release.notify_one();
            syncing.await.expect("the sync's task").expect("sync");
        } else {
            syncing.abort();
            assert!(syncing.await.expect_err("aborted").is_cancelled());
        }
        until("the indexes built", || {
            sorted_indexes(&device) == (5, false)
        })
        .await;
        assert_eq!(titles(&device, 10), first, "{ends}");
        assert_eq!(
            device
                .library
                .search("song 1234", 0, 10)
                .expect("search")
                .total,
            1
        );
        // A dropped sync resumes after its first page, with its indexes.
        if ends == "when the sync is dropped" {
            release.notify_one();
            device.cloud.sync().await.expect("sync");
            assert_eq!(sorted_indexes(&device), (5, false));
        }
        assert_eq!(
            entries(&device, playlist),
            entries(&filler, playlist),
            "{ends}"
        );
        assert_eq!(ids(&device), songs, "{ends}");
    }
}
