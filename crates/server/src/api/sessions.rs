//! `/api/v1/sessions`: log in (issuing a per-device token), list and revoke sessions; and
//! `/api/v1/storage`: how much of the locker the user fills.

use super::extract::{Json, Path};
use crate::auth::{self, AuthUser};
use crate::error::{ApiError, Error};
use crate::state::{AppState, now};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use std::net::SocketAddr;
use std::sync::OnceLock;
use tonearm_protocol::{
    ErrorBody, LoginRequest, LoginResponse, SessionId, SessionsResponse, StorageUsage,
};

/// A hash to verify against when the user does not exist, so a login for an unknown name costs
/// as much as one for a known name and timing does not reveal which names exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        auth::hash_password("tonearm dummy password").expect("hashing a constant password works")
    })
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 201, description = "logged in", body = LoginResponse),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 429, description = "too many failed logins; see Retry-After", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<LoginRequest>,
) -> Result<(StatusCode, Json<LoginResponse>), ApiError> {
    let ip = peer.ip();
    state.throttle.check(&request.username, ip)?;
    let user = state.store.user_by_name(&request.username).await?;
    let phc = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let password = request.password.clone();
    let valid = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc))
        .await
        .map_err(Error::from)?;
    let Some(user) = user.filter(|_| valid) else {
        state.throttle.failed(&request.username, ip);
        tracing::info!(username = %request.username, %ip, "failed login");
        return Err(Error::Unauthorized.into());
    };
    state.throttle.succeeded(&request.username, ip);
    let device = request.device.trim();
    if device.is_empty() || device.len() > 200 {
        return Err(Error::BadRequest("device must be 1 to 200 characters".into()).into());
    }
    let (token, token_hash) = auth::new_token();
    let session = state
        .store
        .create_session(user.id, device, &token_hash, now())
        .await?;
    tracing::info!(username = %user.username, device, "logged in");
    Ok((StatusCode::CREATED, Json(LoginResponse { token, session })))
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
    params(("id" = String, Path, description = "session id")),
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
