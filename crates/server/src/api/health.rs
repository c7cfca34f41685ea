//! `GET /health`: liveness and readiness for load balancers and the desktop app.

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
}

/// Health check; checks that the metadata store answers.
#[utoipa::path(get, path = "/health", tag = "server",
    responses((status = 200, description = "healthy", body = Health),
              (status = 503, description = "the metadata store does not answer", body = Health)))]
pub async fn health(State(state): State<AppState>) -> (axum::http::StatusCode, axum::Json<Health>) {
    let version = env!("CARGO_PKG_VERSION");
    match state.store.ping().await {
        Ok(_) => (
            axum::http::StatusCode::OK,
            axum::Json(Health {
                status: "ok",
                version,
            }),
        ),
        Err(error) => {
            tracing::error!(error = %crate::error::error_chain(&error), "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(Health {
                    status: "unavailable",
                    version,
                }),
            )
        }
    }
}
