//! `POST registration_endpoint` (RFC 7591), authorized by a bearer API token holding
//! `iam.client.write` (scope `admin` does).
//! Extension metadata: `groups_claim` (`names` | `ids`), `groups_prefix`, `permissions_prefix`,
//! `iam_permissions` and `resource_server`; RFC 9126's
//! `require_pushed_authorization_requests`.
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;
use serde_json::json;

use super::{
    clients::{self, NewClient},
    error::OAuthError,
};
use crate::{
    AppState,
    access::Builtin,
    auth::{self, AuthError},
};

#[derive(Deserialize)]
struct RegistrationRequest {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    client_name: Option<String>,
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    response_types: Option<Vec<String>>,
    groups_claim: Option<String>,
    groups_prefix: Option<String>,
    #[serde(default)]
    require_pushed_authorization_requests: bool,
    /// Extension: a resource server, which may introspect any access token.
    #[serde(default)]
    resource_server: bool,
    /// Extension: only permissions starting with this reach its tokens' `entitlements`.
    permissions_prefix: Option<String>,
    /// Extension: may see Scimitar's own `iam.*` permissions.
    #[serde(default)]
    iam_permissions: bool,
}

pub async fn register_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let caller = match auth::authenticate(&state.store, req.headers()).await {
        Ok(p) if p.can(Builtin::ClientWrite) => p,
        Ok(_) => {
            return Err(OAuthError::insufficient_scope(
                "registration needs a token holding the permission iam.client.write",
            ));
        }
        Err(AuthError::Store(e)) => return Err(e.into()),
        Err(_) => return Err(OAuthError::invalid_token("an admin bearer token is required")),
    };
    let r: RegistrationRequest = serde_json::from_slice(&body)
        .map_err(|e| OAuthError::invalid_metadata("invalid_client_metadata", format!("malformed metadata: {e}")))?;
    let public = match r.token_endpoint_auth_method.as_deref() {
        None | Some("client_secret_basic") | Some("client_secret_post") => false,
        Some("none") => true,
        Some(m) => {
            return Err(OAuthError::invalid_metadata(
                "invalid_client_metadata",
                format!("unsupported token_endpoint_auth_method {m:?}"),
            ));
        }
    };
    if r.response_types.as_ref().is_some_and(|t| t.iter().any(|t| t != "code")) {
        return Err(OAuthError::invalid_metadata(
            "invalid_client_metadata",
            "only response type code is supported",
        ));
    }
    let new = NewClient {
        name: r.client_name.unwrap_or_else(|| "unnamed client".into()),
        redirect_uris: r.redirect_uris,
        post_logout_redirect_uris: r.post_logout_redirect_uris,
        public,
        grant_types: r.grant_types,
        groups_claim: r.groups_claim,
        groups_prefix: r.groups_prefix,
        require_par: r.require_pushed_authorization_requests,
        resource_server: r.resource_server,
        permissions_prefix: r.permissions_prefix,
        iam_permissions: r.iam_permissions,
    };
    let actor = caller.actor(crate::store::audit::Source::Admin);
    let (c, secret) = clients::create(&state.store, &actor, new).await?;
    let mut body = json!({
        "client_id": c.client_id,
        "client_id_issued_at": c.created.timestamp(),
        "client_name": c.name,
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "grant_types": c.grant_types.split(' ').collect::<Vec<_>>(),
        "response_types": ["code"],
        "token_endpoint_auth_method": r.token_endpoint_auth_method.as_deref().unwrap_or(if public { "none" } else { "client_secret_basic" }),
        "groups_claim": c.groups_claim,
        "groups_prefix": c.groups_prefix,
        "require_pushed_authorization_requests": c.require_par,
        "resource_server": c.resource_server,
        "permissions_prefix": c.permissions_prefix,
        "iam_permissions": c.iam_permissions,
    });
    if let Some(secret) = secret {
        body["client_secret"] = json!(secret);
        body["client_secret_expires_at"] = json!(0);
    }
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}
