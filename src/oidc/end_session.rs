//! `end_session_endpoint` (OIDC RP-Initiated Logout 1.0 §2, §4): ends the login session (row
//! and cookie). With a valid `id_token_hint` at once; without one the user confirms first
//! (a cross-site link cannot sign anyone out). A `client_id` must match the hint's audience.
//! `post_logout_redirect_uri` is honoured only when registered for that client; otherwise a
//! signed-out page.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::{
    clients,
    login_page::{self, Kind as CookieKind},
};
use crate::{AppState, auth::tokens};

#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    /// `yes` from the confirmation page.
    confirm: Option<String>,
}

impl LogoutParams {
    /// The request as hidden inputs of the confirmation form.
    fn hidden(&self) -> Vec<(&'static str, String)> {
        [
            ("client_id", &self.client_id),
            ("post_logout_redirect_uri", &self.post_logout_redirect_uri),
            ("state", &self.state),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
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

async fn end_session(state: &AppState, req: &HttpRequest, mut p: LogoutParams) -> HttpResponse {
    // The client the request is for: the hint's audience, which a client_id must match.
    let hinted = match &p.id_token_hint {
        Some(hint) => state
            .keys
            .verify::<HintClaims>(&state.store, hint, "JWT", &state.issuer)
            .await
            .ok()
            .map(|c| c.aud),
        None => None,
    };
    if let (Some(aud), Some(id)) = (&hinted, &p.client_id)
        && aud != id
    {
        return login_page::message(
            StatusCode::BAD_REQUEST,
            "Sign-out request rejected",
            "The request names another application than the one its id_token_hint was issued to.",
        );
    }
    let confirmed = req.method() == actix_web::http::Method::POST && p.confirm.as_deref() == Some("yes");
    if hinted.is_none() && !confirmed {
        let name = match &p.client_id {
            Some(id) => state.store.clients().get(id).await.ok().flatten().map(|c| c.name),
            None => None,
        };
        return login_page::logout_confirmation(name.as_deref(), &p.hidden());
    }
    if p.client_id.is_none() {
        p.client_id = hinted;
    }
    if let Some(c) = req.cookie(CookieKind::Session.name(&state.issuer))
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
    let _ = res.add_cookie(&login_page::removal(CookieKind::Session, &state.issuer));
    res
}

/// The post-logout redirect URI if the client registered it.
async fn registered_target(state: &AppState, p: &LogoutParams) -> Option<url::Url> {
    let uri = p.post_logout_redirect_uri.as_deref()?;
    let client = state.store.clients().get(p.client_id.as_deref()?).await.ok()??;
    if !clients::uris(&client.post_logout_redirect_uris).contains(&uri) {
        return None;
    }
    url::Url::parse(uri).ok()
}
