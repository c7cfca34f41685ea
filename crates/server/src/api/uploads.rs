//! tus 1.0 resumable uploads at `/api/v1/uploads` (core, creation, checksum, termination).
//!
//! Received bytes are staged in the blob store as parts of up to `upload_part_bytes`, each
//! committed in the metadata store as it is written (`crate::blobs` explains the layout), so
//! an upload survives a killed client or a killed server, and any replica can continue it from
//! `HEAD`'s `Upload-Offset`. A commit succeeds only from the offset the PATCH started at: two
//! requests racing on one upload, on one replica or two, cannot both append. A PATCH carrying
//! `Upload-Checksum` commits its parts only once its checksum matched (460 otherwise, and its
//! bytes are dropped). While one part is written the next one arrives, and a request that
//! starts at offset 0 hashes what it receives on the way. When the last byte arrives the file's
//! BLAKE3 (so computed, or else computed while the parts are assembled) is compared with the
//! hash declared at creation; only then is the blob published and owned by the user.
//!
//! `Upload-Metadata` may be empty or lack `blake3`: standard tus clients often send no
//! metadata. Such an upload is accepted, and its blob is published under the hash the server
//! computes, reported in the `Tonearm-Blob-Hash` response header (nothing to verify against, but
//! the key is still the true content hash, so nothing can be mislabelled).

use super::extract::Path;
use crate::auth::AuthUser;
use crate::blobs::Assembly;
use crate::error::{ApiError, Error, Result};
use crate::state::{AppState, now};
use crate::store::{LockMode, UploadId, UploadPart, UploadRecord, UserId};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures::StreamExt;
use sha1::Digest;
use std::collections::HashMap;
use std::sync::Arc;
use tonearm_protocol::uploads::{
    HEADER_BLOB_HASH, METADATA_BLAKE3, TUS_CHECKSUM_ALGORITHMS, TUS_EXTENSIONS, TUS_VERSION,
};
use tonearm_protocol::{BlobHash, ErrorBody};
use utoipa::ToSchema;
use uuid::Uuid;

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn require_tus(headers: &HeaderMap) -> Result<()> {
    if header_str(headers, "tus-resumable") == Some(TUS_VERSION) {
        Ok(())
    } else {
        Err(Error::TusVersion)
    }
}

fn number_header(headers: &HeaderMap, name: &str) -> Result<u64> {
    header_str(headers, name)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Error::BadRequest(format!("missing or invalid {name} header")))
}

/// At most a few dozen characters of a caller's text, for an error message.
fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Parses tus `Upload-Metadata`: comma-separated `key base64value` pairs (value optional).
pub(crate) fn parse_metadata(value: &str) -> Result<HashMap<String, String>> {
    let mut map = HashMap::new();
    for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.split_whitespace();
        let key = parts.next().unwrap_or_default();
        let decoded = match parts.next() {
            None => String::new(),
            Some(encoded) => BASE64
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    Error::BadRequest(format!(
                        "upload metadata {:?} is not base64 of utf-8 text",
                        shown(key)
                    ))
                })?,
        };
        if parts.next().is_some() {
            return Err(Error::BadRequest(format!(
                "malformed upload metadata pair {key:?}"
            )));
        }
        map.insert(key.to_owned(), decoded);
    }
    Ok(map)
}

fn tus_headers(builder: axum::http::response::Builder) -> axum::http::response::Builder {
    builder
        .header("tus-resumable", TUS_VERSION)
        .header(header::CACHE_CONTROL, "no-store")
}

fn empty(builder: axum::http::response::Builder) -> Response {
    builder
        .body(Body::empty())
        .expect("static headers are valid")
}

/// tus discovery.
#[utoipa::path(options, path = "/api/v1/uploads", tag = "uploads",
    responses((status = 204, description = "the server's tus capabilities",
        headers(
            ("Tus-Version" = String, description = "`1.0.0`"),
            ("Tus-Extension" = String, description = "`creation,checksum,termination`"),
            ("Tus-Max-Size" = u64, description = "the largest file accepted, in bytes"),
            ("Tus-Checksum-Algorithm" = String, description = "`sha1,sha256`"),
        ))))]
pub async fn options(State(state): State<AppState>) -> Response {
    empty(
        tus_headers(Response::builder().status(StatusCode::NO_CONTENT))
            .header("tus-version", TUS_VERSION)
            .header("tus-extension", TUS_EXTENSIONS)
            .header("tus-max-size", state.config.max_file_size)
            .header("tus-checksum-algorithm", TUS_CHECKSUM_ALGORITHMS),
    )
}

/// tus creation: `Upload-Length` required; `Upload-Metadata` may carry `blake3` and `filename`.
/// `Upload-Defer-Length` is not supported (400).
#[utoipa::path(post, path = "/api/v1/uploads", tag = "uploads", security(("bearer" = [])),
    params(
        ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "the tus version: `1.0.0`"),
        ("Upload-Length" = u64, Header, description = "total size in bytes"),
        ("Upload-Metadata" = Option<String>, Header, nullable = false,
            pattern = r"^[ \t]*(?:[!-+\--~]+(?:[ \t]+[A-Za-z0-9+/]*={0,2})?)?[ \t]*(?:,[ \t]*(?:[!-+\--~]+(?:[ \t]+[A-Za-z0-9+/]*={0,2})?)?[ \t]*)*$",
            description = "tus metadata: comma-separated `key base64value` pairs, each value base64 of UTF-8 text; key `blake3` is the whole file's BLAKE3 (lowercase hex), `filename` is informational"),
    ),
    responses(
        (status = 201, description = "created",
            headers(
                ("Location" = String, description = "the upload's URL, `/api/v1/uploads/{id}` after `--public-url`"),
                ("Tonearm-Blob-Hash" = BlobHash, description = "only for an empty file, which is complete at once: its BLAKE3"),
            )),
        (status = 400, description = "bad `Upload-Length` or `Upload-Metadata`, or `Upload-Defer-Length` sent", body = ErrorBody),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0`", body = ErrorBody,
            headers(("Tus-Version" = String, description = "`1.0.0`, the version this server speaks"))),
        (status = 413, description = "`Upload-Length` passes the per-file limit, or the user's quota", body = ErrorBody),
        (status = 422, description = "an empty file declared with another `blake3`", body = ErrorBody),
        (status = 429, description = "the user already holds as many unfinished uploads, or reserves as many bytes in them, as the server allows", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(Error::BadRequest("deferred upload length is not supported".into()).into());
    }
    let length = number_header(&headers, "upload-length")?;
    let limit = state.config.max_file_size;
    if length > limit {
        return Err(Error::TooLarge {
            size: length,
            limit,
        }
        .into());
    }
    let raw_metadata = header_str(&headers, "upload-metadata")
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let metadata = parse_metadata(raw_metadata.unwrap_or_default())?;
    let declared_hash = metadata
        .get(METADATA_BLAKE3)
        .map(|hex| hex.parse::<BlobHash>())
        .transpose()
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    check_quota(&state, auth.user, length).await?;
    let id = UploadId(Uuid::new_v4());
    let record = UploadRecord {
        id,
        user: auth.user,
        length,
        offset: 0,
        declared_hash,
        metadata: raw_metadata.map(str::to_owned),
        completed_hash: None,
        updated_at: now(),
    };
    // The row before any part: the maintenance sweep deletes staged parts that have no row.
    let limits = &state.config.limits;
    state
        .store
        .create_upload(&record, limits.max_open_uploads, limits.max_reserved_bytes)
        .await?;
    let mut builder = tus_headers(Response::builder().status(StatusCode::CREATED))
        .header(header::LOCATION, upload_url(&state, id));
    if length == 0 {
        let hash = finish(&state, &record, None).await?;
        builder = builder.header(HEADER_BLOB_HASH, hash.as_str());
    }
    tracing::info!(upload = %id.0, length, "upload created");
    Ok(empty(builder))
}

fn upload_url(state: &AppState, id: UploadId) -> String {
    let base = state.config.public_url.as_deref().unwrap_or_default();
    format!("{base}/api/v1/uploads/{}", id.0)
}

/// Refuses `size` more bytes for `user` when they would pass the quota (uploads, finished or
/// not, and blobs linked by matching all count).
pub(crate) async fn check_quota(state: &AppState, user: UserId, size: u64) -> Result<()> {
    let Some(quota) = state.config.user_quota else {
        return Ok(());
    };
    let used = state.store.usage(user).await?;
    if used.saturating_add(size) > quota {
        return Err(Error::QuotaExceeded { size, used, quota });
    }
    Ok(())
}

async fn find(state: &AppState, auth: &AuthUser, id: Uuid) -> Result<UploadRecord> {
    state
        .store
        .upload(auth.user, UploadId(id))
        .await?
        .ok_or(Error::NotFound("upload"))
}

/// tus offset query.
#[utoipa::path(head, path = "/api/v1/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "upload id"), ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "the tus version: `1.0.0`")),
    responses(
        (status = 200, description = "where the upload stands; no body",
            headers(
                ("Upload-Offset" = u64, description = "bytes the server has committed"),
                ("Upload-Length" = u64, description = "the file's size"),
                ("Upload-Metadata" = String, description = "as sent at creation, if it was"),
                ("Tonearm-Blob-Hash" = BlobHash, description = "once complete: the BLAKE3 of the file"),
                ("Cache-Control" = String, description = "`no-store`"),
            )),
        (status = 404, description = "no such upload", body = ErrorBody),
        (status = 409, description = "another request is writing to this upload", body = ErrorBody),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0`", body = ErrorBody,
            headers(("Tus-Version" = String, description = "`1.0.0`, the version this server speaks"))),
        (status = 422, description = "every byte had arrived, and the file's BLAKE3 differs from the declared one; the upload is discarded", body = ErrorBody),
    ))]
pub async fn head(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    let mut upload = find(&state, &auth, id).await?;
    let offset = upload.offset;
    if upload.completed_hash.is_none() && offset == upload.length {
        // Every byte arrived but the server stopped before publishing: finish now, since a
        // client seeing the full offset will not send another PATCH.
        let _busy = BusyGuard::acquire(&state, upload.id)?;
        upload.completed_hash = Some(finish(&state, &upload, None).await?);
    }
    let mut builder = tus_headers(Response::builder().status(StatusCode::OK))
        .header("upload-offset", offset)
        .header("upload-length", upload.length);
    if let Some(metadata) = &upload.metadata {
        builder = builder.header("upload-metadata", metadata);
    }
    if let Some(hash) = &upload.completed_hash {
        builder = builder.header(HEADER_BLOB_HASH, hash.as_str());
    }
    Ok(empty(builder))
}

/// A checksum being computed over a PATCH body.
enum Checksum {
    Sha1(sha1::Sha1, Vec<u8>),
    Sha256(sha2::Sha256, Vec<u8>),
}

impl Checksum {
    fn parse(value: &str) -> Result<Self> {
        let (algorithm, encoded) = value
            .trim()
            .split_once(' ')
            .ok_or_else(|| Error::BadRequest("malformed Upload-Checksum header".into()))?;
        let expected = BASE64
            .decode(encoded.trim())
            .map_err(|_| Error::BadRequest("Upload-Checksum value is not base64".into()))?;
        match algorithm {
            "sha1" => Ok(Self::Sha1(sha1::Sha1::new(), expected)),
            "sha256" => Ok(Self::Sha256(sha2::Sha256::new(), expected)),
            other => Err(Error::BadRequest(format!(
                "unsupported checksum algorithm {:?}; supported: {TUS_CHECKSUM_ALGORITHMS}",
                shown(other)
            ))),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha1(hasher, _) => hasher.update(data),
            Self::Sha256(hasher, _) => hasher.update(data),
        }
    }

    fn check(self) -> Result<()> {
        let (matches, algorithm) = match self {
            Self::Sha1(hasher, expected) => (hasher.finalize().as_slice() == expected, "sha1"),
            Self::Sha256(hasher, expected) => (hasher.finalize().as_slice() == expected, "sha256"),
        };
        if matches {
            Ok(())
        } else {
            Err(Error::ChecksumMismatch { algorithm })
        }
    }
}

/// Marks an upload busy for the lifetime of a PATCH.
struct BusyGuard {
    state: AppState,
    id: UploadId,
}

impl BusyGuard {
    fn acquire(state: &AppState, id: UploadId) -> Result<Self> {
        let mut busy = state
            .busy_uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !busy.insert(id) {
            return Err(Error::Conflict(
                "another request is writing to this upload".into(),
            ));
        }
        Ok(Self {
            state: state.clone(),
            id,
        })
    }

    /// Like `acquire`, but waits a little for a request writing to the upload to end: a
    /// client that aborts its PATCH to delete the upload sends the DELETE before the server
    /// has noticed the PATCH was cut off.
    async fn wait(state: &AppState, id: UploadId) -> Result<Self> {
        const PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);
        const STEP: std::time::Duration = std::time::Duration::from_millis(25);
        let started = std::time::Instant::now();
        loop {
            match Self::acquire(state, id) {
                Err(Error::Conflict(_)) if started.elapsed() < PATIENCE => {
                    tokio::time::sleep(STEP).await;
                }
                other => return other,
            }
        }
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let mut busy = self
            .state
            .busy_uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        busy.remove(&self.id);
    }
}

/// The body of a tus PATCH, for the document: raw bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct TusChunk(Vec<u8>);

/// tus data transfer.
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "upload id"),
        ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "the tus version: `1.0.0`"),
        ("Upload-Offset" = u64, Header, description = "must equal the server's offset"),
        ("Upload-Checksum" = Option<String>, Header, nullable = false,
            pattern = r"^(?:sha1|sha256) +(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)$",
            description = "`sha1 BASE64` or `sha256 BASE64`: the checksum of this request's body"),
    ),
    request_body(content = inline(TusChunk), content_type = "application/offset+octet-stream",
        description = "raw bytes of the file from `Upload-Offset` on, at most up to `Upload-Length`"),
    responses(
        (status = 204, description = "accepted",
            headers(
                ("Upload-Offset" = u64, description = "the new offset"),
                ("Tonearm-Blob-Hash" = BlobHash, description = "once the last byte arrived: the BLAKE3 of the file"),
            )),
        (status = 400, description = "bad `Upload-Offset` or `Upload-Checksum`, a body running past `Upload-Length`, or a body cut off", body = ErrorBody),
        (status = 404, description = "no such upload", body = ErrorBody),
        (status = 409, description = "`Upload-Offset` differs from the server's, or another request is writing to this upload", body = ErrorBody),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0`", body = ErrorBody,
            headers(("Tus-Version" = String, description = "`1.0.0`, the version this server speaks"))),
        (status = 415, description = "`Content-Type` is not `application/offset+octet-stream`", body = ErrorBody),
        (status = 422, description = "the complete file's BLAKE3 differs from the declared one; the upload is discarded", body = ErrorBody),
        (status = 460, description = "checksum mismatch; the chunk is discarded", body = ErrorBody),
        (status = 503, description = "every upload buffer of the server is taken; nothing was received", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again"))),
    ))]
pub async fn patch(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    if header_str(&headers, "content-type") != Some("application/offset+octet-stream") {
        return Err(Error::MediaType {
            expected: "application/offset+octet-stream",
        }
        .into());
    }
    let requested = number_header(&headers, "upload-offset")?;
    let upload = find(&state, &auth, id).await?;
    let _busy = BusyGuard::acquire(&state, upload.id)?;
    // Re-read under the busy mark: a PATCH that just finished may have moved the offset.
    let upload = find(&state, &auth, id).await?;
    let start = upload.offset;
    if requested != start {
        return Err(Error::OffsetMismatch {
            expected: start,
            got: requested,
        }
        .into());
    }
    if let Some(hash) = &upload.completed_hash {
        return Ok(done_response(start, Some(hash)));
    }
    if start == upload.length {
        // All bytes arrived earlier but publication did not happen (the server stopped).
        let hash = finish(&state, &upload, None).await?;
        return Ok(done_response(start, Some(&hash)));
    }
    let checksum = header_str(&headers, "upload-checksum")
        .map(Checksum::parse)
        .transpose()?;
    let received = receive(&state, &upload, start, body, checksum).await?;
    let completed = if received.offset == upload.length {
        Some(finish(&state, &upload, received.hash.as_ref()).await?)
    } else {
        None
    };
    Ok(done_response(received.offset, completed.as_ref()))
}

fn done_response(offset: u64, hash: Option<&BlobHash>) -> Response {
    let mut builder = tus_headers(Response::builder().status(StatusCode::NO_CONTENT))
        .header("upload-offset", offset);
    if let Some(hash) = hash {
        builder = builder.header(HEADER_BLOB_HASH, hash.as_str());
    }
    empty(builder)
}

/// A part being written to the blob store, carrying the request's BLAKE3 state along.
type Staging = tokio::task::JoinHandle<Result<Written>>;

/// A part written to the blob store.
struct Written {
    part: UploadPart,
    hasher: Option<blake3::Hasher>,
    /// Its bytes, for their buffer to be filled again.
    bytes: bytes::Bytes,
}

/// The parts of one PATCH: staged as they fill, committed as they go (or all at the end when
/// a checksum must match first). While one part is written the next one fills, when the
/// server has a second buffer to spare.
struct Parts<'a> {
    state: &'a AppState,
    upload: &'a UploadRecord,
    /// The committed offset.
    committed: u64,
    /// Staged, not yet committed.
    pending: Vec<UploadPart>,
    /// The part being written.
    staging: Option<Staging>,
    /// Where the buffer's first byte goes.
    next: u64,
    buffer: bytes::BytesMut,
    /// The buffer of the part written last, to fill again rather than allocate another.
    spare: Option<bytes::BytesMut>,
    /// BLAKE3 of every byte from offset 0 up to `next`, when this request started at 0 (it
    /// travels with the part being staged, hashed on a blocking thread as that part is written).
    hasher: Option<blake3::Hasher>,
    /// A part commits once its checksum matched, at the end, rather than as it is staged.
    checked: bool,
    /// Whether a part is written while the next one fills (a second buffer is ours).
    overlap: bool,
}

impl Parts<'_> {
    /// Where the next byte goes.
    fn offset(&self) -> u64 {
        self.next + self.buffer.len() as u64
    }

    /// Starts writing what the buffer holds as a part, once the part before it is written.
    async fn stage(&mut self) -> Result<()> {
        self.settle().await?;
        if self.buffer.is_empty() {
            return Ok(());
        }
        let start = self.next;
        let bytes = match self.spare.take() {
            Some(spare) => std::mem::replace(&mut self.buffer, spare),
            None => {
                // The second buffer, allocated once at its full size rather than grown.
                let full = self.buffer.split();
                self.buffer.reserve(full.len());
                full
            }
        }
        .freeze();
        let end = start + bytes.len() as u64;
        self.next = end;
        let blobs = Arc::clone(&self.state.blobs);
        let upload = self.upload.id;
        let hasher = self.hasher.take();
        self.staging = Some(tokio::spawn(async move {
            let hashing = tokio::task::spawn_blocking({
                let bytes = bytes.clone();
                move || {
                    let hasher = hasher.map(|mut hasher| {
                        hasher.update(&bytes);
                        hasher
                    });
                    (hasher, bytes)
                }
            });
            let key = blobs.stage_part(upload, start, bytes).await;
            let (hasher, bytes) = hashing
                .await
                .map_err(|e| Error::Corrupt(format!("hashing an upload part stopped: {e}")))?;
            let part = UploadPart {
                start,
                end,
                key: key?,
            };
            Ok(Written {
                part,
                hasher,
                bytes,
            })
        }));
        if !self.overlap {
            self.settle().await?;
        }
        Ok(())
    }

    /// Waits for the part being written, and commits it unless a checksum must match first.
    async fn settle(&mut self) -> Result<()> {
        let Some(written) = self.written().await? else {
            return Ok(());
        };
        self.hasher = written.hasher;
        self.pending.push(written.part);
        // The blob store has let go of the bytes by now (if not, the buffer is allocated anew).
        if let Ok(mut spare) = written.bytes.try_into_mut() {
            spare.clear();
            self.spare = Some(spare);
        }
        if self.checked {
            Ok(())
        } else {
            self.commit().await
        }
    }

    /// The part being written, once it is.
    async fn written(&mut self) -> Result<Option<Written>> {
        match self.staging.take() {
            None => Ok(None),
            Some(task) => task
                .await
                .map_err(|e| Error::Corrupt(format!("staging an upload part stopped: {e}")))?
                .map(Some),
        }
    }

    /// Commits the staged parts; a request that moved the offset meanwhile wins, and these
    /// parts are dropped.
    async fn commit(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let parts = std::mem::take(&mut self.pending);
        let committed = self
            .state
            .store
            .commit_upload_parts(self.upload.id, self.committed, &parts, now())
            .await?;
        if !committed {
            self.drop_parts(&parts).await;
            return Err(Error::Conflict(
                "another request is writing to this upload".into(),
            ));
        }
        self.committed = parts.last().map_or(self.committed, |p| p.end);
        Ok(())
    }

    /// Drops what is staged and not committed.
    async fn abandon(&mut self) {
        if let Ok(Some(written)) = self.written().await {
            self.pending.push(written.part);
        }
        let pending = std::mem::take(&mut self.pending);
        self.drop_parts(&pending).await;
    }

    /// Deletes staged parts that will not be committed.
    async fn drop_parts(&self, parts: &[UploadPart]) {
        for part in parts {
            if let Err(error) = self.state.blobs.delete_object(&part.key).await {
                tracing::warn!(key = %part.key, error = %crate::error::error_chain(&error), "could not remove a dropped upload part");
            }
        }
    }
}

/// What a PATCH body brought.
struct Received {
    /// The committed offset after it.
    offset: u64,
    /// The file's BLAKE3, when this request carried every byte of it.
    hash: Option<BlobHash>,
}

/// Receives a PATCH body at `start`, committing as it goes.
async fn receive(
    state: &AppState,
    upload: &UploadRecord,
    start: u64,
    body: Body,
    mut checksum: Option<Checksum>,
) -> Result<Received> {
    // One part buffer per PATCH in flight, and only so many at once: memory stays bounded
    // whatever the number of clients sending.
    // A client that sends slowly holds its buffer; others wait a little, then are told to
    // come back (tus clients retry), so a few slow uploads cannot hang every other one.
    let wait = state.config.limits.upload_buffer_wait;
    let _buffer = tokio::time::timeout(wait, state.part_buffers.acquire())
        .await
        .map_err(|_| Error::Busy { retry_after: wait })?
        .expect("the semaphore is never closed");
    // A second buffer, if one is free, lets a part be written while the next arrives.
    let second = state.part_buffers.try_acquire().ok();
    let room = upload.length - start;
    let part_size = state.config.limits.upload_part_bytes.max(1);
    let mut parts = Parts {
        state,
        upload,
        committed: start,
        pending: Vec::new(),
        staging: None,
        next: start,
        spare: None,
        buffer: bytes::BytesMut::with_capacity(
            part_size.min(usize::try_from(room).unwrap_or(part_size)),
        ),
        hasher: (start == 0).then(blake3::Hasher::new),
        checked: checksum.is_some(),
        overlap: second.is_some(),
    };
    let mut stream = body.into_data_stream();
    let outcome: Result<()> = async {
        while let Some(chunk) = stream.next().await {
            let mut chunk =
                chunk.map_err(|e| Error::BadRequest(format!("request body interrupted: {e}")))?;
            if parts.offset() - start + chunk.len() as u64 > room {
                return Err(Error::BadRequest(format!(
                    "body exceeds the declared Upload-Length of {} bytes",
                    upload.length
                )));
            }
            if let Some(sum) = checksum.as_mut() {
                sum.update(&chunk);
            }
            while !chunk.is_empty() {
                let take = chunk.len().min(part_size - parts.buffer.len());
                parts.buffer.extend_from_slice(&chunk.split_to(take));
                if parts.buffer.len() == part_size {
                    parts.stage().await?;
                }
            }
        }
        if let Some(sum) = checksum.take() {
            sum.check()?;
        }
        Ok(())
    }
    .await;
    // Without a checksum, bytes that arrived before the connection broke are good: keep them
    // so the client resumes after them (tus core asks for this).
    let keep = match &outcome {
        Ok(()) => true,
        Err(Error::BadRequest(_)) => !parts.checked,
        Err(_) => false,
    };
    if keep {
        parts.stage().await?;
        parts.settle().await?;
        parts.commit().await?;
    } else {
        parts.abandon().await;
    }
    outcome?;
    let hash = match parts.hasher.take() {
        Some(hasher) if parts.committed == upload.length => Some(BlobHash::from(hasher.finalize())),
        _ => None,
    };
    Ok(Received {
        offset: parts.committed,
        hash,
    })
}

/// Verifies the complete file and publishes it as a blob the user owns. `hashed` is its BLAKE3
/// when the request that brought its last byte also brought every other one.
async fn finish(
    state: &AppState,
    upload: &UploadRecord,
    hashed: Option<&BlobHash>,
) -> Result<BlobHash> {
    let declared = upload.declared_hash.as_ref();
    if let (Some(declared), Some(actual)) = (declared, hashed)
        && declared != actual
    {
        return Err(refuse(state, upload, declared, actual).await);
    }
    let parts = state.store.upload_parts(upload.id).await?;
    let assembly = match (hashed, declared) {
        (Some(hash), _) => Assembly::Hashed(hash),
        (None, Some(hash)) => Assembly::Expected(hash),
        (None, None) => Assembly::Unknown,
    };
    // Unless the hash is still unknown, the bytes are assembled straight under the blob's key,
    // which they reach when they are complete and verified: that is a publication, so under
    // the shared blob lock (garbage collection must not delete the key meanwhile).
    let mut shared = match assembly {
        Assembly::Unknown => None,
        Assembly::Expected(_) | Assembly::Hashed(_) => {
            Some(state.store.blob_lock(LockMode::Shared).await?)
        }
    };
    let assembled = state.blobs.assemble(upload.id, &parts, assembly).await?;
    let actual = assembled.hash.clone();
    if let Some(declared) = declared
        && *declared != actual
    {
        drop(shared);
        return Err(refuse(state, upload, declared, &actual).await);
    }
    {
        let _shared = match shared.take() {
            Some(lock) => lock,
            None => state.store.blob_lock(LockMode::Shared).await?,
        };
        state.blobs.publish_assembled(&assembled).await?;
        state
            .store
            .add_blob(upload.user, &actual, upload.length, now())
            .await?;
    }
    state
        .store
        .update_upload(upload.id, upload.length, Some(&actual), now())
        .await?;
    discard_quietly(state, upload.id).await;
    tracing::info!(upload = %upload.id.0, blob = %actual, size = upload.length, "upload complete");
    Ok(actual)
}

/// Discards an upload whose bytes do not hash to the declared BLAKE3; the error to answer.
async fn refuse(
    state: &AppState,
    upload: &UploadRecord,
    declared: &BlobHash,
    actual: &BlobHash,
) -> Error {
    if let Err(error) = state.store.delete_upload(upload.user, upload.id).await {
        return error;
    }
    discard_quietly(state, upload.id).await;
    tracing::warn!(upload = %upload.id.0, %declared, %actual, "upload hash mismatch");
    Error::HashMismatch {
        declared: declared.to_string(),
        actual: actual.to_string(),
    }
}

/// Removes an upload's staged objects; what fails to go is left to the maintenance sweep.
async fn discard_quietly(state: &AppState, upload: UploadId) {
    if let Err(error) = state.blobs.discard_upload(upload).await {
        tracing::warn!(upload = %upload.0, error = %crate::error::error_chain(&error), "could not remove staged upload data");
    }
}

/// tus termination.
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "upload id"), ("Tus-Resumable" = String, Header, pattern = r"^1\.0\.0$", description = "the tus version: `1.0.0`")),
    responses(
        (status = 204, description = "terminated"),
        (status = 404, description = "no such upload", body = ErrorBody),
        (status = 409, description = "a PATCH is still writing to this upload after a few seconds", body = ErrorBody),
        (status = 412, description = "`Tus-Resumable` is missing or not `1.0.0`", body = ErrorBody,
            headers(("Tus-Version" = String, description = "`1.0.0`, the version this server speaks"))),
    ))]
pub async fn terminate(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    // Not while a PATCH writes to it: that PATCH would then publish or commit bytes of an
    // upload that is gone.
    let upload = find(&state, &auth, id).await?;
    let _busy = BusyGuard::wait(&state, upload.id).await?;
    if !state.store.delete_upload(auth.user, UploadId(id)).await? {
        return Err(Error::NotFound("upload").into());
    }
    discard_quietly(&state, UploadId(id)).await;
    Ok(empty(tus_headers(
        Response::builder().status(StatusCode::NO_CONTENT),
    )))
}

/// Adds `Tus-Resumable` to every response of the upload routes, errors included.
pub async fn tus_resumable_header(response: Response) -> impl IntoResponse {
    let mut response = response;
    response
        .headers_mut()
        .insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: tonearm_testkit::cases::proptest_cases(2_000),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Fuzz target: any `Upload-Metadata` value parses or is refused with a short message,
        /// and whatever parses round-trips through the encoding tus clients use.
        #[test]
        fn any_metadata_header_parses_or_is_refused(value in "([ -~]{0,12}( [A-Za-z0-9+/=]{0,16})?,?){0,6}|\\PC{0,64}") {
            match parse_metadata(&value) {
                Ok(map) => {
                    let again: Vec<String> = map
                        .iter()
                        .map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k} {}", BASE64.encode(v)) })
                        .collect();
                    proptest::prop_assert_eq!(parse_metadata(&again.join(",")).unwrap(), map);
                }
                Err(error) => proptest::prop_assert!(error.to_string().len() < 200),
            }
        }

        /// Fuzz target: any `Upload-Checksum` value parses or is refused with a short message.
        #[test]
        fn any_checksum_header_parses_or_is_refused(value in "(sha1|sha256|md5|[a-z0-9]{0,8}) ?[A-Za-z0-9+/=]{0,64}|\\PC{0,80}") {
            if let Err(error) = Checksum::parse(&value) {
                proptest::prop_assert!(error.to_string().len() < 200);
            }
        }
    }

    #[test]
    fn metadata_forms() {
        assert!(parse_metadata("").unwrap().is_empty());
        assert!(parse_metadata("  ").unwrap().is_empty());
        let map = parse_metadata("filename d29ybGQudHh0,is_confidential,blake3 YWJj").unwrap();
        assert_eq!(map["filename"], "world.txt");
        assert_eq!(map["is_confidential"], "");
        assert_eq!(map["blake3"], "abc");
        assert!(parse_metadata("filename !!!").is_err());
        assert!(parse_metadata("a b c").is_err());
    }

    #[test]
    fn checksum_headers() {
        let mut sum = Checksum::parse("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=").unwrap();
        sum.update(b"ab");
        sum.update(b"c");
        sum.check().unwrap();
        let mut sum = Checksum::parse("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=").unwrap();
        sum.update(b"abd");
        assert!(matches!(
            sum.check(),
            Err(Error::ChecksumMismatch { algorithm: "sha1" })
        ));
        assert!(Checksum::parse("md5 AAAA").is_err());
        assert!(Checksum::parse("sha1").is_err());
    }
}
