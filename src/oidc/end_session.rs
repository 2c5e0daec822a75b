//! `end_session_endpoint` (OIDC RP-Initiated Logout 1.0): ends the login session (row and
//! cookie). `post_logout_redirect_uri` is honoured only when registered for the client named
//! by `client_id` or by the audience of a valid `id_token_hint`; otherwise a signed-out page.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::{
    clients,
    login_page::{self, SESSION_COOKIE},
};
use crate::{AppState, auth::tokens};

#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

#[derive(Deserialize)]
struct HintClaims {
    aud: String,
}

pub async fn end_session_handler(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let p = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    end_session(&state, &req, p).await
}

pub async fn end_session_form_handler(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let p = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    end_session(&state, &req, p).await
}

async fn end_session(state: &AppState, req: &HttpRequest, p: LogoutParams) -> HttpResponse {
    if let Some(c) = req.cookie(SESSION_COOKIE)
        && let Err(e) = state.store.grants().delete_session(&tokens::hash(c.value())).await
    {
        tracing::error!(error = %e, "could not delete a login session");
    }
    let target = registered_target(state, &p).await;
    let mut res = match target {
        Some(uri) => {
            let mut url = uri;
            if let Some(s) = &p.state {
                url.query_pairs_mut().append_pair("state", s);
            }
            HttpResponse::Found()
                .insert_header((actix_web::http::header::LOCATION, url.to_string()))
                .finish()
        }
        None => login_page::message(StatusCode::OK, "Signed out", "You are signed out."),
    };
    let _ = res.add_cookie(&login_page::removal(SESSION_COOKIE));
    res
}

/// The post-logout redirect URI if the client registered it.
async fn registered_target(state: &AppState, p: &LogoutParams) -> Option<url::Url> {
    let uri = p.post_logout_redirect_uri.as_deref()?;
    let client_id = match (&p.client_id, &p.id_token_hint) {
        (Some(id), _) => id.clone(),
        (None, Some(hint)) => {
            let c: HintClaims = state.keys.verify(&state.store, hint, "JWT", &state.issuer).await.ok()?;
            c.aud
        }
        (None, None) => return None,
    };
    let client = state.store.clients().get(&client_id).await.ok()??;
    if !clients::uris(&client.post_logout_redirect_uris).contains(&uri) {
        return None;
    }
    url::Url::parse(uri).ok()
}
