//! OpenID Connect provider: discovery, JWKS, authorization code + PKCE with a login page,
//! token (code, refresh, client credentials), userinfo, introspection, revocation,
//! dynamic registration and end-session. Paths are listed in the discovery document.
pub mod access;
pub mod authorize;
pub mod authz_error;
pub mod claims;
pub mod client_auth;
pub mod clients;
pub mod discovery;
pub mod dpop;
pub mod end_session;
pub mod error;
pub mod grants;
pub mod introspect;
pub mod issue;
pub mod jwks;
pub mod keys;
pub mod keywrap;
pub mod login_page;
pub mod par;
pub mod ratelimit;
pub mod register;
pub mod revoke;
pub mod subject;
pub mod token;
pub mod userinfo;

use actix_web::web;
use error::OAuthError;

pub const AUTHORIZE_PATH: &str = "/oauth2/authorize";
pub const TOKEN_PATH: &str = "/oauth2/token";
pub const USERINFO_PATH: &str = "/oauth2/userinfo";
pub const JWKS_PATH: &str = "/oauth2/jwks";
pub const REGISTER_PATH: &str = "/oauth2/register";
pub const INTROSPECT_PATH: &str = "/oauth2/introspect";
pub const REVOKE_PATH: &str = "/oauth2/revoke";
pub const END_SESSION_PATH: &str = "/oauth2/logout";
pub const PAR_PATH: &str = "/oauth2/par";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(64 * 1024)
            .error_handler(|e, _| OAuthError::invalid_request(format!("malformed form body: {e}")).into()),
    )
    .route(
        "/.well-known/openid-configuration",
        web::get().to(discovery::discovery_handler),
    )
    .route(JWKS_PATH, web::get().to(jwks::jwks_handler))
    .route(AUTHORIZE_PATH, web::get().to(authorize::authorize_get_handler))
    .route(AUTHORIZE_PATH, web::post().to(authorize::authorize_post_handler))
    .route(TOKEN_PATH, web::post().to(token::token_handler))
    .route(PAR_PATH, web::post().to(par::par_handler))
    .route(USERINFO_PATH, web::get().to(userinfo::userinfo_handler))
    .route(USERINFO_PATH, web::post().to(userinfo::userinfo_handler))
    .route(INTROSPECT_PATH, web::post().to(introspect::introspect_handler))
    .route(REVOKE_PATH, web::post().to(revoke::revoke_handler))
    .route(REGISTER_PATH, web::post().to(register::register_handler))
    .route(END_SESSION_PATH, web::get().to(end_session::end_session_handler))
    .route(END_SESSION_PATH, web::post().to(end_session::end_session_form_handler));
}

/// Random 256-bit secret, base64url (codes, refresh tokens, session ids, CSRF tokens).
pub fn random_secret() -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Constant-time string equality.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
