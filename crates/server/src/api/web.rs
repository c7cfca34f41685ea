//! `/api/v1/web/session`: a browser's session (the web player). Signing in checks the password
//! as every login does (throttled, on the password pool) and makes a session like any
//! device's, listed and revocable with the others; its token goes only into an `HttpOnly`,
//! `SameSite=Strict` cookie (`Secure` under HTTPS), never into a URL or the page's reach. The
//! page gets the session's CSRF token instead, and must send it with every change
//! (`auth::CSRF_HEADER`): reads with the cookie alone, changes with both.

use super::extract::Json;
use super::sessions::{check_login, client_ip};
use crate::auth::{self, AuthUser, SESSION_COOKIE, session_cookie, token_hash};
use crate::error::{ApiError, Error};
use crate::state::{AppState, now};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use tonearm_protocol::{ErrorBody, WebLoginRequest, WebSession};

/// How long a browser stays signed in without signing in again.
const SESSION_DAYS: u32 = 30;

/// The name a browser's sessions are listed under.
const DEVICE: &str = "web browser";

/// Whether the request reached the server over HTTPS (directly, or through a proxy it trusts).
fn over_https(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    state.config.tls.is_some()
        || (state.config.trusted_proxies.contains(&peer.ip())
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")))
}

fn cookie(value: &str, max_age: u32, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("a cookie of hex and fixed text is a valid header")
}

/// Sign a browser in.
#[utoipa::path(post, path = "/api/v1/web/session", tag = "sessions",
    request_body = WebLoginRequest,
    responses(
        (status = 201, description = "signed in: the session cookie is set", body = WebSession,
            headers(("Set-Cookie" = String, description = "`tonearm_session`, HttpOnly, SameSite=Strict"))),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 429, description = "too many failed logins", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, description = "too many logins are being checked at once", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<WebLoginRequest>,
) -> Result<Response, ApiError> {
    let ip = client_ip(&state, peer, &headers);
    let user = check_login(&state, ip, request.username.as_str(), &request.password).await?;
    let (token, hash) = auth::new_token();
    let session = state
        .store
        .create_session(user.id, DEVICE, &hash, now())
        .await?;
    tracing::info!(username = %user.username, "signed in from a browser");
    let body = WebSession {
        username: user.username,
        csrf_token: state.signer.csrf_token(&hash),
        session,
    };
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(
            &token,
            SESSION_DAYS * 86_400,
            over_https(&state, peer, &headers),
        ),
    );
    Ok(response)
}

/// The browser's session (after a reload: who is signed in, and the CSRF token).
#[utoipa::path(get, path = "/api/v1/web/session", tag = "sessions",
    responses(
        (status = 200, description = "signed in", body = WebSession),
        (status = 401, description = "not signed in (no cookie, or a revoked session)", body = ErrorBody),
    ))]
pub async fn current(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<WebSession>, ApiError> {
    let token = session_cookie(&headers).ok_or(Error::Unauthorized)?;
    let auth = AuthUser::from_token(&state, token).await?;
    let session = state
        .store
        .list_sessions(auth.user)
        .await?
        .into_iter()
        .find(|s| s.id == auth.session)
        .ok_or(Error::Unauthorized)?;
    let username = state
        .store
        .username(auth.user)
        .await?
        .ok_or(Error::Unauthorized)?;
    Ok(axum::Json(WebSession {
        username,
        csrf_token: state.signer.csrf_token(&token_hash(token)),
        session: tonearm_protocol::SessionInfo {
            current: true,
            ..session
        },
    }))
}

/// Sign the browser out: the session of its cookie (never a bearer token's) is revoked and the
/// cookie cleared.
#[utoipa::path(delete, path = "/api/v1/web/session", tag = "sessions",
    params(("X-Tonearm-CSRF" = String, Header, description = "the session's CSRF token")),
    responses(
        (status = 204, description = "signed out"),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "without the session's CSRF token", body = ErrorBody),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = session_cookie(&headers).ok_or(Error::Unauthorized)?;
    let auth = AuthUser::from_token(&state, token).await?;
    auth::check_csrf(&state, token, &headers)?;
    state.store.delete_session(auth.user, auth.session).await?;
    state.stream_grants.forget_all();
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie("", 0, over_https(&state, peer, &headers)),
    );
    Ok(response)
}
