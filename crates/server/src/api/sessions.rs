//! `/api/v1/sessions`: log in (issuing a per-device token), list and revoke sessions;
//! `/api/v1/api-keys`: keys for Subsonic apps; and `/api/v1/storage`: how much of the locker
//! the user fills.

use super::extract::{Json, Path};
use crate::auth::{self, AuthUser};
use crate::error::{ApiError, Error};
use crate::passwords::Verdict;
use crate::state::{AppState, now};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use std::net::SocketAddr;
use tonearm_protocol::{
    ApiKeyCreated, ApiKeyInfo, ApiKeyRequest, ApiKeysResponse, ErrorBody, LoginRequest,
    LoginResponse, SessionId, SessionsResponse, StorageUsage,
};

/// Log in.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 201, description = "logged in", body = LoginResponse),
        (status = 400, description = "malformed body: a user or device name outside its rules, or a password over 1024 bytes", body = ErrorBody),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 429, description = "too many failed logins (for this name from this address, from this address, or for this account); nothing was checked", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again"))),
        (status = 503, description = "too many logins are being checked at once; nothing was checked", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait before trying again"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<(StatusCode, Json<LoginResponse>), ApiError> {
    let ip = client_ip(&state, peer, &headers);
    let user = check_login(&state, ip, request.username.as_str(), &request.password).await?;
    let device = request.device.as_str();
    let (token, token_hash) = auth::new_token();
    let session = state
        .store
        .create_session(user.id, device, &token_hash, now())
        .await?;
    tracing::info!(username = %user.username, device, "logged in");
    Ok((StatusCode::CREATED, Json(LoginResponse { token, session })))
}

/// The address a request comes from, as the login throttle counts it.
pub(super) fn client_ip(
    state: &AppState,
    peer: SocketAddr,
    headers: &axum::http::HeaderMap,
) -> std::net::IpAddr {
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    crate::throttle::client_address(peer.ip(), forwarded, &state.config.trusted_proxies)
}

/// Checks a name and password as every login does: throttled, on the password pool; the
/// password is kept sealed for Subsonic if it was not yet.
pub(super) async fn check_login(
    state: &AppState,
    ip: std::net::IpAddr,
    name: &str,
    password: &tonearm_protocol::Password,
) -> Result<crate::store::UserRecord, Error> {
    state.throttle.check(&*state.store, name, ip).await?;
    let user = state.store.user_by_name(name).await?;
    let phc = user.as_ref().map(|u| u.password_hash.as_str());
    let verdict = state.passwords.verify(password.expose(), phc).await;
    let user = match (verdict, user) {
        (Verdict::Valid, Some(user)) => user,
        (Verdict::Busy(retry_after), _) => return Err(Error::Busy { retry_after }),
        (_, user) => {
            state
                .throttle
                .failed(&*state.store, name, ip, user.is_some())
                .await?;
            tracing::info!(username = name, %ip, "failed login");
            return Err(Error::Unauthorized);
        }
    };
    if let Err(error) = state.throttle.succeeded(&*state.store, name, ip).await {
        // The password was right: a login not remembered is no reason to refuse it.
        tracing::warn!(%error, "the login throttle could not record a login");
    }
    if user.sealed_password.is_none() {
        // An account made before passwords were kept for Subsonic gets it now.
        match state.vault.seal(name, password.expose()) {
            Ok(sealed) => state.store.set_sealed_password(user.id, &sealed).await?,
            Err(error) => tracing::warn!(%error, "the password could not be sealed"),
        }
    }
    Ok(user)
}

/// List the user's sessions.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, description = "sessions, oldest first", body = SessionsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<SessionsResponse>, ApiError> {
    let mut sessions = state.store.list_sessions(auth.user).await?;
    for session in &mut sessions {
        session.current = session.id == auth.session;
    }
    Ok(Json(SessionsResponse { sessions }))
}

/// Revoke a session (log a device out).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = SessionId, Path, description = "session id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 404, description = "no such session", body = ErrorBody),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<SessionId>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_session(auth.user, id).await? {
        state.stream_grants.forget_all();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound("session").into())
    }
}

/// How much the user stores, and the quota.
#[utoipa::path(get, path = "/api/v1/storage", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, description = "bytes used and the quota, if any", body = StorageUsage)))]
pub async fn storage(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<StorageUsage>, ApiError> {
    Ok(Json(StorageUsage {
        used_bytes: state.store.usage(auth.user).await?,
        quota_bytes: state.config.user_quota,
    }))
}

/// Make an API key for a Subsonic app.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "sessions", security(("bearer" = [])),
    request_body = ApiKeyRequest,
    responses(
        (status = 201, description = "the key, shown this once", body = ApiKeyCreated),
        (status = 400, description = "malformed body", body = ErrorBody),
    ))]
pub async fn create_api_key(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<ApiKeyRequest>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), ApiError> {
    let (key, _) = auth::new_token();
    let info = ApiKeyInfo {
        id: uuid::Uuid::new_v4().to_string(),
        name: request.name.as_str().to_owned(),
        created_at: now(),
    };
    let record = crate::store::ApiKeyRecord {
        id: info.id.clone(),
        name: info.name.clone(),
        created_at: info.created_at,
    };
    state
        .store
        .create_api_key(auth.user, &record, &crate::subsonic::api_key_hash(&key))
        .await?;
    Ok((StatusCode::CREATED, Json(ApiKeyCreated { info, key })))
}

/// List the user's API keys.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, description = "keys, oldest first", body = ApiKeysResponse)))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<ApiKeysResponse>, ApiError> {
    let keys = state
        .store
        .api_keys(auth.user)
        .await?
        .into_iter()
        .map(|k| ApiKeyInfo {
            id: k.id,
            name: k.name,
            created_at: k.created_at,
        })
        .collect();
    Ok(Json(ApiKeysResponse { keys }))
}

/// Revoke an API key: apps using it stop working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the key's id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 404, description = "no such key", body = ErrorBody),
    ))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_api_key(auth.user, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound("API key").into())
    }
}
