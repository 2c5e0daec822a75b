//! **Signing keys**: the OIDC keys, newest first, and **Rotate signing key** (needs a recent
//! sign-in): the new key signs from now on, the previous public keys stay in the JWKS until
//! the tokens they signed have expired.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::{
    Admin, ConsoleError,
    page::{self, Chrome, when},
};
use crate::{AppState, access::Builtin, store::StoreError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/keys", web::get().to(list))
        .route("/keys/rotate", web::post().to(rotate));
}

pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub created: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "console/keys.html")]
struct KeysPage {
    c: Chrome,
    keys: Vec<KeyRow>,
    can_rotate: bool,
    recent: bool,
    reauth: String,
    notice: Option<String>,
}

#[derive(serde::Deserialize)]
struct Query {
    rotated: Option<String>,
}

async fn list(admin: Admin, state: web::Data<AppState>, q: web::Query<Query>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::KeyRead)?;
    let mut rows = state.store.signing_keys().all().await?;
    rows.sort_by_key(|k| std::cmp::Reverse(k.created));
    let fmt = |t| when(Some(t));
    let known: Vec<String> = rows.iter().map(|k| k.kid.clone()).collect();
    let keys = rows
        .into_iter()
        .map(|k| KeyRow {
            state: match (k.retired_at, k.not_after) {
                (None, _) => "signing".to_owned(),
                (Some(_), Some(until)) => format!("retired; published until {}", fmt(until)),
                (Some(at), None) => format!("retired {}", fmt(at)),
            },
            kid: k.kid,
            alg: k.alg,
            created: fmt(k.created),
        })
        .collect();
    let page = KeysPage {
        c: Chrome::new(&admin, "Signing keys"),
        keys,
        can_rotate: admin.can(Builtin::KeyRotate),
        recent: admin.recent(state.store.now_us()),
        reauth: super::signin::reauth_link("/console/keys"),
        // Only a key that exists: the query string must not put words on the page.
        notice: q
            .rotated
            .as_ref()
            .filter(|kid| known.contains(kid))
            .map(|kid| format!("Rotated: key {kid} signs from now on.")),
    };
    Ok(page::html(StatusCode::OK, page.render()))
}

async fn rotate(admin: Admin, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::KeyRotate)?;
    admin.require_recent(state.store.now_us(), "/console/keys")?;
    let kid = crate::admin::keys::rotate_now(&state, &admin.actor())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "key rotation from the console failed");
            ConsoleError::Store(StoreError::Db(sea_orm::DbErr::Custom("key rotation failed".into())))
        })?;
    let q = serde_urlencoded::to_string([("rotated", kid.as_str())]).expect("plain pairs encode");
    Ok(page::see_other(&format!("/console/keys?{q}")))
}
