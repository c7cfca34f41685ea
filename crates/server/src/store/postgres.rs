//! The [`MetadataStore`] on PostgreSQL, for several server replicas sharing one database (the
//! SQLite store is one file owned by one process).
//!
//! Same use cases, same results and orders as the SQLite store, checked by one contract suite
//! that runs against both. What differs is what makes each use case safe. SQLite has one writer,
//! so a check followed by a write (a quota, an op id seen before, the next sequence number) was
//! atomic by accident; here any number of processes write at once. So every write transaction
//! about one user starts by locking that user's row ([`lock_user`], `SELECT … FOR UPDATE`): one
//! user's writes run one at a time across every replica, other users' in parallel, and
//! transactions stay READ COMMITTED, where each statement after the lock sees everything
//! committed before it. Server-wide work takes advisory locks instead (migrations, garbage
//! collection, the blob lock).
//!
//! The schema is SQL files in `migrations/postgres`, applied at start in order, each in its
//! own transaction under an advisory lock so replicas starting together do not race; a
//! database migrated by a newer build is refused.

mod catalog;

use super::rows::{from_json, parse_hash, parse_position, to_i64, to_json, to_u64};
use super::{
    ApiKeyRecord, BlobLock, ChallengeRecord, LockMode, MetadataStore, ThrottleEntry, ThrottleRules,
    UploadId, UploadPart, UploadRecord, UserId, UserRecord, hex, parse_secret,
};
use crate::error::{Error, Result};
use crate::playlists::{self, Effect, Liveness, PlaylistView, StoredEntry};
use async_trait::async_trait;
use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Object, Pool, RecyclingMethod, Transaction,
};
use std::collections::HashMap;
use std::time::Duration;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{IsolationLevel, NoTls, Row};
use tonearm_protocol::{
    BlobHash, ByteRange, ChallengeId, Change, ChangeEvent, ChangesResponse, CloudTrack, EntryId,
    MetadataPatch, OpResult, OpStatus, Playlist, PlaylistAction, PlaylistEntry, PlaylistId,
    PlaylistOp, PlaylistsResponse, SessionId, SessionInfo, TrackId, TrackMetadata,
};
use uuid::Uuid;

/// Schema versions, applied in order; `schema_migrations` records which a database has.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_schema.sql"),
    include_str!("../../migrations/postgres/0002_song_totals.sql"),
    include_str!("../../migrations/postgres/0003_song_initials.sql"),
    include_str!("../../migrations/postgres/0004_search_version.sql"),
];

/// Advisory lock keys: "tonearm" in ASCII, then which lock.
const MIGRATION_LOCK: i64 = 0x746f_6e65_6172_6d01;
const BLOB_LOCK: i64 = 0x746f_6e65_6172_6d02;
const GC_LOCK: i64 = 0x746f_6e65_6172_6d03;
/// The login throttle's keys are locked in the two-number key space (apart from the one-number
/// keys above): this namespace, and a hash of the key.
const THROTTLE_LOCKS: i32 = 0x746f_6e65;

/// Connections per pool when the configuration names no size.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// How long connecting may take when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL metadata store: a pool of connections. Cheap to clone.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// Connections that hold the blob lock, a pool of their own: a holder goes on to use
    /// `pool`, so holders taking connections from it could leave none for themselves.
    locks: Pool,
    /// How many of a user's songs each search word starts, kept between searches.
    word_hits: std::sync::Arc<catalog::WordHits>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .finish_non_exhaustive()
    }
}

fn pool(url: &str, size: usize) -> Result<Pool> {
    let mut config = parse(url)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size.max(1))
        .build()
        .map_err(|e| Error::Config(format!("cannot make a PostgreSQL pool: {e}")))
}

fn parse(url: &str) -> Result<tokio_postgres::Config> {
    url.parse()
        .map_err(|e| Error::Config(format!("invalid PostgreSQL URL: {e}")))
}

/// The first connection of a pool, or why there is none in one sentence that names the server
/// (never the password): what someone starting a server with a wrong URL needs to read.
async fn first_connection(pool: &Pool, url: &str) -> Result<Object> {
    pool.get().await.map_err(|error| {
        let config = parse(url).ok();
        let host = config.as_ref().and_then(|c| match c.get_hosts().first()? {
            tokio_postgres::config::Host::Tcp(host) => Some(host.clone()),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => Some(path.display().to_string()),
        });
        let port = config.as_ref().and_then(|c| c.get_ports().first().copied());
        let database = config
            .as_ref()
            .and_then(|c| c.get_dbname().map(str::to_owned));
        let cause = match &error {
            // The server's own words ("role x does not exist"), else the network's
            // ("Connection refused"), which tokio-postgres keeps as the source.
            deadpool_postgres::PoolError::Backend(e) => match e.as_db_error() {
                Some(db) => db.message().to_owned(),
                None => std::error::Error::source(e)
                    .map_or_else(|| e.to_string(), |source| format!("{e}: {source}")),
            },
            other => other.to_string(),
        };
        Error::Config(format!(
            "cannot connect to PostgreSQL at {}:{}/{}: {cause}",
            host.as_deref().unwrap_or("localhost"),
            port.unwrap_or(5432),
            database.as_deref().unwrap_or("")
        ))
    })
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) with
    /// [`DEFAULT_POOL_SIZE`] connections, checks that it answers and brings its schema up to
    /// date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, DEFAULT_POOL_SIZE).await
    }

    /// [`connect`](Self::connect) with at most `pool_size` connections.
    pub async fn connect_with(url: &str, pool_size: usize) -> Result<Self> {
        let store = Self {
            pool: pool(url, pool_size)?,
            locks: pool(url, pool_size)?,
            word_hits: std::sync::Arc::default(),
        };
        migrate(&mut first_connection(&store.pool, url).await?).await?;
        Ok(store)
    }

    /// Brings the schema of the database at `url` up to date and disconnects (`migrate`
    /// before a rolling upgrade, say).
    pub async fn migrate_only(url: &str) -> Result<()> {
        let pool = pool(url, 1)?;
        migrate(&mut first_connection(&pool, url).await?).await
    }

    async fn client(&self) -> Result<Object> {
        self.pool
            .get()
            .await
            .map_err(Error::db("connecting to PostgreSQL"))
    }
}

/// Applies the migrations the database lacks, one transaction each; every transaction first
/// takes the migration lock and reads the version again, so a replica that waited finds the
/// work done. A database that held data is vacuumed after its upgrade: a migration that
/// rewrites a table (adding a computed column) leaves it without a visibility map, so its
/// index-only scans would read every row they step over until autovacuum came by, which
/// a rewrite does not prompt.
async fn migrate(client: &mut Object) -> Result<()> {
    let context = "migrating the schema";
    let supported = i64::try_from(MIGRATIONS.len()).expect("few migrations");
    let mut upgraded = false;
    loop {
        let tx = client.transaction().await.map_err(Error::db(context))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(Error::db(context))?;
        // Created if missing, asked first: `IF NOT EXISTS` would log a notice at every start.
        let known: bool = tx
            .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
            .await
            .map_err(Error::db(context))?
            .get(0);
        if !known {
            tx.batch_execute("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY)")
                .await
                .map_err(Error::db(context))?;
        }
        let applied: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(Error::db(context))?
            .get(0);
        if applied > supported {
            return Err(Error::SchemaTooNew {
                found: applied,
                supported,
            });
        }
        let Some(sql) = usize::try_from(applied)
            .ok()
            .and_then(|i| MIGRATIONS.get(i))
        else {
            tx.commit().await.map_err(Error::db(context))?;
            if upgraded {
                client
                    .batch_execute("VACUUM (ANALYZE)")
                    .await
                    .map_err(Error::db("vacuuming after the upgrade"))?;
            }
            return Ok(());
        };
        upgraded |= applied > 0;
        tx.batch_execute(sql).await.map_err(Error::db(context))?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&(applied + 1)],
        )
        .await
        .map_err(Error::db(context))?;
        tx.commit().await.map_err(Error::db(context))?;
    }
}

// --- small helpers over prepared (and cached) statements ---

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

async fn query(
    c: &impl GenericClient,
    context: &'static str,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>> {
    let stmt = c.prepare_cached(sql).await.map_err(Error::db(context))?;
    c.query(&stmt, params).await.map_err(Error::db(context))
}

async fn query_opt(
    c: &impl GenericClient,
    context: &'static str,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>> {
    let stmt = c.prepare_cached(sql).await.map_err(Error::db(context))?;
    c.query_opt(&stmt, params).await.map_err(Error::db(context))
}

async fn query_one(
    c: &impl GenericClient,
    context: &'static str,
    sql: &str,
    params: Params<'_>,
) -> Result<Row> {
    let stmt = c.prepare_cached(sql).await.map_err(Error::db(context))?;
    c.query_one(&stmt, params).await.map_err(Error::db(context))
}

async fn execute(
    c: &impl GenericClient,
    context: &'static str,
    sql: &str,
    params: Params<'_>,
) -> Result<u64> {
    let stmt = c.prepare_cached(sql).await.map_err(Error::db(context))?;
    c.execute(&stmt, params).await.map_err(Error::db(context))
}

/// Column `index` of `row`; a type that does not match is an error, not a panic.
fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T> {
    row.try_get(index).map_err(Error::db("reading a row"))
}

async fn begin<'a>(client: &'a mut Object, context: &'static str) -> Result<Transaction<'a>> {
    client.transaction().await.map_err(Error::db(context))
}

async fn commit(tx: Transaction<'_>, context: &'static str) -> Result<()> {
    tx.commit().await.map_err(Error::db(context))
}

/// Serialises this user's writes across every process: see the module docs. Taken first in
/// each write transaction about one user.
async fn lock_user(tx: &Transaction<'_>, user: UserId) -> Result<()> {
    query_opt(
        tx,
        "locking a user",
        "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
        &[&user.0],
    )
    .await?;
    Ok(())
}

/// Allocates a sequence number and appends `event` to the change feed under it. The user's
/// row is locked, so numbers are handed out one at a time, and a transaction that rolls back
/// takes its number back with it: the sequence has no gaps.
async fn record_change(
    tx: &Transaction<'_>,
    user: UserId,
    make: impl FnOnce(u64) -> ChangeEvent + Send,
) -> Result<u64> {
    let seq: i64 = get(
        &query_one(
            tx,
            "allocating a sequence number",
            "UPDATE users SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
            &[&user.0],
        )
        .await?,
        0,
    )?;
    let event = to_json(&make(to_u64(seq)))?;
    execute(
        tx,
        "recording a change",
        "INSERT INTO changes (user_id, seq, event) VALUES ($1, $2, $3)",
        &[&user.0, &seq, &event],
    )
    .await?;
    Ok(to_u64(seq))
}

const TRACK_COLUMNS: &str = "id, hash, size, metadata, revision";

/// A track from [`TRACK_COLUMNS`] starting at column `first`.
fn track_at(row: &Row, first: usize) -> Result<CloudTrack> {
    Ok(CloudTrack {
        id: TrackId(get(row, first)?),
        blake3: parse_hash(get(row, first + 1)?)?,
        size: to_u64(get(row, first + 2)?),
        metadata: from_json(get(row, first + 3)?)?,
        revision: to_u64(get(row, first + 4)?),
    })
}

async fn load_track(
    c: &impl GenericClient,
    user: UserId,
    id: TrackId,
) -> Result<Option<CloudTrack>> {
    query_opt(
        c,
        "loading a track",
        &format!(
            "SELECT {TRACK_COLUMNS} FROM tracks WHERE user_id = $1 AND id = $2 AND NOT deleted"
        ),
        &[&user.0, &id.0],
    )
    .await?
    .map(|row| track_at(&row, 0))
    .transpose()
}

/// Changes a track's metadata with `change` and, when that changed anything, announces the
/// track under a new revision: whole replacements and field-by-field patches alike.
async fn change_metadata(
    tx: &Transaction<'_>,
    user: UserId,
    id: TrackId,
    change: impl FnOnce(&mut TrackMetadata) + Send,
) -> Result<Option<CloudTrack>> {
    lock_user(tx, user).await?;
    let Some(mut track) = load_track(tx, user, id).await? else {
        return Ok(None);
    };
    let before = track.metadata.clone();
    change(&mut track.metadata);
    if track.metadata == before {
        return Ok(Some(track));
    }
    let announced = track.clone();
    let seq = record_change(tx, user, |seq| ChangeEvent::TrackUpserted {
        track: Box::new(CloudTrack {
            revision: seq,
            ..announced
        }),
    })
    .await?;
    track.revision = seq;
    execute(
        tx,
        "changing a track's metadata",
        "UPDATE tracks SET metadata = $3, revision = $4 WHERE user_id = $1 AND id = $2",
        &[&user.0, &id.0, &to_json(&track.metadata)?, &to_i64(seq)],
    )
    .await?;
    catalog::index(tx, user, &track, crate::state::now()).await?;
    Ok(Some(track))
}

const UPLOAD_COLUMNS: &str =
    "id, user_id, length, upload_offset, declared_hash, metadata, completed_hash, updated_at";

fn upload_from(row: &Row) -> Result<UploadRecord> {
    let hash = |index| -> Result<Option<BlobHash>> {
        get::<Option<String>>(row, index)?
            .map(parse_hash)
            .transpose()
    };
    Ok(UploadRecord {
        id: UploadId(get(row, 0)?),
        user: UserId(get(row, 1)?),
        length: to_u64(get(row, 2)?),
        offset: to_u64(get(row, 3)?),
        declared_hash: hash(4)?,
        metadata: get(row, 5)?,
        completed_hash: hash(6)?,
        updated_at: get(row, 7)?,
    })
}

const USER_COLUMNS: &str = "id, username, password_hash, created_at, sealed_password";

fn user_from(row: &Row) -> Result<UserRecord> {
    Ok(UserRecord {
        id: UserId(get(row, 0)?),
        username: get(row, 1)?,
        password_hash: get(row, 2)?,
        created_at: get(row, 3)?,
        sealed_password: get(row, 4)?,
    })
}

/// The login throttle's entries under `keys`, in order.
async fn load_throttle(
    c: &impl GenericClient,
    keys: &[String],
) -> Result<Vec<Option<ThrottleEntry>>> {
    let mut found = HashMap::new();
    for row in query(
        c,
        "reading the login throttle",
        "SELECT key, level, at_ms, expires_at FROM login_throttle WHERE key = ANY($1)",
        &[&keys],
    )
    .await?
    {
        let entry = ThrottleEntry {
            level: get(&row, 1)?,
            at_ms: get(&row, 2)?,
            expires_at: get(&row, 3)?,
        };
        found.insert(get::<String>(&row, 0)?, entry);
    }
    Ok(keys.iter().map(|key| found.get(key).copied()).collect())
}

/// Writes the entries under `keys` that differ between `before` and `after`.
async fn save_throttle(
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
            Some(entry) => {
                execute(
                    tx,
                    context,
                    "INSERT INTO login_throttle (key, level, at_ms, expires_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (key) DO UPDATE SET level = excluded.level,
                        at_ms = excluded.at_ms, expires_at = excluded.expires_at",
                    &[key, &entry.level, &entry.at_ms, &entry.expires_at],
                )
                .await?
            }
            None => {
                execute(
                    tx,
                    context,
                    "DELETE FROM login_throttle WHERE key = $1",
                    &[key],
                )
                .await?
            }
        };
    }
    Ok(())
}

/// A held blob lock: a session-level advisory lock on a connection of the lock pool. Dropped,
/// it unlocks and gives the connection back; if it cannot (no runtime, a broken connection) or
/// the lock was never confirmed (the caller gave up waiting), the connection is closed instead,
/// which releases whatever the session held: a pooled connection must never keep the lock.
struct HeldLock {
    client: Option<Object>,
    unlock: &'static str,
    locked: bool,
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let runtime = tokio::runtime::Handle::try_current();
        match runtime {
            Ok(runtime) if self.locked => {
                let unlock = self.unlock;
                runtime.spawn(async move {
                    if client.execute(unlock, &[&BLOB_LOCK]).await.is_err() {
                        drop(Object::take(client));
                    }
                });
            }
            _ => drop(Object::take(client)),
        }
    }
}

#[async_trait]
impl MetadataStore for PostgresStore {
    async fn ping(&self) -> Result<()> {
        query_one(
            &self.client().await?,
            "checking the database",
            "SELECT 1",
            &[],
        )
        .await?;
        Ok(())
    }

    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        sealed_password: &str,
        now: i64,
    ) -> Result<UserId> {
        let id = UserId(Uuid::new_v4());
        let inserted = execute(
            &self.client().await?,
            "creating a user",
            "INSERT INTO users (id, username, password_hash, sealed_password, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING",
            &[&id.0, &username, &password_hash, &sealed_password, &now],
        )
        .await?;
        if inserted == 0 {
            return Err(Error::UserExists(username.to_owned()));
        }
        Ok(id)
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        query(
            &self.client().await?,
            "listing users",
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"),
            &[],
        )
        .await?
        .iter()
        .map(user_from)
        .collect()
    }

    async fn username(&self, user: UserId) -> Result<Option<String>> {
        query_opt(
            &self.client().await?,
            "looking up a user",
            "SELECT username FROM users WHERE id = $1",
            &[&user.0],
        )
        .await?
        .map(|row| get(&row, 0))
        .transpose()
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        query_opt(
            &self.client().await?,
            "looking up a user",
            &format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"),
            &[&username],
        )
        .await?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        sealed_password: &str,
    ) -> Result<bool> {
        let context = "changing a password";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        let Some(row) = query_opt(
            &tx,
            context,
            "UPDATE users SET password_hash = $2, sealed_password = $3 WHERE username = $1
             RETURNING id",
            &[&username, &password_hash, &sealed_password],
        )
        .await?
        else {
            return Ok(false);
        };
        let id: Uuid = get(&row, 0)?;
        execute(
            &tx,
            context,
            "DELETE FROM sessions WHERE user_id = $1",
            &[&id],
        )
        .await?;
        commit(tx, context).await?;
        Ok(true)
    }

    async fn set_sealed_password(&self, user: UserId, sealed_password: &str) -> Result<()> {
        execute(
            &self.client().await?,
            "keeping a password for Subsonic",
            "UPDATE users SET sealed_password = $2 WHERE id = $1",
            &[&user.0, &sealed_password],
        )
        .await?;
        Ok(())
    }

    async fn create_api_key(&self, user: UserId, key: &ApiKeyRecord, key_hash: &str) -> Result<()> {
        execute(
            &self.client().await?,
            "creating an API key",
            "INSERT INTO api_keys (id, user_id, name, key_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&key.id, &user.0, &key.name, &key_hash, &key.created_at],
        )
        .await?;
        Ok(())
    }

    async fn api_keys(&self, user: UserId) -> Result<Vec<ApiKeyRecord>> {
        query(
            &self.client().await?,
            "listing API keys",
            "SELECT id, name, created_at FROM api_keys WHERE user_id = $1 ORDER BY created_at, id",
            &[&user.0],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(ApiKeyRecord {
                id: get(row, 0)?,
                name: get(row, 1)?,
                created_at: get(row, 2)?,
            })
        })
        .collect()
    }

    async fn user_by_api_key(&self, key_hash: &str) -> Result<Option<UserRecord>> {
        query_opt(
            &self.client().await?,
            "looking up an API key",
            "SELECT u.id, u.username, u.password_hash, u.created_at, u.sealed_password
             FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1",
            &[&key_hash],
        )
        .await?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    async fn delete_api_key(&self, user: UserId, id: &str) -> Result<bool> {
        let removed = execute(
            &self.client().await?,
            "revoking an API key",
            "DELETE FROM api_keys WHERE user_id = $1 AND id = $2",
            &[&user.0, &id],
        )
        .await?;
        Ok(removed > 0)
    }

    async fn remove_user(&self, username: &str) -> Result<bool> {
        // Everything the user owns goes with the row (`ON DELETE CASCADE`), the search index
        // included: it is a column of the songs.
        let removed = execute(
            &self.client().await?,
            "removing a user",
            "DELETE FROM users WHERE username = $1",
            &[&username],
        )
        .await?;
        Ok(removed > 0)
    }

    async fn create_session(
        &self,
        user: UserId,
        device: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<SessionInfo> {
        let id = SessionId::new_random();
        execute(
            &self.client().await?,
            "creating a session",
            "INSERT INTO sessions (id, user_id, device, token_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&id.0, &user.0, &device, &token_hash, &now],
        )
        .await?;
        Ok(SessionInfo {
            id,
            device: device.to_owned(),
            created_at: now,
            current: true,
        })
    }

    async fn session_by_token(&self, token_hash: &str) -> Result<Option<(SessionId, UserId)>> {
        query_opt(
            &self.client().await?,
            "checking a token",
            "SELECT id, user_id FROM sessions WHERE token_hash = $1",
            &[&token_hash],
        )
        .await?
        .map(|row| Ok((SessionId(get(&row, 0)?), UserId(get(&row, 1)?))))
        .transpose()
    }

    async fn list_sessions(&self, user: UserId) -> Result<Vec<SessionInfo>> {
        query(
            &self.client().await?,
            "listing sessions",
            "SELECT id, device, created_at FROM sessions WHERE user_id = $1
             ORDER BY created_at, id",
            &[&user.0],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(SessionInfo {
                id: SessionId(get(row, 0)?),
                device: get(row, 1)?,
                created_at: get(row, 2)?,
                current: false,
            })
        })
        .collect()
    }

    async fn delete_session(&self, user: UserId, session: SessionId) -> Result<bool> {
        let removed = execute(
            &self.client().await?,
            "revoking a session",
            "DELETE FROM sessions WHERE user_id = $1 AND id = $2",
            &[&user.0, &session.0],
        )
        .await?;
        Ok(removed > 0)
    }

    async fn blob_size(&self, hash: &BlobHash) -> Result<Option<u64>> {
        query_opt(
            &self.client().await?,
            "looking up a blob",
            "SELECT size FROM blobs WHERE hash = $1",
            &[&hash.as_str()],
        )
        .await?
        .map(|row| Ok(to_u64(get(&row, 0)?)))
        .transpose()
    }

    async fn owns_blob(&self, user: UserId, hash: &BlobHash) -> Result<bool> {
        let row = query_opt(
            &self.client().await?,
            "checking blob ownership",
            "SELECT 1 FROM blob_owners WHERE user_id = $1 AND hash = $2",
            &[&user.0, &hash.as_str()],
        )
        .await?;
        Ok(row.is_some())
    }

    async fn removed_by_user(&self, user: UserId, hash: &BlobHash) -> Result<bool> {
        get(
            &query_one(
                &self.client().await?,
                "looking up removed tracks",
                "SELECT EXISTS (SELECT 1 FROM tracks WHERE user_id = $1 AND hash = $2 AND deleted)
                    AND NOT EXISTS (SELECT 1 FROM tracks
                                    WHERE user_id = $1 AND hash = $2 AND NOT deleted)",
                &[&user.0, &hash.as_str()],
            )
            .await?,
            0,
        )
    }

    async fn add_blob(&self, user: UserId, hash: &BlobHash, size: u64, now: i64) -> Result<()> {
        let context = "recording a blob";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        // Inserts the row, or locks the existing one without changing it (`WHERE false`), so a
        // concurrent garbage collection either deleted it before (and this inserts it again)
        // or skips it (see `collect_garbage`).
        execute(
            &tx,
            context,
            "INSERT INTO blobs (hash, size, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (hash) DO UPDATE SET size = blobs.size WHERE false",
            &[&hash.as_str(), &to_i64(size), &now],
        )
        .await?;
        execute(
            &tx,
            context,
            "INSERT INTO blob_owners (user_id, hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, hash) DO UPDATE SET created_at = excluded.created_at",
            &[&user.0, &hash.as_str(), &now],
        )
        .await?;
        commit(tx, context).await
    }

    async fn usage(&self, user: UserId) -> Result<u64> {
        let used: i64 = get(
            &query_one(
                &self.client().await?,
                "computing usage",
                "SELECT (COALESCE((SELECT SUM(b.size) FROM blob_owners o JOIN blobs b ON b.hash = o.hash
                                   WHERE o.user_id = $1), 0)
                       + COALESCE((SELECT SUM(length) FROM uploads
                                   WHERE user_id = $1 AND completed_hash IS NULL), 0))::BIGINT",
                &[&user.0],
            )
            .await?,
            0,
        )?;
        Ok(to_u64(used))
    }

    async fn collect_garbage(&self, link_cutoff: i64) -> Result<Vec<BlobHash>> {
        let context = "collecting garbage";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        // One collection at a time across replicas; the next one then finds what is left.
        execute(
            &tx,
            context,
            "SELECT pg_advisory_xact_lock($1)",
            &[&GC_LOCK],
        )
        .await?;
        execute(
            &tx,
            context,
            "DELETE FROM blob_owners WHERE created_at <= $1 AND NOT EXISTS (
                 SELECT 1 FROM tracks t WHERE t.user_id = blob_owners.user_id
                 AND t.hash = blob_owners.hash AND NOT t.deleted)",
            &[&link_cutoff],
        )
        .await?;
        const UNUSED: &str = "NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.hash = b.hash)
             AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.declared_hash = b.hash
                             AND u.completed_hash IS NULL)";
        // Candidates are locked first, skipping those a publication is linking right now
        // (`add_blob` locks its row); the delete then checks them again with a fresh view, so
        // a link committed in between keeps its blob.
        let candidates: Vec<String> = query(
            &tx,
            context,
            &format!("SELECT hash FROM blobs b WHERE {UNUSED} FOR UPDATE SKIP LOCKED"),
            &[],
        )
        .await?
        .iter()
        .map(|row| get(row, 0))
        .collect::<Result<_>>()?;
        let hashes = query(
            &tx,
            context,
            &format!("DELETE FROM blobs b WHERE hash = ANY($1) AND {UNUSED} RETURNING hash"),
            &[&candidates],
        )
        .await?
        .iter()
        .map(|row| parse_hash(get(row, 0)?))
        .collect::<Result<Vec<_>>>()?;
        commit(tx, context).await?;
        Ok(hashes)
    }

    async fn create_upload(
        &self,
        upload: &UploadRecord,
        max_open: u64,
        max_reserved: u64,
    ) -> Result<()> {
        let context = "creating an upload";
        let u = upload;
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        lock_user(&tx, u.user).await?;
        let row = query_one(
            &tx,
            context,
            "SELECT COUNT(*), COALESCE(SUM(length), 0)::BIGINT FROM uploads
             WHERE user_id = $1 AND completed_hash IS NULL",
            &[&u.user.0],
        )
        .await?;
        let (open, reserved): (i64, i64) = (get(&row, 0)?, get(&row, 1)?);
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
        execute(
            &tx,
            context,
            "INSERT INTO uploads (id, user_id, length, upload_offset, declared_hash, metadata,
                completed_hash, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
            &[
                &u.id.0,
                &u.user.0,
                &to_i64(u.length),
                &to_i64(u.offset),
                &u.declared_hash.as_ref().map(BlobHash::as_str),
                &u.metadata,
                &u.updated_at,
            ],
        )
        .await?;
        commit(tx, context).await
    }

    async fn upload(&self, user: UserId, id: UploadId) -> Result<Option<UploadRecord>> {
        query_opt(
            &self.client().await?,
            "loading an upload",
            &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1 AND user_id = $2"),
            &[&id.0, &user.0],
        )
        .await?
        .as_ref()
        .map(upload_from)
        .transpose()
    }

    async fn update_upload(
        &self,
        id: UploadId,
        offset: u64,
        completed_hash: Option<&BlobHash>,
        now: i64,
    ) -> Result<()> {
        execute(
            &self.client().await?,
            "updating an upload",
            "UPDATE uploads SET upload_offset = $2, completed_hash = $3, updated_at = $4
             WHERE id = $1",
            &[
                &id.0,
                &to_i64(offset),
                &completed_hash.map(BlobHash::as_str),
                &now,
            ],
        )
        .await?;
        Ok(())
    }

    async fn commit_upload_parts(
        &self,
        id: UploadId,
        from: u64,
        parts: &[UploadPart],
        now: i64,
    ) -> Result<bool> {
        let context = "committing upload parts";
        let Some(end) = parts.last().map(|p| p.end) else {
            return Ok(true);
        };
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        // A concurrent commit from the same offset waits for this row, then finds the offset
        // moved and changes nothing.
        let moved = execute(
            &tx,
            context,
            "UPDATE uploads SET upload_offset = $3, updated_at = $4
             WHERE id = $1 AND upload_offset = $2 AND completed_hash IS NULL",
            &[&id.0, &to_i64(from), &to_i64(end), &now],
        )
        .await?;
        if moved == 0 {
            return Ok(false);
        }
        for part in parts {
            execute(
                &tx,
                context,
                "INSERT INTO upload_parts (upload_id, start_offset, end_offset, object_key)
                 VALUES ($1, $2, $3, $4)",
                &[&id.0, &to_i64(part.start), &to_i64(part.end), &part.key],
            )
            .await?;
        }
        commit(tx, context).await?;
        Ok(true)
    }

    async fn upload_parts(&self, id: UploadId) -> Result<Vec<UploadPart>> {
        query(
            &self.client().await?,
            "listing upload parts",
            "SELECT start_offset, end_offset, object_key FROM upload_parts
             WHERE upload_id = $1 ORDER BY start_offset",
            &[&id.0],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(UploadPart {
                start: to_u64(get(row, 0)?),
                end: to_u64(get(row, 1)?),
                key: get(row, 2)?,
            })
        })
        .collect()
    }

    async fn delete_upload(&self, user: UserId, id: UploadId) -> Result<bool> {
        let removed = execute(
            &self.client().await?,
            "deleting an upload",
            "DELETE FROM uploads WHERE id = $1 AND user_id = $2",
            &[&id.0, &user.0],
        )
        .await?;
        Ok(removed > 0)
    }

    async fn upload_ids(&self) -> Result<Vec<UploadId>> {
        query(
            &self.client().await?,
            "listing uploads",
            "SELECT id FROM uploads",
            &[],
        )
        .await?
        .iter()
        .map(|row| Ok(UploadId(get(row, 0)?)))
        .collect()
    }

    async fn expire_uploads(&self, cutoff: i64) -> Result<Vec<UploadId>> {
        let context = "expiring uploads";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        let ids = query(
            &tx,
            context,
            "DELETE FROM uploads WHERE updated_at <= $1 RETURNING id",
            &[&cutoff],
        )
        .await?
        .iter()
        .map(|row| Ok(UploadId(get(row, 0)?)))
        .collect::<Result<Vec<_>>>()?;
        execute(
            &tx,
            context,
            "DELETE FROM challenges WHERE expires_at < $1",
            &[&cutoff],
        )
        .await?;
        commit(tx, context).await?;
        Ok(ids)
    }

    async fn blob_lock(&self, mode: LockMode) -> Result<BlobLock> {
        let context = "taking the blob lock";
        let (lock, unlock) = match mode {
            LockMode::Shared => (
                "SELECT pg_advisory_lock_shared($1)",
                "SELECT pg_advisory_unlock_shared($1)",
            ),
            LockMode::Exclusive => (
                "SELECT pg_advisory_lock($1)",
                "SELECT pg_advisory_unlock($1)",
            ),
        };
        let client = self.locks.get().await.map_err(Error::db(context))?;
        let mut held = HeldLock {
            client: Some(client),
            unlock,
            locked: false,
        };
        held.client
            .as_ref()
            .expect("just set")
            .execute(lock, &[&BLOB_LOCK])
            .await
            .map_err(Error::db(context))?;
        held.locked = true;
        Ok(BlobLock::new(held))
    }

    async fn shared_secret(&self, name: &str, fresh: [u8; 32]) -> Result<[u8; 32]> {
        let context = "loading a shared secret";
        let client = self.client().await?;
        // The first insert wins; a concurrent one waits for it, then does nothing.
        execute(
            &client,
            context,
            "INSERT INTO server_secrets (name, secret) VALUES ($1, $2)
             ON CONFLICT (name) DO NOTHING",
            &[&name, &hex(&fresh)],
        )
        .await?;
        let row = query_one(
            &client,
            context,
            "SELECT secret FROM server_secrets WHERE name = $1",
            &[&name],
        )
        .await?;
        parse_secret(get(&row, 0)?)
    }

    async fn throttle_attempt(
        &self,
        keys: &[String],
        rules: ThrottleRules,
    ) -> Result<Option<Duration>> {
        let context = "updating the login throttle";
        let mut client = self.client().await?;
        // Most attempts of a known device change nothing (a Subsonic client authenticates every
        // request): decided on what is there, without a lock. One that changes something is
        // decided again on what it reads holding the locks of its keys, taken in one order so
        // two attempts cannot wait for each other.
        let before = load_throttle(&client, keys).await?;
        let mut after = before.clone();
        let verdict = rules(&mut after);
        if after == before {
            return Ok(verdict);
        }
        let mut locks: Vec<i32> = keys
            .iter()
            .map(|key| {
                let hash = blake3::hash(key.as_bytes());
                i32::from_le_bytes(hash.as_bytes()[..4].try_into().expect("4 bytes"))
            })
            .collect();
        locks.sort_unstable();
        locks.dedup();
        let tx = begin(&mut client, context).await?;
        execute(
            &tx,
            context,
            "SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::INTEGER[]) AS k",
            &[&THROTTLE_LOCKS, &locks],
        )
        .await?;
        let before = load_throttle(&tx, keys).await?;
        let mut after = before.clone();
        let verdict = rules(&mut after);
        save_throttle(&tx, keys, &before, &after).await?;
        commit(tx, context).await?;
        Ok(verdict)
    }

    async fn prune_throttle(&self, now: i64) -> Result<u64> {
        execute(
            &self.client().await?,
            "pruning the login throttle",
            "DELETE FROM login_throttle WHERE expires_at <= $1",
            &[&now],
        )
        .await
    }

    async fn create_challenge(&self, c: &ChallengeRecord) -> Result<()> {
        execute(
            &self.client().await?,
            "creating a challenge",
            "INSERT INTO challenges (id, user_id, hash, nonce, ranges, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &c.id.0,
                &c.user.0,
                &c.hash.as_str(),
                &c.nonce.as_slice(),
                &to_json(&c.ranges)?,
                &c.expires_at,
            ],
        )
        .await?;
        Ok(())
    }

    async fn take_challenge(
        &self,
        user: UserId,
        id: ChallengeId,
    ) -> Result<Option<ChallengeRecord>> {
        // One statement: of two replicas answering the same challenge, one gets the row.
        let Some(row) = query_opt(
            &self.client().await?,
            "taking a challenge",
            "DELETE FROM challenges WHERE id = $1 AND user_id = $2
             RETURNING hash, nonce, ranges, expires_at",
            &[&id.0, &user.0],
        )
        .await?
        else {
            return Ok(None);
        };
        let nonce: &[u8] = get(&row, 1)?;
        let ranges: Vec<ByteRange> = from_json(get(&row, 2)?)?;
        Ok(Some(ChallengeRecord {
            id,
            user,
            hash: parse_hash(get(&row, 0)?)?,
            nonce: nonce
                .try_into()
                .map_err(|_| Error::Corrupt("bad challenge nonce".into()))?,
            ranges,
            expires_at: get(&row, 3)?,
        }))
    }

    async fn create_track(
        &self,
        user: UserId,
        id: TrackId,
        hash: &BlobHash,
        metadata: &TrackMetadata,
    ) -> Result<CloudTrack> {
        let context = "creating a track";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        lock_user(&tx, user).await?;
        let existing = query_opt(
            &tx,
            context,
            "SELECT hash, deleted FROM tracks WHERE user_id = $1 AND id = $2",
            &[&user.0, &id.0],
        )
        .await?;
        if let Some(row) = existing {
            let (existing_hash, deleted): (&str, bool) = (get(&row, 0)?, get(&row, 1)?);
            if !deleted && existing_hash == hash.as_str() {
                return load_track(&tx, user, id)
                    .await?
                    .ok_or(Error::NotFound("track"));
            }
            if !deleted {
                return Err(Error::Conflict(format!("track {id} already exists")));
            }
            // A track the user removed and now puts back: it keeps its id, which the device
            // that uploads it again knows it by.
        }
        // The caller checked ownership; the blob can only be gone if garbage collection ran in
        // between, which makes it a missing blob, not a server failure.
        let size: i64 = get(
            &query_opt(
                &tx,
                context,
                "SELECT size FROM blobs WHERE hash = $1",
                &[&hash.as_str()],
            )
            .await?
            .ok_or(Error::NotFound("blob"))?,
            0,
        )?;
        let track = CloudTrack {
            id,
            blake3: hash.clone(),
            size: to_u64(size),
            metadata: metadata.clone(),
            revision: 0,
        };
        let announced = track.clone();
        let seq = record_change(&tx, user, |seq| ChangeEvent::TrackUpserted {
            track: Box::new(CloudTrack {
                revision: seq,
                ..announced
            }),
        })
        .await?;
        execute(
            &tx,
            context,
            "INSERT INTO tracks (user_id, id, hash, size, metadata, revision)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id, id) DO UPDATE SET hash = excluded.hash, size = excluded.size,
                metadata = excluded.metadata, revision = excluded.revision, deleted = FALSE",
            &[
                &user.0,
                &id.0,
                &hash.as_str(),
                &size,
                &to_json(&track.metadata)?,
                &to_i64(seq),
            ],
        )
        .await?;
        let track = CloudTrack {
            revision: seq,
            ..track
        };
        catalog::index(&tx, user, &track, crate::state::now()).await?;
        commit(tx, context).await?;
        Ok(track)
    }

    async fn list_tracks(&self, user: UserId) -> Result<Vec<CloudTrack>> {
        query(
            &self.client().await?,
            "listing tracks",
            &format!(
                "SELECT {TRACK_COLUMNS} FROM tracks WHERE user_id = $1 AND NOT deleted
                 ORDER BY revision"
            ),
            &[&user.0],
        )
        .await?
        .iter()
        .map(|row| track_at(row, 0))
        .collect()
    }

    async fn track(&self, user: UserId, id: TrackId) -> Result<Option<CloudTrack>> {
        load_track(&self.client().await?, user, id).await
    }

    async fn track_for_token(
        &self,
        token_hash: &str,
        id: TrackId,
    ) -> Result<Option<(UserId, Option<CloudTrack>)>> {
        let Some(row) = query_opt(
            &self.client().await?,
            "resolving a token and a track",
            "SELECT s.user_id, t.id, t.hash, t.size, t.metadata, t.revision
             FROM sessions s LEFT JOIN tracks t
               ON t.user_id = s.user_id AND t.id = $2 AND NOT t.deleted
             WHERE s.token_hash = $1",
            &[&token_hash, &id.0],
        )
        .await?
        else {
            return Ok(None);
        };
        let track = match get::<Option<Uuid>>(&row, 1)? {
            Some(_) => Some(track_at(&row, 1)?),
            None => None,
        };
        Ok(Some((UserId(get(&row, 0)?), track)))
    }

    async fn tracks_for_blob(&self, user: UserId, hash: &BlobHash) -> Result<Vec<TrackId>> {
        query(
            &self.client().await?,
            "finding tracks of a blob",
            "SELECT id FROM tracks WHERE user_id = $1 AND hash = $2 AND NOT deleted ORDER BY id",
            &[&user.0, &hash.as_str()],
        )
        .await?
        .iter()
        .map(|row| Ok(TrackId(get(row, 0)?)))
        .collect()
    }

    async fn update_track(
        &self,
        user: UserId,
        id: TrackId,
        metadata: &TrackMetadata,
    ) -> Result<Option<CloudTrack>> {
        let context = "updating a track";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        let metadata = metadata.clone();
        let track = change_metadata(&tx, user, id, |current| *current = metadata).await?;
        commit(tx, context).await?;
        Ok(track)
    }

    async fn patch_track(
        &self,
        user: UserId,
        id: TrackId,
        patch: &MetadataPatch,
    ) -> Result<Option<CloudTrack>> {
        let context = "patching a track";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        let track = change_metadata(&tx, user, id, |current| patch.apply(current)).await?;
        commit(tx, context).await?;
        Ok(track)
    }

    async fn delete_track(&self, user: UserId, id: TrackId) -> Result<bool> {
        let context = "deleting a track";
        let mut client = self.client().await?;
        let tx = begin(&mut client, context).await?;
        lock_user(&tx, user).await?;
        if load_track(&tx, user, id).await?.is_none() {
            return Ok(false);
        }
        let seq = record_change(&tx, user, |_| ChangeEvent::TrackDeleted { track_id: id }).await?;
        execute(
            &tx,
            context,
            "UPDATE tracks SET deleted = TRUE, revision = $3 WHERE user_id = $1 AND id = $2",
            &[&user.0, &id.0, &to_i64(seq)],
        )
        .await?;
        catalog::unindex(&tx, user, id).await?;
        commit(tx, context).await?;
        Ok(true)
    }

    async fn apply_playlist_ops(&self, user: UserId, ops: &[PlaylistOp]) -> Result<Vec<OpResult>> {
        let mut client = self.client().await?;
        let tx = begin(&mut client, OP_CONTEXT).await?;
        lock_user(&tx, user).await?;
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            results.push(apply_op(&tx, user, op).await?);
        }
        commit(tx, OP_CONTEXT).await?;
        Ok(results)
    }

    async fn playlists(&self, user: UserId) -> Result<PlaylistsResponse> {
        let context = "listing playlists";
        let mut client = self.client().await?;
        // One snapshot: playlists, entries and the sequence number agree.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(Error::db(context))?;
        let seq: i64 = get(
            &query_one(
                &tx,
                context,
                "SELECT last_seq FROM users WHERE id = $1",
                &[&user.0],
            )
            .await?,
            0,
        )?;
        let mut entries: HashMap<PlaylistId, Vec<PlaylistEntry>> = HashMap::new();
        for row in query(
            &tx,
            context,
            "SELECT e.id, e.playlist_id, e.track_id, e.position FROM playlist_entries e
             JOIN playlists p ON p.user_id = e.user_id AND p.id = e.playlist_id AND NOT p.deleted
             WHERE e.user_id = $1 AND NOT e.deleted ORDER BY e.playlist_id, e.position, e.id",
            &[&user.0],
        )
        .await?
        {
            let entry = PlaylistEntry {
                id: EntryId(get(&row, 0)?),
                playlist_id: PlaylistId(get(&row, 1)?),
                track_id: TrackId(get(&row, 2)?),
                position: parse_position(get(&row, 3)?)?,
            };
            entries.entry(entry.playlist_id).or_default().push(entry);
        }
        let playlists = query(
            &tx,
            context,
            "SELECT id, name FROM playlists WHERE user_id = $1 AND NOT deleted ORDER BY name, id",
            &[&user.0],
        )
        .await?
        .iter()
        .map(|row| {
            let id = PlaylistId(get(row, 0)?);
            Ok(Playlist {
                id,
                name: get(row, 1)?,
                entries: entries.remove(&id).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        commit(tx, context).await?;
        Ok(PlaylistsResponse {
            playlists,
            seq: to_u64(seq),
        })
    }

    async fn changes(&self, user: UserId, since: u64, limit: u32) -> Result<ChangesResponse> {
        let rows = query(
            &self.client().await?,
            "reading the change feed",
            "SELECT seq, event FROM changes WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&user.0, &to_i64(since), &(i64::from(limit) + 1)],
        )
        .await?;
        let more = rows.len() > limit as usize;
        let changes = rows
            .iter()
            .take(limit as usize)
            .map(|row| {
                Ok(Change {
                    seq: to_u64(get(row, 0)?),
                    event: from_json(get(row, 1)?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = changes.last().map_or(since, |c| c.seq);
        Ok(ChangesResponse {
            changes,
            next,
            more,
        })
    }
}

const OP_CONTEXT: &str = "applying a playlist operation";

/// What the rules in [`crate::playlists`] may ask about one operation, read before they decide:
/// they are synchronous and ask only about the ids the operation names.
struct OpView {
    playlist: Option<(PlaylistId, Option<Liveness>)>,
    entry: Option<(EntryId, Option<StoredEntry>)>,
    track: Option<(TrackId, bool)>,
}

fn liveness(deleted: bool) -> Liveness {
    if deleted {
        Liveness::Tombstone
    } else {
        Liveness::Live
    }
}

impl OpView {
    async fn load(tx: &Transaction<'_>, user: UserId, action: &PlaylistAction) -> Result<Self> {
        use PlaylistAction as A;
        let (playlist, entry, track) = match action {
            A::CreatePlaylist { playlist_id, .. }
            | A::RenamePlaylist { playlist_id, .. }
            | A::DeletePlaylist { playlist_id } => (Some(*playlist_id), None, None),
            A::AddEntry {
                playlist_id,
                entry_id,
                track_id,
                ..
            } => (Some(*playlist_id), Some(*entry_id), Some(*track_id)),
            A::RemoveEntry { entry_id } | A::MoveEntry { entry_id, .. } => {
                (None, Some(*entry_id), None)
            }
        };
        let mut view = Self {
            playlist: None,
            entry: None,
            track: None,
        };
        if let Some(id) = playlist {
            let row = query_opt(
                tx,
                OP_CONTEXT,
                "SELECT deleted FROM playlists WHERE user_id = $1 AND id = $2",
                &[&user.0, &id.0],
            )
            .await?;
            view.playlist = Some((id, row.map(|r| get(&r, 0).map(liveness)).transpose()?));
        }
        if let Some(id) = entry {
            let row = query_opt(
                tx,
                OP_CONTEXT,
                "SELECT deleted, playlist_id, track_id FROM playlist_entries
                 WHERE user_id = $1 AND id = $2",
                &[&user.0, &id.0],
            )
            .await?;
            let stored = row
                .map(|r| {
                    Ok::<_, Error>(StoredEntry {
                        liveness: liveness(get(&r, 0)?),
                        playlist_id: PlaylistId(get(&r, 1)?),
                        track_id: TrackId(get(&r, 2)?),
                    })
                })
                .transpose()?;
            view.entry = Some((id, stored));
        }
        if let Some(id) = track {
            let row = query_opt(
                tx,
                OP_CONTEXT,
                "SELECT 1 FROM tracks WHERE user_id = $1 AND id = $2",
                &[&user.0, &id.0],
            )
            .await?;
            view.track = Some((id, row.is_some()));
        }
        Ok(view)
    }
}

fn unasked() -> Error {
    Error::Corrupt("the playlist rules asked about an id the operation does not name".into())
}

impl PlaylistView for OpView {
    fn playlist(&self, id: PlaylistId) -> Result<Option<Liveness>> {
        match self.playlist {
            Some((known, state)) if known == id => Ok(state),
            _ => Err(unasked()),
        }
    }

    fn entry(&self, id: EntryId) -> Result<Option<StoredEntry>> {
        match &self.entry {
            Some((known, state)) if *known == id => Ok(state.clone()),
            _ => Err(unasked()),
        }
    }

    fn track_exists(&self, id: TrackId) -> Result<bool> {
        match self.track {
            Some((known, exists)) if known == id => Ok(exists),
            _ => Err(unasked()),
        }
    }
}

/// Applies one playlist operation inside the batch's transaction (the user's row locked):
/// dedupe by op id, let the rules decide, then write the effect under the next sequence number.
async fn apply_op(tx: &Transaction<'_>, user: UserId, op: &PlaylistOp) -> Result<OpResult> {
    let fresh = execute(
        tx,
        OP_CONTEXT,
        "INSERT INTO applied_ops (user_id, op_id) VALUES ($1, $2)
         ON CONFLICT (user_id, op_id) DO NOTHING",
        &[&user.0, &op.op_id.0],
    )
    .await?;
    let result = |status, seq, reason: Option<&str>| OpResult {
        op_id: op.op_id,
        status,
        seq,
        reason: reason.map(str::to_owned),
    };
    if fresh == 0 {
        return Ok(result(OpStatus::Duplicate, None, None));
    }
    let view = OpView::load(tx, user, &op.action).await?;
    let effect = match playlists::decide(&view, &op.action)? {
        Ok(effect) => effect,
        Err(reason) => return Ok(result(OpStatus::Rejected, None, Some(reason))),
    };
    let seq = record_change(tx, user, |_| effect.event()).await?;
    let position = match &effect {
        Effect::AddEntry(e) | Effect::MoveEntry(e) => e.position.as_str(),
        _ => "",
    };
    let (sql, params): (&str, Vec<&(dyn ToSql + Sync)>) = match &effect {
        Effect::CreatePlaylist(p) => (
            "INSERT INTO playlists (user_id, id, name) VALUES ($1, $2, $3)",
            vec![&user.0, &p.id.0, &p.name],
        ),
        Effect::RenamePlaylist(p) => (
            "UPDATE playlists SET name = $3 WHERE user_id = $1 AND id = $2",
            vec![&user.0, &p.id.0, &p.name],
        ),
        Effect::DeletePlaylist(id) => (
            "UPDATE playlists SET deleted = TRUE WHERE user_id = $1 AND id = $2",
            vec![&user.0, &id.0],
        ),
        Effect::AddEntry(e) => (
            "INSERT INTO playlist_entries (user_id, id, playlist_id, track_id, position)
             VALUES ($1, $2, $3, $4, $5)",
            vec![&user.0, &e.id.0, &e.playlist_id.0, &e.track_id.0, &position],
        ),
        Effect::RemoveEntry { entry_id, .. } => (
            "UPDATE playlist_entries SET deleted = TRUE WHERE user_id = $1 AND id = $2",
            vec![&user.0, &entry_id.0],
        ),
        Effect::MoveEntry(e) => (
            "UPDATE playlist_entries SET position = $3 WHERE user_id = $1 AND id = $2",
            vec![&user.0, &e.id.0, &position],
        ),
    };
    execute(tx, OP_CONTEXT, sql, &params).await?;
    Ok(result(OpStatus::Applied, Some(seq), None))
}
