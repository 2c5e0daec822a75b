//! `POST pushed_authorization_request_endpoint` (RFC 9126): a client authenticates and sends
//! its authorization request straight to the server, which validates it as the authorization
//! endpoint would and answers with a one-time `request_uri` to send the browser with.
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::{Duration, Utc};
use entity::pushed_request;
use serde::Deserialize;
use serde_json::json;

use super::{
    authorize::{self, AuthParams, AuthzError},
    client_auth,
    error::OAuthError,
    random_secret,
};
use crate::{AppState, auth::tokens};

/// How long a pushed request can be used (RFC 9126 §2.2 suggests a short lifetime).
pub const PUSHED_TTL: Duration = Duration::seconds(60);
const URN_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

#[derive(Deserialize)]
struct Credentials {
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub async fn par_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let creds: Credentials = serde_urlencoded::from_bytes(&body)
        .map_err(|e| OAuthError::invalid_request(format!("malformed form body: {e}")))?;
    let client =
        client_auth::authenticate(&state, &req, creds.client_id.as_deref(), creds.client_secret.as_deref()).await?;
    let mut params: AuthParams = serde_urlencoded::from_bytes(&body)
        .map_err(|e| OAuthError::invalid_request(format!("malformed authorization request: {e}")))?;
    // RFC 9126 §2.1: a pushed request cannot itself refer to a pushed request.
    if params.names_request_uri() {
        return Err(OAuthError::invalid_request(
            "request_uri is not allowed in a pushed request",
        ));
    }
    if params.client_id().is_some_and(|id| id != client.client_id) {
        return Err(OAuthError::invalid_request(
            "client_id does not match the authenticated client",
        ));
    }
    params.set_client_id(&client.client_id);
    // Validated as the authorization endpoint would, with the errors as JSON (§2.3).
    let v = authorize::validate(&state, &params, true).await.map_err(|e| match e {
        AuthzError::Page(_, m) => OAuthError::invalid_request(m),
        AuthzError::Redirect { error, description, .. } => {
            OAuthError::with_status(actix_web::http::StatusCode::BAD_REQUEST, error, description)
        }
    })?;
    let request_uri = format!("{URN_PREFIX}{}", random_secret());
    let stored = serde_json::to_value(&params).map_err(OAuthError::server_error)?;
    state
        .store
        .grants()
        .insert_pushed(pushed_request::Model {
            request_uri_hash: tokens::hash(&request_uri),
            client_id: v.client.client_id.clone(),
            params: stored,
            expires_at: Utc::now() + PUSHED_TTL,
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"request_uri": request_uri, "expires_in": PUSHED_TTL.num_seconds()})))
}
