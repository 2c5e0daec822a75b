//! `GET/POST userinfo_endpoint` (OIDC Core §5.3): claims of the token's user, re-read now.
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};

use super::{access, claims, claims::Scopes, dpop, error::OAuthError, subject};
use crate::AppState;

/// The access token and its scheme: `Bearer`, or `DPoP` (RFC 9449 §7.1).
fn presented(req: &HttpRequest) -> Option<(bool, &str)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (kind, token) = value.trim().split_once(' ')?;
    if kind.eq_ignore_ascii_case("bearer") {
        Some((false, token.trim()))
    } else if kind.eq_ignore_ascii_case("dpop") {
        Some((true, token.trim()))
    } else {
        None
    }
}

pub async fn userinfo_handler(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, OAuthError> {
    let (dpop_scheme, token) =
        presented(&req).ok_or_else(|| OAuthError::invalid_token("a bearer or DPoP access token is required"))?;
    let live = access::live_access_token(&state, token)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the access token is invalid, expired or revoked"))?;
    // A DPoP-bound token needs the DPoP scheme and a fresh proof from its key; an unbound one
    // must not pretend to be bound.
    let htu = format!("{}{}", state.issuer, super::USERINFO_PATH);
    let unauthorized = StatusCode::UNAUTHORIZED;
    match (&live.claims.cnf, dpop_scheme) {
        (None, false) => {}
        (None, true) => return Err(OAuthError::invalid_token("the access token is not DPoP-bound")),
        (Some(_), false) => {
            return Err(dpop::invalid(
                unauthorized,
                "a DPoP-bound token needs the DPoP scheme and a proof",
            ));
        }
        (Some(cnf), true) => match dpop::verify(&state, &req, &htu, Some(token), unauthorized).await? {
            Some(proof) if proof.jkt == cnf.jkt => {}
            Some(_) => return Err(dpop::invalid(unauthorized, "the DPoP proof is from another key")),
            None => return Err(dpop::invalid(unauthorized, "a DPoP proof is required")),
        },
    }
    let scopes = Scopes::parse(&live.claims.scope);
    if !scopes.has("openid") {
        return Err(OAuthError::insufficient_scope(
            "the access token lacks the openid scope",
        ));
    }
    let user_id = live
        .user_id
        .ok_or_else(|| OAuthError::invalid_token("the access token has no user"))?;
    let subject = subject::load(&state, user_id, &scopes)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the user is no longer active"))?;
    let client = state
        .store
        .clients()
        .get(&live.claims.client_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the client no longer exists"))?;
    let policy = subject::policy(&state, &client);
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if dpop_scheme && state.config.dpop_require_nonce {
        res.insert_header(("DPoP-Nonce", state.dpop_nonces.fresh()));
    }
    Ok(res.json(claims::userinfo(
        &subject.info,
        &scopes,
        &subject.groups,
        &policy,
        subject.access.as_deref(),
    )))
}
