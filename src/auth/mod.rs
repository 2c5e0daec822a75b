//! Authentication of API callers: bearer tokens carrying the `scim` scope and admin permissions.
pub mod password;
pub mod source;
pub mod tokens;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use uuid::Uuid;

use crate::{
    access::{Builtin, Permission},
    store::{
        Store, StoreError,
        audit::{Actor, Source},
    },
};

/// The three words tokens had before permissions, still accepted (and stored as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// SCIM provisioning under `/scim/v2`.
    Scim,
    /// Every admin permission: `iam.*`.
    Admin,
    /// Every admin read permission (`iam.*.read`).
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
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown scope or permission {0:?} (scopes: scim, admin, admin:read; permissions look like iam.group.read or iam.group.*)"
)]
pub struct UnknownScope(pub String);

/// What a token may do: SCIM (scope `scim`) and admin permissions. Written as words —
/// `scim`, `admin` (= `iam.*`), `admin:read` (= every `iam.….read`) or permissions — and
/// stored as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// The words, normalised (permissions in lower case), without duplicates.
    pub words: Vec<String>,
    pub scim: bool,
    /// The permissions the words stand for.
    pub permissions: Vec<Permission>,
}

impl Grants {
    /// Parses a space- or comma-separated list; unknown words are an error. A permission is
    /// one of Scimitar's own (`iam.…`, or `*`), so a mistyped scope is not taken for one.
    pub fn parse(s: &str) -> Result<Grants, UnknownScope> {
        let mut g = Grants::default();
        for word in s.split([' ', ',']).filter(|w| !w.is_empty()) {
            let (word, permissions) = match Scope::ALL.into_iter().find(|sc| sc.as_str() == word) {
                Some(Scope::Scim) => {
                    g.scim = true;
                    (word.to_owned(), vec![])
                }
                Some(Scope::Admin) => (word.to_owned(), vec![Permission::parse("iam.*").expect("valid")]),
                Some(Scope::AdminRead) => (
                    word.to_owned(),
                    Builtin::ALL
                        .into_iter()
                        .filter(|b| b.is_read())
                        .map(Builtin::permission)
                        .collect(),
                ),
                // Only Scimitar's own permissions mean something to its API.
                None => match Permission::parse(word) {
                    Ok(p) if p.is_scimitars() => (p.as_str().to_owned(), vec![p]),
                    _ => return Err(UnknownScope(word.to_owned())),
                },
            };
            if !g.words.contains(&word) {
                g.words.push(word);
            }
            for p in permissions {
                if !g.permissions.contains(&p) {
                    g.permissions.push(p);
                }
            }
        }
        Ok(g)
    }

    /// The stored form read back: words no longer known grant nothing, the rest still do.
    pub fn parse_known(stored: &str) -> Grants {
        let known: Vec<&str> = stored.split_whitespace().filter(|w| Grants::parse(w).is_ok()).collect();
        Grants::parse(&known.join(" ")).unwrap_or_default()
    }

    pub fn from_scopes(scopes: &[Scope]) -> Grants {
        let words: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        Grants::parse(&words.join(" ")).expect("scopes are known words")
    }

    /// Does any permission held cover `wanted`?
    pub fn allows(&self, wanted: &Permission) -> bool {
        self.permissions.iter().any(|p| p.covers(wanted))
    }

    pub fn can(&self, wanted: Builtin) -> bool {
        self.allows(&wanted.permission())
    }

    /// The first of `other`'s grants these do not cover (`scim`, or a permission): what a
    /// token holding these may not hand out.
    pub fn first_not_covered(&self, other: &Grants) -> Option<String> {
        if other.scim && !self.scim {
            return Some("scim".into());
        }
        other
            .permissions
            .iter()
            .find(|p| !self.allows(p))
            .map(|p| p.as_str().to_owned())
    }

    /// The stored form.
    pub fn as_string(&self) -> String {
        self.words.join(" ")
    }
}

/// The authenticated caller, available to handlers as `ReqData<Principal>`.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: Uuid,
    pub name: String,
    pub grants: Grants,
    /// The user the token acts for (SCIM `/Me`), if any.
    pub user_id: Option<Uuid>,
}

impl Principal {
    /// This caller as recorded in the audit log.
    pub fn actor(&self, source: Source) -> Actor {
        // The id makes the actor unique (two tokens may share a name).
        Actor::new(format!("token:{}#{}", self.name, self.token_id), source).holding(self.grants.permissions.clone())
    }

    pub fn can(&self, wanted: Builtin) -> bool {
        self.grants.can(wanted)
    }

    pub fn scim(&self) -> bool {
        self.grants.scim
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

#[cfg(test)]
mod tests {
    use super::*;

    fn perms(g: &Grants) -> Vec<&str> {
        g.permissions.iter().map(|p| p.as_str()).collect()
    }

    #[test]
    fn scopes_stand_for_permissions() {
        let g = Grants::parse("scim admin").unwrap();
        assert!(g.scim);
        assert_eq!(perms(&g), ["iam.*"]);
        assert!(g.can(Builtin::KeyRotate) && g.can(Builtin::GroupWrite));
        let r = Grants::parse("admin:read").unwrap();
        assert!(!r.scim);
        assert!(r.can(Builtin::GroupRead) && r.can(Builtin::AuditRead) && r.can(Builtin::MetricsRead));
        assert!(!r.can(Builtin::GroupWrite) && !r.can(Builtin::KeyRotate) && !r.can(Builtin::TokenWrite));
    }

    #[test]
    fn permissions_and_wildcards_are_words_too() {
        let g = Grants::parse("iam.group.*, IAM.User.Read iam.group.*").unwrap();
        assert_eq!(g.words, ["iam.group.*", "iam.user.read"]);
        assert!(g.can(Builtin::GroupWrite) && g.can(Builtin::UserRead));
        assert!(!g.can(Builtin::UserWrite) && !g.scim);
        assert!(Grants::parse("*").unwrap().can(Builtin::KeyRotate));
        assert!(Grants::parse("").unwrap().permissions.is_empty());
    }

    #[test]
    fn unknown_words_are_refused() {
        for bad in [
            "admim",
            "scim:write",
            "iam..group",
            "iam.group.*.x",
            "root",
            "wiki.page.edit",
            "iamx.a",
        ] {
            assert!(Grants::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_holder_hands_out_only_what_it_covers() {
        let holder = Grants::parse("iam.group.* iam.token.write").unwrap();
        assert_eq!(
            holder.first_not_covered(&Grants::parse("iam.group.read").unwrap()),
            None
        );
        assert_eq!(holder.first_not_covered(&Grants::parse("iam.group.*").unwrap()), None);
        assert_eq!(
            holder.first_not_covered(&Grants::parse("admin").unwrap()).as_deref(),
            Some("iam.*")
        );
        assert_eq!(
            holder.first_not_covered(&Grants::parse("scim").unwrap()).as_deref(),
            Some("scim")
        );
        assert_eq!(
            holder
                .first_not_covered(&Grants::parse("admin:read").unwrap())
                .as_deref(),
            Some("iam.user.read")
        );
        let admin = Grants::parse("admin").unwrap();
        assert_eq!(
            admin.first_not_covered(&Grants::parse("admin:read iam.x.y").unwrap()),
            None
        );
        assert_eq!(
            admin.first_not_covered(&Grants::parse("*").unwrap()).as_deref(),
            Some("*")
        );
    }
}
