//! The metadata store: every piece of server state except blob bytes, behind one trait so the
//! embedded SQLite store and the PostgreSQL store of replicated servers are interchangeable.
//!
//! Methods are whole use cases ("create the track and record the change"), each atomic, so an
//! implementation decides how to make it a transaction. Every method that touches user data takes
//! the [`UserId`]: rows of other users are invisible, which is what keeps users isolated.

#[cfg(feature = "postgres")]
mod postgres;
mod rows;
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::{DEFAULT_POOL_SIZE, PostgresStore};
pub use sqlite::SqliteStore;

use crate::catalog::CatalogStore;
use crate::error::Result;
use async_trait::async_trait;
use std::time::Duration;
use tonearm_protocol::{
    BlobHash, ByteRange, ChallengeId, ChangesResponse, CloudTrack, MetadataPatch, OpResult,
    PlaylistOp, PlaylistsResponse, SessionId, SessionInfo, TrackId, TrackMetadata,
};
use uuid::Uuid;

/// Lower-case hex of a secret, as stored.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A stored secret back from its hex.
pub(crate) fn parse_secret(text: &str) -> Result<[u8; 32]> {
    let corrupt =
        || crate::error::Error::Corrupt(String::from("a shared secret is not 64 hex digits"));
    if text.len() != 64 || !text.is_ascii() {
        return Err(corrupt());
    }
    let mut secret = [0u8; 32];
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| corrupt())?;
    }
    Ok(secret)
}

/// An account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub Uuid);

/// A tus upload's id, the last segment of its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UploadId(pub Uuid);

/// An account as listed by `user list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Internal id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// PHC string of the argon2id hash.
    pub password_hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The password sealed by the `vault`, for Subsonic's token authentication (`None` for
    /// accounts made before it was kept, until their next password login).
    pub sealed_password: Option<String>,
}

/// An API key as listed (the key itself is shown once, at creation, and stored hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Id, for revoking it.
    pub id: String,
    /// What the user called it ("phone").
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A tus upload in progress (or completed, kept so a late `HEAD` still sees its final offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    /// Id.
    pub id: UploadId,
    /// Owner.
    pub user: UserId,
    /// Total length declared at creation.
    pub length: u64,
    /// Bytes received and committed.
    pub offset: u64,
    /// Whole-file BLAKE3 declared at creation, if any.
    pub declared_hash: Option<BlobHash>,
    /// The `Upload-Metadata` header as the client sent it; `HEAD` echoes it, as tus requires.
    pub metadata: Option<String>,
    /// The published blob once the upload completed.
    pub completed_hash: Option<BlobHash>,
    /// Unix seconds of the last write.
    pub updated_at: i64,
}

/// A run of an upload's bytes, staged in the blob store until the upload completes. Parts are
/// objects of their own, written once, so any replica can continue an upload or finish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPart {
    /// Offset of its first byte in the file.
    pub start: u64,
    /// Offset after its last byte.
    pub end: u64,
    /// Its object's key in the blob store.
    pub key: String,
}

/// How the blob lock is held: see [`MetadataStore::blob_lock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// By a publication; many at once.
    Shared,
    /// By garbage collection; alone.
    Exclusive,
}

/// A held blob lock, released when dropped.
pub struct BlobLock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl BlobLock {
    /// Wraps whatever releases the lock when dropped.
    pub fn new(guard: impl Send + Sync + 'static) -> Self {
        Self(Box::new(guard))
    }
}

impl std::fmt::Debug for BlobLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobLock")
    }
}

/// A proof-of-ownership challenge waiting for its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    /// Id.
    pub id: ChallengeId,
    /// The user it was issued to.
    pub user: UserId,
    /// The blob it is about.
    pub hash: BlobHash,
    /// Key of the keyed hashes.
    pub nonce: [u8; 32],
    /// Ranges to prove.
    pub ranges: Vec<ByteRange>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// One entry of the login throttle's shared state, under a key the throttle chose
/// (`crate::throttle` says what the fields mean for each kind of key). A store keeps it as it is;
/// only `expires_at` means something to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleEntry {
    /// A count: consecutive failures, or a bucket's fill level (fractional).
    pub level: f64,
    /// Unix milliseconds when the entry was last set.
    pub at_ms: i64,
    /// Unix seconds from which the entry counts for nothing, and may be pruned.
    pub expires_at: i64,
}

/// The login throttle's rules for one attempt, as [`MetadataStore::throttle_attempt`] runs them:
/// given the entries under the attempt's keys (`None` where there is none), changes them in place
/// (`None` deletes) and returns how long the attempt must wait if it is refused. Pure: a store
/// may run it more than once (on a read-only connection first, or to retry a transaction), and
/// keeps only the run whose changes it writes.
pub type ThrottleRules =
    std::sync::Arc<dyn Fn(&mut [Option<ThrottleEntry>]) -> Option<Duration> + Send + Sync>;

/// The metadata store. See the module docs. The catalog's queries ([`CatalogStore`]) are part
/// of it, over the same data.
#[async_trait]
pub trait MetadataStore: CatalogStore + Send + Sync + std::fmt::Debug {
    /// Checks that the store answers (for the health endpoint).
    async fn ping(&self) -> Result<()>;

    // --- users and sessions ---

    /// Creates a user; fails with `UserExists` if the name is taken.
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        sealed_password: &str,
        now: i64,
    ) -> Result<UserId>;
    /// All users, by name.
    async fn list_users(&self) -> Result<Vec<UserRecord>>;
    /// A user's name.
    async fn username(&self, user: UserId) -> Result<Option<String>>;
    /// Looks a user up by name.
    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>>;
    /// Replaces a password (hash and sealed copy) and revokes every session of the user; false
    /// if no such user.
    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        sealed_password: &str,
    ) -> Result<bool>;
    /// Keeps the sealed copy of a password that was just checked against its hash.
    async fn set_sealed_password(&self, user: UserId, sealed_password: &str) -> Result<()>;
    /// Records an API key of the user, stored as its hash.
    async fn create_api_key(&self, user: UserId, key: &ApiKeyRecord, key_hash: &str) -> Result<()>;
    /// The user's API keys, oldest first.
    async fn api_keys(&self, user: UserId) -> Result<Vec<ApiKeyRecord>>;
    /// The user an API key (by its hash) belongs to.
    async fn user_by_api_key(&self, key_hash: &str) -> Result<Option<UserRecord>>;
    /// Revokes one of the user's API keys; false if there is none with that id.
    async fn delete_api_key(&self, user: UserId, id: &str) -> Result<bool>;
    /// Removes a user with everything they own; false if no such user.
    async fn remove_user(&self, username: &str) -> Result<bool>;
    /// Records a session whose token hashes to `token_hash`.
    async fn create_session(
        &self,
        user: UserId,
        device: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<SessionInfo>;
    /// The live session a token hash belongs to.
    async fn session_by_token(&self, token_hash: &str) -> Result<Option<(SessionId, UserId)>>;
    /// The user's sessions, oldest first (`current` is false everywhere).
    async fn list_sessions(&self, user: UserId) -> Result<Vec<SessionInfo>>;
    /// Revokes a session of this user; false if there is none with that id.
    async fn delete_session(&self, user: UserId, session: SessionId) -> Result<bool>;

    // --- blobs and ownership ---

    /// The size of a published blob, whoever owns it.
    async fn blob_size(&self, hash: &BlobHash) -> Result<Option<u64>>;
    /// Whether the user owns (uploaded or matched) the blob.
    async fn owns_blob(&self, user: UserId, hash: &BlobHash) -> Result<bool>;
    /// Whether the user removed their tracks over this blob and has none left: automatic
    /// uploads leave such a file out.
    async fn removed_by_user(&self, user: UserId, hash: &BlobHash) -> Result<bool>;
    /// Records a published blob (if new) and the user's ownership of it.
    async fn add_blob(&self, user: UserId, hash: &BlobHash, size: u64, now: i64) -> Result<()>;
    /// Bytes the user owns plus bytes reserved by their unfinished uploads.
    async fn usage(&self, user: UserId) -> Result<u64>;
    /// Drops ownership links older than `link_cutoff` that no live track uses, then removes and
    /// returns the blobs nobody owns and no unfinished upload declares.
    async fn collect_garbage(&self, link_cutoff: i64) -> Result<Vec<BlobHash>>;

    // --- uploads ---

    /// Records a new upload, in the same transaction as the check that the user stays within
    /// `max_open` unfinished uploads and `max_reserved` bytes reserved by them (so concurrent
    /// creations cannot overshoot); `TooManyUploads` otherwise.
    async fn create_upload(
        &self,
        upload: &UploadRecord,
        max_open: u64,
        max_reserved: u64,
    ) -> Result<()>;
    /// One of the user's uploads.
    async fn upload(&self, user: UserId, id: UploadId) -> Result<Option<UploadRecord>>;
    /// Commits the offset (and, when complete, the published hash) of an upload.
    async fn update_upload(
        &self,
        id: UploadId,
        offset: u64,
        completed_hash: Option<&BlobHash>,
        now: i64,
    ) -> Result<()>;
    /// Commits parts staged from offset `from` on, in one transaction, only if the upload's
    /// offset is still `from` (another request, maybe on another replica, may have moved it);
    /// the offset becomes the last part's end. False if the offset moved or the upload is gone:
    /// the caller then deletes the parts' objects.
    async fn commit_upload_parts(
        &self,
        id: UploadId,
        from: u64,
        parts: &[UploadPart],
        now: i64,
    ) -> Result<bool>;
    /// An upload's committed parts, in order.
    async fn upload_parts(&self, id: UploadId) -> Result<Vec<UploadPart>>;
    /// Forgets an upload of this user; false if there is none.
    async fn delete_upload(&self, user: UserId, id: UploadId) -> Result<bool>;
    /// The ids of all uploads, of every user (for sweeping orphaned upload files).
    async fn upload_ids(&self) -> Result<Vec<UploadId>>;
    /// Removes and returns uploads not written since `cutoff`.
    async fn expire_uploads(&self, cutoff: i64) -> Result<Vec<UploadId>>;

    /// Takes the lock that keeps garbage collection from deleting a blob between a
    /// publication's bytes landing and its row being written: publications hold it shared,
    /// collection exclusively. It spans every process on the same database.
    async fn blob_lock(&self, mode: LockMode) -> Result<BlobLock>;

    // --- server-wide state ---

    /// A secret every replica shares (the URL-signing key): the first caller's `fresh` value
    /// is kept, and every later call returns it.
    async fn shared_secret(&self, name: &str, fresh: [u8; 32]) -> Result<[u8; 32]>;

    // --- login throttle ---

    /// Runs the login throttle's `rules` over the entries under `keys`, atomically: read,
    /// changed and written back (only those `rules` changed) in one transaction, serialised with
    /// every other attempt on the same keys on every replica, so no count and no lockout is lost
    /// to a concurrent attempt. Returns what `rules` returned.
    async fn throttle_attempt(
        &self,
        keys: &[String],
        rules: ThrottleRules,
    ) -> Result<Option<Duration>>;
    /// Deletes the throttle entries that expired by `now` (Unix seconds); returns how many.
    async fn prune_throttle(&self, now: i64) -> Result<u64>;

    // --- match ---

    /// Stores a challenge.
    async fn create_challenge(&self, challenge: &ChallengeRecord) -> Result<()>;
    /// Removes and returns the user's challenge: each can be answered once.
    async fn take_challenge(
        &self,
        user: UserId,
        id: ChallengeId,
    ) -> Result<Option<ChallengeRecord>>;

    // --- tracks ---

    /// Creates a track over a blob the caller checked the user owns, and records the change.
    /// Re-creating an existing id over the same blob returns the existing track.
    async fn create_track(
        &self,
        user: UserId,
        id: TrackId,
        hash: &BlobHash,
        metadata: &TrackMetadata,
    ) -> Result<CloudTrack>;
    /// The user's live tracks.
    async fn list_tracks(&self, user: UserId) -> Result<Vec<CloudTrack>>;
    /// One live track of the user.
    async fn track(&self, user: UserId, id: TrackId) -> Result<Option<CloudTrack>>;
    /// Resolves a bearer token's hash and one of its user's live tracks in one round trip (the
    /// streaming hot path): `None` if the token is unknown, else the user and the track if any.
    async fn track_for_token(
        &self,
        token_hash: &str,
        id: TrackId,
    ) -> Result<Option<(UserId, Option<CloudTrack>)>>;
    /// The user's live tracks over a blob.
    async fn tracks_for_blob(&self, user: UserId, hash: &BlobHash) -> Result<Vec<TrackId>>;
    /// Replaces a live track's metadata and records the change.
    async fn update_track(
        &self,
        user: UserId,
        id: TrackId,
        metadata: &TrackMetadata,
    ) -> Result<Option<CloudTrack>>;
    /// Merges the fields of `patch` into a live track's metadata, in one transaction, and
    /// records the change (none when the patch changes nothing).
    async fn patch_track(
        &self,
        user: UserId,
        id: TrackId,
        patch: &MetadataPatch,
    ) -> Result<Option<CloudTrack>>;
    /// Tombstones a live track and records the change; false if there is none.
    async fn delete_track(&self, user: UserId, id: TrackId) -> Result<bool>;

    // --- playlists and the change feed ---

    /// Applies a batch of playlist operations in order, each at most once per op id.
    async fn apply_playlist_ops(&self, user: UserId, ops: &[PlaylistOp]) -> Result<Vec<OpResult>>;
    /// The user's live playlists and entries.
    async fn playlists(&self, user: UserId) -> Result<PlaylistsResponse>;
    /// Changes with a sequence number above `since`, at most `limit`.
    async fn changes(&self, user: UserId, since: u64, limit: u32) -> Result<ChangesResponse>;
}
