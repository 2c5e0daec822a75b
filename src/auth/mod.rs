//! Authentication of API callers: bearer tokens with scopes.
pub mod password;
pub mod source;
pub mod tokens;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use uuid::Uuid;

use crate::store::{
    Store, StoreError,
    audit::{Actor, Source},
};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// SCIM provisioning under `/scim/v2`.
    Scim,
    /// The admin API, read and write (implies `AdminRead`).
    Admin,
    /// The admin API, read only.
    AdminRead,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Scim, Scope::Admin, Scope::AdminRead];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Scim => "scim",
            Scope::Admin => "admin",
            Scope::AdminRead => "admin:read",
        }
    }

    /// Parses a space- or comma-separated scope list; unknown scopes are an error.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, UnknownScope> {
        let mut out = Vec::new();
        for word in s.split([' ', ',']).filter(|w| !w.is_empty()) {
            let scope = Scope::ALL
                .into_iter()
                .find(|sc| sc.as_str() == word)
                .ok_or_else(|| UnknownScope(word.to_owned()))?;
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        Ok(out)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown scope {0:?} (known: scim, admin, admin:read)")]
pub struct UnknownScope(pub String);

/// The authenticated caller, available to handlers as `ReqData<Principal>`.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The user the token acts for (SCIM `/Me`), if any.
    pub user_id: Option<Uuid>,
}

impl Principal {
    /// This caller as recorded in the audit log.
    pub fn actor(&self, source: Source) -> Actor {
        // The id makes the actor unique (two tokens may share a name).
        Actor::new(format!("token:{}#{}", self.name, self.token_id), source)
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || (scope == Scope::AdminRead && self.scopes.contains(&Scope::Admin))
    }
}

/// Why a request could not be authenticated.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid bearer token")]
    Invalid,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `Authorization: Bearer <token>` and looks the token up.
pub async fn authenticate(store: &Store, headers: &HeaderMap) -> Result<Principal, AuthError> {
    let value = headers.get(AUTHORIZATION).ok_or(AuthError::Missing)?;
    let value = value.to_str().map_err(|_| AuthError::Invalid)?;
    let (kind, secret) = value.trim().split_once(' ').ok_or(AuthError::Invalid)?;
    if !kind.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    tokens::verify(store, secret.trim()).await?.ok_or(AuthError::Invalid)
}
