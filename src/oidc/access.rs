//! Checking a presented access or refresh token. Access tokens are self-contained JWTs
//! (issuing one writes nothing): signature, `typ`, expiry, then the revocation list (the
//! token's `jti` or its grant's family) and the user (still exists and is active).
use chrono::Utc;
use entity::refresh_token;
use uuid::Uuid;

use super::issue::AccessClaims;
use crate::{AppState, auth::tokens, store::StoreError};

/// A live access token.
pub struct LiveAccess {
    pub claims: AccessClaims,
    /// The signed-in user, for tokens of user grants; `None` for client credentials.
    pub user_id: Option<Uuid>,
}

/// The access token if it is ours, valid, unrevoked and its user active; `None` otherwise
/// (`alg: none`, tampered, unknown `kid`, an ID token, expired, revoked, deactivated user…).
pub async fn live_access_token(state: &AppState, token: &str) -> Result<Option<LiveAccess>, StoreError> {
    let claims: AccessClaims = match state.keys.verify(&state.store, token, "at+jwt", &state.issuer).await {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, "access token rejected");
            return Ok(None);
        }
    };
    // Tokens of user grants carry their family; their subject is the user's id.
    let user_id = match claims.family {
        Some(_) => match claims.sub.parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => return Ok(None),
        },
        None => None,
    };
    let ids: Vec<Uuid> = std::iter::once(claims.jti).chain(claims.family).collect();
    if state.store.grants().any_revoked(&ids).await? {
        return Ok(None);
    }
    if let Some(user_id) = user_id
        && !super::subject::is_active(state, user_id).await?
    {
        return Ok(None);
    }
    Ok(Some(LiveAccess { claims, user_id }))
}

/// Until when access tokens issued now stay valid: a revocation must be remembered that long.
pub fn access_expiry(state: &AppState) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(state.config.access_token_ttl.max(1))
}

/// The refresh token if unused, unrevoked, unexpired and its user active.
pub async fn live_refresh_token(state: &AppState, token: &str) -> Result<Option<refresh_token::Model>, StoreError> {
    let Some(row) = state.store.grants().get_refresh(&tokens::hash(token)).await? else {
        return Ok(None);
    };
    if row.used || row.revoked || row.expires_at <= Utc::now() {
        return Ok(None);
    }
    if let Some(user_id) = row.user_id
        && !super::subject::is_active(state, user_id).await?
    {
        return Ok(None);
    }
    Ok(Some(row))
}
