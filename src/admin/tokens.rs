//! API tokens: create (the secret is shown once), list (never secrets or hashes), revoke.
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use entity::api_token;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    authz::{self, Allowed},
    openapi::Problems,
    problem::Problem,
};
use crate::{AppState, auth::Grants, store::tokens::Bounds};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token).service(list_tokens).service(revoke_token);
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// A name to recognise the token by; recorded as the actor of its changes.
    #[schema(example = "provisioning-script")]
    name: String,
    /// `scim`, `admin` (= `iam.*`) and/or `admin:read` (= every `iam.….read`).
    #[serde(default)]
    #[schema(example = json!(["scim"]))]
    scopes: Vec<String>,
    /// Scimitar permissions (`iam.group.read`, `iam.group.*`). A token gets at least one scope
    /// or permission, and nothing its creator does not hold.
    #[serde(default)]
    #[schema(example = json!(["iam.group.read", "iam.user.read"]))]
    permissions: Vec<String>,
    /// When the token stops working (RFC 3339, in the future); absent: when the calling
    /// token does, or never. A token never outlives the token that made it, nor the
    /// administrator behind that one.
    #[schema(example = "2027-03-01T00:00:00Z")]
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

/// A token, without its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: Uuid,
    name: String,
    /// The scopes and permissions as given.
    scopes: Vec<String>,
    /// What they stand for: the permissions the token holds.
    permissions: Vec<String>,
    created: DateTime<Utc>,
    last_used: Option<DateTime<Utc>>,
    /// When it stops working, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
    /// The administrator (user id) it stops with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<Uuid>,
}

/// A new token with its secret, which is never shown again.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    token: TokenOut,
    /// The bearer secret. Only its hash is stored.
    secret: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// Token id.
    id: String,
}

fn token_out(t: api_token::Model) -> TokenOut {
    let permissions = Grants::parse_known(&t.scopes)
        .permissions
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    TokenOut {
        id: t.id,
        name: t.name,
        scopes: t.scopes.split_whitespace().map(str::to_owned).collect(),
        permissions,
        created: t.created,
        last_used: t.last_used,
        expires_at: t.expires_at,
        created_by: t.created_by,
    }
}

/// Creates a token with the given scopes and permissions (never more than the caller holds).
#[utoipa::path(tag = "tokens", request_body = NewToken, responses((status = 201, description = "The new token, with its secret (shown only this once)", body = CreatedToken), Problems), security(("bearer" = ["iam.token.write"])))]
#[post("/tokens")]
async fn create_token(
    caller: Allowed<authz::TokenWrite>,
    state: State,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, Problem> {
    let name = body.name.trim();
    if name.is_empty() {
        return Err(Problem::bad_request("\"name\" must not be empty"));
    }
    let words: Vec<&String> = body.scopes.iter().chain(&body.permissions).collect();
    if words.is_empty() || words.iter().any(|w| w.trim().is_empty() || w.contains([' ', ','])) {
        return Err(Problem::bad_request(
            "\"scopes\" and \"permissions\" must list one or more of scim, admin, admin:read or iam.… permissions, one per element",
        ));
    }
    let words: Vec<&str> = words.into_iter().map(String::as_str).collect();
    let grants = Grants::parse(&words.join(" ")).map_err(|e| Problem::bad_request(e.to_string()))?;
    // No escalation: a token hands out only what it holds itself.
    if let Some(missing) = caller.grants.first_not_covered(&grants) {
        return Err(Problem::missing_permission(&missing, "creating a token that holds it"));
    }
    let now = state.store.clock().now();
    if body.expires_at.is_some_and(|end| end <= now) {
        return Err(Problem::bad_request("\"expires_at\" must be in the future"));
    }
    // The new token inherits the calling token's bounds: it ends no later, and stops with the
    // same administrator.
    let parent = state.store.tokens().get(caller.token_id).await?;
    let parent_end = parent.as_ref().and_then(|p| p.expires_at);
    let bounds = Bounds {
        expires_at: match (body.expires_at, parent_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        created_by: parent.and_then(|p| p.created_by),
    };
    let actor = caller.actor(crate::store::audit::Source::Admin);
    let (secret, row) = crate::auth::tokens::create_bounded(&state.store, &actor, name, &grants, None, bounds).await?;
    let token = token_out(row);
    // The secret is in the body: no cache may keep it.
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedToken { token, secret }))
}

/// Every token: name, scopes, creation and last use.
#[utoipa::path(tag = "tokens", responses((status = 200, description = "Every token", body = Vec<TokenOut>), Problems), security(("bearer" = ["iam.token.read"])))]
#[get("/tokens")]
async fn list_tokens(_caller: Allowed<authz::TokenRead>, state: State) -> Result<HttpResponse, Problem> {
    let tokens: Vec<TokenOut> = state.store.tokens().list().await?.into_iter().map(token_out).collect();
    Ok(HttpResponse::Ok().json(tokens))
}

/// Revokes a token: it stops working at once.
#[utoipa::path(tag = "tokens", params(TokenPath), responses((status = 204, description = "Revoked"), Problems), security(("bearer" = ["iam.token.write"])))]
#[delete("/tokens/{id}")]
async fn revoke_token(
    caller: Allowed<authz::TokenWrite>,
    state: State,
    path: web::Path<TokenPath>,
) -> Result<HttpResponse, Problem> {
    let id = Uuid::parse_str(&path.id).map_err(|_| Problem::not_found(format!("no token with id {:?}", path.id)))?;
    // A token revokes only tokens holding no more than itself: a narrow token must not be
    // able to lock the administrators out.
    if let Some(target) = state.store.tokens().get(id).await?
        && let Some(missing) = caller.grants.first_not_covered(&Grants::parse_known(&target.scopes))
    {
        return Err(Problem::missing_permission(&missing, "revoking a token that holds it"));
    }
    let actor = caller.actor(crate::store::audit::Source::Admin);
    state.store.tokens().delete(&actor, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
