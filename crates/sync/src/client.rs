//! The locker server's API, typed: one method per route, with the wire types of
//! `tonearm-protocol`, errors mapped to [`SyncError`] with the server's stable code.
//!
//! TLS is rustls with the ring provider (no C toolchain needed), so `https://` lockers work
//! the same as a plain-HTTP one on this machine.

use crate::error::{Result, SyncError};
use crate::server_url::ServerUrl;
use base64::Engine;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use std::time::Duration;
use tonearm_protocol::uploads::{
    HEADER_BLOB_HASH, METADATA_BLAKE3, METADATA_FILENAME, TUS_VERSION,
};
use tonearm_protocol::{
    ChallengeAnswer, ChangesResponse, CloudTrack, CreateTrackRequest, ErrorBody, LoginRequest,
    LoginResponse, MatchRequest, MatchResponse, MetadataPatch, PlaylistOpsRequest,
    PlaylistOpsResponse, SessionId, StorageUsage, TrackId, UpdateTrackRequest,
};

/// Installs ring as rustls' crypto provider, once per process (reqwest refuses to build a
/// client before one is installed).
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only when another provider is already installed, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A connection to one locker server, logged in or not.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// A client for the server at `base`.
    pub fn new(base: &ServerUrl) -> Result<Self> {
        install_crypto_provider();
        let base = base.as_str().to_owned();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("tonearm/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            base,
            token: None,
        })
    }

    /// The same client, sending `token` as its bearer credentials.
    #[must_use]
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// An absolute URL for `path` (which may already be absolute, as tus `Location`s can be).
    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, self.url(path));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    fn tus(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path)
            .header("Tus-Resumable", TUS_VERSION)
    }

    /// Turns a non-success response into the server's error.
    async fn check(response: Response) -> Result<Response> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let (code, message) = match serde_json::from_str::<ErrorBody>(&body) {
            Ok(error) => (Some(error.error.code), error.error.message),
            Err(_) => (None, body.chars().take(200).collect()),
        };
        Err(SyncError::Server {
            status: status.as_u16(),
            code,
            message,
        })
    }

    async fn json<T: DeserializeOwned>(response: Response) -> Result<T> {
        let response = Self::check(response).await?;
        response
            .json()
            .await
            .map_err(|e| SyncError::Protocol(e.to_string()))
    }

    /// Logs in; the answer carries the device's token.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        device: &str,
    ) -> Result<LoginResponse> {
        let invalid = |e: &dyn std::fmt::Display| SyncError::Invalid(e.to_string());
        let body = LoginRequest {
            username: username.parse().map_err(|e| invalid(&e))?,
            password: tonearm_protocol::Password::new(password).map_err(|e| invalid(&e))?,
            device: device.parse().map_err(|e| invalid(&e))?,
        };
        Self::json(
            self.request(Method::POST, "/api/v1/sessions")
                .json(&body)
                .send()
                .await?,
        )
        .await
    }

    /// Revokes a session (logging this device out when it is its own).
    pub async fn revoke_session(&self, session: SessionId) -> Result<()> {
        let path = format!("/api/v1/sessions/{}", session.0);
        Self::check(self.request(Method::DELETE, &path).send().await?).await?;
        Ok(())
    }

    /// Asks whether the server holds these bytes.
    pub async fn match_file(&self, request: &MatchRequest) -> Result<MatchResponse> {
        Self::json(
            self.request(Method::POST, "/api/v1/match")
                .json(request)
                .send()
                .await?,
        )
        .await
    }

    /// Answers an ownership challenge.
    pub async fn answer_challenge(
        &self,
        challenge: tonearm_protocol::ChallengeId,
        answer: &ChallengeAnswer,
    ) -> Result<MatchResponse> {
        let path = format!("/api/v1/match/{}", challenge.0);
        Self::json(
            self.request(Method::POST, &path)
                .json(answer)
                .send()
                .await?,
        )
        .await
    }

    /// Records a cloud track over a blob the user owns (idempotent for the same id and blob).
    pub async fn create_track(&self, request: &CreateTrackRequest) -> Result<CloudTrack> {
        Self::json(
            self.request(Method::POST, "/api/v1/tracks")
                .json(request)
                .send()
                .await?,
        )
        .await
    }

    /// Replaces a cloud track's metadata.
    pub async fn update_track(
        &self,
        id: TrackId,
        request: &UpdateTrackRequest,
    ) -> Result<CloudTrack> {
        let path = format!("/api/v1/tracks/{}", id.0);
        Self::json(
            self.request(Method::PATCH, &path)
                .json(request)
                .send()
                .await?,
        )
        .await
    }

    /// Changes some fields of a cloud track's metadata (the server merges them).
    pub async fn patch_track(&self, id: TrackId, patch: &MetadataPatch) -> Result<CloudTrack> {
        let path = format!("/api/v1/tracks/{}/metadata", id.0);
        Self::json(
            self.request(Method::PATCH, &path)
                .json(patch)
                .send()
                .await?,
        )
        .await
    }

    /// One cloud track, as the server holds it now (its bytes' hash and size): what "remove
    /// downloads" asks right before a file goes.
    pub async fn track(&self, id: TrackId) -> Result<CloudTrack> {
        let path = format!("/api/v1/tracks/{}", id.0);
        Self::json(self.request(Method::GET, &path).send().await?).await
    }

    /// Deletes a cloud track.
    pub async fn delete_track(&self, id: TrackId) -> Result<()> {
        let path = format!("/api/v1/tracks/{}", id.0);
        Self::check(self.request(Method::DELETE, &path).send().await?).await?;
        Ok(())
    }

    /// How much the user stores in the locker, and the quota.
    pub async fn storage(&self) -> Result<StorageUsage> {
        Self::json(self.request(Method::GET, "/api/v1/storage").send().await?).await
    }

    /// [`Client::storage`] with an answer due within `timeout`: the cheap authenticated
    /// request that tells whether the server answers and still accepts this device.
    pub async fn storage_within(&self, timeout: Duration) -> Result<StorageUsage> {
        Self::json(
            self.request(Method::GET, "/api/v1/storage")
                .timeout(timeout)
                .send()
                .await?,
        )
        .await
    }

    /// The change feed after `since`.
    pub async fn changes(&self, since: u64, limit: u32) -> Result<ChangesResponse> {
        let path = format!("/api/v1/changes?since={since}&limit={limit}");
        Self::json(self.request(Method::GET, &path).send().await?).await
    }

    /// Sends playlist operations.
    pub async fn playlist_ops(&self, request: &PlaylistOpsRequest) -> Result<PlaylistOpsResponse> {
        Self::json(
            self.request(Method::POST, "/api/v1/playlists/ops")
                .json(request)
                .send()
                .await?,
        )
        .await
    }

    /// Sends plays; each is counted once by its id.
    pub async fn post_plays(
        &self,
        request: &tonearm_protocol::PlaysRequest,
    ) -> Result<tonearm_protocol::PlaysResponse> {
        let response = self
            .request(Method::POST, "/api/v1/plays")
            .json(request)
            .send()
            .await?;
        Self::json(response).await
    }

    /// Rates or loves a song.
    pub async fn patch_marks(
        &self,
        id: TrackId,
        patch: &tonearm_protocol::MarksPatch,
    ) -> Result<tonearm_protocol::TrackMarks> {
        let response = self
            .request(Method::PATCH, &format!("/api/v1/tracks/{}/marks", id.0))
            .json(patch)
            .send()
            .await?;
        Self::json(response).await
    }

    /// Makes an API key for a Subsonic app; the answer holds the key, shown this once.
    pub async fn create_api_key(&self, name: &str) -> Result<tonearm_protocol::ApiKeyCreated> {
        let name = tonearm_protocol::DeviceName::parse(name)
            .map_err(|e| SyncError::Protocol(format!("an API key's name: {e}")))?;
        let response = self
            .request(Method::POST, "/api/v1/api-keys")
            .json(&tonearm_protocol::ApiKeyRequest { name })
            .send()
            .await?;
        Self::json(response).await
    }

    /// The account's API keys, oldest first.
    pub async fn api_keys(&self) -> Result<Vec<tonearm_protocol::ApiKeyInfo>> {
        let response = self.request(Method::GET, "/api/v1/api-keys").send().await?;
        Ok(Self::json::<tonearm_protocol::ApiKeysResponse>(response)
            .await?
            .keys)
    }

    /// Revokes an API key: apps using it stop working at once.
    pub async fn revoke_api_key(&self, id: &str) -> Result<()> {
        let response = self
            .request(Method::DELETE, &format!("/api/v1/api-keys/{id}"))
            .send()
            .await?;
        Self::check(response).await.map(drop)
    }

    /// Whether the user already has this cover on the server.
    pub async fn has_artwork(&self, hash: &str) -> Result<bool> {
        let response = self
            .request(Method::HEAD, &format!("/api/v1/artwork/{hash}"))
            .send()
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(false);
        }
        Self::check(response).await.map(|_| true)
    }

    /// Uploads a cover (its BLAKE3 is `hash`).
    pub async fn put_artwork(&self, hash: &str, bytes: Vec<u8>) -> Result<()> {
        let response = self
            .request(Method::PUT, &format!("/api/v1/artwork/{hash}"))
            .body(bytes)
            .timeout(Duration::from_secs(60))
            .send()
            .await?;
        Self::check(response).await.map(drop)
    }

    /// A cover the user uploaded, whole.
    pub async fn get_artwork(&self, hash: &str) -> Result<Vec<u8>> {
        let response = self
            .request(Method::GET, &format!("/api/v1/artwork/{hash}"))
            .timeout(Duration::from_secs(60))
            .send()
            .await?;
        Ok(Self::check(response).await?.bytes().await?.to_vec())
    }

    /// Bytes `start..end` of a track's audio.
    pub async fn read_range(&self, track: TrackId, start: u64, end: u64) -> Result<Vec<u8>> {
        let path = format!("/api/v1/tracks/{}/stream", track.0);
        let response = self
            .request(Method::GET, &path)
            .header(reqwest::header::RANGE, format!("bytes={start}-{}", end - 1))
            .timeout(Duration::from_secs(30))
            .send()
            .await?;
        let response = Self::check(response).await?;
        if response.status() != StatusCode::PARTIAL_CONTENT && start > 0 {
            return Err(SyncError::Protocol(
                "the server ignored the byte range".to_owned(),
            ));
        }
        let bytes = response.bytes().await?;
        let wanted = (end - start) as usize;
        if bytes.len() < wanted {
            return Err(SyncError::Network(format!(
                "the stream ended after {} of {wanted} bytes",
                bytes.len()
            )));
        }
        Ok(bytes[..wanted].to_vec())
    }

    /// A track's audio from byte `start` to its end, as a response to read in chunks (a
    /// download that resumes). From a `start` past 0, the server must answer with that range.
    pub async fn stream_from(&self, track: TrackId, start: u64) -> Result<Response> {
        let path = format!("/api/v1/tracks/{}/stream", track.0);
        let mut request = self.request(Method::GET, &path);
        if start > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={start}-"));
        }
        let response = Self::check(request.send().await?).await?;
        if start > 0 && response.status() != StatusCode::PARTIAL_CONTENT {
            return Err(SyncError::Protocol(
                "the server ignored the byte range".to_owned(),
            ));
        }
        Ok(response)
    }

    /// Starts a tus upload of `size` bytes whose whole-file BLAKE3 is `blake3`; returns its URL.
    pub async fn create_upload(&self, size: u64, blake3: &str, filename: &str) -> Result<String> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let metadata = format!(
            "{METADATA_BLAKE3} {},{METADATA_FILENAME} {}",
            b64.encode(blake3),
            b64.encode(filename)
        );
        let response = self
            .tus(Method::POST, "/api/v1/uploads")
            .header("Upload-Length", size)
            .header("Upload-Metadata", metadata)
            .send()
            .await?;
        let response = Self::check(response).await?;
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| SyncError::Protocol("no Location for the new upload".to_owned()))
    }

    /// Where an upload stands: the offset the server has, or `None` when it is gone
    /// (expired, or finished and cleaned up).
    pub async fn upload_offset(&self, url: &str) -> Result<Option<u64>> {
        let response = self.tus(Method::HEAD, url).send().await?;
        if matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::GONE) {
            return Ok(None);
        }
        let response = Self::check(response).await?;
        header_number(&response, "Upload-Offset").map(Some)
    }

    /// Sends `chunk` at `offset`; returns the new offset, and the blob's hash once complete.
    pub async fn upload_chunk(
        &self,
        url: &str,
        offset: u64,
        chunk: Vec<u8>,
    ) -> Result<(u64, Option<String>)> {
        let response = self
            .tus(Method::PATCH, url)
            .header("Upload-Offset", offset)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/offset+octet-stream",
            )
            .timeout(Duration::from_secs(120))
            .body(chunk)
            .send()
            .await?;
        let response = Self::check(response).await?;
        let offset = header_number(&response, "Upload-Offset")?;
        let hash = response
            .headers()
            .get(HEADER_BLOB_HASH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((offset, hash))
    }
}

fn header_number(response: &Response, name: &str) -> Result<u64> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| SyncError::Protocol(format!("no {name} in the answer")))
}
