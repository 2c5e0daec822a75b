//! The console's one error type: each becomes an HTML page (or, for a request that is not
//! signed in, a redirect to sign-in), never a JSON body.
use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};

use super::page;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No live console session: sign in first.
    #[error("sign in first")]
    SignIn,
    /// Signed in, but the roles carry no console permission.
    #[error("{0} holds no console permission")]
    NoConsoleAccess(String),
    /// The action needs a permission the administrator does not hold.
    #[error("this needs the permission {0}")]
    Forbidden(&'static str),
    /// The change was refused for a reason the text gives (e.g. the escalation rules).
    #[error("{0}")]
    Refused(String),
    /// A sensitive action needs a recent sign-in: the link signs in again and comes back.
    #[error("this needs a recent sign-in")]
    Reauth(String),
    /// The form's CSRF token is missing or wrong.
    #[error("the form expired")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn => StatusCode::SEE_OTHER,
            ConsoleError::NoConsoleAccess(_)
            | ConsoleError::Forbidden(_)
            | ConsoleError::Refused(_)
            | ConsoleError::Reauth(_)
            | ConsoleError::Csrf => StatusCode::FORBIDDEN,
            ConsoleError::NotFound | ConsoleError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            ConsoleError::BadRequest(_) | ConsoleError::Store(StoreError::Invalid(_)) => StatusCode::BAD_REQUEST,
            ConsoleError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            ConsoleError::Store(StoreError::Forbidden { .. }) => StatusCode::FORBIDDEN,
            ConsoleError::Store(StoreError::Busy) => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (title, text) = match self {
            ConsoleError::SignIn => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/console/login"))
                    // htmx follows this instead of swapping a login page into a fragment.
                    .insert_header(("HX-Redirect", "/console/login"))
                    .finish();
            }
            ConsoleError::NoConsoleAccess(who) => (
                "No console access".to_owned(),
                format!(
                    "You are signed in as {who}, but your roles carry no console permission (iam.…). \
                     Ask an administrator to grant you a role."
                ),
            ),
            ConsoleError::Forbidden(p) => (
                "Not allowed".to_owned(),
                format!("This needs the permission {p}, which your roles do not carry."),
            ),
            ConsoleError::Reauth(link) => {
                return page::reauth(status, link);
            }
            ConsoleError::Csrf => (
                "The form expired".to_owned(),
                "Reload the page and try again.".to_owned(),
            ),
            ConsoleError::NotFound | ConsoleError::Store(StoreError::NotFound(_)) => (
                "Not found".to_owned(),
                "There is nothing here (it may have been deleted).".to_owned(),
            ),
            ConsoleError::Store(StoreError::Db(e)) => {
                tracing::error!(error = %e, "console request failed");
                (
                    "Something went wrong".to_owned(),
                    "The server could not complete this; nothing was changed. Try again.".to_owned(),
                )
            }
            other => ("Not done".to_owned(), other.to_string()),
        };
        let mut res = page::message(status, &title, &text);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, crate::store::BUSY_RETRY_AFTER_SECONDS.into());
        }
        res
    }
}

/// A refusal of the SCIM service code the console shares (its writes go through it).
impl From<crate::scim::error::ScimError> for ConsoleError {
    fn from(e: crate::scim::error::ScimError) -> Self {
        match e.status {
            StatusCode::NOT_FOUND => ConsoleError::NotFound,
            StatusCode::FORBIDDEN => ConsoleError::Refused(e.detail),
            StatusCode::SERVICE_UNAVAILABLE => ConsoleError::Store(StoreError::Busy),
            s if s.is_client_error() => ConsoleError::BadRequest(e.detail),
            // Already logged where it was made.
            _ => ConsoleError::Store(StoreError::Invalid("the change could not be made".into())),
        }
    }
}
