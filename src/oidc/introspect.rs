//! `POST introspection_endpoint` (RFC 7662), for authenticated confidential clients.
//! Anything not live (bad signature, `alg: none`, expired, revoked, deactivated user, unknown)
//! is `{"active": false}`. Groups, roles and entitlements are read live, so they reflect
//! membership and grants now.
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use entity::oauth_client;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{access, claims, claims::Scopes, client_auth, error::OAuthError, subject};
use crate::AppState;

#[derive(Deserialize)]
pub struct IntrospectForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub async fn introspect_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<IntrospectForm>,
) -> Result<HttpResponse, OAuthError> {
    let caller =
        client_auth::authenticate(&state, &req, form.client_id.as_deref(), form.client_secret.as_deref()).await?;
    if caller.public {
        return Err(OAuthError::invalid_client("public clients cannot introspect", false));
    }
    let token = form
        .token
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let body = describe(&state, &caller, token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// RFC 7662 §4: a token's details go only to the client it was issued to, or — for access
/// tokens — to a registered resource server; anyone else learns `active: false`.
async fn describe(state: &AppState, caller: &oauth_client::Model, token: &str) -> Result<Value, OAuthError> {
    let inactive = json!({"active": false});
    let (mut body, user_id, client_id, scope) = if let Some(live) = access::live_access_token(state, token).await? {
        let c = live.claims;
        if c.client_id != caller.client_id && !caller.resource_server {
            return Ok(inactive);
        }
        let mut body = json!({
            "active": true, "token_type": "Bearer", "scope": c.scope, "client_id": c.client_id,
            "sub": c.sub, "aud": c.aud, "iss": c.iss, "exp": c.exp, "iat": c.iat, "jti": c.jti,
        });
        // RFC 9449 §6.2: a resource server learns the binding and checks the proof itself.
        if let Some(cnf) = &c.cnf {
            body["token_type"] = json!("DPoP");
            body["cnf"] = json!({"jkt": cnf.jkt});
        }
        (body, live.user_id, c.client_id, c.scope)
    } else if let Some(row) = access::live_refresh_token(state, token).await? {
        if row.client_id != caller.client_id {
            return Ok(inactive);
        }
        let body = json!({
            "active": true, "token_type": "refresh_token", "scope": row.scope, "client_id": row.client_id,
            "exp": row.expires_at.timestamp(), "iat": row.created.timestamp(), "iss": state.issuer.as_ref(),
        });
        (body, row.user_id, row.client_id, row.scope)
    } else {
        return Ok(inactive);
    };
    if let Some(user_id) = user_id {
        let scopes = Scopes::parse(&scope);
        let Some(subject) = subject::load(state, user_id, &scopes).await? else {
            return Ok(json!({"active": false}));
        };
        body["sub"] = json!(subject.info.id);
        body["username"] = json!(subject.info.user_name);
        if (scopes.has("groups") || scopes.has("roles"))
            && let Some(client) = state.store.clients().get(&client_id).await?
        {
            if scopes.has("groups") {
                let policy = subject::policy(state, &client);
                body["groups"] = json!(claims::groups_list(&subject.groups, &policy));
            }
            if let Some(access) = &subject.access {
                let policy = subject::permissions_policy(state, &client);
                for (k, v) in claims::introspection_roles(access, &policy) {
                    body[k] = v;
                }
            }
        }
    }
    Ok(body)
}
