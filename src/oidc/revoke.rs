//! `POST revocation_endpoint` (RFC 7009). Revoking a refresh token revokes its whole family
//! (and the access tokens issued with it); revoking an access token revokes that token.
//! The answer is 200 whether or not the token was known.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{access, client_auth, error::OAuthError};
use crate::AppState;

#[derive(Deserialize)]
pub struct RevokeForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub async fn revoke_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, OAuthError> {
    let client =
        client_auth::authenticate(&state, &req, form.client_id.as_deref(), form.client_secret.as_deref()).await?;
    let token = form
        .token
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    if let Some(row) = state
        .store
        .grants()
        .get_refresh(&crate::auth::tokens::hash(token))
        .await?
    {
        if row.client_id == client.client_id {
            let until = access::access_expiry(&state);
            state.store.grants().revoke_family(row.family_id, until).await?;
        }
    } else if let Some(live) = access::live_access_token(&state, token).await?
        && live.claims.client_id == client.client_id
    {
        let expires_at = chrono::DateTime::from_timestamp(live.claims.exp, 0).unwrap_or_else(chrono::Utc::now);
        state.store.grants().revoke_access(live.claims.jti, expires_at).await?;
    }
    Ok(HttpResponse::Ok().finish())
}
