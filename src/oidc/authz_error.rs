//! Failures of the authorization endpoint: an HTML page while the client or redirect URI is
//! untrusted, else a redirect with `error=` (RFC 6749 §4.1.2.1).
use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};

use super::login_page;

/// A failed authorization request.
#[derive(Debug)]
pub enum AuthzError {
    /// The client or redirect URI cannot be trusted: an HTML page.
    Page(StatusCode, String),
    /// Back to the client (RFC 6749 §4.1.2.1), with `iss` (RFC 9207: on every authorization
    /// response, error or not, so a client can tell which server answered).
    Redirect {
        uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
        iss: String,
    },
}

impl std::fmt::Display for AuthzError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthzError::Page(s, m) => write!(f, "{s}: {m}"),
            AuthzError::Redirect { error, description, .. } => write!(f, "{error}: {description}"),
        }
    }
}

impl ResponseError for AuthzError {
    fn error_response(&self) -> HttpResponse {
        match self {
            AuthzError::Page(status, text) => login_page::message(*status, "Sign-in request rejected", text),
            AuthzError::Redirect {
                uri,
                error,
                description,
                state,
                iss,
            } => {
                let pairs = [
                    ("error", Some(*error)),
                    ("error_description", Some(description)),
                    ("state", state.as_deref()),
                    ("iss", Some(iss)),
                ];
                redirect(uri, &pairs)
            }
        }
    }
}

impl From<crate::store::StoreError> for AuthzError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error.cause_chain = %e, "authorization request failed");
        AuthzError::Page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong. Try again later.".into(),
        )
    }
}

/// A 302 to `uri` with the given query parameters appended.
pub fn redirect(uri: &str, pairs: &[(&str, Option<&str>)]) -> HttpResponse {
    let Ok(mut url) = url::Url::parse(uri) else {
        return login_page::message(
            StatusCode::BAD_REQUEST,
            "Invalid redirect",
            "The redirect URI is invalid.",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
    }
    HttpResponse::Found()
        .insert_header((header::LOCATION, url.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}
