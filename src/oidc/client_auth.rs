//! Client authentication at the token, introspection and revocation endpoints:
//! `client_secret_basic`, `client_secret_post`, and `none` for public clients (RFC 6749 §2.3).
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use base64::{Engine, engine::general_purpose::STANDARD};
use entity::oauth_client;

use super::{ct_eq, error::OAuthError};
use crate::{AppState, auth::tokens};

/// Credentials as presented.
struct Presented {
    client_id: String,
    secret: Option<String>,
    basic: bool,
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn presented(headers: &HeaderMap, form_id: Option<&str>, form_secret: Option<&str>) -> Result<Presented, OAuthError> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some((kind, b64)) = value.trim().split_once(' ')
        && kind.eq_ignore_ascii_case("basic")
    {
        let bad = || OAuthError::invalid_client("malformed Basic credentials", true);
        let raw = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
        if form_secret.is_some() {
            return Err(OAuthError::invalid_request("use one client authentication method only"));
        }
        return Ok(Presented {
            client_id: form_decode(id),
            secret: Some(form_decode(secret)),
            basic: true,
        });
    }
    let client_id = form_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| OAuthError::invalid_client("client authentication is required", false))?;
    Ok(Presented {
        client_id: client_id.to_owned(),
        secret: form_secret.map(str::to_owned),
        basic: false,
    })
}

/// Authenticates the calling client. Public clients authenticate with `client_id` alone
/// (their grants then require PKCE); confidential ones need their secret.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<oauth_client::Model, OAuthError> {
    let p = presented(headers, form_id, form_secret)?;
    let unknown = || OAuthError::invalid_client("client authentication failed", p.basic);
    let client = state.store.clients().get(&p.client_id).await?.ok_or_else(unknown)?;
    if let Err(wait) = state.limits.hit(
        &format!("client:{}", client.client_id),
        state.config.client_requests_per_minute,
    ) {
        return Err(OAuthError::too_many_requests(wait));
    }
    match (&client.secret_hash, &p.secret) {
        (None, None) if client.public => Ok(client),
        (Some(stored), Some(secret)) if ct_eq(stored, &tokens::hash(secret)) => Ok(client),
        _ => Err(unknown()),
    }
}
