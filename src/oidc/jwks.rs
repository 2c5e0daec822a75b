//! `GET jwks_uri`: the public keys of every published signing key (current and retired-but-
//! still-valid), cacheable for five minutes.
use actix_web::{HttpResponse, http::header, web};

use crate::AppState;

pub async fn jwks_handler(state: web::Data<AppState>) -> HttpResponse {
    state.keys.refresh_if_stale(&state.store).await;
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .content_type("application/jwk-set+json")
        .json(state.keys.jwks())
}
