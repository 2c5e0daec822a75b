//! `GET/POST userinfo_endpoint` (OIDC Core §5.3): claims of the token's user, re-read now.
use actix_web::{HttpRequest, HttpResponse, http::header, web};

use super::{access, claims, claims::Scopes, error::OAuthError, subject};
use crate::AppState;

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (kind, token) = value.trim().split_once(' ')?;
    kind.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub async fn userinfo_handler(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, OAuthError> {
    let token = bearer(&req).ok_or_else(|| OAuthError::invalid_token("a bearer access token is required"))?;
    let live = access::live_access_token(&state, token)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the access token is invalid, expired or revoked"))?;
    let scopes = Scopes::parse(&live.claims.scope);
    if !scopes.has("openid") {
        return Err(OAuthError::insufficient_scope(
            "the access token lacks the openid scope",
        ));
    }
    let user_id = live
        .user_id
        .ok_or_else(|| OAuthError::invalid_token("the access token has no user"))?;
    let subject = subject::load(&state, user_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the user is no longer active"))?;
    let client = state
        .store
        .clients()
        .get(&live.claims.client_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the client no longer exists"))?;
    let policy = subject::policy(&state, &client);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(claims::userinfo(&subject.info, &scopes, &subject.groups, &policy)))
}
