//! The library's cloud bookkeeping, through `Library` on a real database: the upload queue and
//! its states, hashes and resumable uploads kept only for the file they describe, the sync
//! values, the stream cache index, pending playlist edits, tracks from the change feed
//! (cloud-only rows, or linked to a local file by hash) and logging out.
//!
//! No server here: `crates/sync/tests` drives the same records end to end through the network;
//! these tests pin the library's own rules, which the sync engine relies on.

use crate::support::TestLibrary;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tonearm_library::cloud::{
    CloudFile, CloudMetadata, RemoteApplied, RemoteTrack, UploadJob, UploadState,
};
use tonearm_library::playlists::position::PositionKey;
use tonearm_library::query::{TrackFilter, TrackSort};
use tonearm_library::{
    EntryId, LibraryError, PlaylistId, Track, TrackId, TrackRow, TrackState, now_ms,
};
use tonearm_testkit::wav::write_tone;

/// An untagged WAV of `seconds` at `hz` in the music folder (titled after its name).
fn tone(t: &TestLibrary, name: &str, hz: f64, seconds: f64) -> PathBuf {
    let path = t.music.join(name);
    write_tone(&path, hz, seconds, 0.4);
    path
}

fn id_at(t: &TestLibrary, path: &Path) -> TrackId {
    t.library
        .track_at(path)
        .expect("query")
        .expect("scanned")
        .id
}

fn claim(t: &TestLibrary, now: i64) -> Option<UploadJob> {
    t.library.claim_upload(now).expect("claim")
}

fn state(t: &TestLibrary, track: TrackId) -> UploadState {
    t.library.upload_state(track).expect("state")
}

fn remote(blake3: &str, title: &str, album: &str, revision: u64) -> RemoteTrack {
    RemoteTrack {
        id: TrackId::new(),
        blake3: blake3.to_owned(),
        size: 1_234,
        metadata: CloudMetadata {
            title: Some(title.to_owned()),
            artist: Some("Ann; Bob".to_owned()),
            album: Some(album.to_owned()),
            genre: Some("Synth".to_owned()),
            year: Some(2020),
            track_number: Some(1),
            duration_ms: Some(180_000),
            format: "flac".to_owned(),
            ..CloudMetadata::default()
        },
        revision,
    }
}

fn album_titles(t: &TestLibrary) -> Vec<String> {
    let albums = t.library.albums(false, 0, 100).expect("albums").items;
    albums.into_iter().map(|a| a.title).collect()
}

fn all_tracks(t: &TestLibrary) -> Vec<tonearm_library::Track> {
    let filter = TrackFilter::default();
    let page = t.library.tracks(&filter, TrackSort::Title, false, 0, 100);
    page.expect("tracks").items
}

#[test]
fn uploads_move_through_the_queue_and_a_pause_holds_against_the_worker() {
    let t = TestLibrary::new();
    tone(&t, "a.wav", 440.0, 0.2);
    tone(&t, "b.wav", 550.0, 0.2);
    t.add("garbage.mp3", "garbage.mp3");
    t.scan();

    assert_eq!(
        t.library.queue_uploads(None).expect("queue"),
        2,
        "unreadable files stay"
    );
    assert_eq!(
        t.library.queue_uploads(None).expect("queue"),
        0,
        "queued once"
    );
    let now = now_ms();
    let job = claim(&t, now).expect("a job");
    let (first, second) = {
        let other = all_tracks(&t)
            .into_iter()
            .find(|x| x.id != job.track_id && x.state == TrackState::Present)
            .expect("the other file");
        (job.track_id, other.id)
    };
    assert_eq!(
        job.path,
        PathBuf::from(t.library.track(first).expect("track").path)
    );
    assert_eq!(job.size, std::fs::metadata(&job.path).expect("file").len());
    assert_eq!(
        (job.blake3.as_deref(), job.attempts, job.automatic),
        (None, 0, false)
    );
    assert_eq!(job.metadata.format, "wav");
    assert_eq!(state(&t, first), UploadState::Hashing);
    let activity = t.library.upload_activity(10).expect("activity");
    assert_eq!(
        activity
            .iter()
            .map(|a| (a.track_id, a.state))
            .collect::<Vec<_>>(),
        vec![(first, UploadState::Hashing), (second, UploadState::Queued)],
        "what is under way comes first"
    );

    // The user pauses everything: what the worker reports next does not undo it.
    t.library
        .set_upload_state(first, UploadState::Uploading, 100, job.size)
        .expect("progress");
    assert_eq!(t.library.pause_uploads(None).expect("pause"), 2);
    t.library
        .set_upload_state(first, UploadState::Uploading, 200, job.size)
        .expect("progress");
    t.library.fail_upload(first, "cut off", 0).expect("fail");
    assert_eq!(state(&t, first), UploadState::Paused);
    assert!(claim(&t, now).is_none(), "nothing paused is claimed");
    assert_eq!(t.library.cloud_totals().expect("totals").paused, 2);

    // Resumed, it goes again; a failure waits for its time, or for the user.
    assert_eq!(t.library.resume_uploads(Some(first)).expect("resume"), 1);
    assert_eq!(state(&t, second), UploadState::Paused);
    assert_eq!(claim(&t, now).expect("resumed").track_id, first);
    t.library
        .fail_upload(first, "the server is down", now + 60_000)
        .expect("fail");
    assert!(claim(&t, now).is_none(), "not before its retry time");
    let activity = t.library.upload_activity(10).expect("activity");
    let failed = activity
        .iter()
        .find(|a| a.track_id == first)
        .expect("listed");
    assert_eq!(
        (failed.state, failed.error.as_deref(), failed.next_retry_at),
        (
            UploadState::Failed,
            Some("the server is down"),
            Some(now + 60_000)
        )
    );
    let retried = claim(&t, now + 60_000).expect("due");
    assert_eq!((retried.track_id, retried.attempts), (first, 1));
    t.library
        .fail_upload(first, "the server is down", now + 60_000)
        .expect("fail");
    assert_eq!(t.library.queue_uploads(Some(&[first])).expect("queue"), 1);
    assert_eq!(claim(&t, now).expect("asked again").track_id, first);

    // After a crash, what was under way is queued again.
    t.library
        .set_upload_state(first, UploadState::Verifying, job.size, job.size)
        .expect("progress");
    assert_eq!(t.library.recover_uploads().expect("recover"), 1);
    assert_eq!(state(&t, first), UploadState::Queued);
    let job = claim(&t, now).expect("recovered");
    let kept = t
        .library
        .finish_upload(first, first, &job.metadata)
        .expect("finish");
    assert_eq!(kept, first);
    assert_eq!(state(&t, first), UploadState::InCloud);
    assert_eq!(t.library.queue_uploads(Some(&[first])).expect("queue"), 0);
    let totals = t.library.cloud_totals().expect("totals");
    assert_eq!(
        (
            totals.in_cloud,
            totals.in_cloud_bytes,
            totals.paused,
            totals.pending
        ),
        (1, job.size, 1, 0)
    );
    assert!(
        t.library.metadata_to_send().expect("metadata").is_empty(),
        "sent with the upload"
    );
}

#[test]
fn a_hash_and_its_resumable_upload_are_kept_until_the_file_changes() {
    let t = TestLibrary::new();
    let path = tone(&t, "a.wav", 440.0, 0.2);
    t.scan();
    let track = id_at(&t, &path);
    t.library.queue_uploads(None).expect("queue");
    let job = claim(&t, now_ms()).expect("a job");
    assert_eq!((job.blake3, job.upload_url), (None, None));
    t.library
        .record_hash(track, "first-hash", job.size, job.mtime_ms)
        .expect("hash");
    t.library
        .set_upload_url(track, Some("http://cloud/uploads/1"))
        .expect("url");

    // The app stops and starts again: the hash and the upload carry on.
    t.library.recover_uploads().expect("recover");
    let job = claim(&t, now_ms()).expect("again");
    assert_eq!(job.blake3.as_deref(), Some("first-hash"));
    assert_eq!(job.upload_url.as_deref(), Some("http://cloud/uploads/1"));

    // The file changes meanwhile: neither describes it any more.
    tone(&t, "a.wav", 660.0, 0.3);
    t.scan();
    assert_eq!(id_at(&t, &path), track, "a changed file keeps its row");
    t.library.recover_uploads().expect("recover");
    let job = claim(&t, now_ms()).expect("changed");
    assert_eq!(job.size, std::fs::metadata(&path).expect("file").len());
    assert_eq!((job.blake3, job.upload_url), (None, None));
}

#[test]
fn automatic_uploads_take_only_what_the_cloud_was_never_asked_for() {
    let t = TestLibrary::new();
    let paths = [440.0, 550.0, 660.0].map(|hz| tone(&t, &format!("{hz}.wav"), hz, 0.2));
    t.scan();
    let [mine, started, waiting] = paths.map(|p| id_at(&t, &p));

    assert_eq!(t.library.queue_uploads(Some(&[mine])).expect("queue"), 1);
    assert_eq!(t.library.queue_new_uploads().expect("automatic"), 2);
    assert_eq!(t.library.queue_new_uploads().expect("automatic"), 0);
    let jobs: Vec<UploadJob> = std::iter::from_fn(|| claim(&t, now_ms())).collect();
    let mut automatic: Vec<(TrackId, bool)> = jobs
        .iter()
        .map(|job| (job.track_id, job.automatic))
        .collect();
    automatic.sort();
    let mut expected = vec![(mine, false), (started, true), (waiting, true)];
    expected.sort();
    assert_eq!(automatic, expected);
    t.library.recover_uploads().expect("back to the queue");
    let job = jobs
        .iter()
        .find(|job| job.track_id == started)
        .expect("job");
    t.library
        .record_hash(started, "started-hash", job.size, job.mtime_ms)
        .expect("hash");
    t.library
        .set_upload_url(started, Some("http://cloud/uploads/2"))
        .expect("url");

    // Switched off: only what it queued and never started goes back.
    assert_eq!(t.library.unqueue_automatic_uploads().expect("off"), 1);
    assert_eq!(state(&t, waiting), UploadState::LocalOnly);
    assert_eq!(state(&t, started), UploadState::Queued);
    assert_eq!(state(&t, mine), UploadState::Queued);

    // The cloud declines a song: automatic uploads leave it, the user can still ask.
    t.library.decline_upload(started).expect("decline");
    assert_eq!(state(&t, started), UploadState::LocalOnly);
    assert_eq!(
        t.library.queue_new_uploads().expect("automatic"),
        1,
        "only the one never asked for"
    );
    assert_eq!(state(&t, started), UploadState::LocalOnly);
    assert_eq!(t.library.queue_uploads(Some(&[started])).expect("queue"), 1);
    let job = std::iter::from_fn(|| claim(&t, now_ms()))
        .find(|job| job.track_id == started)
        .expect("asked for");
    assert!(!job.automatic, "the user's request");
    assert_eq!(
        job.blake3.as_deref(),
        Some("started-hash"),
        "the file did not change"
    );
    assert_eq!(job.upload_url, None, "a declined upload is not resumed");
}

#[test]
fn the_feed_cursor_is_kept_across_restarts() {
    let t = TestLibrary::new();
    assert_eq!(t.library.sync_value("feed_cursor").expect("read"), None);
    t.library
        .set_sync_value("feed_cursor", Some("41"))
        .expect("write");
    t.library
        .set_sync_value("feed_cursor", Some("42"))
        .expect("replace");
    t.library
        .set_sync_value("account", Some("ann"))
        .expect("write");
    t.library.set_sync_value("account", None).expect("forget");

    let reopened =
        tonearm_library::Library::open(&t.dir.path().join("data"), &t.dir.path().join("cache"))
            .expect("reopens");
    assert_eq!(
        reopened.sync_value("feed_cursor").expect("read").as_deref(),
        Some("42")
    );
    assert_eq!(reopened.sync_value("account").expect("read"), None);
}

#[test]
fn the_cache_index_lists_the_least_recently_used_first_and_keeps_pins() {
    let t = TestLibrary::new();
    let later = || std::thread::sleep(Duration::from_millis(5));
    t.library.touch_cache("aa", 1_000, 100).expect("touch");
    later();
    t.library.touch_cache("bb", 2_000, 2_000).expect("touch");
    later();
    t.library.touch_cache("aa", 1_000, 500).expect("touch");
    let entries = t.library.cache_entries().expect("entries");
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.blake3.as_str(), e.cached))
            .collect::<Vec<_>>(),
        vec![("bb", 2_000), ("aa", 500)]
    );

    // Pinning keeps what is cached; using it keeps the pin.
    t.library.set_pinned("bb", 2_000, true).expect("pin");
    let bb = t.library.cache_entry("bb").expect("read").expect("entry");
    assert_eq!((bb.cached, bb.pinned), (2_000, true));
    later();
    t.library.touch_cache("bb", 2_000, 2_000).expect("touch");
    let bb = t.library.cache_entry("bb").expect("read").expect("entry");
    assert!(bb.pinned);
    assert_eq!(
        t.library.cache_entries().expect("entries")[1].blake3,
        "bb",
        "used last"
    );
    // A file pinned before any of it streamed is in the index, with nothing cached yet.
    t.library.set_pinned("cc", 3_000, true).expect("pin");
    let cc = t.library.cache_entry("cc").expect("read").expect("entry");
    assert_eq!((cc.size, cc.cached, cc.pinned), (3_000, 0, true));
    t.library.set_pinned("cc", 3_000, false).expect("unpin");
    assert!(
        !t.library
            .cache_entry("cc")
            .expect("read")
            .expect("entry")
            .pinned
    );

    t.library.remove_cache_entry("aa").expect("evict");
    assert_eq!(t.library.cache_entry("aa").expect("read"), None);

    // A track is kept offline when its bytes are all cached and pinned.
    let track = remote("dd", "Offline", "Roads", 1);
    t.library.apply_remote_track(&track).expect("apply");
    let kept = || t.library.track(track.id).expect("track").kept_offline;
    t.library.set_pinned("dd", track.size, true).expect("pin");
    assert!(!kept(), "nothing cached yet");
    t.library
        .touch_cache("dd", track.size, track.size)
        .expect("cached");
    assert!(kept());
    t.library
        .set_pinned("dd", track.size, false)
        .expect("unpin");
    assert!(!kept());
}

#[test]
fn playlist_edits_wait_in_order_and_those_from_the_cloud_are_not_recorded() {
    let t = TestLibrary::new();
    let (a, b) = (tone(&t, "a.wav", 440.0, 0.2), tone(&t, "b.wav", 550.0, 0.2));
    t.scan();
    let (a, b) = (id_at(&t, &a), id_at(&t, &b));
    let playlist = t.library.create_playlist("Road").expect("create");
    let entries = t
        .library
        .add_to_playlist(playlist, &[a, b], None)
        .expect("add");
    t.library
        .move_in_playlist(playlist, entries[1], 0)
        .expect("move");
    t.library
        .rename_playlist(playlist, "Road trip")
        .expect("rename");
    t.library
        .remove_from_playlist(playlist, entries[0])
        .expect("remove");

    let pending = t.library.pending_playlist_ops(0, 100).expect("pending");
    let kinds: Vec<&str> = pending.iter().map(|op| op.kind.as_str()).collect();
    assert_eq!(kinds, ["create", "add", "add", "move", "rename", "remove"]);
    assert!(pending.windows(2).all(|w| w[0].seq < w[1].seq));
    let added: Vec<Option<String>> = pending[1..3].iter().map(|op| op.track_id.clone()).collect();
    assert_eq!(added, [Some(a.to_string()), Some(b.to_string())]);
    assert_eq!(pending[4].name.as_deref(), Some("Road trip"));
    let next = t
        .library
        .pending_playlist_ops(pending[2].seq, 2)
        .expect("the next ones");
    assert_eq!(next, pending[3..5]);

    // Edits from the cloud are its own already.
    let theirs = PlaylistId::new();
    t.library
        .apply_remote_playlist(theirs, "From the cloud")
        .expect("remote playlist");
    t.library
        .apply_remote_entry(theirs, EntryId::new(), a, &PositionKey::first())
        .expect("remote entry");
    assert_eq!(
        t.library.pending_playlist_ops(0, 100).expect("pending"),
        pending
    );

    // The cloud answered the first three.
    let answered: Vec<i64> = pending[..3].iter().map(|op| op.seq).collect();
    t.library.drop_playlist_ops(&answered).expect("drop");
    assert_eq!(
        t.library.pending_playlist_ops(0, 100).expect("pending"),
        pending[3..]
    );
    let states: Vec<(PlaylistId, String, u64)> = t
        .library
        .playlist_sync_states()
        .expect("states")
        .into_iter()
        .map(|s| (s.playlist_id, s.name, s.pending_edits))
        .collect();
    assert_eq!(
        states,
        [
            (theirs, "From the cloud".to_owned(), 0),
            (playlist, "Road trip".to_owned(), 3)
        ]
    );
}

#[test]
fn a_track_from_the_feed_becomes_a_cloud_only_row_every_list_sees() {
    let t = TestLibrary::new();
    let track = remote("c0ffee", "Night Drive", "Roads", 5);
    assert_eq!(
        t.library.apply_remote_track(&track).expect("apply"),
        RemoteApplied::CloudOnly
    );
    let row = t.library.track(track.id).expect("a row");
    assert_eq!((row.state, row.path.as_str()), (TrackState::Cloud, ""));
    assert_eq!(row.upload_state, UploadState::InCloud);
    assert_eq!((row.title.as_str(), row.size), ("Night Drive", 1_234));
    assert_eq!(row.artists, ["Ann", "Bob"]);
    assert_eq!(t.library.search("night", 0, 10).expect("search").total, 1);
    assert_eq!(album_titles(&t), ["Roads"]);
    assert_eq!(t.library.stats().expect("stats").cloud, 1);
    let totals = t.library.cloud_totals().expect("totals");
    assert_eq!((totals.cloud_only, totals.in_cloud), (1, 0));
    assert_eq!(
        t.library.cloud_file(track.id).expect("file"),
        Some(CloudFile {
            track_id: track.id,
            blake3: "c0ffee".to_owned(),
            size: 1_234,
            format: "flac".to_owned(),
        })
    );
    assert_eq!(
        t.library.queue_new_uploads().expect("automatic"),
        0,
        "nothing to upload"
    );

    // An old state changes nothing; a newer one rewrites the row and its album.
    let mut stale = track.clone();
    stale.metadata.title = Some("Stale".to_owned());
    assert_eq!(
        t.library.apply_remote_track(&stale).expect("apply"),
        RemoteApplied::Unchanged
    );
    let mut newer = track.clone();
    newer.revision = 6;
    newer.metadata.title = Some("Night Drive (Edit)".to_owned());
    newer.metadata.album = Some("Roads II".to_owned());
    assert_eq!(
        t.library.apply_remote_track(&newer).expect("apply"),
        RemoteApplied::CloudOnly
    );
    assert_eq!(
        t.library.track(track.id).expect("row").title,
        "Night Drive (Edit)"
    );
    assert_eq!(album_titles(&t), ["Roads II"]);
    assert_eq!(all_tracks(&t).len(), 1);

    // Deleted in the cloud: the row goes, and its album with it.
    t.library.apply_remote_deletion(track.id).expect("delete");
    assert!(matches!(
        t.library.track(track.id),
        Err(LibraryError::UnknownTrack(id)) if id == track.id
    ));
    assert!(album_titles(&t).is_empty());
    assert_eq!(t.library.search("night", 0, 10).expect("search").total, 0);
}

#[test]
fn a_track_from_the_feed_with_a_local_files_hash_links_to_it_and_lends_it_its_id() {
    let t = TestLibrary::new();
    let path = tone(&t, "a.wav", 440.0, 0.2);
    t.scan();
    let local = id_at(&t, &path);
    let playlist = t.library.create_playlist("Mix").expect("playlist");
    t.library
        .add_to_playlist(playlist, &[local], None)
        .expect("add");
    t.library.queue_uploads(None).expect("queue");
    let job = claim(&t, now_ms()).expect("a job");
    t.library
        .record_hash(local, "abc", job.size, job.mtime_ms)
        .expect("hash");

    let mut theirs = remote("abc", "a", "Roads", 3);
    theirs.size = job.size;
    assert_eq!(
        t.library.apply_remote_track(&theirs).expect("apply"),
        RemoteApplied::Linked
    );
    let tracks = all_tracks(&t);
    assert_eq!(tracks.len(), 1, "no cloud-only copy");
    assert_eq!(
        (tracks[0].id, tracks[0].state),
        (theirs.id, TrackState::Present)
    );
    assert_eq!(tracks[0].path, path.to_string_lossy());
    assert_eq!(state(&t, theirs.id), UploadState::InCloud);
    assert!(t.library.track(local).is_err(), "the old id is gone");
    let entries = t.library.playlist(playlist).expect("playlist").entries;
    assert_eq!(entries[0].track_id, theirs.id, "playlists follow");
    let pending = t.library.pending_playlist_ops(0, 100).expect("pending");
    assert_eq!(
        pending[1].track_id,
        Some(theirs.id.to_string()),
        "and so do their edits"
    );
    assert_eq!(
        t.library
            .cloud_file(theirs.id)
            .expect("file")
            .map(|f| f.blake3),
        Some("abc".to_owned())
    );
    assert_eq!(
        t.library.apply_remote_track(&theirs).expect("again"),
        RemoteApplied::Unchanged
    );

    // Deleted in the cloud: the file stays, only here again.
    t.library.apply_remote_deletion(theirs.id).expect("delete");
    let row = t.library.track(theirs.id).expect("still here");
    assert_eq!(
        (row.state, row.upload_state),
        (TrackState::Present, UploadState::LocalOnly)
    );
    assert_eq!(t.library.cloud_file(theirs.id).expect("file"), None);
}

#[test]
fn an_upload_the_cloud_already_had_merges_with_its_cloud_only_row() {
    let t = TestLibrary::new();
    let (a, b) = (tone(&t, "a.wav", 440.0, 0.2), tone(&t, "b.wav", 440.0, 0.2));
    t.scan();
    let (a, b) = (id_at(&t, &a), id_at(&t, &b));
    // The feed brought the song before this device's upload of it finished.
    let theirs = remote("abc", "a", "Roads", 3);
    t.library.apply_remote_track(&theirs).expect("apply");
    assert_eq!(all_tracks(&t).len(), 3);
    t.library.queue_uploads(None).expect("queue");
    let job = std::iter::from_fn(|| claim(&t, now_ms()))
        .find(|job| job.track_id == a)
        .expect("a's job");

    let now = t
        .library
        .finish_upload(a, theirs.id, &job.metadata)
        .expect("finish");
    assert_eq!(now, theirs.id);
    let tracks = all_tracks(&t);
    assert_eq!(tracks.len(), 2, "one row per song");
    assert!(tracks.iter().all(|x| x.state == TrackState::Present));
    assert!(tracks.iter().any(|x| x.id == theirs.id));
    assert_eq!(t.library.stats().expect("stats").cloud, 0);
    assert!(
        album_titles(&t).is_empty(),
        "the cloud-only row's album went with it"
    );

    // b holds the same bytes: the cloud names the same track, but ids stay apart here.
    assert!(
        t.library
            .finish_upload(b, theirs.id, &job.metadata)
            .is_err()
    );
    assert_eq!(t.library.track(b).expect("b keeps its id").id, b);
}

#[test]
fn logging_out_forgets_the_cloud_but_not_the_music_or_the_playlists() {
    let t = TestLibrary::new();
    let path = tone(&t, "a.wav", 440.0, 0.2);
    t.scan();
    let local = id_at(&t, &path);
    t.library.queue_uploads(None).expect("queue");
    let job = claim(&t, now_ms()).expect("a job");
    t.library
        .finish_upload(local, local, &job.metadata)
        .expect("finish");
    let theirs = remote("c0ffee", "Night Drive", "Roads", 5);
    t.library.apply_remote_track(&theirs).expect("apply");
    let playlist = t.library.create_playlist("Mix").expect("playlist");
    t.library
        .add_to_playlist(playlist, &[local, theirs.id], None)
        .expect("add");
    t.library
        .set_sync_value("feed_cursor", Some("42"))
        .expect("cursor");

    t.library.forget_cloud().expect("log out");
    let tracks = all_tracks(&t);
    assert_eq!(tracks.iter().map(|x| x.id).collect::<Vec<_>>(), [local]);
    assert_eq!(tracks[0].upload_state, UploadState::LocalOnly);
    assert!(album_titles(&t).is_empty());
    let totals = t.library.cloud_totals().expect("totals");
    assert_eq!(
        (totals.local_only, totals.in_cloud, totals.cloud_only),
        (1, 0, 0)
    );
    assert_eq!(t.library.sync_value("feed_cursor").expect("read"), None);
    assert!(
        t.library
            .pending_playlist_ops(0, 100)
            .expect("pending")
            .is_empty()
    );
    let states = t.library.playlist_sync_states().expect("states");
    assert_eq!(
        states.iter().map(|s| s.pending_edits).collect::<Vec<_>>(),
        [0]
    );
    assert_eq!(t.library.playlist(playlist).expect("kept").entries.len(), 2);
    // As far as this device knows, the cloud was never asked for the song.
    assert_eq!(t.library.queue_new_uploads().expect("automatic"), 1);
}

/// The row a list shows, taken from the whole record: what `TrackRow` must always agree with.
fn row_of(track: &Track) -> TrackRow {
    TrackRow {
        id: track.id,
        path: track.path.clone(),
        title: track.title.clone(),
        artist: track.artist.clone(),
        album: track.album.clone(),
        duration_ms: track.duration_ms,
        year: track.year,
        genre: track.genre.clone(),
        artwork_id: track.artwork_id.clone(),
        play_count: track.play_count,
        rating: track.rating,
        loved: track.loved,
        added_at: track.added_at,
        state: track.state,
        state_reason: track.state_reason.clone(),
        upload_state: track.upload_state,
        upload_error: track.upload_error.clone(),
        kept_offline: track.kept_offline,
    }
}

#[test]
fn list_rows_say_what_the_whole_records_say_in_every_state() {
    let t = TestLibrary::new();
    t.add_all();
    let failing = tone(&t, "failing.wav", 440.0, 0.2);
    t.scan();
    // Every state a row shows: played, rated, loved; an upload that failed with its reason;
    // a cloud-only song kept offline; the fixtures' unreadable files.
    let failing = id_at(&t, &failing);
    t.library.queue_uploads(Some(&[failing])).expect("queue");
    let job = claim(&t, now_ms()).expect("a job");
    t.library
        .fail_upload(job.track_id, "the server is down", now_ms() + 60_000)
        .expect("fail");
    let whole = all_tracks(&t);
    let present = whole
        .iter()
        .find(|x| x.state == TrackState::Present && x.id != failing)
        .expect("a present song")
        .id;
    t.library.record_play(present, now_ms()).expect("play");
    t.library.set_rating(present, Some(80)).expect("rate");
    t.library.set_loved(present, true).expect("love");
    let kept = remote("dd", "Offline", "Roads", 1);
    t.library.apply_remote_track(&kept).expect("apply");
    t.library.set_pinned("dd", kept.size, true).expect("pin");
    t.library
        .touch_cache("dd", kept.size, kept.size)
        .expect("cached");

    let filter = TrackFilter::default();
    let whole = t
        .library
        .tracks(&filter, TrackSort::Added, true, 0, 100)
        .expect("tracks");
    let rows = t
        .library
        .tracks_as::<TrackRow>(&filter, TrackSort::Added, true, 0, 100)
        .expect("rows");
    assert_eq!(
        rows.items,
        whole.items.iter().map(row_of).collect::<Vec<_>>()
    );
    assert_eq!((rows.total, rows.offset), (whole.total, whole.offset));
    let shown = |state: fn(&TrackRow) -> bool| rows.items.iter().filter(|r| state(r)).count();
    assert_eq!(
        shown(|r| r.upload_error.as_deref() == Some("the server is down")),
        1
    );
    assert_eq!(shown(|r| r.kept_offline && r.state == TrackState::Cloud), 1);
    assert_eq!(
        shown(|r| r.loved && r.rating == Some(80) && r.play_count == 1),
        1
    );
    // The fixtures hold unreadable files, each with the reason.
    assert!(shown(|r| r.state == TrackState::Unreadable && r.state_reason.is_some()) > 0);

    // Search pages and ranks both shapes alike.
    for query in ["a", "offline", "beyon", "garbage"] {
        let whole = t.library.search(query, 0, 50).expect("search");
        let rows = t
            .library
            .search_as::<TrackRow>(query, 0, 50)
            .expect("search rows");
        assert_eq!(
            rows.items,
            whole.items.iter().map(row_of).collect::<Vec<_>>(),
            "{query}"
        );
        assert_eq!(rows.total, whole.total, "{query}");
    }
    let grouped = t.library.search_grouped("offline", 10, 5).expect("grouped");
    assert_eq!(grouped.songs.items.len(), 1);
    assert!(grouped.songs.items[0].kept_offline);

    // A playlist's entries come as the same rows, read at once; an entry whose song left the
    // library keeps its place without one.
    let listed = [present, kept.id, failing];
    let playlist = t.library.create_playlist("Mixed").expect("playlist");
    t.library
        .add_to_playlist(playlist, &listed, None)
        .expect("add");
    let row = |id: TrackId| rows.items.iter().find(|r| r.id == id).cloned();
    let entries = t.library.playlist(playlist).expect("open").entries;
    assert_eq!(
        entries.iter().map(|e| e.track.clone()).collect::<Vec<_>>(),
        listed.iter().map(|&id| row(id)).collect::<Vec<_>>()
    );
    assert!(entries.iter().all(|e| e.track.is_some()));
    t.library.apply_remote_deletion(kept.id).expect("delete");
    let entries = t.library.playlist(playlist).expect("open").entries;
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.track_id, e.track.as_ref().map(|r| r.id)))
            .collect::<Vec<_>>(),
        vec![
            (present, Some(present)),
            (kept.id, None),
            (failing, Some(failing))
        ]
    );
}
