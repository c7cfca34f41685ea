//! The embedded [`MetadataStore`]: one SQLite file in WAL mode with versioned migrations.
//!
//! rusqlite is blocking, so every call runs on tokio's blocking pool. The SQL sticks to what
//! PostgreSQL also accepts (`ON CONFLICT`, `RETURNING`, `BIGINT`, no `INSERT OR …`), so the
//! PostgreSQL store can reuse the schema and queries nearly verbatim.

use super::rows::{from_json, parse_hash, parse_position, parse_uuid, to_i64, to_json, to_u64};
use super::{
    ApiKeyRecord, BlobLock, ChallengeRecord, LockMode, MetadataStore, ThrottleEntry, ThrottleRules,
    UploadId, UploadPart, UploadRecord, UserId, UserRecord, hex, parse_secret,
};
use crate::error::{Error, Result};
use crate::playlists::{self, Effect, Liveness, PlaylistView, StoredEntry};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tonearm_protocol::{
    BlobHash, ByteRange, ChallengeId, Change, ChangeEvent, ChangesResponse, CloudTrack, EntryId,
    MetadataPatch, OpResult, OpStatus, Playlist, PlaylistEntry, PlaylistId, PlaylistOp,
    PlaylistsResponse, SessionId, SessionInfo, TrackId, TrackMetadata,
};
use uuid::Uuid;

mod catalog;
mod repair;

/// One schema version: SQL, or a repair that needs code.
enum Migration {
    Sql(&'static str),
    Code(fn(&Transaction<'_>) -> Result<()>),
}

/// Schema versions, applied in order; a database records which it has. The SQL ones are files
/// in `migrations/sqlite/`, named by their version; the others repair data, which needs code.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(include_str!("../../migrations/sqlite/0001_schema.sql")),
    Migration::Code(repair::repair_position_keys),
    Migration::Code(catalog::create),
    Migration::Code(add_subsonic_credentials),
    Migration::Code(catalog::index_pages),
    Migration::Code(catalog::order_songs),
    Migration::Code(catalog::keep_replaygain),
    Migration::Sql(include_str!(
        "../../migrations/sqlite/0008_staged_uploads.sql"
    )),
    Migration::Sql(include_str!(
        "../../migrations/sqlite/0009_login_throttle.sql"
    )),
];

/// Migration 4: passwords kept sealed for Subsonic (`crate::vault`) and API keys. The column is
/// added only if missing (a database whose migrations were rolled back has it).
fn add_subsonic_credentials(tx: &Transaction<'_>) -> Result<()> {
    let context = "adding Subsonic credentials";
    let has: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'sealed_password')",
            [],
            |r| r.get(0),
        )
        .map_err(Error::db(context))?;
    if !has {
        tx.execute("ALTER TABLE users ADD COLUMN sealed_password TEXT", [])
            .map_err(Error::db(context))?;
    }
    tx.execute_batch(
        r"
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS api_keys_by_user ON api_keys(user_id);
",
    )
    .map_err(Error::db(context))
}

/// Read-only connections: WAL lets them read while the writer writes.
const READERS: usize = 4;

/// The SQLite metadata store: one writer connection and a few readers, each used by at most
/// one blocking task at a time, so a burst of requests queues on a semaphore instead of
/// parking hundreds of blocking threads on a lock. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    write_slot: Arc<Semaphore>,
    readers: Arc<Mutex<Vec<Connection>>>,
    read_slots: Arc<Semaphore>,
    /// The blob lock: one process owns a SQLite file, so a lock in memory spans every writer.
    blob_lock: Arc<tokio::sync::RwLock<()>>,
}

fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(Error::db("opening the database"))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
    .map_err(Error::db("configuring the database"))?;
    // The catalog's lists and searches are many statements (an album order, a search's word
    // count, a page of each kind); rusqlite's default cache of 16 made them prepare again.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// A reader connection on loan; it goes back to the pool even if the task panics.
struct Loan<'a> {
    pool: &'a Mutex<Vec<Connection>>,
    conn: Option<Connection>,
}

impl Drop for Loan<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            lock(self.pool).push(conn);
        }
    }
}

/// Locks a mutex; a panic while holding it cannot leave SQLite inconsistent (transactions roll
/// back on drop), so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let mut writer = open_connection(path)?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let conn = open_connection(path)?;
                conn.execute_batch("PRAGMA query_only = ON")
                    .map_err(Error::db("configuring the database"))?;
                Ok(conn)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            write_slot: Arc::new(Semaphore::new(1)),
            readers: Arc::new(Mutex::new(readers)),
            read_slots: Arc::new(Semaphore::new(READERS)),
            blob_lock: Arc::default(),
        })
    }

    /// Runs `f` with the writer connection on the blocking pool.
    async fn with<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.write_slot)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let conn = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&mut lock(&conn))
        })
        .await?
    }

    /// Runs `f` with a read-only connection on the blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.read_slots)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let pool = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = lock(&pool)
                .pop()
                .expect("a permit guarantees a free reader");
            let mut loan = Loan {
                pool: &pool,
                conn: Some(conn),
            };
            let conn = loan.conn.as_mut().expect("just filled");
            f(conn)
        })
        .await?
    }

    /// Runs `f` inside a transaction on the blocking pool.
    async fn tx<T, F>(&self, context: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        self.with(move |conn| {
            let tx = conn.transaction().map_err(Error::db(context))?;
            let value = f(&tx)?;
            tx.commit().map_err(Error::db(context))?;
            Ok(value)
        })
        .await
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let context = "migrating the schema";
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
        .map_err(Error::db(context))?;
    let applied: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(Error::db(context))?;
    let supported = i64::try_from(MIGRATIONS.len()).expect("few migrations");
    if applied > supported {
        return Err(Error::SchemaTooNew {
            found: applied,
            supported,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index + 1).expect("few migrations");
        if version <= applied {
            continue;
        }
        let tx = conn.transaction().map_err(Error::db(context))?;
        match migration {
            Migration::Sql(sql) => tx.execute_batch(sql).map_err(Error::db(context))?,
            Migration::Code(repair) => repair(&tx)?,
        }
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [version],
        )
        .map_err(Error::db(context))?;
        tx.commit().map_err(Error::db(context))?;
    }
    Ok(())
}

/// Unix seconds now.
fn now_seconds() -> i64 {
    crate::state::now()
}

/// The login throttle's entries under `keys`, in order.
fn load_throttle(conn: &Connection, keys: &[String]) -> Result<Vec<Option<ThrottleEntry>>> {
    let context = "reading the login throttle";
    let mut statement = conn
        .prepare_cached("SELECT level, at_ms, expires_at FROM login_throttle WHERE key = ?1")
        .map_err(Error::db(context))?;
    keys.iter()
        .map(|key| {
            statement
                .query_row([key], |r| {
                    Ok(ThrottleEntry {
                        level: r.get(0)?,
                        at_ms: r.get(1)?,
                        expires_at: r.get(2)?,
                    })
                })
                .optional()
                .map_err(Error::db(context))
        })
        .collect()
}

/// Writes the entries under `keys` that differ between `before` and `after`.
fn save_throttle(
    tx: &Transaction<'_>,
    keys: &[String],
    before: &[Option<ThrottleEntry>],
    after: &[Option<ThrottleEntry>],
) -> Result<()> {
    let context = "writing the login throttle";
    for ((key, before), after) in keys.iter().zip(before).zip(after) {
        if before == after {
            continue;
        }
        match after {
            Some(entry) => tx
                .prepare_cached(
                    "INSERT INTO login_throttle (key, level, at_ms, expires_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key) DO UPDATE SET level = excluded.level,
                        at_ms = excluded.at_ms, expires_at = excluded.expires_at",
                )
                .and_then(|mut s| {
                    s.execute(params![key, entry.level, entry.at_ms, entry.expires_at])
                })
                .map_err(Error::db(context))?,
            None => tx
                .prepare_cached("DELETE FROM login_throttle WHERE key = ?1")
                .and_then(|mut s| s.execute([key]))
                .map_err(Error::db(context))?,
        };
    }
    Ok(())
}

/// Allocates the user's next change sequence number.
fn next_seq(tx: &Transaction<'_>, user: UserId) -> Result<u64> {
    let seq: i64 = tx
        .query_row(
            "UPDATE users SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
            [user.0.to_string()],
            |r| r.get(0),
        )
        .map_err(Error::db("allocating a sequence number"))?;
    Ok(to_u64(seq))
}

/// Changes a track's metadata with `change` and, when that changed anything, announces the
/// track under a new revision: whole replacements and field-by-field patches alike.
fn change_metadata(
    tx: &Transaction<'_>,
    user: UserId,
    id: TrackId,
    change: impl FnOnce(&mut TrackMetadata),
) -> Result<Option<CloudTrack>> {
    let Some(mut track) = load_track(tx, user, id)? else {
        return Ok(None);
    };
    let before = track.metadata.clone();
    change(&mut track.metadata);
    if track.metadata == before {
        return Ok(Some(track));
    }
    let seq = record_change(tx, user, |seq| {
        track.revision = seq;
        ChangeEvent::TrackUpserted {
            track: Box::new(track.clone()),
        }
    })?;
    tx.execute(
        "UPDATE tracks SET metadata = ?3, revision = ?4 WHERE user_id = ?1 AND id = ?2",
        params![
            user.0.to_string(),
            id.to_string(),
            to_json(&track.metadata)?,
            to_i64(seq)
        ],
    )
    .map_err(Error::db("changing a track's metadata"))?;
    catalog::index(tx, user, &track, now_seconds())?;
    Ok(Some(track))
}

/// Allocates a sequence number and appends `event` to the change feed under it.
pub(super) fn record_change(
    tx: &Transaction<'_>,
    user: UserId,
    make: impl FnOnce(u64) -> ChangeEvent,
) -> Result<u64> {
    let seq = next_seq(tx, user)?;
    let event = make(seq);
    tx.execute(
        "INSERT INTO changes (user_id, seq, event) VALUES (?1, ?2, ?3)",
        params![user.0.to_string(), to_i64(seq), to_json(&event)?],
    )
    .map_err(Error::db("recording a change"))?;
    Ok(seq)
}

const TRACK_COLUMNS: &str = "id, hash, size, metadata, revision";

fn track_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, i64, String, i64)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn build_track(raw: (String, String, i64, String, i64)) -> Result<CloudTrack> {
    let (id, hash, size, metadata, revision) = raw;
    Ok(CloudTrack {
        id: TrackId(parse_uuid(&id)?),
        blake3: parse_hash(hash)?,
        size: to_u64(size),
        metadata: from_json(&metadata)?,
        revision: to_u64(revision),
    })
}

fn load_track(tx: &Connection, user: UserId, id: TrackId) -> Result<Option<CloudTrack>> {
    tx.query_row(
        &format!(
            "SELECT {TRACK_COLUMNS} FROM tracks WHERE user_id = ?1 AND id = ?2 AND deleted = 0"
        ),
        [user.0.to_string(), id.to_string()],
        track_from_row,
    )
    .optional()
    .map_err(Error::db("loading a track"))?
    .map(build_track)
    .transpose()
}

fn upload_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRow> {
    Ok(UploadRow {
        id: row.get(0)?,
        user: row.get(1)?,
        length: row.get(2)?,
        offset: row.get(3)?,
        declared_hash: row.get(4)?,
        metadata: row.get(5)?,
        completed_hash: row.get(6)?,
        updated_at: row.get(7)?,
    })
}

struct UploadRow {
    id: String,
    user: String,
    length: i64,
    offset: i64,
    declared_hash: Option<String>,
    metadata: Option<String>,
    completed_hash: Option<String>,
    updated_at: i64,
}

impl UploadRow {
    fn build(self) -> Result<UploadRecord> {
        Ok(UploadRecord {
            id: UploadId(parse_uuid(&self.id)?),
            user: UserId(parse_uuid(&self.user)?),
            length: to_u64(self.length),
            offset: to_u64(self.offset),
            declared_hash: self.declared_hash.map(parse_hash).transpose()?,
            metadata: self.metadata,
            completed_hash: self.completed_hash.map(parse_hash).transpose()?,
            updated_at: self.updated_at,
        })
    }
}

type UserRow = (String, String, String, i64, Option<String>);

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn build_user(raw: UserRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: UserId(parse_uuid(&raw.0)?),
        username: raw.1,
        password_hash: raw.2,
        created_at: raw.3,
        sealed_password: raw.4,
    })
}

#[async_trait]
impl MetadataStore for SqliteStore {
    async fn ping(&self) -> Result<()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map_err(Error::db("checking the database"))?;
            Ok(())
        })
        .await
    }

    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        sealed_password: &str,
        now: i64,
    ) -> Result<UserId> {
        let (username, password_hash, sealed) = (
            username.to_owned(),
            password_hash.to_owned(),
            sealed_password.to_owned(),
        );
        self.tx("creating a user", move |tx| {
            let id = UserId(Uuid::new_v4());
            let inserted = tx
                .execute(
                    "INSERT INTO users (id, username, password_hash, sealed_password, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (username) DO NOTHING",
                    params![id.0.to_string(), username, password_hash, sealed, now],
                )
                .map_err(Error::db("creating a user"))?;
            if inserted == 0 {
                return Err(Error::UserExists(username));
            }
            Ok(id)
        })
        .await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT id, username, password_hash, created_at, sealed_password FROM users ORDER BY username",
                )
                .map_err(Error::db("listing users"))?;
            let rows = stmt
                .query_map([], user_from_row)
                .map_err(Error::db("listing users"))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db("listing users"))?;
            rows.into_iter().map(build_user).collect()
        })
        .await
    }

    async fn username(&self, user: UserId) -> Result<Option<String>> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT username FROM users WHERE id = ?1",
                [user.0.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(Error::db("looking up a user"))
        })
        .await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        let username = username.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, username, password_hash, created_at, sealed_password FROM users WHERE username = ?1",
                [username],
                user_from_row,
            )
            .optional()
            .map_err(Error::db("looking up a user"))?
            .map(build_user)
            .transpose()
        })
        .await
    }

    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        sealed_password: &str,
    ) -> Result<bool> {
        let (username, password_hash, sealed) = (
            username.to_owned(),
            password_hash.to_owned(),
            sealed_password.to_owned(),
        );
        self.tx("changing a password", move |tx| {
            let context = "changing a password";
            let id: Option<String> = tx
                .query_row(
                    "UPDATE users SET password_hash = ?2, sealed_password = ?3 WHERE username = ?1 RETURNING id",
                    [username, password_hash, sealed],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Error::db(context))?;
            let Some(id) = id else { return Ok(false) };
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])
                .map_err(Error::db(context))?;
            Ok(true)
        })
        .await
    }

    async fn set_sealed_password(&self, user: UserId, sealed_password: &str) -> Result<()> {
        let sealed = sealed_password.to_owned();
        self.with(move |conn| {
            conn.execute(
                "UPDATE users SET sealed_password = ?2 WHERE id = ?1",
                [user.0.to_string(), sealed],
            )
            .map_err(Error::db("keeping a password for Subsonic"))?;
            Ok(())
        })
        .await
    }

    async fn create_api_key(&self, user: UserId, key: &ApiKeyRecord, key_hash: &str) -> Result<()> {
        let (key, key_hash) = (key.clone(), key_hash.to_owned());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (id, user_id, name, key_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key.id, user.0.to_string(), key.name, key_hash, key.created_at],
            )
            .map_err(Error::db("creating an API key"))?;
            Ok(())
        })
        .await
    }

    async fn api_keys(&self, user: UserId) -> Result<Vec<ApiKeyRecord>> {
        self.read(move |conn| {
            let context = "listing API keys";
            let mut stmt = conn
                .prepare("SELECT id, name, created_at FROM api_keys WHERE user_id = ?1 ORDER BY created_at, id")
                .map_err(Error::db(context))?;
            let rows = stmt
                .query_map([user.0.to_string()], |r| {
                    Ok(ApiKeyRecord { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)? })
                })
                .map_err(Error::db(context))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Error::db(context))
        })
        .await
    }

    async fn user_by_api_key(&self, key_hash: &str) -> Result<Option<UserRecord>> {
        let key_hash = key_hash.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT u.id, u.username, u.password_hash, u.created_at, u.sealed_password
                 FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?1",
                [key_hash],
                user_from_row,
            )
            .optional()
            .map_err(Error::db("looking up an API key"))?
            .map(build_user)
            .transpose()
        })
        .await
    }

    async fn delete_api_key(&self, user: UserId, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.with(move |conn| {
            let removed = conn
                .execute(
                    "DELETE FROM api_keys WHERE user_id = ?1 AND id = ?2",
                    [user.0.to_string(), id],
                )
                .map_err(Error::db("revoking an API key"))?;
            Ok(removed > 0)
        })
        .await
    }

    async fn remove_user(&self, username: &str) -> Result<bool> {
        let username = username.to_owned();
        self.tx("removing a user", move |tx| {
            catalog::forget_user(tx, &username)?;
            let removed = tx
                .execute("DELETE FROM users WHERE username = ?1", [username])
                .map_err(Error::db("removing a user"))?;
            Ok(removed > 0)
        })
        .await
    }

    async fn create_session(
        &self,
        user: UserId,
        device: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<SessionInfo> {
        let (device, token_hash) = (device.to_owned(), token_hash.to_owned());
        self.with(move |conn| {
            let id = SessionId::new_random();
            conn.execute(
                "INSERT INTO sessions (id, user_id, device, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.to_string(), user.0.to_string(), device, token_hash, now],
            )
            .map_err(Error::db("creating a session"))?;
            Ok(SessionInfo { id, device, created_at: now, current: true })
        })
        .await
    }

    async fn session_by_token(&self, token_hash: &str) -> Result<Option<(SessionId, UserId)>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT id, user_id FROM sessions WHERE token_hash = ?1",
                    [token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(Error::db("checking a token"))?;
            row.map(|(id, user)| Ok((SessionId(parse_uuid(&id)?), UserId(parse_uuid(&user)?))))
                .transpose()
        })
        .await
    }

    async fn list_sessions(&self, user: UserId) -> Result<Vec<SessionInfo>> {
        self.read(move |conn| {
            let context = "listing sessions";
            let mut stmt = conn
                .prepare("SELECT id, device, created_at FROM sessions WHERE user_id = ?1 ORDER BY created_at, id")
                .map_err(Error::db(context))?;
            let rows = stmt
                .query_map([user.0.to_string()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
                })
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            rows.into_iter()
                .map(|(id, device, created_at)| {
                    Ok(SessionInfo { id: SessionId(parse_uuid(&id)?), device, created_at, current: false })
                })
                .collect()
        })
        .await
    }

    async fn delete_session(&self, user: UserId, session: SessionId) -> Result<bool> {
        self.with(move |conn| {
            let removed = conn
                .execute(
                    "DELETE FROM sessions WHERE user_id = ?1 AND id = ?2",
                    [user.0.to_string(), session.to_string()],
                )
                .map_err(Error::db("revoking a session"))?;
            Ok(removed > 0)
        })
        .await
    }

    async fn blob_size(&self, hash: &BlobHash) -> Result<Option<u64>> {
        let hash = hash.to_string();
        self.read(move |conn| {
            let size: Option<i64> = conn
                .query_row("SELECT size FROM blobs WHERE hash = ?1", [hash], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(Error::db("looking up a blob"))?;
            Ok(size.map(to_u64))
        })
        .await
    }

    async fn removed_by_user(&self, user: UserId, hash: &BlobHash) -> Result<bool> {
        let hash = hash.to_string();
        self.read(move |conn| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM tracks WHERE user_id = ?1 AND hash = ?2 AND deleted = 1)
                    AND NOT EXISTS (SELECT 1 FROM tracks WHERE user_id = ?1 AND hash = ?2 AND deleted = 0)",
                [user.0.to_string(), hash],
                |r| r.get(0),
            )
            .map_err(Error::db("looking up removed tracks"))
        })
        .await
    }

    async fn owns_blob(&self, user: UserId, hash: &BlobHash) -> Result<bool> {
        let hash = hash.to_string();
        self.read(move |conn| {
            let owned: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM blob_owners WHERE user_id = ?1 AND hash = ?2",
                    [user.0.to_string(), hash],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Error::db("checking blob ownership"))?;
            Ok(owned.is_some())
        })
        .await
    }

    async fn add_blob(&self, user: UserId, hash: &BlobHash, size: u64, now: i64) -> Result<()> {
        let hash = hash.to_string();
        self.tx("recording a blob", move |tx| {
            let context = "recording a blob";
            tx.execute(
                "INSERT INTO blobs (hash, size, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (hash) DO NOTHING",
                params![hash, to_i64(size), now],
            )
            .map_err(Error::db(context))?;
            tx.execute(
                "INSERT INTO blob_owners (user_id, hash, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id, hash) DO UPDATE SET created_at = excluded.created_at",
                params![user.0.to_string(), hash, now],
            )
            .map_err(Error::db(context))?;
            Ok(())
        })
        .await
    }

    async fn usage(&self, user: UserId) -> Result<u64> {
        self.read(move |conn| {
            let used: i64 = conn
                .query_row(
                    "SELECT COALESCE((SELECT SUM(b.size) FROM blob_owners o JOIN blobs b ON b.hash = o.hash
                                      WHERE o.user_id = ?1), 0)
                          + COALESCE((SELECT SUM(length) FROM uploads
                                      WHERE user_id = ?1 AND completed_hash IS NULL), 0)",
                    [user.0.to_string()],
                    |r| r.get(0),
                )
                .map_err(Error::db("computing usage"))?;
            Ok(to_u64(used))
        })
        .await
    }

    async fn collect_garbage(&self, link_cutoff: i64) -> Result<Vec<BlobHash>> {
        self.tx("collecting garbage", move |tx| {
            let context = "collecting garbage";
            tx.execute(
                "DELETE FROM blob_owners WHERE created_at <= ?1 AND NOT EXISTS (
                     SELECT 1 FROM tracks t WHERE t.user_id = blob_owners.user_id
                     AND t.hash = blob_owners.hash AND t.deleted = 0)",
                [link_cutoff],
            )
            .map_err(Error::db(context))?;
            let hashes = tx
                .prepare(
                    "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.hash = blobs.hash)
                     AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.declared_hash = blobs.hash
                                     AND u.completed_hash IS NULL)
                     RETURNING hash",
                )
                .map_err(Error::db(context))?
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            hashes.into_iter().map(parse_hash).collect()
        })
        .await
    }

    async fn create_upload(
        &self,
        upload: &UploadRecord,
        max_open: u64,
        max_reserved: u64,
    ) -> Result<()> {
        let u = upload.clone();
        self.tx("creating an upload", move |tx| {
            let (open, reserved): (i64, i64) = tx
                .query_row(
                    "SELECT COUNT(*), COALESCE(SUM(length), 0) FROM uploads
                     WHERE user_id = ?1 AND completed_hash IS NULL",
                    [u.user.0.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(Error::db("creating an upload"))?;
            if to_u64(open) >= max_open {
                return Err(Error::TooManyUploads(format!(
                    "{open} unfinished uploads already (at most {max_open}): finish or delete one first"
                )));
            }
            if to_u64(reserved).saturating_add(u.length) > max_reserved {
                return Err(Error::TooManyUploads(format!(
                    "unfinished uploads would reserve more than {max_reserved} bytes: finish or delete one first"
                )));
            }
            tx.execute(
                "INSERT INTO uploads (id, user_id, length, upload_offset, declared_hash, metadata, completed_hash, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
                params![
                    u.id.0.to_string(),
                    u.user.0.to_string(),
                    to_i64(u.length),
                    to_i64(u.offset),
                    u.declared_hash.map(String::from),
                    u.metadata,
                    u.updated_at
                ],
            )
            .map_err(Error::db("creating an upload"))?;
            Ok(())
        })
        .await
    }

    async fn upload(&self, user: UserId, id: UploadId) -> Result<Option<UploadRecord>> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, user_id, length, upload_offset, declared_hash, metadata, completed_hash, updated_at
                 FROM uploads WHERE id = ?1 AND user_id = ?2",
                [id.0.to_string(), user.0.to_string()],
                upload_from_row,
            )
            .optional()
            .map_err(Error::db("loading an upload"))?
            .map(UploadRow::build)
            .transpose()
        })
        .await
    }

    async fn update_upload(
        &self,
        id: UploadId,
        offset: u64,
        completed_hash: Option<&BlobHash>,
        now: i64,
    ) -> Result<()> {
        let completed_hash = completed_hash.map(ToString::to_string);
        self.with(move |conn| {
            conn.execute(
                "UPDATE uploads SET upload_offset = ?2, completed_hash = ?3, updated_at = ?4 WHERE id = ?1",
                params![id.0.to_string(), to_i64(offset), completed_hash, now],
            )
            .map_err(Error::db("updating an upload"))?;
            Ok(())
        })
        .await
    }

    async fn commit_upload_parts(
        &self,
        id: UploadId,
        from: u64,
        parts: &[UploadPart],
        now: i64,
    ) -> Result<bool> {
        let parts = parts.to_vec();
        let Some(end) = parts.last().map(|p| p.end) else {
            return Ok(true);
        };
        self.tx("committing upload parts", move |tx| {
            let context = "committing upload parts";
            let moved = tx
                .execute(
                    "UPDATE uploads SET upload_offset = ?3, updated_at = ?4
                     WHERE id = ?1 AND upload_offset = ?2 AND completed_hash IS NULL",
                    params![id.0.to_string(), to_i64(from), to_i64(end), now],
                )
                .map_err(Error::db(context))?;
            if moved == 0 {
                return Ok(false);
            }
            for part in &parts {
                tx.execute(
                    "INSERT INTO upload_parts (upload_id, start_offset, end_offset, object_key)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        id.0.to_string(),
                        to_i64(part.start),
                        to_i64(part.end),
                        part.key
                    ],
                )
                .map_err(Error::db(context))?;
            }
            Ok(true)
        })
        .await
    }

    async fn upload_parts(&self, id: UploadId) -> Result<Vec<UploadPart>> {
        self.read(move |conn| {
            let context = "listing upload parts";
            conn.prepare(
                "SELECT start_offset, end_offset, object_key FROM upload_parts
                 WHERE upload_id = ?1 ORDER BY start_offset",
            )
            .map_err(Error::db(context))?
            .query_map([id.0.to_string()], |r| {
                Ok(UploadPart {
                    start: to_u64(r.get(0)?),
                    end: to_u64(r.get(1)?),
                    key: r.get(2)?,
                })
            })
            .map_err(Error::db(context))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::db(context))
        })
        .await
    }

    async fn blob_lock(&self, mode: LockMode) -> Result<BlobLock> {
        let lock = Arc::clone(&self.blob_lock);
        Ok(match mode {
            LockMode::Shared => BlobLock::new(lock.read_owned().await),
            LockMode::Exclusive => BlobLock::new(lock.write_owned().await),
        })
    }

    async fn shared_secret(&self, name: &str, fresh: [u8; 32]) -> Result<[u8; 32]> {
        let name = name.to_owned();
        self.tx("loading a shared secret", move |tx| {
            let context = "loading a shared secret";
            tx.execute(
                "INSERT INTO server_secrets (name, secret) VALUES (?1, ?2)
                 ON CONFLICT (name) DO NOTHING",
                params![name, hex(&fresh)],
            )
            .map_err(Error::db(context))?;
            let stored: String = tx
                .query_row(
                    "SELECT secret FROM server_secrets WHERE name = ?1",
                    [&name],
                    |r| r.get(0),
                )
                .map_err(Error::db(context))?;
            parse_secret(&stored)
        })
        .await
    }

    async fn throttle_attempt(
        &self,
        keys: &[String],
        rules: ThrottleRules,
    ) -> Result<Option<Duration>> {
        // Most attempts of a known device change nothing (a Subsonic client authenticates every
        // request): decided on a reader, they do not queue for the writer. An attempt that
        // changes something is decided again inside the write transaction, on what it reads
        // there; one writer connection makes that read-modify-write atomic.
        let keys = keys.to_vec();
        let (quick_keys, quick_rules) = (keys.clone(), Arc::clone(&rules));
        let unchanged = self
            .read(move |conn| {
                let before = load_throttle(conn, &quick_keys)?;
                let mut after = before.clone();
                let verdict = quick_rules(&mut after);
                Ok((after == before).then_some(verdict))
            })
            .await?;
        if let Some(verdict) = unchanged {
            return Ok(verdict);
        }
        self.tx("updating the login throttle", move |tx| {
            let before = load_throttle(tx, &keys)?;
            let mut after = before.clone();
            let verdict = rules(&mut after);
            save_throttle(tx, &keys, &before, &after)?;
            Ok(verdict)
        })
        .await
    }

    async fn prune_throttle(&self, now: i64) -> Result<u64> {
        self.with(move |conn| {
            let removed = conn
                .execute("DELETE FROM login_throttle WHERE expires_at <= ?1", [now])
                .map_err(Error::db("pruning the login throttle"))?;
            Ok(u64::try_from(removed).unwrap_or(u64::MAX))
        })
        .await
    }

    async fn delete_upload(&self, user: UserId, id: UploadId) -> Result<bool> {
        self.with(move |conn| {
            let removed = conn
                .execute(
                    "DELETE FROM uploads WHERE id = ?1 AND user_id = ?2",
                    [id.0.to_string(), user.0.to_string()],
                )
                .map_err(Error::db("deleting an upload"))?;
            Ok(removed > 0)
        })
        .await
    }

    async fn upload_ids(&self) -> Result<Vec<UploadId>> {
        self.read(|conn| {
            let context = "listing uploads";
            let ids = conn
                .prepare("SELECT id FROM uploads")
                .map_err(Error::db(context))?
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            ids.iter().map(|id| Ok(UploadId(parse_uuid(id)?))).collect()
        })
        .await
    }

    async fn expire_uploads(&self, cutoff: i64) -> Result<Vec<UploadId>> {
        self.tx("expiring uploads", move |tx| {
            let context = "expiring uploads";
            let ids = tx
                .prepare("DELETE FROM uploads WHERE updated_at <= ?1 RETURNING id")
                .map_err(Error::db(context))?
                .query_map([cutoff], |r| r.get::<_, String>(0))
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            tx.execute("DELETE FROM challenges WHERE expires_at < ?1", [cutoff])
                .map_err(Error::db(context))?;
            ids.iter().map(|id| Ok(UploadId(parse_uuid(id)?))).collect()
        })
        .await
    }

    async fn create_challenge(&self, c: &ChallengeRecord) -> Result<()> {
        let c = c.clone();
        self.with(move |conn| {
            let nonce: String = c.nonce.iter().map(|b| format!("{b:02x}")).collect();
            conn.execute(
                "INSERT INTO challenges (id, user_id, hash, nonce, ranges, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![c.id.to_string(), c.user.0.to_string(), c.hash.to_string(), nonce, to_json(&c.ranges)?, c.expires_at],
            )
            .map_err(Error::db("creating a challenge"))?;
            Ok(())
        })
        .await
    }

    async fn take_challenge(
        &self,
        user: UserId,
        id: ChallengeId,
    ) -> Result<Option<ChallengeRecord>> {
        self.with(move |conn| {
            let row: Option<(String, String, String, i64)> = conn
                .query_row(
                    "DELETE FROM challenges WHERE id = ?1 AND user_id = ?2 RETURNING hash, nonce, ranges, expires_at",
                    [id.to_string(), user.0.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(Error::db("taking a challenge"))?;
            let Some((hash, nonce_hex, ranges, expires_at)) = row else { return Ok(None) };
            let mut nonce = [0u8; 32];
            for (i, byte) in nonce.iter_mut().enumerate() {
                *byte = nonce_hex
                    .get(i * 2..i * 2 + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .ok_or_else(|| Error::Corrupt("bad challenge nonce".into()))?;
            }
            let ranges: Vec<ByteRange> = from_json(&ranges)?;
            Ok(Some(ChallengeRecord { id, user, hash: parse_hash(hash)?, nonce, ranges, expires_at }))
        })
        .await
    }

    async fn create_track(
        &self,
        user: UserId,
        id: TrackId,
        hash: &BlobHash,
        metadata: &TrackMetadata,
    ) -> Result<CloudTrack> {
        let (hash, metadata) = (hash.clone(), metadata.clone());
        self.tx("creating a track", move |tx| {
            let context = "creating a track";
            let existing: Option<(String, i64)> = tx
                .query_row(
                    "SELECT hash, deleted FROM tracks WHERE user_id = ?1 AND id = ?2",
                    [user.0.to_string(), id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(Error::db(context))?;
            match existing {
                Some((existing_hash, 0)) if existing_hash == hash.as_str() => {
                    return load_track(tx, user, id)?.ok_or(Error::NotFound("track"));
                }
                Some((_, 0)) => return Err(Error::Conflict(format!("track {id} already exists"))),
                // A track the user removed and now puts back: it keeps its id, which the
                // device that uploads it again knows it by.
                Some(_) | None => {}
            }
            // The caller checked ownership; the blob can only be gone if garbage collection
            // ran in between, which makes it a missing blob, not a server failure.
            let size: i64 = tx
                .query_row("SELECT size FROM blobs WHERE hash = ?1", [hash.as_str()], |r| r.get(0))
                .optional()
                .map_err(Error::db(context))?
                .ok_or(Error::NotFound("blob"))?;
            let track = CloudTrack { id, blake3: hash, size: to_u64(size), metadata, revision: 0 };
            let mut stored = track.clone();
            let seq = record_change(tx, user, |seq| {
                stored.revision = seq;
                ChangeEvent::TrackUpserted { track: Box::new(stored.clone()) }
            })?;
            tx.execute(
                "INSERT INTO tracks (user_id, id, hash, size, metadata, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (user_id, id) DO UPDATE SET hash = excluded.hash, size = excluded.size,
                    metadata = excluded.metadata, revision = excluded.revision, deleted = 0",
                params![user.0.to_string(), id.to_string(), track.blake3.as_str(), size, to_json(&track.metadata)?, to_i64(seq)],
            )
            .map_err(Error::db(context))?;
            let track = CloudTrack { revision: seq, ..track };
            catalog::index(tx, user, &track, now_seconds())?;
            Ok(track)
        })
        .await
    }

    async fn list_tracks(&self, user: UserId) -> Result<Vec<CloudTrack>> {
        self.read(move |conn| {
            let context = "listing tracks";
            let rows = conn
                .prepare(&format!(
                    "SELECT {TRACK_COLUMNS} FROM tracks WHERE user_id = ?1 AND deleted = 0 ORDER BY revision"
                ))
                .map_err(Error::db(context))?
                .query_map([user.0.to_string()], track_from_row)
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            rows.into_iter().map(build_track).collect()
        })
        .await
    }

    async fn track(&self, user: UserId, id: TrackId) -> Result<Option<CloudTrack>> {
        self.read(move |conn| load_track(conn, user, id)).await
    }

    async fn track_for_token(
        &self,
        token_hash: &str,
        id: TrackId,
    ) -> Result<Option<(UserId, Option<CloudTrack>)>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            let row = conn
                .query_row(
                    "SELECT s.user_id, t.id, t.hash, t.size, t.metadata, t.revision
                     FROM sessions s LEFT JOIN tracks t
                       ON t.user_id = s.user_id AND t.id = ?2 AND t.deleted = 0
                     WHERE s.token_hash = ?1",
                    [token_hash, id.to_string()],
                    |r| {
                        let user: String = r.get(0)?;
                        let track: Option<String> = r.get(1)?;
                        let raw = match track {
                            Some(track) => {
                                Some((track, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                            }
                            None => None,
                        };
                        Ok((user, raw))
                    },
                )
                .optional()
                .map_err(Error::db("resolving a token and a track"))?;
            let Some((user, raw)) = row else {
                return Ok(None);
            };
            Ok(Some((
                UserId(parse_uuid(&user)?),
                raw.map(build_track).transpose()?,
            )))
        })
        .await
    }

    async fn tracks_for_blob(&self, user: UserId, hash: &BlobHash) -> Result<Vec<TrackId>> {
        let hash = hash.to_string();
        self.read(move |conn| {
            let context = "finding tracks of a blob";
            let ids = conn
                .prepare("SELECT id FROM tracks WHERE user_id = ?1 AND hash = ?2 AND deleted = 0 ORDER BY id")
                .map_err(Error::db(context))?
                .query_map([user.0.to_string(), hash], |r| r.get::<_, String>(0))
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            ids.iter().map(|id| Ok(TrackId(parse_uuid(id)?))).collect()
        })
        .await
    }

    async fn update_track(
        &self,
        user: UserId,
        id: TrackId,
        metadata: &TrackMetadata,
    ) -> Result<Option<CloudTrack>> {
        let metadata = metadata.clone();
        self.tx("updating a track", move |tx| {
            change_metadata(tx, user, id, |current| *current = metadata)
        })
        .await
    }

    async fn patch_track(
        &self,
        user: UserId,
        id: TrackId,
        patch: &MetadataPatch,
    ) -> Result<Option<CloudTrack>> {
        let patch = patch.clone();
        self.tx("patching a track", move |tx| {
            change_metadata(tx, user, id, |current| patch.apply(current))
        })
        .await
    }

    async fn delete_track(&self, user: UserId, id: TrackId) -> Result<bool> {
        self.tx("deleting a track", move |tx| {
            if load_track(tx, user, id)?.is_none() {
                return Ok(false);
            }
            let seq = record_change(tx, user, |_| ChangeEvent::TrackDeleted { track_id: id })?;
            tx.execute(
                "UPDATE tracks SET deleted = 1, revision = ?3 WHERE user_id = ?1 AND id = ?2",
                params![user.0.to_string(), id.to_string(), to_i64(seq)],
            )
            .map_err(Error::db("deleting a track"))?;
            catalog::unindex(tx, user, id)?;
            Ok(true)
        })
        .await
    }

    async fn apply_playlist_ops(&self, user: UserId, ops: &[PlaylistOp]) -> Result<Vec<OpResult>> {
        let ops = ops.to_vec();
        self.tx("applying playlist operations", move |tx| {
            ops.iter().map(|op| apply_op(tx, user, op)).collect()
        })
        .await
    }

    async fn playlists(&self, user: UserId) -> Result<PlaylistsResponse> {
        self.read(move |conn| {
            let context = "listing playlists";
            // One read transaction: playlists, entries and the sequence number agree.
            let snapshot = conn.transaction().map_err(Error::db(context))?;
            let conn: &Connection = &snapshot;
            let uid = user.0.to_string();
            let seq: i64 = conn
                .query_row("SELECT last_seq FROM users WHERE id = ?1", [&uid], |r| r.get(0))
                .map_err(Error::db(context))?;
            let lists = conn
                .prepare("SELECT id, name FROM playlists WHERE user_id = ?1 AND deleted = 0 ORDER BY name, id")
                .map_err(Error::db(context))?
                .query_map([&uid], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            let mut entries_stmt = conn
                .prepare(
                    "SELECT id, track_id, position FROM playlist_entries
                     WHERE user_id = ?1 AND playlist_id = ?2 AND deleted = 0 ORDER BY position, id",
                )
                .map_err(Error::db(context))?;
            let mut playlists = Vec::with_capacity(lists.len());
            for (id, name) in lists {
                let playlist_id = PlaylistId(parse_uuid(&id)?);
                let rows = entries_stmt
                    .query_map([&uid, &id], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                    })
                    .map_err(Error::db(context))?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(Error::db(context))?;
                let entries = rows
                    .into_iter()
                    .map(|(entry, track, position)| {
                        Ok(PlaylistEntry {
                            id: EntryId(parse_uuid(&entry)?),
                            playlist_id,
                            track_id: TrackId(parse_uuid(&track)?),
                            position: parse_position(&position)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                playlists.push(Playlist { id: playlist_id, name, entries });
            }
            Ok(PlaylistsResponse { playlists, seq: to_u64(seq) })
        })
        .await
    }

    async fn changes(&self, user: UserId, since: u64, limit: u32) -> Result<ChangesResponse> {
        self.read(move |conn| {
            let context = "reading the change feed";
            let rows = conn
                .prepare("SELECT seq, event FROM changes WHERE user_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")
                .map_err(Error::db(context))?
                .query_map(
                    params![user.0.to_string(), to_i64(since), i64::from(limit) + 1],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
                )
                .map_err(Error::db(context))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::db(context))?;
            let more = rows.len() > limit as usize;
            let changes = rows
                .into_iter()
                .take(limit as usize)
                .map(|(seq, event)| Ok(Change { seq: to_u64(seq), event: from_json(&event)? }))
                .collect::<Result<Vec<_>>>()?;
            let next = changes.last().map_or(since, |c| c.seq);
            Ok(ChangesResponse { changes, next, more })
        })
        .await
    }
}

/// The user's playlists as the rules in [`crate::playlists`] see them, inside the transaction.
struct SqlPlaylistView<'a> {
    tx: &'a Transaction<'a>,
    uid: String,
}

const OP_CONTEXT: &str = "applying a playlist operation";

fn liveness(deleted: i64) -> Liveness {
    if deleted == 0 {
        Liveness::Live
    } else {
        Liveness::Tombstone
    }
}

impl PlaylistView for SqlPlaylistView<'_> {
    fn playlist(&self, id: PlaylistId) -> Result<Option<Liveness>> {
        let deleted: Option<i64> = self
            .tx
            .query_row(
                "SELECT deleted FROM playlists WHERE user_id = ?1 AND id = ?2",
                [&self.uid, &id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(Error::db(OP_CONTEXT))?;
        Ok(deleted.map(liveness))
    }

    fn entry(&self, id: EntryId) -> Result<Option<StoredEntry>> {
        let row: Option<(i64, String, String)> = self
            .tx
            .query_row(
                "SELECT deleted, playlist_id, track_id FROM playlist_entries WHERE user_id = ?1 AND id = ?2",
                [&self.uid, &id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(Error::db(OP_CONTEXT))?;
        row.map(|(deleted, playlist, track)| {
            Ok(StoredEntry {
                liveness: liveness(deleted),
                playlist_id: PlaylistId(parse_uuid(&playlist)?),
                track_id: TrackId(parse_uuid(&track)?),
            })
        })
        .transpose()
    }

    fn track_exists(&self, id: TrackId) -> Result<bool> {
        let found: Option<i64> = self
            .tx
            .query_row(
                "SELECT 1 FROM tracks WHERE user_id = ?1 AND id = ?2",
                [&self.uid, &id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(Error::db(OP_CONTEXT))?;
        Ok(found.is_some())
    }
}

/// Applies one playlist operation inside the batch's transaction: dedupe by op id, let the
/// rules decide, then write the effect under the next sequence number.
fn apply_op(tx: &Transaction<'_>, user: UserId, op: &PlaylistOp) -> Result<OpResult> {
    let uid = user.0.to_string();
    let fresh = tx
        .execute(
            "INSERT INTO applied_ops (user_id, op_id) VALUES (?1, ?2) ON CONFLICT (user_id, op_id) DO NOTHING",
            [&uid, &op.op_id.to_string()],
        )
        .map_err(Error::db(OP_CONTEXT))?;
    let result = |status, seq, reason: Option<&str>| OpResult {
        op_id: op.op_id,
        status,
        seq,
        reason: reason.map(str::to_owned),
    };
    if fresh == 0 {
        return Ok(result(OpStatus::Duplicate, None, None));
    }
    let view = SqlPlaylistView {
        tx,
        uid: uid.clone(),
    };
    let effect = match playlists::decide(&view, &op.action)? {
        Ok(effect) => effect,
        Err(reason) => return Ok(result(OpStatus::Rejected, None, Some(reason))),
    };
    let seq = record_change(tx, user, |_| effect.event())?;
    let write = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<()> {
        tx.execute(sql, params).map_err(Error::db(OP_CONTEXT))?;
        Ok(())
    };
    match &effect {
        Effect::CreatePlaylist(p) => write(
            "INSERT INTO playlists (user_id, id, name) VALUES (?1, ?2, ?3)",
            params![uid, p.id.to_string(), p.name],
        )?,
        Effect::RenamePlaylist(p) => write(
            "UPDATE playlists SET name = ?3 WHERE user_id = ?1 AND id = ?2",
            params![uid, p.id.to_string(), p.name],
        )?,
        Effect::DeletePlaylist(id) => write(
            "UPDATE playlists SET deleted = 1 WHERE user_id = ?1 AND id = ?2",
            params![uid, id.to_string()],
        )?,
        Effect::AddEntry(e) => write(
            "INSERT INTO playlist_entries (user_id, id, playlist_id, track_id, position) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                uid,
                e.id.to_string(),
                e.playlist_id.to_string(),
                e.track_id.to_string(),
                e.position.as_str()
            ],
        )?,
        Effect::RemoveEntry { entry_id, .. } => write(
            "UPDATE playlist_entries SET deleted = 1 WHERE user_id = ?1 AND id = ?2",
            params![uid, entry_id.to_string()],
        )?,
        Effect::MoveEntry(e) => write(
            "UPDATE playlist_entries SET position = ?3 WHERE user_id = ?1 AND id = ?2",
            params![uid, e.id.to_string(), e.position.as_str()],
        )?,
    }
    Ok(result(OpStatus::Applied, Some(seq), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_are_idempotent_and_data_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.db");
        let store = SqliteStore::open(&path).unwrap();
        let user = store.create_user("ann", "hash", "sealed", 1).await.unwrap();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        let found = store.user_by_name("ann").await.unwrap().unwrap();
        assert_eq!(found.id, user);
        assert!(matches!(
            store.create_user("ann", "h", "s", 2).await,
            Err(Error::UserExists(_))
        ));
    }
}
