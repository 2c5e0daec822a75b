//! `ScimError`: every SCIM failure, rendered once as an RFC 7644 §3.12 error body.
use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde_json::json;

use super::SCIM_JSON;
use crate::store::StoreError;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug, Clone)]
pub struct ScimError {
    pub status: StatusCode,
    /// RFC 7644 Table 9 (`invalidFilter`, `uniqueness`, `mutability`, `invalidSyntax`, …).
    pub scim_type: Option<&'static str>,
    pub detail: String,
    /// For a 403 from the store's escalation check: the permission and what needed it, so
    /// that the admin API (which reuses the SCIM service) can name it in its problem type.
    pub missing_permission: Option<(String, &'static str)>,
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl ScimError {
    pub fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
            missing_permission: None,
        }
    }

    /// 400 with a `scimType`.
    pub fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request("invalidValue", detail)
    }

    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request("invalidSyntax", detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    /// 401, with `WWW-Authenticate: Bearer` added when rendered.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, None, detail)
    }

    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, None, detail)
    }

    /// 405.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            "method not allowed on this endpoint",
        )
    }

    /// 500; the cause is logged here and never sent.
    pub fn internal(cause: &dyn std::fmt::Debug) -> Self {
        tracing::error!(error.cause_chain = ?cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, "internal server error")
    }

    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = t.into();
        }
        body
    }
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(SCIM_JSON);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header(("WWW-Authenticate", "Bearer realm=\"scimitar\""));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header(("Retry-After", crate::store::BUSY_RETRY_AFTER_SECONDS.to_string()));
        }
        res.body(self.body().to_string())
    }
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ScimError::not_found(format!("{what} not found")),
            StoreError::Conflict(m) => ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), m),
            StoreError::VersionMismatch => ScimError::new(
                StatusCode::PRECONDITION_FAILED,
                None,
                "the resource was modified since the version given in If-Match",
            ),
            StoreError::Invalid(m) => ScimError::invalid_value(m),
            StoreError::Forbidden { permission, doing } => ScimError {
                missing_permission: Some((permission.clone(), doing)),
                ..ScimError::new(
                    StatusCode::FORBIDDEN,
                    None,
                    StoreError::Forbidden { permission, doing }.to_string(),
                )
            },
            StoreError::Busy => ScimError::new(StatusCode::SERVICE_UNAVAILABLE, None, StoreError::Busy.to_string()),
            StoreError::Db(e) => ScimError::internal(&e),
        }
    }
}
