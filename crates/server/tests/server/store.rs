//! The metadata store's contract, written once and run against both stores: SQLite in a
//! temporary file, and PostgreSQL in a fresh database of the server `cargo xtask test` starts
//! (`TONEARM_TEST_POSTGRES`; without it the PostgreSQL half fails, saying so). Every behaviour
//! the server relies on is here, so a store that passes is interchangeable with the other;
//! `same_answers` also builds one library in both and compares every list and search.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tonearm_protocol::{
    AudioFormat, BlobHash, ByteRange, ChallengeId, ChangeEvent, CloudTrack, EntryId, MetadataPatch,
    OpId, OpStatus, PlaylistAction, PlaylistId, PlaylistOp, PositionKey, TrackId, TrackMetadata,
};
use tonearm_server::catalog::{
    AlbumId, AlbumOrder, Artwork, Item, Page, Play, PlayQueue, Search, Song,
};
use tonearm_server::error::Error;
use tonearm_server::store::{
    ApiKeyRecord, ChallengeRecord, LockMode, MetadataStore, PostgresStore, SqliteStore,
    ThrottleEntry, ThrottleRules, UploadId, UploadPart, UploadRecord, UserId,
};
use uuid::Uuid;

type Store = Arc<dyn MetadataStore>;

/// Where a test's store lives, so it can be opened again or changed behind its back.
#[derive(Clone)]
enum Place {
    Sqlite(Arc<tempfile::TempDir>),
    Postgres(String),
}

/// A test's store and where it lives.
#[derive(Clone)]
struct Fixture {
    store: Store,
    place: Place,
}

impl Fixture {
    async fn new(postgres: bool) -> Self {
        let place = if postgres {
            let url = tokio::task::spawn_blocking(tonearm_testkit::services::fresh_database)
                .await
                .unwrap();
            Place::Postgres(url)
        } else {
            Place::Sqlite(Arc::new(tempfile::tempdir().unwrap()))
        };
        let store = open(&place).await.unwrap();
        Self { store, place }
    }

    /// Runs `sql` on the database directly.
    async fn execute(&self, sql: &str) {
        match &self.place {
            Place::Sqlite(dir) => rusqlite::Connection::open(sqlite_path(dir))
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Place::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client.batch_execute(sql).await.unwrap();
            }
        }
    }

    /// Drops a PostgreSQL test's database.
    async fn remove(self) {
        let Place::Postgres(url) = self.place else {
            return;
        };
        drop(self.store);
        let (base, name) = url.rsplit_once('/').unwrap();
        let (client, connection) =
            tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
                .await
                .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
}

fn sqlite_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("meta.db")
}

async fn open(place: &Place) -> Result<Store, Error> {
    Ok(match place {
        Place::Sqlite(dir) => Arc::new(SqliteStore::open(&sqlite_path(dir))?),
        Place::Postgres(url) => Arc::new(PostgresStore::connect_with(url, 8).await?),
    })
}

/// Runs a contract test on a fresh store of one kind, then drops its database (when it
/// passed: a failed test's database stays for a look).
async fn run<F, Fut>(postgres: bool, test: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: Future<Output = ()>,
{
    let fixture = Fixture::new(postgres).await;
    test(fixture.clone()).await;
    fixture.remove().await;
}

/// Each test twice: `store::sqlite::NAME` and `store::postgres::NAME`.
macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    super::run(false, super::$test).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    super::run(true, super::$test).await;
                }
            )*
        }
    };
}

contract!(
    users_sessions_and_api_keys,
    blobs_ownership_usage_and_garbage,
    uploads_limits_parts_and_expiry,
    challenges_are_taken_once,
    tracks_and_their_feed,
    playlist_ops_and_the_feed,
    catalog_lists,
    catalog_search,
    a_search_matching_more_than_are_ranked,
    ranking_follows_how_rare_each_word_is,
    marks_plays_queue_and_artwork,
    users_see_only_their_own,
    concurrent_writes_of_one_user,
    server_wide_state,
    a_newer_schema_is_refused,
);

// --- helpers ---

fn hash(n: u32) -> BlobHash {
    BlobHash::of(&n.to_le_bytes())
}

fn id(n: u128) -> TrackId {
    TrackId(Uuid::from_u128(n))
}

fn song(title: &str, artist: &str, album: &str) -> TrackMetadata {
    TrackMetadata {
        title: Some(title.into()),
        artist: Some(artist.into()),
        album: Some(album.into()),
        format: AudioFormat::Flac,
        ..TrackMetadata::default()
    }
}

async fn user(store: &Store, name: &str) -> UserId {
    store.create_user(name, "phc", "sealed", 1).await.unwrap()
}

/// A track `n` of the user over its own blob `n`.
async fn add(store: &Store, user: UserId, n: u32, metadata: TrackMetadata) -> CloudTrack {
    store
        .add_blob(user, &hash(n), 100 + u64::from(n), 1)
        .await
        .unwrap();
    store
        .create_track(user, id(u128::from(n)), &hash(n), &metadata)
        .await
        .unwrap()
}

fn titles(songs: &[Song]) -> Vec<&str> {
    songs.iter().map(|s| s.title.as_str()).collect()
}

fn search(query: &str) -> Search {
    Search {
        query: query.into(),
        artists: Page::new(0, 50),
        albums: Page::new(0, 50),
        songs: Page::new(0, 50),
    }
}

fn upload(user: UserId, length: u64) -> UploadRecord {
    UploadRecord {
        id: UploadId(Uuid::new_v4()),
        user,
        length,
        offset: 0,
        declared_hash: None,
        metadata: Some("filename dGVzdA==".into()),
        completed_hash: None,
        updated_at: 10,
    }
}

fn op(action: PlaylistAction) -> PlaylistOp {
    PlaylistOp {
        op_id: OpId(Uuid::new_v4()),
        action,
    }
}

fn key(text: &str) -> PositionKey {
    PositionKey::parse(text).unwrap()
}

/// The sequence numbers of the whole feed.
async fn feed(store: &Store, user: UserId) -> Vec<(u64, ChangeEvent)> {
    let changes = store.changes(user, 0, 10_000).await.unwrap();
    assert!(!changes.more);
    changes
        .changes
        .into_iter()
        .map(|c| (c.seq, c.event))
        .collect()
}

// --- the contract ---

async fn users_sessions_and_api_keys(f: Fixture) {
    let store = &f.store;
    let bob = user(store, "bob").await;
    let ann = user(store, "ann").await;
    assert!(matches!(
        store.create_user("ann", "x", "y", 2).await,
        Err(Error::UserExists(name)) if name == "ann"
    ));
    let names: Vec<_> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["ann", "bob"]);
    assert_eq!(store.username(ann).await.unwrap().as_deref(), Some("ann"));
    assert_eq!(store.username(UserId(Uuid::nil())).await.unwrap(), None);
    let found = store.user_by_name("ann").await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.password_hash.as_str(), found.created_at),
        (ann, "phc", 1)
    );
    assert_eq!(found.sealed_password.as_deref(), Some("sealed"));
    assert!(store.user_by_name("nobody").await.unwrap().is_none());

    // Sessions, oldest first; a password change revokes them all.
    let first = store.create_session(ann, "phone", "t1", 10).await.unwrap();
    let second = store.create_session(ann, "laptop", "t2", 20).await.unwrap();
    assert!(first.current);
    assert_eq!(
        store.session_by_token("t1").await.unwrap(),
        Some((first.id, ann))
    );
    assert_eq!(store.session_by_token("nope").await.unwrap(), None);
    let listed = store.list_sessions(ann).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| (s.id, s.current)).collect::<Vec<_>>(),
        [(first.id, false), (second.id, false)]
    );
    assert!(!store.delete_session(bob, first.id).await.unwrap());
    assert!(store.delete_session(ann, first.id).await.unwrap());
    assert!(!store.delete_session(ann, first.id).await.unwrap());
    assert!(store.set_password("ann", "phc2", "sealed2").await.unwrap());
    assert!(!store.set_password("nobody", "a", "b").await.unwrap());
    assert!(store.list_sessions(ann).await.unwrap().is_empty());
    assert_eq!(store.session_by_token("t2").await.unwrap(), None);
    store.set_sealed_password(ann, "sealed3").await.unwrap();
    let found = store.user_by_name("ann").await.unwrap().unwrap();
    assert_eq!(
        (
            found.password_hash.as_str(),
            found.sealed_password.as_deref()
        ),
        ("phc2", Some("sealed3"))
    );

    // API keys, oldest first, found by their hash, revoked by their owner only.
    for (key_id, created_at) in [("k2", 5), ("k1", 5), ("k3", 1)] {
        let record = ApiKeyRecord {
            id: key_id.into(),
            name: format!("{key_id} name"),
            created_at,
        };
        store
            .create_api_key(ann, &record, &format!("hash-{key_id}"))
            .await
            .unwrap();
    }
    let keys: Vec<_> = store
        .api_keys(ann)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(keys, ["k3", "k1", "k2"]);
    assert_eq!(
        store
            .user_by_api_key("hash-k1")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(ann)
    );
    assert!(store.api_keys(bob).await.unwrap().is_empty());
    assert!(!store.delete_api_key(bob, "k1").await.unwrap());
    assert!(store.delete_api_key(ann, "k1").await.unwrap());
    assert!(store.user_by_api_key("hash-k1").await.unwrap().is_none());

    // Removing a user removes what they own, and no one else's.
    store.create_session(bob, "tv", "t3", 30).await.unwrap();
    add(store, ann, 1, song("Song", "Artist", "Album")).await;
    assert!(store.remove_user("ann").await.unwrap());
    assert!(!store.remove_user("ann").await.unwrap());
    assert!(store.user_by_name("ann").await.unwrap().is_none());
    assert!(store.user_by_api_key("hash-k2").await.unwrap().is_none());
    assert_eq!(store.session_by_token("t3").await.unwrap().unwrap().1, bob);
    assert!(
        store
            .search(ann, &search("song"))
            .await
            .unwrap()
            .songs
            .is_empty()
    );
    // The name is free again.
    let again = user(store, "ann").await;
    assert_ne!(again, ann);
}

async fn blobs_ownership_usage_and_garbage(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    let bob = user(store, "bob").await;
    assert_eq!(store.blob_size(&hash(1)).await.unwrap(), None);
    store.add_blob(ann, &hash(1), 1000, 10).await.unwrap();
    store.add_blob(bob, &hash(1), 1000, 20).await.unwrap();
    store.add_blob(ann, &hash(2), 500, 10).await.unwrap();
    store.add_blob(ann, &hash(3), 7, 10).await.unwrap();
    assert_eq!(store.blob_size(&hash(1)).await.unwrap(), Some(1000));
    assert!(store.owns_blob(ann, &hash(2)).await.unwrap());
    assert!(!store.owns_blob(bob, &hash(2)).await.unwrap());
    assert_eq!(store.usage(ann).await.unwrap(), 1507);
    // Unfinished uploads reserve their length; finished ones do not.
    store
        .create_upload(&upload(ann, 40), 10, 1_000)
        .await
        .unwrap();
    let done = upload(ann, 9);
    store.create_upload(&done, 10, 1_000).await.unwrap();
    store
        .update_upload(done.id, 9, Some(&hash(3)), 11)
        .await
        .unwrap();
    assert_eq!(store.usage(ann).await.unwrap(), 1547);
    assert_eq!(store.usage(bob).await.unwrap(), 1000);

    // A track keeps its blob's link; removing it lets the link go after the cutoff.
    store
        .create_track(ann, id(1), &hash(1), &song("a", "b", "c"))
        .await
        .unwrap();
    assert!(!store.removed_by_user(ann, &hash(1)).await.unwrap());
    store.delete_track(ann, id(1)).await.unwrap();
    assert!(store.removed_by_user(ann, &hash(1)).await.unwrap());
    assert!(!store.removed_by_user(bob, &hash(1)).await.unwrap());
    store
        .create_track(ann, id(2), &hash(2), &song("a", "b", "c"))
        .await
        .unwrap();
    // Links made after the cutoff stay.
    assert!(store.collect_garbage(5).await.unwrap().is_empty());
    // A blob an unfinished upload declares stays though nobody owns it.
    let mut declaring = upload(bob, 10);
    declaring.declared_hash = Some(hash(3));
    store.create_upload(&declaring, 10, 1_000).await.unwrap();
    let collected = store.collect_garbage(10).await.unwrap();
    // ann's links to 1 (removed track) and 3 (no track) went; 1 is still bob's, 2 has a live
    // track, 3 is declared.
    assert!(collected.is_empty(), "{collected:?}");
    assert!(!store.owns_blob(ann, &hash(1)).await.unwrap());
    assert!(store.owns_blob(bob, &hash(1)).await.unwrap());
    assert!(store.owns_blob(ann, &hash(2)).await.unwrap());
    assert!(!store.owns_blob(ann, &hash(3)).await.unwrap());
    assert!(store.delete_upload(bob, declaring.id).await.unwrap());
    store.delete_track(ann, id(2)).await.unwrap();
    let collected: BTreeSet<_> = store
        .collect_garbage(10)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(collected, BTreeSet::from([hash(2), hash(3)]));
    assert_eq!(store.blob_size(&hash(2)).await.unwrap(), None);
    assert_eq!(store.blob_size(&hash(1)).await.unwrap(), Some(1000));
    // Linked again, a collected blob is a blob again.
    store.add_blob(ann, &hash(2), 500, 20).await.unwrap();
    assert_eq!(store.blob_size(&hash(2)).await.unwrap(), Some(500));

    // Several collections at once delete each blob once.
    for n in 10..30 {
        store.add_blob(ann, &hash(n), 1, 1).await.unwrap();
    }
    let runs = (0..4).map(|_| {
        let store = Arc::clone(store);
        tokio::spawn(async move { store.collect_garbage(5).await.unwrap() })
    });
    let mut all = Vec::new();
    for run in runs {
        all.extend(run.await.unwrap());
    }
    let unique: BTreeSet<_> = all.iter().cloned().collect();
    assert_eq!(all.len(), unique.len(), "a blob collected twice");
    assert_eq!(unique, (10..30).map(hash).collect());
}

async fn uploads_limits_parts_and_expiry(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    let bob = user(store, "bob").await;
    let first = upload(ann, 100);
    store.create_upload(&first, 2, 250).await.unwrap();
    assert_eq!(
        store.upload(ann, first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.upload(bob, first.id).await.unwrap(), None);
    // Over the reserved bytes, then over the count.
    assert!(matches!(
        store.create_upload(&upload(ann, 151), 2, 250).await,
        Err(Error::TooManyUploads(_))
    ));
    store
        .create_upload(&upload(ann, 150), 2, 250)
        .await
        .unwrap();
    assert!(matches!(
        store.create_upload(&upload(ann, 1), 2, 250).await,
        Err(Error::TooManyUploads(_))
    ));
    // Another user has limits of their own; a finished upload counts for nothing.
    store
        .create_upload(&upload(bob, 250), 2, 250)
        .await
        .unwrap();
    store
        .update_upload(first.id, 100, Some(&hash(1)), 20)
        .await
        .unwrap();
    let finished = store.upload(ann, first.id).await.unwrap().unwrap();
    assert_eq!(
        (
            finished.offset,
            finished.completed_hash,
            finished.updated_at
        ),
        (100, Some(hash(1)), 20)
    );
    store
        .create_upload(&upload(ann, 100), 2, 250)
        .await
        .unwrap();

    // Parts commit only from the offset the upload is at.
    let staged = upload(ann, 30);
    store.create_upload(&staged, 10, 10_000).await.unwrap();
    let part = |start, end| UploadPart {
        start,
        end,
        key: format!("parts/{start}"),
    };
    assert!(
        store
            .commit_upload_parts(staged.id, 0, &[], 30)
            .await
            .unwrap()
    );
    assert!(
        store
            .commit_upload_parts(staged.id, 0, &[part(0, 10), part(10, 20)], 30)
            .await
            .unwrap()
    );
    assert!(
        !store
            .commit_upload_parts(staged.id, 0, &[part(0, 5)], 31)
            .await
            .unwrap()
    );
    assert!(
        store
            .commit_upload_parts(staged.id, 20, &[part(20, 30)], 32)
            .await
            .unwrap()
    );
    assert_eq!(
        store.upload_parts(staged.id).await.unwrap(),
        [part(0, 10), part(10, 20), part(20, 30)]
    );
    let record = store.upload(ann, staged.id).await.unwrap().unwrap();
    assert_eq!((record.offset, record.updated_at), (30, 32));
    assert!(
        !store
            .commit_upload_parts(UploadId(Uuid::new_v4()), 0, &[part(0, 1)], 1)
            .await
            .unwrap()
    );

    // Every user's uploads are listed; deleting needs the owner.
    let ids: BTreeSet<Uuid> = store
        .upload_ids()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.0)
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(!store.delete_upload(bob, staged.id).await.unwrap());
    assert!(store.delete_upload(ann, staged.id).await.unwrap());
    assert!(store.upload_parts(staged.id).await.unwrap().is_empty());

    // Expiry takes uploads not written since the cutoff, and challenges expired by then.
    let challenge = ChallengeRecord {
        id: ChallengeId::new_random(),
        user: ann,
        hash: hash(1),
        nonce: [7; 32],
        ranges: vec![],
        expires_at: 5,
    };
    store.create_challenge(&challenge).await.unwrap();
    let expired: BTreeSet<Uuid> = store
        .expire_uploads(15)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.0)
        .collect();
    assert_eq!(expired.len(), 3);
    assert!(!expired.contains(&first.id.0));
    assert_eq!(store.upload_ids().await.unwrap(), [first.id]);
    assert!(
        store
            .take_challenge(ann, challenge.id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn challenges_are_taken_once(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    let bob = user(store, "bob").await;
    let challenge = ChallengeRecord {
        id: ChallengeId::new_random(),
        user: ann,
        hash: hash(9),
        nonce: std::array::from_fn(|i| i as u8),
        ranges: vec![
            ByteRange {
                offset: 0,
                length: 16,
            },
            ByteRange {
                offset: 100,
                length: 4,
            },
        ],
        expires_at: 1_000,
    };
    store.create_challenge(&challenge).await.unwrap();
    assert_eq!(store.take_challenge(bob, challenge.id).await.unwrap(), None);
    // Answered from two places at once, one gets it.
    let takes = (0..4).map(|_| {
        let store = Arc::clone(store);
        tokio::spawn(async move { store.take_challenge(ann, challenge.id).await.unwrap() })
    });
    let mut taken = Vec::new();
    for take in takes {
        taken.extend(take.await.unwrap());
    }
    assert_eq!(taken, std::slice::from_ref(&challenge));
    assert_eq!(store.take_challenge(ann, challenge.id).await.unwrap(), None);
}

async fn tracks_and_their_feed(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    let bob = user(store, "bob").await;
    assert!(matches!(
        store
            .create_track(ann, id(1), &hash(1), &song("a", "b", "c"))
            .await,
        Err(Error::NotFound("blob"))
    ));
    let one = add(store, ann, 1, song("One", "Artist", "Album")).await;
    assert_eq!(
        (one.revision, one.size, one.blake3.clone()),
        (1, 101, hash(1))
    );
    // Created again over the same blob: the same track, nothing announced.
    let again = store
        .create_track(ann, id(1), &hash(1), &song("Other", "x", "y"))
        .await
        .unwrap();
    assert_eq!(again, one);
    store.add_blob(ann, &hash(2), 5, 1).await.unwrap();
    assert!(matches!(
        store
            .create_track(ann, id(1), &hash(2), &song("a", "b", "c"))
            .await,
        Err(Error::Conflict(_))
    ));
    let two = add(store, ann, 2, song("Two", "Artist", "Album")).await;
    assert_eq!(two.revision, 2);
    assert_eq!(
        store.list_tracks(ann).await.unwrap(),
        [one.clone(), two.clone()]
    );
    assert_eq!(store.track(ann, id(1)).await.unwrap(), Some(one.clone()));
    assert_eq!(store.track(bob, id(1)).await.unwrap(), None);
    assert_eq!(store.tracks_for_blob(ann, &hash(1)).await.unwrap(), [id(1)]);
    assert!(
        store
            .tracks_for_blob(bob, &hash(1))
            .await
            .unwrap()
            .is_empty()
    );

    // The streaming path: a token, and the track if it is the token's user's.
    store
        .create_session(ann, "d", "ann-token", 1)
        .await
        .unwrap();
    store
        .create_session(bob, "d", "bob-token", 1)
        .await
        .unwrap();
    assert_eq!(
        store.track_for_token("ann-token", id(1)).await.unwrap(),
        Some((ann, Some(one.clone())))
    );
    assert_eq!(
        store.track_for_token("bob-token", id(1)).await.unwrap(),
        Some((bob, None))
    );
    assert_eq!(store.track_for_token("nope", id(1)).await.unwrap(), None);

    // Replaced, patched (a patch that changes nothing announces nothing), removed.
    let updated = store
        .update_track(ann, id(1), &song("One (remaster)", "Artist", "Album"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.revision, 3);
    assert_eq!(
        store
            .update_track(bob, id(1), &song("x", "y", "z"))
            .await
            .unwrap(),
        None
    );
    let patch = MetadataPatch {
        genre: Some(Some("Jazz".into())),
        year: Some(Some(1959)),
        ..MetadataPatch::default()
    };
    let patched = store
        .patch_track(ann, id(1), &patch)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(patched.revision, 4);
    assert_eq!(
        (patched.metadata.title.as_deref(), patched.metadata.year),
        (Some("One (remaster)"), Some(1959))
    );
    let unchanged = store
        .patch_track(ann, id(1), &patch)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, patched);
    assert!(store.delete_track(ann, id(2)).await.unwrap());
    assert!(!store.delete_track(ann, id(2)).await.unwrap());
    assert!(!store.delete_track(bob, id(1)).await.unwrap());
    assert_eq!(store.track(ann, id(2)).await.unwrap(), None);
    assert_eq!(
        store.list_tracks(ann).await.unwrap(),
        std::slice::from_ref(&patched)
    );
    // Put back over its blob, a removed track keeps its id.
    let back = store
        .create_track(ann, id(2), &hash(2), &song("Two", "Artist", "Album"))
        .await
        .unwrap();
    assert_eq!((back.revision, back.size), (6, 5));

    let events = feed(store, ann).await;
    assert_eq!(
        events.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert!(matches!(&events[2].1, ChangeEvent::TrackUpserted { track } if **track == updated));
    assert!(matches!(&events[4].1, ChangeEvent::TrackDeleted { track_id } if *track_id == id(2)));
    let page = store.changes(ann, 2, 2).await.unwrap();
    assert_eq!(
        page.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        [3, 4]
    );
    assert_eq!((page.next, page.more), (4, true));
    let last = store.changes(ann, 6, 10).await.unwrap();
    assert_eq!((last.changes.len(), last.next, last.more), (0, 6, false));
    assert!(feed(store, bob).await.is_empty());
}

async fn playlist_ops_and_the_feed(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    let bob = user(store, "bob").await;
    add(store, ann, 1, song("One", "A", "B")).await;
    add(store, ann, 2, song("Two", "A", "B")).await;
    let (jazz, rock) = (
        PlaylistId(Uuid::from_u128(20)),
        PlaylistId(Uuid::from_u128(10)),
    );
    let entry = |n| EntryId(Uuid::from_u128(n));
    let create = op(PlaylistAction::CreatePlaylist {
        playlist_id: jazz,
        name: "jazz".into(),
    });
    let ops = vec![
        create.clone(),
        op(PlaylistAction::CreatePlaylist {
            playlist_id: rock,
            name: "Rock".into(),
        }),
        // "a" sorts after "B" by bytes, whatever the database's locale.
        op(PlaylistAction::AddEntry {
            playlist_id: jazz,
            entry_id: entry(1),
            track_id: id(1),
            position: key("a"),
        }),
        op(PlaylistAction::AddEntry {
            playlist_id: jazz,
            entry_id: entry(2),
            track_id: id(2),
            position: key("B"),
        }),
        op(PlaylistAction::AddEntry {
            playlist_id: jazz,
            entry_id: entry(3),
            track_id: id(99),
            position: key("c"),
        }),
        create.clone(),
        op(PlaylistAction::RenamePlaylist {
            playlist_id: rock,
            name: "Zouk".into(),
        }),
    ];
    let results = store.apply_playlist_ops(ann, &ops).await.unwrap();
    let statuses: Vec<_> = results.iter().map(|r| (r.status, r.seq)).collect();
    assert_eq!(
        statuses,
        [
            (OpStatus::Applied, Some(3)),
            (OpStatus::Applied, Some(4)),
            (OpStatus::Applied, Some(5)),
            (OpStatus::Applied, Some(6)),
            (OpStatus::Rejected, None),
            (OpStatus::Duplicate, None),
            (OpStatus::Applied, Some(7)),
        ]
    );
    assert_eq!(results[4].reason.as_deref(), Some("unknown track"));
    // The same ops sent again change nothing.
    let again = store.apply_playlist_ops(ann, &ops).await.unwrap();
    assert!(again.iter().all(|r| r.status == OpStatus::Duplicate));
    // A user's ops see only their own tracks and playlists.
    let theirs = store
        .apply_playlist_ops(
            bob,
            &[op(PlaylistAction::AddEntry {
                playlist_id: jazz,
                entry_id: entry(9),
                track_id: id(1),
                position: key("a"),
            })],
        )
        .await
        .unwrap();
    assert_eq!(theirs[0].status, OpStatus::Rejected);

    let lists = store.playlists(ann).await.unwrap();
    assert_eq!(lists.seq, 7);
    let names: Vec<_> = lists.playlists.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Zouk", "jazz"]);
    let entries: Vec<_> = lists.playlists[1].entries.iter().map(|e| e.id).collect();
    assert_eq!(entries, [entry(2), entry(1)]);

    // Moves, removals and deletions; nothing applies to a tombstone.
    let later = store
        .apply_playlist_ops(
            ann,
            &[
                op(PlaylistAction::MoveEntry {
                    entry_id: entry(1),
                    position: key("A"),
                }),
                op(PlaylistAction::RemoveEntry { entry_id: entry(2) }),
                op(PlaylistAction::MoveEntry {
                    entry_id: entry(2),
                    position: key("z"),
                }),
                op(PlaylistAction::DeletePlaylist { playlist_id: rock }),
                op(PlaylistAction::RenamePlaylist {
                    playlist_id: rock,
                    name: "x".into(),
                }),
            ],
        )
        .await
        .unwrap();
    let statuses: Vec<_> = later.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            OpStatus::Applied,
            OpStatus::Applied,
            OpStatus::Rejected,
            OpStatus::Applied,
            OpStatus::Rejected
        ]
    );
    let lists = store.playlists(ann).await.unwrap();
    assert_eq!(lists.seq, 10);
    assert_eq!(lists.playlists.len(), 1);
    assert_eq!(lists.playlists[0].entries.len(), 1);
    assert_eq!(lists.playlists[0].entries[0].position, key("A"));
    let seqs: Vec<_> = feed(store, ann).await.into_iter().map(|(s, _)| s).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    assert!(store.playlists(bob).await.unwrap().playlists.is_empty());
}

/// A small library: two albums of Miles Davis (one without a track number on a song), one of
/// The Beatles, a compilation, a song without tags.
async fn library(store: &Store, user: UserId) {
    let tagged =
        |title: &str, artist: &str, album: &str, year: i32, track: Option<u32>, genre: &str| {
            TrackMetadata {
                year: Some(year),
                track_number: track,
                disc_number: Some(1),
                genre: Some(genre.into()),
                duration_ms: Some(60_000),
                ..song(title, artist, album)
            }
        };
    let songs = [
        tagged(
            "So What",
            "Miles Davis",
            "Kind of Blue",
            1959,
            Some(1),
            "Jazz",
        ),
        tagged(
            "Freddie Freeloader",
            "Miles Davis",
            "Kind of Blue",
            1959,
            Some(2),
            "jazz",
        ),
        tagged(
            "Blue in Green",
            "Miles Davis",
            "Kind of Blue",
            1959,
            None,
            "Jazz",
        ),
        tagged(
            "Spanish Key",
            "Miles Davis",
            "Bitches Brew",
            1970,
            Some(3),
            "Fusion",
        ),
        tagged(
            "Something",
            "The Beatles",
            "Abbey Road",
            1969,
            Some(2),
            "Rock; Pop",
        ),
        tagged(
            "Come Together",
            "The Beatles",
            "Abbey Road",
            1969,
            Some(1),
            "Rock",
        ),
        TrackMetadata {
            compilation: Some(true),
            ..tagged(
                "Ágætis byrjun",
                "Sigur Rós",
                "Hits",
                1999,
                Some(1),
                "Post-Rock",
            )
        },
        TrackMetadata::default(),
    ];
    for (n, metadata) in songs.into_iter().enumerate() {
        add(store, user, n as u32 + 1, metadata).await;
    }
}

async fn catalog_lists(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    library(store, ann).await;
    let artists = store.artists(ann).await.unwrap();
    let names: Vec<_> = artists.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "[Unknown Artist]",
            "The Beatles",
            "Miles Davis",
            "Various Artists"
        ]
    );
    let miles = &artists[2];
    assert_eq!(miles.album_count, 2);
    let (artist, albums) = store.artist(ann, &miles.id).await.unwrap().unwrap();
    assert_eq!(artist.name, "Miles Davis");
    let albums: Vec<_> = albums.iter().map(|a| (a.name.as_str(), a.year)).collect();
    assert_eq!(
        albums,
        [("Kind of Blue", Some(1959)), ("Bitches Brew", Some(1970))]
    );
    let kind_of_blue = AlbumId::of("Miles Davis", "Kind of Blue");
    let (album, songs) = store.album(ann, &kind_of_blue).await.unwrap().unwrap();
    assert_eq!(
        (album.song_count, album.duration_ms, album.genre.as_deref()),
        (3, 180_000, Some("Jazz"))
    );
    // A song without a track number comes first, as SQLite orders NULLs.
    assert_eq!(
        titles(&songs),
        ["Blue in Green", "So What", "Freddie Freeloader"]
    );
    assert_eq!(album.cover_song, Some(songs[0].id));
    assert!(
        store
            .album(ann, &AlbumId::of("x", "y"))
            .await
            .unwrap()
            .is_none()
    );

    let page = Page::new(0, 10);
    let album_names = |albums: Vec<tonearm_server::catalog::Album>| -> Vec<String> {
        albums.into_iter().map(|a| a.name).collect()
    };
    let by_name = album_names(
        store
            .albums(ann, &AlbumOrder::AlphabeticalByName, page)
            .await
            .unwrap(),
    );
    assert_eq!(
        by_name,
        [
            "[Unknown Album]",
            "Abbey Road",
            "Bitches Brew",
            "Hits",
            "Kind of Blue"
        ]
    );
    let by_artist = album_names(
        store
            .albums(ann, &AlbumOrder::AlphabeticalByArtist, page)
            .await
            .unwrap(),
    );
    assert_eq!(
        by_artist,
        [
            "[Unknown Album]",
            "Abbey Road",
            "Bitches Brew",
            "Kind of Blue",
            "Hits"
        ]
    );
    let newest = store.albums(ann, &AlbumOrder::Newest, page).await.unwrap();
    assert_eq!(newest.len(), 5);
    assert!(newest.windows(2).all(|w| w[0].added_at >= w[1].added_at));
    let years = |from, to| AlbumOrder::ByYear { from, to };
    assert_eq!(
        album_names(store.albums(ann, &years(1960, 2000), page).await.unwrap()),
        ["Abbey Road", "Bitches Brew", "Hits"]
    );
    assert_eq!(
        album_names(store.albums(ann, &years(2000, 1960), page).await.unwrap()),
        ["Hits", "Bitches Brew", "Abbey Road"]
    );
    assert_eq!(
        album_names(
            store
                .albums(ann, &AlbumOrder::ByGenre("JAZZ".into()), page)
                .await
                .unwrap()
        ),
        ["Kind of Blue"]
    );
    assert_eq!(
        album_names(
            store
                .albums(ann, &AlbumOrder::AlphabeticalByName, Page::new(2, 2))
                .await
                .unwrap()
        ),
        ["Bitches Brew", "Hits"]
    );
    let random = store.albums(ann, &AlbumOrder::Random, page).await.unwrap();
    assert_eq!(random.len(), 5);

    // Songs: by id in the order asked, every song in one order, by genre, at random, top.
    let asked = store
        .songs(ann, &[id(5), id(99), id(1), id(5)])
        .await
        .unwrap();
    assert_eq!(titles(&asked), ["Something", "So What", "Something"]);
    assert_eq!(
        store.song(ann, id(8)).await.unwrap().unwrap().title,
        "Untitled"
    );
    assert_eq!(store.song_count(ann).await.unwrap(), 8);
    let mut every = Vec::new();
    for offset in (0..10).step_by(3) {
        every.extend(store.all_songs(ann, Page::new(offset, 3)).await.unwrap());
    }
    assert_eq!(
        titles(&every),
        [
            "Untitled",
            "Come Together",
            "Something",
            "Spanish Key",
            "Blue in Green",
            "So What",
            "Freddie Freeloader",
            "Ágætis byrjun"
        ]
    );
    assert!(
        store
            .all_songs(ann, Page::new(0, 0))
            .await
            .unwrap()
            .is_empty()
    );
    let genres: Vec<_> = store
        .genres(ann)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.name.to_lowercase(), g.song_count, g.album_count))
        .collect();
    assert_eq!(
        genres,
        [
            ("fusion".to_owned(), 1, 1),
            ("jazz".to_owned(), 3, 1),
            ("post-rock".to_owned(), 1, 1),
            ("rock".to_owned(), 2, 1)
        ]
    );
    let jazz = store.songs_by_genre(ann, "jAzz", page).await.unwrap();
    assert_eq!(
        titles(&jazz),
        ["Blue in Green", "So What", "Freddie Freeloader"]
    );
    let random = store
        .random_songs(ann, 10, Some("rock"), (Some(1960), Some(1970)))
        .await
        .unwrap();
    assert_eq!(
        random.iter().map(|s| &s.title[..]).collect::<BTreeSet<_>>(),
        BTreeSet::from(["Come Together", "Something"])
    );
    assert_eq!(
        store
            .random_songs(ann, 3, None, (None, None))
            .await
            .unwrap()
            .len(),
        3
    );
    store
        .record_plays(
            ann,
            &[Play {
                id: "p1".into(),
                track: id(2),
                played_at: 50,
            }],
        )
        .await
        .unwrap();
    let top = store.top_songs(ann, "Miles Davis", 3).await.unwrap();
    assert_eq!(
        titles(&top),
        ["Freddie Freeloader", "Blue in Green", "So What"]
    );
    let frequent = store
        .albums(ann, &AlbumOrder::Frequent, page)
        .await
        .unwrap();
    assert_eq!(album_names(frequent), ["Kind of Blue"]);

    // Renamed, a song moves to another album; the empty album and artist go.
    store
        .update_track(
            ann,
            id(4),
            &song("Spanish Key", "Miles Davis", "Kind of Blue"),
        )
        .await
        .unwrap();
    let (_, albums) = store.artist(ann, &miles.id).await.unwrap().unwrap();
    assert_eq!(albums.len(), 1);
    store.delete_track(ann, id(7)).await.unwrap();
    assert_eq!(store.artists(ann).await.unwrap().len(), 3);
    assert_eq!(store.song_count(ann).await.unwrap(), 7);
}

async fn catalog_search(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    let bob = user(store, "bob").await;
    library(store, ann).await;
    add(
        store,
        ann,
        20,
        song("Blue Train", "John Coltrane", "Blue Train"),
    )
    .await;
    add(store, ann, 21, song("Lonely", "Bluey", "Other")).await;
    add(store, bob, 30, song("Blue Moon", "Bob", "Bob's")).await;
    let found = |query: &str| {
        let store = Arc::clone(store);
        let query = query.to_owned();
        async move { store.search(ann, &search(&query)).await.unwrap() }
    };
    // Prefixes of folded words, all required; accents and letters like æ as people type them.
    assert_eq!(titles(&found("sigur ros").await.songs), ["Ágætis byrjun"]);
    assert_eq!(titles(&found("AGAET").await.songs), ["Ágætis byrjun"]);
    assert_eq!(titles(&found("kind so").await.songs), ["So What"]);
    assert!(found("kind nothing").await.songs.is_empty());
    // A genre beyond the first is found too; what names the owner in the index is no word.
    assert_eq!(titles(&found("pop").await.songs), ["Something"]);
    assert_eq!(titles(&found("u").await.songs), ["Untitled"]);
    // Title matches first, then artist, then album; another user's songs never.
    assert_eq!(
        titles(&found("blue").await.songs),
        [
            "Blue Train",
            "Blue in Green",
            "Lonely",
            "So What",
            "Freddie Freeloader"
        ]
    );
    let artists: Vec<_> = found("the")
        .await
        .artists
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert!(artists.is_empty(), "{artists:?}");
    let beatles = found("beat").await;
    assert_eq!(beatles.artists[0].name, "The Beatles");
    // Albums are found by their artist's name too; exact names first.
    let albums: Vec<_> = found("miles")
        .await
        .albums
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(albums, ["Bitches Brew", "Kind of Blue"]);
    let albums: Vec<_> = found("blue train")
        .await
        .albums
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(albums, ["Blue Train"]);
    // Punctuation in a query is a space; a query of none finds everything, in pages.
    assert_eq!(titles(&found("so-what!").await.songs), ["So What"]);
    let everything = store
        .search(
            ann,
            &Search {
                query: " ".into(),
                artists: Page::new(1, 2),
                albums: Page::new(0, 0),
                songs: Page::new(8, 50),
            },
        )
        .await
        .unwrap();
    assert_eq!(everything.artists.len(), 2);
    assert!(everything.albums.is_empty());
    assert_eq!(titles(&everything.songs), ["Blue Train", "Lonely"]);
    let paged = store
        .search(
            ann,
            &Search {
                query: "blue".into(),
                artists: Page::new(0, 0),
                albums: Page::new(0, 0),
                songs: Page::new(1, 2),
            },
        )
        .await
        .unwrap();
    assert_eq!(titles(&paged.songs), ["Blue in Green", "Lonely"]);
}

/// Past 3,000 matches a search's songs come in the order they arrived, not ranked (the next
/// letter typed narrows it), for a letter as for a word; names still come best first.
async fn a_search_matching_more_than_are_ranked(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    // Odd songs have three words starting with "a", even ones one: ranking would put the odd
    // ones first.
    for n in 0..3_002 {
        let metadata = if n % 2 == 1 {
            song(&format!("Apple {n}"), "Ann", "Avenue")
        } else {
            song(&format!("Zed {n}"), "Ann", "Zoo")
        };
        add(store, ann, n, metadata).await;
    }
    let songs = |query: &str, songs: Page| {
        let store = Arc::clone(store);
        let query = query.to_owned();
        async move {
            let request = Search {
                query,
                artists: Page::new(0, 1),
                albums: Page::new(0, 1),
                songs,
            };
            store.search(ann, &request).await.unwrap()
        }
    };
    for query in ["a", "an"] {
        let found = songs(query, Page::new(2, 4)).await;
        assert_eq!(
            titles(&found.songs),
            ["Zed 2", "Apple 3", "Zed 4", "Apple 5"],
            "{query}"
        );
        assert_eq!(found.artists[0].name, "Ann");
        assert_eq!(found.albums[0].name, "Avenue", "{query}");
    }
    // 1,501 matches are ranked: ties in the order they arrived.
    let found = songs("ap", Page::new(0, 2)).await;
    assert_eq!(titles(&found.songs), ["Apple 1", "Apple 3"]);
    let found = songs("z", Page::new(0, 2)).await;
    assert_eq!(titles(&found.songs), ["Zed 0", "Zed 2"]);
    assert_eq!(found.albums[0].name, "Zoo");
}

/// Songs are ranked by how rare each query word is among the user's songs (bm25's idf), and
/// that follows the library as it changes: the same search after songs are added ranks by the
/// new counts, although it ran before (the PostgreSQL store keeps the counts between searches).
async fn ranking_follows_how_rare_each_word_is(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    add(store, ann, 1, song("Blue Blue Red", "Ann", "One")).await;
    add(store, ann, 2, song("Red Red Blue", "Ann", "One")).await;
    for n in 3..7 {
        add(store, ann, n, song(&format!("Red Sky {n}"), "Ann", "One")).await;
    }
    let best = |query: &'static str| {
        let store = Arc::clone(store);
        async move {
            let request = Search {
                query: query.to_owned(),
                artists: Page::new(0, 0),
                albums: Page::new(0, 0),
                songs: Page::new(0, 2),
            };
            let found = store.search(ann, &request).await.unwrap();
            found.songs.into_iter().map(|s| s.title).collect::<Vec<_>>()
        }
    };
    // "blue" is the rarer word: the song with more of it first.
    assert_eq!(best("red blue").await, ["Blue Blue Red", "Red Red Blue"]);
    for n in 7..15 {
        add(store, ann, n, song(&format!("Blue Moon {n}"), "Ann", "One")).await;
    }
    // Now "red" is: the other way round.
    assert_eq!(best("red blue").await, ["Red Red Blue", "Blue Blue Red"]);
}

async fn marks_plays_queue_and_artwork(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    library(store, ann).await;
    let kind_of_blue = AlbumId::of("Miles Davis", "Kind of Blue");
    let miles = tonearm_server::catalog::ArtistId::of("Miles Davis");
    let before = feed(store, ann).await.len();
    // Stars: unknown items skipped, a second star keeps the first time.
    let starred = store
        .star(
            ann,
            &[
                Item::Song(id(1)),
                Item::Song(id(99)),
                Item::Album(kind_of_blue.clone()),
                Item::Artist(miles.clone()),
            ],
            Some(100),
        )
        .await
        .unwrap();
    assert_eq!(starred, 3);
    store
        .star(ann, &[Item::Song(id(2))], Some(200))
        .await
        .unwrap();
    store
        .star(ann, &[Item::Song(id(1))], Some(300))
        .await
        .unwrap();
    let all = store.starred(ann).await.unwrap();
    assert_eq!(titles(&all.songs), ["Freddie Freeloader", "So What"]);
    assert_eq!(all.songs[1].stats.starred_at, Some(100));
    assert_eq!(all.albums.len(), 1);
    assert_eq!(all.artists.len(), 1);
    store.star(ann, &[Item::Song(id(2))], None).await.unwrap();
    assert_eq!(
        titles(&store.starred(ann).await.unwrap().songs),
        ["So What"]
    );
    let starred_albums = store
        .albums(ann, &AlbumOrder::Starred, Page::new(0, 10))
        .await
        .unwrap();
    assert_eq!(starred_albums[0].id, kind_of_blue);

    // Ratings: 0 removes, unknown items are refused.
    assert!(store.rate(ann, &Item::Song(id(3)), 4).await.unwrap());
    assert!(
        store
            .rate(ann, &Item::Album(kind_of_blue.clone()), 9)
            .await
            .unwrap()
    );
    assert!(!store.rate(ann, &Item::Song(id(99)), 3).await.unwrap());
    let highest = store
        .albums(ann, &AlbumOrder::Highest, Page::new(0, 10))
        .await
        .unwrap();
    assert_eq!(highest[0].stats.rating, Some(5));
    assert!(
        store
            .rate(ann, &Item::Album(kind_of_blue.clone()), 0)
            .await
            .unwrap()
    );
    assert!(
        store
            .albums(ann, &AlbumOrder::Highest, Page::new(0, 10))
            .await
            .unwrap()
            .is_empty()
    );

    // Plays count once per play id, for the song, its album and its artist.
    let play = |n: &str, track, at| Play {
        id: n.into(),
        track,
        played_at: at,
    };
    let counted = store
        .record_plays(
            ann,
            &[
                play("a", id(1), 10),
                play("b", id(1), 30),
                play("a", id(1), 99),
                play("c", id(99), 1),
            ],
        )
        .await
        .unwrap();
    assert_eq!(counted, 2);
    assert_eq!(
        store
            .record_plays(ann, &[play("b", id(1), 30)])
            .await
            .unwrap(),
        0
    );
    store
        .record_plays(ann, &[play("d", id(4), 20)])
        .await
        .unwrap();
    let marks = store.track_marks(ann, id(1)).await.unwrap().unwrap();
    assert_eq!(
        (marks.play_count, marks.played_at, marks.loved, marks.rating),
        (2, Some(30), true, None)
    );
    assert_eq!(
        store.track_marks(ann, id(3)).await.unwrap().unwrap().rating,
        Some(4)
    );
    assert_eq!(store.track_marks(ann, id(99)).await.unwrap(), None);
    let (album, _) = store.album(ann, &kind_of_blue).await.unwrap().unwrap();
    assert_eq!(
        (album.stats.play_count, album.stats.played_at),
        (2, Some(30))
    );
    let (artist, _) = store.artist(ann, &miles).await.unwrap().unwrap();
    assert_eq!(artist.stats.play_count, 3);
    let recent: Vec<_> = store
        .albums(ann, &AlbumOrder::Recent, Page::new(0, 10))
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(recent, ["Kind of Blue", "Bitches Brew"]);
    // Song marks that changed were announced: 2 stars, 1 unstar, 1 rating, 3 plays.
    let announced: Vec<_> = feed(store, ann).await.into_iter().skip(before).collect();
    assert_eq!(announced.len(), 7);
    assert!(
        announced
            .iter()
            .all(|(_, e)| matches!(e, ChangeEvent::TrackMarks { .. }))
    );
    // Marks outlive a song's removal and come back with it.
    store.delete_track(ann, id(1)).await.unwrap();
    assert_eq!(store.track_marks(ann, id(1)).await.unwrap(), None);
    store
        .create_track(
            ann,
            id(1),
            &hash(1),
            &song("So What", "Miles Davis", "Kind of Blue"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .track_marks(ann, id(1))
            .await
            .unwrap()
            .unwrap()
            .play_count,
        2
    );

    // The play queue, its removed songs left out.
    assert_eq!(store.play_queue(ann).await.unwrap(), None);
    let queue = PlayQueue {
        entries: vec![id(3), id(2), id(99), id(3)],
        current: Some(id(2)),
        position_ms: 1234,
        changed_at: 77,
        changed_by: "web".into(),
    };
    store.save_play_queue(ann, &queue).await.unwrap();
    store.delete_track(ann, id(2)).await.unwrap();
    let saved = store.play_queue(ann).await.unwrap().unwrap();
    assert_eq!(saved.entries, [id(3), id(3)]);
    assert_eq!(
        (saved.current, saved.position_ms, saved.changed_by.as_str()),
        (Some(id(2)), 1234, "web")
    );
    store
        .save_play_queue(ann, &PlayQueue::default())
        .await
        .unwrap();
    assert!(
        store
            .play_queue(ann)
            .await
            .unwrap()
            .unwrap()
            .entries
            .is_empty()
    );

    // Covers: a hash named in metadata counts only once the user uploaded it.
    let cover = Artwork {
        hash: hash(500),
        mime: "image/png".into(),
        width: 600,
        height: 400,
        size: 12_345,
    };
    let with_cover = TrackMetadata {
        artwork: Some(cover.hash.clone()),
        track_number: Some(9),
        ..song("Spanish Key", "Miles Davis", "Bitches Brew")
    };
    store.update_track(ann, id(4), &with_cover).await.unwrap();
    assert_eq!(store.cover(ann, &Item::Song(id(4))).await.unwrap(), None);
    store.add_artwork(ann, &cover).await.unwrap();
    store.add_artwork(ann, &cover).await.unwrap();
    assert_eq!(
        store.artwork(ann, &cover.hash).await.unwrap(),
        Some(cover.clone())
    );
    assert_eq!(
        store.cover(ann, &Item::Song(id(4))).await.unwrap(),
        Some(cover.clone())
    );
    let bitches_brew = AlbumId::of("Miles Davis", "Bitches Brew");
    assert_eq!(
        store.cover(ann, &Item::Album(bitches_brew)).await.unwrap(),
        Some(cover.clone())
    );
    assert_eq!(
        store.cover(ann, &Item::Artist(miles)).await.unwrap(),
        Some(cover.clone())
    );
    assert_eq!(
        store.cover(ann, &Item::Album(kind_of_blue)).await.unwrap(),
        None
    );
    let bob = user(store, "bob").await;
    assert_eq!(store.artwork(bob, &cover.hash).await.unwrap(), None);
}

async fn users_see_only_their_own(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    let bob = user(store, "bob").await;
    library(store, ann).await;
    // Bob has the same songs under other ids, and one of ann's track ids for his own song.
    add(
        store,
        bob,
        101,
        song("So What", "Miles Davis", "Kind of Blue"),
    )
    .await;
    store.add_blob(bob, &hash(102), 1, 1).await.unwrap();
    store
        .create_track(bob, id(1), &hash(102), &song("Mine", "Bob", "Bob's"))
        .await
        .unwrap();
    let kind_of_blue = AlbumId::of("Miles Davis", "Kind of Blue");
    let (album, songs) = store.album(bob, &kind_of_blue).await.unwrap().unwrap();
    assert_eq!((album.song_count, songs.len()), (1, 1));
    assert_eq!(store.song_count(bob).await.unwrap(), 2);
    assert_eq!(store.song(bob, id(1)).await.unwrap().unwrap().title, "Mine");
    assert_eq!(
        store.song(ann, id(1)).await.unwrap().unwrap().title,
        "So What"
    );
    assert_eq!(store.songs(bob, &[id(2), id(3)]).await.unwrap().len(), 0);
    assert_eq!(store.artists(bob).await.unwrap().len(), 2);
    assert_eq!(store.genres(bob).await.unwrap().len(), 0);
    assert_eq!(
        titles(&store.search(bob, &search("so")).await.unwrap().songs),
        ["So What"]
    );
    // Marks of one user's song do not touch the other's song with the same id.
    assert_eq!(
        store
            .star(bob, &[Item::Song(id(2))], Some(1))
            .await
            .unwrap(),
        0
    );
    store
        .star(bob, &[Item::Song(id(1))], Some(1))
        .await
        .unwrap();
    store
        .record_plays(
            bob,
            &[Play {
                id: "p".into(),
                track: id(1),
                played_at: 5,
            }],
        )
        .await
        .unwrap();
    let marks = store.track_marks(ann, id(1)).await.unwrap().unwrap();
    assert_eq!((marks.loved, marks.play_count), (false, 0));
    // Ann's plays with the same play id count for her.
    assert_eq!(
        store
            .record_plays(
                ann,
                &[Play {
                    id: "p".into(),
                    track: id(1),
                    played_at: 5,
                }],
            )
            .await
            .unwrap(),
        1
    );
    assert!(store.starred(ann).await.unwrap().songs.is_empty());
    assert_eq!(feed(store, bob).await.len(), 4);
}

async fn concurrent_writes_of_one_user(f: Fixture) {
    let store = &f.store;
    let ann = user(store, "ann").await;
    add(store, ann, 1, song("One", "A", "B")).await;
    let playlist = PlaylistId(Uuid::new_v4());
    store
        .apply_playlist_ops(
            ann,
            &[op(PlaylistAction::CreatePlaylist {
                playlist_id: playlist,
                name: "p".into(),
            })],
        )
        .await
        .unwrap();
    // Limits hold however many uploads start at once: 5 of 30, then bytes.
    let creations = (0..30).map(|_| {
        let store = Arc::clone(store);
        tokio::spawn(async move { store.create_upload(&upload(ann, 10), 5, 1_000).await })
    });
    let mut created = 0;
    for creation in creations {
        match creation.await.unwrap() {
            Ok(()) => created += 1,
            Err(Error::TooManyUploads(_)) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(created, 5);
    assert_eq!(store.usage(ann).await.unwrap(), 101 + 50);

    // Plays sent from many places at once count once each; playlist ops too, and every
    // change gets the next number.
    let shared_op = op(PlaylistAction::RenamePlaylist {
        playlist_id: playlist,
        name: "renamed".into(),
    });
    let tasks = (0..16).map(|i| {
        let store = Arc::clone(store);
        let shared_op = shared_op.clone();
        tokio::spawn(async move {
            let plays: Vec<Play> = (0..4)
                .map(|p| Play {
                    id: format!("play-{}", (i + p) % 8),
                    track: id(1),
                    played_at: i64::from(i),
                })
                .collect();
            let counted = store.record_plays(ann, &plays).await.unwrap();
            let ops = vec![
                shared_op,
                op(PlaylistAction::AddEntry {
                    playlist_id: playlist,
                    entry_id: EntryId(Uuid::new_v4()),
                    track_id: id(1),
                    position: key("m"),
                }),
            ];
            let results = store.apply_playlist_ops(ann, &ops).await.unwrap();
            let applied = results
                .iter()
                .filter(|r| r.status == OpStatus::Applied)
                .count();
            (counted, applied)
        })
    });
    let (mut counted, mut applied) = (0, 0);
    for task in tasks {
        let (c, a) = task.await.unwrap();
        counted += c;
        applied += a;
    }
    assert_eq!(counted, 8);
    assert_eq!(applied, 16 + 1);
    assert_eq!(
        store
            .track_marks(ann, id(1))
            .await
            .unwrap()
            .unwrap()
            .play_count,
        8
    );
    let lists = store.playlists(ann).await.unwrap();
    assert_eq!(lists.playlists[0].entries.len(), 16);
    let seqs: Vec<u64> = feed(store, ann).await.into_iter().map(|(s, _)| s).collect();
    // The track, the playlist, 8 plays, 17 ops.
    assert_eq!(seqs, (1..=27).collect::<Vec<_>>());
    assert_eq!(lists.seq, 27);
}

async fn server_wide_state(f: Fixture) {
    let store = &f.store;
    // The first secret is kept.
    let secret = store.shared_secret("signing", [1; 32]).await.unwrap();
    assert_eq!(secret, [1; 32]);
    assert_eq!(
        store.shared_secret("signing", [2; 32]).await.unwrap(),
        [1; 32]
    );
    assert_eq!(
        store.shared_secret("other", [3; 32]).await.unwrap(),
        [3; 32]
    );

    // The blob lock: shared holders together, the exclusive one alone.
    let shared = store.blob_lock(LockMode::Shared).await.unwrap();
    let also = store.blob_lock(LockMode::Shared).await.unwrap();
    let waiting = tokio::time::timeout(
        Duration::from_millis(300),
        store.blob_lock(LockMode::Exclusive),
    )
    .await;
    assert!(waiting.is_err(), "exclusive while shared");
    drop((shared, also));
    let exclusive = tokio::time::timeout(
        Duration::from_secs(10),
        store.blob_lock(LockMode::Exclusive),
    )
    .await
    .expect("the shared locks were released")
    .unwrap();
    let waiting = tokio::time::timeout(
        Duration::from_millis(300),
        store.blob_lock(LockMode::Shared),
    )
    .await;
    assert!(waiting.is_err(), "shared while exclusive");
    drop(exclusive);
    let _again = tokio::time::timeout(Duration::from_secs(10), store.blob_lock(LockMode::Shared))
        .await
        .expect("the exclusive lock was released")
        .unwrap();

    // The login throttle: every attempt counts, however many run at once.
    let rules: ThrottleRules = Arc::new(|entries: &mut [Option<ThrottleEntry>]| {
        for entry in entries.iter_mut() {
            let level = entry.map_or(0.0, |e| e.level) + 1.0;
            *entry = Some(ThrottleEntry {
                level,
                at_ms: 1,
                expires_at: if level > 5.0 { 100 } else { 50 },
            });
        }
        None
    });
    let keys = vec!["user:ann".to_owned(), "ip:1".to_owned()];
    let attempts = (0..12).map(|_| {
        let (store, keys, rules) = (Arc::clone(store), keys.clone(), Arc::clone(&rules));
        tokio::spawn(async move { store.throttle_attempt(&keys, rules).await.unwrap() })
    });
    for attempt in attempts {
        attempt.await.unwrap();
    }
    // Changes nothing; says the sum of the levels.
    let peek: ThrottleRules = Arc::new(|entries: &mut [Option<ThrottleEntry>]| {
        let sum: f64 = entries.iter().map(|e| e.map_or(0.0, |e| e.level)).sum();
        Some(Duration::from_secs_f64(sum))
    });
    assert_eq!(
        store.throttle_attempt(&keys, peek.clone()).await.unwrap(),
        Some(Duration::from_secs(24))
    );
    let one = vec!["ip:2".to_owned()];
    store.throttle_attempt(&one, rules).await.unwrap();
    assert_eq!(store.prune_throttle(50).await.unwrap(), 1);
    assert_eq!(
        store.throttle_attempt(&keys, peek).await.unwrap(),
        Some(Duration::from_secs(24))
    );
}

async fn a_newer_schema_is_refused(f: Fixture) {
    // Opening again changes nothing; a database from a newer build is refused.
    let reopened = open(&f.place).await.unwrap();
    drop(reopened);
    f.execute("INSERT INTO schema_migrations (version) VALUES (9999)")
        .await;
    match open(&f.place).await {
        Err(Error::SchemaTooNew { found, supported }) => {
            assert_eq!(found, 9999);
            assert!(supported < found);
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
}

/// A library kept under schema 2 is upgraded in place: the songs it held get their initials
/// (migration 3 rewrites the table), the database is vacuumed outside the migration's
/// transaction, and a one-letter search finds them; a search of two words (which reads the
/// version of the user's songs, migration 4) too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_older_postgres_library_is_upgraded_with_its_songs() {
    let f = Fixture::new(true).await;
    let ann = user(&f.store, "ann").await;
    add(
        &f.store,
        ann,
        1,
        song("Wish You Were Here", "Pink Floyd", "Wish"),
    )
    .await;
    add(&f.store, ann, 2, song("Money", "Pink Floyd", "Dark Side")).await;
    f.execute(
        "DROP INDEX catalog_songs_by_user;
         CREATE INDEX catalog_songs_by_user ON catalog_songs(user_id, pk) INCLUDE (search_length);
         ALTER TABLE catalog_songs DROP COLUMN initials;
         DROP FUNCTION catalog_initials(TSVECTOR);
         ALTER TABLE catalog_song_totals DROP COLUMN version;
         DELETE FROM schema_migrations WHERE version IN (3, 4);",
    )
    .await;
    let store = open(&f.place).await.unwrap();
    assert_eq!(
        titles(&store.search(ann, &search("w")).await.unwrap().songs),
        ["Wish You Were Here"]
    );
    assert_eq!(
        titles(&store.search(ann, &search("p")).await.unwrap().songs).len(),
        2
    );
    assert_eq!(
        titles(
            &store
                .search(ann, &search("pink money"))
                .await
                .unwrap()
                .songs
        ),
        ["Money"]
    );
}

/// A server that cannot reach its database says where it looked, in one sentence.
#[tokio::test]
async fn an_unreachable_postgres_is_named() {
    let error = PostgresStore::connect("postgres://someone:secret@127.0.0.1:1/tonearm")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("127.0.0.1:1/tonearm"), "{error}");
    assert!(!error.contains("secret"), "{error}");
}

/// One library in both stores, every list and search compared (times of arrival left out, and
/// random orders).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_answers() {
    let (sqlite, postgres) = (Fixture::new(false).await, Fixture::new(true).await);
    let mut users = Vec::new();
    for f in [&sqlite, &postgres] {
        let ann = f.store.create_user("ann", "p", "s", 1).await.unwrap();
        users.push(ann);
        generated_library(&f.store, ann).await;
    }
    let mut answers = Vec::new();
    for (f, user) in [&sqlite, &postgres].into_iter().zip(users) {
        answers.push(every_answer(&f.store, user).await);
    }
    let (a, b) = (&answers[0], &answers[1]);
    assert_eq!(a.len(), b.len());
    // Not vacuous: searches rank dozens of songs.
    let ranked = a
        .iter()
        .find(|(what, _)| what.starts_with("search \"blue\" Page { offset: 0"))
        .expect("a search for blue");
    assert!(ranked.1.matches("Song {").count() >= 20, "{}", ranked.1);
    for ((what, a), (_, b)) in a.iter().zip(b) {
        assert_eq!(a, b, "{what}");
    }
    postgres.remove().await;
}

/// 240 songs from a few words, so searches match many songs in many fields, with marks.
async fn generated_library(store: &Store, user: UserId) {
    const WORDS: &[&str] = &[
        "blue", "bluer", "train", "Ça", "love", "lovely", "night", "Œuvre", "the", "a", "sky",
        "rain", "Blå", "moon", "song",
    ];
    let word = |n: usize| WORDS[n % WORDS.len()];
    for n in 0..240u32 {
        let i = n as usize;
        let metadata = TrackMetadata {
            title: Some(match i % 4 {
                0 => format!("{} {}", word(i), word(i / 3)),
                1 => word(i * 7).to_owned(),
                2 => format!("{} {} {}", word(i / 2), word(i), word(i + 5)),
                _ => format!("{} of the {}", word(i * 3), word(i / 5)),
            }),
            artist: Some(format!("{} {}", word(i / 10), word(i / 20 + 3))),
            album: (!i.is_multiple_of(11)).then(|| format!("{} {}", word(i / 8), word(i / 16))),
            album_artist: i.is_multiple_of(3).then(|| format!("The {}", word(i / 30))),
            genre: Some(["Jazz", "jazz", "Rock; Pop", "Blues"][i % 4].to_owned()),
            composer: i.is_multiple_of(5).then(|| word(i + 2).to_owned()),
            year: (!i.is_multiple_of(7)).then_some(1950 + (i % 40) as i32),
            track_number: (!i.is_multiple_of(6)).then_some((i % 12) as u32),
            disc_number: (!i.is_multiple_of(9)).then_some((i % 2) as u32 + 1),
            duration_ms: Some(1000 * i as u64),
            ..TrackMetadata::default()
        };
        add(store, user, n, metadata).await;
        if n % 5 == 0 {
            store
                .record_plays(
                    user,
                    &[Play {
                        id: format!("p{n}"),
                        track: id(u128::from(n)),
                        played_at: i64::from(n % 17),
                    }],
                )
                .await
                .unwrap();
        }
        if n % 7 == 0 {
            store
                .star(user, &[Item::Song(id(u128::from(n)))], Some(i64::from(n)))
                .await
                .unwrap();
            store
                .rate(user, &Item::Song(id(u128::from(n))), (n % 6) as u8)
                .await
                .unwrap();
        }
    }
}

/// Every deterministic answer of the catalog, as text, arrival times blanked.
async fn every_answer(store: &Store, user: UserId) -> Vec<(String, String)> {
    let blank = |text: String| {
        const FIELD: &str = "added_at: ";
        let (mut out, mut rest) = (String::new(), text.as_str());
        while let Some(at) = rest.find(FIELD) {
            out.push_str(&rest[..at + FIELD.len()]);
            out.push('_');
            rest = rest[at + FIELD.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        }
        out.push_str(rest);
        out
    };
    let mut answers = Vec::new();
    let mut note = |what: String, value: String| answers.push((what, blank(value)));
    let artists = store.artists(user).await.unwrap();
    note("artists".into(), format!("{artists:?}"));
    for artist in &artists {
        let found = store.artist(user, &artist.id).await.unwrap();
        note(format!("artist {}", artist.name), format!("{found:?}"));
        let top = store.top_songs(user, &artist.name, 7).await.unwrap();
        note(format!("top {}", artist.name), format!("{top:?}"));
    }
    let orders = [
        AlbumOrder::Frequent,
        AlbumOrder::Recent,
        AlbumOrder::Starred,
        AlbumOrder::Highest,
        AlbumOrder::AlphabeticalByName,
        AlbumOrder::AlphabeticalByArtist,
        AlbumOrder::ByYear {
            from: 1960,
            to: 1980,
        },
        AlbumOrder::ByYear {
            from: 1985,
            to: 1955,
        },
        AlbumOrder::ByGenre("JAZZ".into()),
    ];
    for order in &orders {
        for page in [Page::new(0, 500), Page::new(7, 5)] {
            let albums = store.albums(user, order, page).await.unwrap();
            note(format!("albums {order:?} {page:?}"), format!("{albums:?}"));
            for album in albums.iter().take(3) {
                let found = store.album(user, &album.id).await.unwrap();
                note(format!("album {}", album.name), format!("{found:?}"));
            }
        }
    }
    for page in [Page::new(0, 500), Page::new(100, 30)] {
        let songs = store.all_songs(user, page).await.unwrap();
        note(format!("all songs {page:?}"), format!("{songs:?}"));
        let jazz = store.songs_by_genre(user, "jazz", page).await.unwrap();
        note(format!("jazz {page:?}"), format!("{jazz:?}"));
    }
    note(
        "genres".into(),
        format!("{:?}", store.genres(user).await.unwrap()),
    );
    note(
        "starred".into(),
        format!("{:?}", store.starred(user).await.unwrap()),
    );
    for query in [
        "",
        "b",
        "bl",
        "blue",
        "blu tra",
        "the",
        "a",
        "love",
        "lovely night",
        "ca",
        "oeuvre",
        "bla",
        "jazz",
        "pop",
        "rain sky",
        "song of",
        "moon moon",
        "xyz",
        "the blue",
        "b",
        "s",
        "7",
    ] {
        for songs in [Page::new(0, 40), Page::new(15, 10)] {
            let request = Search {
                query: query.into(),
                artists: Page::new(0, 20),
                albums: Page::new(2, 20),
                songs,
            };
            let found = store.search(user, &request).await.unwrap();
            note(format!("search {query:?} {songs:?}"), format!("{found:?}"));
        }
    }
    answers
}
