//! Checking a presented access or refresh token: signature, expiry, the server-side record
//! (not revoked) and the user (still exists and is active).
use chrono::Utc;
use entity::{access_token, refresh_token};

use super::issue::AccessClaims;
use crate::{AppState, auth::tokens, store::StoreError};

/// A live access token.
pub struct LiveAccess {
    pub claims: AccessClaims,
    pub row: access_token::Model,
}

/// The access token if it is ours, valid, unrevoked and its user active; `None` otherwise
/// (`alg: none`, tampered, unknown `kid`, expired, revoked, deactivated user…).
pub async fn live_access_token(state: &AppState, token: &str) -> Result<Option<LiveAccess>, StoreError> {
    let claims: AccessClaims = match state.keys.verify(&state.store, token, &state.issuer).await {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!(error = %e, "access token rejected");
            return Ok(None);
        }
    };
    let Some(row) = state.store.grants().get_access(claims.jti).await? else {
        return Ok(None);
    };
    if row.revoked || row.expires_at <= Utc::now() || row.client_id != claims.client_id {
        return Ok(None);
    }
    if let Some(user_id) = row.user_id
        && !super::subject::is_active(state, user_id).await?
    {
        return Ok(None);
    }
    Ok(Some(LiveAccess { claims, row }))
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
