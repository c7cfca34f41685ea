//! `GET /health`: liveness and readiness for load balancers and the desktop app, with the kinds
//! of store the replica runs on (so an operator sees at a glance which configuration answered).

use crate::backends::BackendNames;
use crate::state::AppState;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// Health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// "ok" when the metadata store answers.
    pub status: &'static str,
    /// Server version.
    pub version: &'static str,
    /// The kinds of store this server runs on.
    pub backends: BackendNames,
}

/// Health check; checks that the metadata store answers.
#[utoipa::path(get, path = "/health", tag = "server",
    responses((status = 200, description = "healthy", body = Health),
              (status = 503, description = "the metadata store does not answer", body = Health)))]
pub async fn health(State(state): State<AppState>) -> (axum::http::StatusCode, axum::Json<Health>) {
    let version = env!("CARGO_PKG_VERSION");
    let backends = BackendNames::of(&state.config);
    match state.store.ping().await {
        Ok(_) => (
            axum::http::StatusCode::OK,
            axum::Json(Health {
                status: "ok",
                version,
                backends,
            }),
        ),
        Err(error) => {
            tracing::error!(error = %crate::error::error_chain(&error), "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(Health {
                    status: "unavailable",
                    version,
                    backends,
                }),
            )
        }
    }
}
