//! `OAuthError`: every failure of the token, introspection, revocation, registration and
//! userinfo endpoints, rendered once as an RFC 6749 §5.2 body `{"error", "error_description"}`.
use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use serde_json::json;

use crate::store::StoreError;

#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    /// RFC 6749 §5.2 / RFC 6750 §3.1 error code.
    pub error: &'static str,
    pub description: String,
    /// `WWW-Authenticate` value for 401s.
    pub challenge: Option<&'static str>,
    /// `Retry-After` seconds for 429s.
    pub retry_after: Option<u64>,
    /// A fresh `DPoP-Nonce` for the client to use (RFC 9449 §8).
    pub dpop_nonce: Option<String>,
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.error, self.description)
    }
}

impl OAuthError {
    pub fn with_status(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            challenge: None,
            retry_after: None,
            dpop_nonce: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::with_status(StatusCode::BAD_REQUEST, "invalid_request", d)
    }

    /// 401 `invalid_client`; `basic` adds `WWW-Authenticate: Basic` (the client used it).
    pub fn invalid_client(d: impl Into<String>, basic: bool) -> Self {
        let mut e = Self::with_status(StatusCode::UNAUTHORIZED, "invalid_client", d);
        e.challenge = Some(if basic {
            "Basic realm=\"scimitar\""
        } else {
            "Bearer realm=\"scimitar\""
        });
        e
    }

    /// 400 `invalid_grant`: bad, expired, used or revoked code or refresh token.
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::with_status(StatusCode::BAD_REQUEST, "invalid_grant", d)
    }

    /// 400 `unauthorized_client`: the client may not use this grant.
    pub fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::with_status(StatusCode::BAD_REQUEST, "unauthorized_client", d)
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::with_status(StatusCode::BAD_REQUEST, "unsupported_grant_type", d)
    }

    /// 400 `invalid_scope`.
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::with_status(StatusCode::BAD_REQUEST, "invalid_scope", d)
    }

    /// 400 `invalid_redirect_uri` / `invalid_client_metadata` (RFC 7591 §3.2.2).
    pub fn invalid_metadata(error: &'static str, d: impl Into<String>) -> Self {
        Self::with_status(StatusCode::BAD_REQUEST, error, d)
    }

    /// 401 `invalid_token` with a Bearer challenge (RFC 6750 §3.1).
    pub fn invalid_token(d: impl Into<String>) -> Self {
        let mut e = Self::with_status(StatusCode::UNAUTHORIZED, "invalid_token", d);
        e.challenge = Some("Bearer error=\"invalid_token\"");
        e
    }

    /// 403 `insufficient_scope`.
    pub fn insufficient_scope(d: impl Into<String>) -> Self {
        Self::with_status(StatusCode::FORBIDDEN, "insufficient_scope", d)
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::with_status(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            "too many requests; retry later",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 500 `server_error`; the cause is logged, never sent.
    pub fn server_error(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error.cause_chain = %cause, "OIDC request failed");
        Self::with_status(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal error")
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        match e {
            // RFC 6749 §4.1.2.1's `temporarily_unavailable`, as a 503 with `Retry-After`.
            StoreError::Busy => {
                let mut e = Self::with_status(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the server is busy; retry later",
                );
                e.retry_after = Some(crate::store::BUSY_RETRY_AFTER_SECONDS.into());
                e
            }
            e => Self::server_error(e),
        }
    }
}

impl From<anyhow::Error> for OAuthError {
    fn from(e: anyhow::Error) -> Self {
        Self::server_error(format!("{e:#}"))
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(c) = self.challenge {
            res.insert_header((header::WWW_AUTHENTICATE, c));
        }
        if let Some(s) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        if let Some(n) = &self.dpop_nonce {
            res.insert_header(("DPoP-Nonce", n.as_str()));
        }
        res.json(json!({"error": self.error, "error_description": self.description}))
    }
}
