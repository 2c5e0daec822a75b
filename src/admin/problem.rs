//! `Problem`: every admin API failure, rendered once as RFC 9457 `application/problem+json`.
use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    error::{JsonPayloadError, QueryPayloadError},
    http::{StatusCode, header},
};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::store::StoreError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Problem types beyond the generic `about:blank` (RFC 9457 §4.2).
pub const AMBIGUOUS: &str = "urn:scimitar:problem:ambiguous-identifier";
pub const UNKNOWN_USERS: &str = "urn:scimitar:problem:unknown-users";
pub const MISSING_PERMISSION: &str = "urn:scimitar:problem:missing-permission";
pub const NO_SUCH_ENDPOINT: &str = "urn:scimitar:problem:no-such-endpoint";

#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// A problem type URI; `about:blank` means "see the status code".
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// Extension members (RFC 9457 §3.2), e.g. `candidates`, `unknown`, `required_permission`.
    pub extra: Vec<(&'static str, Value)>,
}

/// The wire form, for the OpenAPI document.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: String,
    #[schema(example = "Not Found")]
    pub title: String,
    #[schema(example = 404)]
    pub status: u16,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl Problem {
    /// A problem of type `about:blank`: its title is the status phrase.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        Problem {
            status,
            kind: "about:blank",
            title,
            detail: detail.into(),
            extra: vec![],
        }
    }

    pub fn typed(mut self, kind: &'static str, title: &'static str) -> Self {
        (self.kind, self.title) = (kind, title);
        self
    }

    pub fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 401, rendered with `WWW-Authenticate: Bearer`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403 naming the permission (or `scim`) that was needed; the challenge says RFC 6750
    /// `insufficient_scope` with it as the scope.
    pub fn missing_permission(needed: &str, doing: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            format!("{doing} needs the permission \"{needed}\", which this token does not hold"),
        )
        .typed(MISSING_PERMISSION, "Missing permission")
        .with("required_permission", needed.to_owned())
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 409 for an identifier that names several resources.
    pub fn ambiguous(what: &str, ident: &str, candidates: &[uuid::Uuid]) -> Self {
        let ids: Vec<String> = candidates.iter().map(ToString::to_string).collect();
        Self::new(
            StatusCode::CONFLICT,
            format!("{what} {ident:?} is ambiguous: it names {}; use an id", ids.join(", ")),
        )
        .typed(AMBIGUOUS, "Ambiguous identifier")
        .with("candidates", ids)
    }

    /// 500; the cause is logged here and never sent.
    pub fn internal(cause: &dyn std::fmt::Debug) -> Self {
        tracing::error!(error.cause_chain = ?cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "type": self.kind,
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        for (k, v) in &self.extra {
            body[*k] = v.clone();
        }
        body
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(PROBLEM_JSON);
        match self.status {
            StatusCode::UNAUTHORIZED => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"scimitar\""));
            }
            StatusCode::FORBIDDEN if self.kind == MISSING_PERMISSION => {
                let scope = self.extra.iter().find_map(|(_, v)| v.as_str()).unwrap_or_default();
                let challenge = format!("Bearer realm=\"scimitar\", error=\"insufficient_scope\", scope=\"{scope}\"");
                res.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                res.insert_header((header::RETRY_AFTER, crate::store::BUSY_RETRY_AFTER_SECONDS.to_string()));
            }
            _ => {}
        }
        res.body(self.body().to_string())
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Problem::not_found(format!("{what} not found")),
            StoreError::Conflict(m) => Problem::new(StatusCode::CONFLICT, m),
            StoreError::VersionMismatch => Problem::new(StatusCode::PRECONDITION_FAILED, e.to_string()),
            StoreError::Invalid(m) => Problem::bad_request(m),
            StoreError::Forbidden { permission, doing } => Problem::missing_permission(&permission, doing),
            StoreError::Busy => Problem::new(StatusCode::SERVICE_UNAVAILABLE, StoreError::Busy.to_string()),
            StoreError::Db(e) => Problem::internal(&e),
        }
    }
}

/// Malformed or oversized JSON bodies (`web::JsonConfig` error handler).
pub fn json_error(e: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    match e {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body exceeds {limit} bytes"),
        ),
        JsonPayloadError::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be application/json",
        ),
        e => Problem::bad_request(format!("the body is not valid JSON for this request: {e}")),
    }
    .into()
}

/// Malformed query strings (`web::QueryConfig` error handler).
pub fn query_error(e: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    Problem::bad_request(format!("invalid query string: {e}")).into()
}
