//! API tokens: 256-bit random secrets, stored only as their SHA-256 digest and found by it.
//!
//! The lookup is an index search on the digest, which is not constant-time, and needs not be:
//! its timing can only tell a caller about the digests of secrets *they* sent, and turning
//! that into a stored token would need a SHA-256 preimage of a 256-bit random value. There is
//! therefore no second "constant-time" comparison here: after finding a row by the digest it
//! could never be false. (Client secrets, PKCE verifiers and CSRF tokens, compared against
//! one known stored value, do use `oidc::ct_eq`.)
use aws_lc_rs::{digest, rand};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use entity::api_token;
use uuid::Uuid;

use super::{Grants, Principal, Scope};
use crate::store::{
    Store, StoreError,
    audit::{Actor, Source},
    tokens::Bounds,
};

/// Prefix that makes leaked tokens easy to recognise (and to scan for).
const PREFIX: &str = "scm_";

/// A new random token secret: `scm_` + 43 base64url characters (256 bits).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes).expect("the system random source failed");
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a secret: what the database stores.
pub fn hash(secret: &str) -> String {
    let d = digest::digest(&digest::SHA256, secret.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a token and returns its secret (never stored) with the stored row; audited as
/// made by `actor`.
pub async fn create(
    store: &Store,
    actor: &Actor,
    name: &str,
    grants: &Grants,
    user_id: Option<Uuid>,
) -> Result<(String, api_token::Model), StoreError> {
    create_bounded(store, actor, name, grants, user_id, Bounds::default()).await
}

/// [`create`] for a token that expires or that stops with the administrator who made it.
pub async fn create_bounded(
    store: &Store,
    actor: &Actor,
    name: &str,
    grants: &Grants,
    user_id: Option<Uuid>,
    bounds: Bounds,
) -> Result<(String, api_token::Model), StoreError> {
    let secret = generate();
    let row = store
        .tokens()
        .insert(actor, name, &hash(&secret), &grants.as_string(), user_id, bounds)
        .await?;
    Ok((secret, row))
}

/// Looks a presented secret up; `None` when unknown.
pub async fn verify(store: &Store, secret: &str) -> Result<Option<Principal>, StoreError> {
    let digest = hash(secret);
    let Some(found) = store.tokens().find_usable_cached(&digest).await? else {
        return Ok(None);
    };
    // An expired token, or one whose creator was deactivated or deleted, is as unknown.
    if !found.works_at(store.clock().now()) {
        return Ok(None);
    }
    let row = found.row;
    // Record use at most once a minute per token, so reads do not turn into writes — and off
    // the request's path: a request never waits for the writer to note when it was made.
    if row
        .last_used
        .is_none_or(|t| Utc::now() - t > chrono::Duration::seconds(60))
    {
        let (store, id) = (store.clone(), row.id);
        tokio::spawn(async move {
            if let Err(e) = store.tokens().touch(id).await {
                tracing::warn!(error = %e, token = %id, "recording a token's last use failed");
            }
        });
    }
    let grants = Grants::parse_known(&row.scopes);
    Ok(Some(Principal {
        token_id: row.id,
        name: row.name,
        grants,
        user_id: row.user_id,
    }))
}

/// At start: ensures the bootstrap token if one is configured — unless it was revoked, which
/// lasts; otherwise, when the database has no token at all, creates an admin token and
/// returns its secret to be printed once.
pub async fn bootstrap(store: &Store, bootstrap: Option<&str>) -> Result<Option<String>, StoreError> {
    let all = Grants::from_scopes(&[Scope::Scim, Scope::Admin]);
    let system = Actor::new("system:start-up", Source::Cli);
    if let Some(secret) = bootstrap {
        let digest = hash(secret);
        if store.tokens().was_revoked(&digest).await? {
            tracing::warn!("SCIMITAR_BOOTSTRAP_TOKEN was revoked; it is not created again");
            return Ok(None);
        }
        if store.tokens().find_by_hash(&digest).await?.is_none() {
            match store
                .tokens()
                .insert(&system, "bootstrap", &digest, &all.as_string(), None, Bounds::default())
                .await
            {
                // Another replica inserted it at the same moment.
                Ok(_) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        return Ok(None);
    }
    if store.tokens().count().await? > 0 {
        return Ok(None);
    }
    let (secret, _) = create(store, &system, "initial-admin", &all, None).await?;
    Ok(Some(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(URL_SAFE_NO_PAD.decode(&a[PREFIX.len()..]).unwrap().len(), 32);
    }

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
