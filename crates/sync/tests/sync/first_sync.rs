//! A new device's first sync of a feed longer than a page is written a transaction at a time,
//! each with the feed's cursor after it: a sync cut off half-way keeps what it wrote and
//! resumes after it, and ends where a sync that was never cut ends.

use crate::support::{Device, Locker, PASSWORD, entries, write_tones};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tonearm_library::PlaylistId;
use tonearm_protocol::{OpId, PlaylistAction, PlaylistOp, PlaylistOpsRequest};
use tonearm_sync::Until;

/// The request line of a change feed page.
const FEED_REQUEST: &[u8] = b"GET /api/v1/changes";

/// A proxy in front of `upstream` that cuts the connection carrying the `nth` request for a
/// page of the change feed (counting from 1), as a network that drops, and lets everything
/// else through; returns its address.
async fn cutting_proxy(upstream: SocketAddr, nth: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let seen = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let seen = seen.clone();
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
                            // Cut: both connections close with the request unanswered.
                            return;
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
    let playlist = PlaylistId::new();
    let client = first.cloud.client().expect("logged in");
    let mut ops = vec![PlaylistOp {
        op_id: OpId::new_random(),
        action: PlaylistAction::CreatePlaylist {
            playlist_id: tonearm_protocol::PlaylistId(playlist.0),
            name: "Over and over".to_owned(),
        },
    }];
    let positions = tonearm_protocol::position::spread(6_000);
    for position in positions {
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
    for batch in ops.chunks(1_000) {
        client
            .playlist_ops(&PlaylistOpsRequest {
                ops: batch.to_vec(),
            })
            .await
            .expect("playlist ops");
    }

    // A device that syncs once, uncut: what every device ends with.
    let whole = Device::new();
    whole.login(&server, "ann").await;
    let total = whole.cloud.sync().await.expect("sync").changes_applied;
    assert!(total > 6_000, "{total} changes");
    assert_eq!(entries(&whole, playlist).len(), 6_000);

    // A new device whose network drops while it asks for the second page.
    let proxy = cutting_proxy(server.config.listen, 2).await;
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
