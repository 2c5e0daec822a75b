//! Client authentication at the token, introspection and revocation endpoints:
//! `client_secret_basic`, `client_secret_post`, and `none` for public clients (RFC 6749 §2.3).
use actix_web::{
    HttpRequest,
    http::header::{AUTHORIZATION, HeaderMap},
};
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
/// (their grants then require PKCE); confidential ones need their secret. A correct request
/// costs no budget; each failure counts against (client, source) and, once that budget is
/// spent, is answered 429 instead of 401 — the client's own requests from elsewhere go on.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<oauth_client::Model, OAuthError> {
    let p = presented(req.headers(), form_id, form_secret)?;
    let client = state.store.clients().get(&p.client_id).await?;
    let ok = match (&client, &p.secret) {
        (Some(c), None) => c.public && c.secret_hash.is_none(),
        (Some(c), Some(secret)) => c
            .secret_hash
            .as_deref()
            .is_some_and(|h| ct_eq(h, &tokens::hash(secret))),
        (None, _) => false,
    };
    match client {
        Some(c) if ok => Ok(c),
        _ => {
            let source = crate::auth::source::of(req, &state.config.trusted_proxies);
            if let Some(wait) = super::ratelimit::client_failure(state, &p.client_id, source).await? {
                return Err(OAuthError::too_many_requests(wait));
            }
            Err(OAuthError::invalid_client("client authentication failed", p.basic))
        }
    }
}
