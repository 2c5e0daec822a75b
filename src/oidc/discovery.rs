//! `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3).
use actix_web::{HttpResponse, http::header, web};
use serde_json::json;

use super::{claims::SUPPORTED_SCOPES, *};
use crate::AppState;

pub async fn discovery_handler(state: web::Data<AppState>) -> HttpResponse {
    let iss = &state.issuer;
    let algs = state.keys.algorithms();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(json!({
            "issuer": iss.as_ref(),
            "authorization_endpoint": format!("{iss}{AUTHORIZE_PATH}"),
            "token_endpoint": format!("{iss}{TOKEN_PATH}"),
            "userinfo_endpoint": format!("{iss}{USERINFO_PATH}"),
            "jwks_uri": format!("{iss}{JWKS_PATH}"),
            "registration_endpoint": format!("{iss}{REGISTER_PATH}"),
            "introspection_endpoint": format!("{iss}{INTROSPECT_PATH}"),
            "revocation_endpoint": format!("{iss}{REVOKE_PATH}"),
            "end_session_endpoint": format!("{iss}{END_SESSION_PATH}"),
            "pushed_authorization_request_endpoint": format!("{iss}{PAR_PATH}"),
            "require_pushed_authorization_requests": state.config.require_par,
            "scopes_supported": SUPPORTED_SCOPES,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": clients::GRANT_TYPES,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": algs,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "dpop_signing_alg_values_supported": super::dpop::ALGORITHMS,
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp",
                "name", "given_name", "family_name", "preferred_username", "email", "email_verified",
                "groups", "groups_overage", "roles", "roles_overage"
            ],
            "prompt_values_supported": ["none", "login"],
            // RFC 9207: `iss` is on every authorization response, success or error.
            "authorization_response_iss_parameter_supported": true,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
        }))
}
