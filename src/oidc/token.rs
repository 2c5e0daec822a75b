//! `POST token_endpoint` (RFC 6749 §3.2): authenticate the client, then one `match` on
//! `grant_type`.
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;

use super::{client_auth, error::OAuthError, grants};
use crate::AppState;

/// Every parameter any grant reads (form-encoded).
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub async fn token_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, OAuthError> {
    let grant = form.grant_type.as_deref().unwrap_or_default();
    if grant.is_empty() {
        return Err(OAuthError::invalid_request("grant_type is required"));
    }
    if !super::clients::GRANT_TYPES.contains(&grant) {
        return Err(OAuthError::unsupported_grant_type(format!(
            "grant_type {grant:?} is not supported"
        )));
    }
    let client =
        client_auth::authenticate(&state, &req, form.client_id.as_deref(), form.client_secret.as_deref()).await?;
    if !super::clients::allows_grant(&client, grant) {
        return Err(OAuthError::unauthorized_client(format!(
            "this client may not use {grant}"
        )));
    }
    // RFC 9449: a DPoP proof binds the tokens to the client's key.
    let htu = format!("{}{}", state.issuer, super::TOKEN_PATH);
    let proof = super::dpop::verify(&state, &req, &htu, None, actix_web::http::StatusCode::BAD_REQUEST).await?;
    let dpop = proof.as_ref().map(|p| p.jkt.as_str());
    let body = match grant {
        "authorization_code" => grants::authorization_code::exchange(&state, &client, &form, dpop).await?,
        "refresh_token" => grants::refresh_token::exchange(&state, &client, &form, dpop).await?,
        "client_credentials" => grants::client_credentials::exchange(&state, &client, &form, dpop).await?,
        _ => return Err(OAuthError::unsupported_grant_type("unsupported grant_type")),
    };
    state.metrics.token_issued(grant_name(grant));
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    // §8.2: the next nonce to use, with every answer to a DPoP request.
    if proof.is_some() && state.config.dpop_require_nonce {
        res.insert_header(("DPoP-Nonce", state.dpop_nonces.fresh()));
    }
    Ok(res.json(body))
}

/// The grant as a `'static` metrics label (only grants that got past the dispatch above).
fn grant_name(grant: &str) -> &'static str {
    match grant {
        "authorization_code" => "authorization_code",
        "refresh_token" => "refresh_token",
        "client_credentials" => "client_credentials",
        _ => "other",
    }
}
