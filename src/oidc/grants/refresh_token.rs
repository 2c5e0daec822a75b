//! `grant_type=refresh_token` (RFC 6749 §6) with rotation: every refresh returns a new
//! refresh token; presenting a used one revokes the whole family (OAuth 2.0 Security BCP
//! §4.14.2). The user's `active` flag and groups are re-read, so the new ID token is current.
use entity::oauth_client;
use serde_json::Value;

use crate::{
    AppState,
    auth::tokens,
    oidc::{
        access,
        claims::Scopes,
        error::OAuthError,
        issue::{Grantee, issue},
        subject,
        token::TokenForm,
    },
    store::oidc::grants::Redeemed,
};

pub async fn exchange(
    state: &AppState,
    client: &oauth_client::Model,
    form: &TokenForm,
    dpop: Option<&str>,
) -> Result<Value, OAuthError> {
    let presented = form
        .refresh_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    // RFC 9449 §5: a bound refresh token needs a proof from its key; checked before it is
    // redeemed, so a thief without the key cannot even burn it.
    if let Some(row) = state.store.grants().get_refresh(&tokens::hash(presented)).await?
        && let Some(bound) = &row.dpop_jkt
        && dpop != Some(bound.as_str())
    {
        return Err(crate::oidc::dpop::invalid(
            actix_web::http::StatusCode::BAD_REQUEST,
            "this refresh token is bound to a DPoP key: send a proof made with it",
        ));
    }
    let row = match state
        .store
        .grants()
        .redeem_refresh(&tokens::hash(presented), access::access_expiry(state))
        .await?
    {
        Redeemed::Fresh(row) => row,
        Redeemed::Invalid => {
            return Err(OAuthError::invalid_grant(
                "the refresh token is invalid, expired or revoked",
            ));
        }
        Redeemed::Replayed => {
            return Err(OAuthError::invalid_grant(
                "the refresh token was already used; its token family is revoked",
            ));
        }
    };
    if row.client_id != client.client_id {
        state
            .store
            .grants()
            .revoke_family(row.family_id, access::access_expiry(state))
            .await?;
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    let granted = Scopes::parse(&row.scope);
    let scopes = match form.scope.as_deref() {
        None | Some("") => granted,
        Some(s) => {
            if s.split(' ').filter(|w| !w.is_empty()).any(|w| !granted.has(w)) {
                return Err(OAuthError::invalid_scope("a refresh cannot add scopes"));
            }
            Scopes::parse(s)
        }
    };
    let user_id = row
        .user_id
        .ok_or_else(|| OAuthError::invalid_grant("the refresh token has no user"))?;
    let Some(subject) = subject::load(state, user_id, &scopes).await? else {
        state
            .store
            .grants()
            .revoke_family(row.family_id, access::access_expiry(state))
            .await?;
        return Err(OAuthError::invalid_grant("the user is no longer active"));
    };
    let grantee = Grantee::User {
        subject: &subject,
        user_id,
        family: row.family_id,
        auth_time: row.auth_time,
        nonce: None,
    };
    issue(state, client, &scopes, grantee, dpop).await
}
