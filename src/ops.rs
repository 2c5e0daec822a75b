//! Operational endpoints (liveness, readiness, metrics) and the request deadline.
use std::time::Duration;

use actix_web::{
    Error, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{ConnectionType, StatusCode},
    middleware::Next,
    web,
};

use crate::{AppState, admin::problem::Problem, oidc::error::OAuthError, scim::error::ScimError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// `GET /metrics`: Prometheus text format, for a bearer API token holding `iam.metrics.read`
/// (scopes `admin:read` and `admin` do; Prometheus: `authorization: {credentials: …}`), or for anyone with
/// `SCIMITAR_METRICS_PUBLIC=true`; `SCIMITAR_METRICS=false` turns it off (404).
async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    if !state.config.metrics {
        return HttpResponse::NotFound().finish();
    }
    if !state.config.metrics_public {
        let refusal = match crate::auth::authenticate(&state.store, req.headers()).await {
            Ok(p) if p.can(crate::access::Builtin::MetricsRead) => None,
            Ok(_) => Some(StatusCode::FORBIDDEN),
            Err(crate::auth::AuthError::Store(e)) => {
                tracing::error!(error = %e, "metrics: token lookup failed");
                Some(StatusCode::SERVICE_UNAVAILABLE)
            }
            Err(_) => Some(StatusCode::UNAUTHORIZED),
        };
        if let Some(status) = refusal {
            let mut res = HttpResponse::build(status);
            if status == StatusCode::UNAUTHORIZED {
                res.insert_header(("WWW-Authenticate", "Bearer realm=\"scimitar\""));
            }
            return res.body("metrics need a bearer token with scope admin:read\n");
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&state.store))
}

/// `GET /healthz`: the process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /readyz`: the database answers.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}

/// Every request must be answered within `request_timeout_seconds` of its headers, body upload
/// included: a client that trickles its body (slowloris) gets a 408 in its surface's error
/// format and the connection closes. Dropping the handler rolls back its open transaction.
pub async fn deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let secs = req
        .app_data::<web::Data<AppState>>()
        .map_or(30, |s| s.config.request_timeout_seconds);
    let path = req.path().to_owned();
    match tokio::time::timeout(Duration::from_secs(secs), next.call(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(path, secs, "request timed out");
            Err(TimedOut { path, secs }.into())
        }
    }
}

#[derive(Debug)]
struct TimedOut {
    path: String,
    secs: u64,
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request was not complete within {} s", self.secs)
    }
}

impl ResponseError for TimedOut {
    fn status_code(&self) -> StatusCode {
        StatusCode::REQUEST_TIMEOUT
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let (status, detail) = (self.status_code(), self.to_string());
        let mut res = if self.path.starts_with("/scim/") {
            ScimError::new(status, None, detail).error_response()
        } else if self.path.starts_with("/api/") {
            Problem::new(status, detail).error_response()
        } else if self.path.starts_with("/oauth2/") {
            OAuthError::with_status(status, "invalid_request", detail).error_response()
        } else {
            HttpResponse::build(status).json(serde_json::json!({"error": detail}))
        };
        res.head_mut().set_connection_type(ConnectionType::Close);
        res
    }
}
