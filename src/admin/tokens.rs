//! API tokens: create (the secret is shown once), list (never secrets or hashes), revoke.
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use entity::api_token;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{openapi::Problems, problem::Problem};
use crate::{AppState, auth::Scope};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token).service(list_tokens).service(revoke_token);
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// A name to recognise the token by; recorded as the actor of its changes.
    #[schema(example = "provisioning-script")]
    name: String,
    /// `scim`, `admin` and/or `admin:read`.
    #[schema(example = json!(["admin:read"]))]
    scopes: Vec<String>,
}

/// A token, without its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: Uuid,
    name: String,
    scopes: Vec<String>,
    created: DateTime<Utc>,
    last_used: Option<DateTime<Utc>>,
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
    TokenOut {
        id: t.id,
        name: t.name,
        scopes: t.scopes.split_whitespace().map(str::to_owned).collect(),
        created: t.created,
        last_used: t.last_used,
    }
}

/// Creates a token with the given scopes.
#[utoipa::path(tag = "tokens", request_body = NewToken, responses((status = 201, description = "The new token, with its secret (shown only this once)", body = CreatedToken), Problems))]
#[post("/tokens")]
async fn create_token(
    state: State,
    caller: web::ReqData<crate::auth::Principal>,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, Problem> {
    let name = body.name.trim();
    if name.is_empty() {
        return Err(Problem::bad_request("\"name\" must not be empty"));
    }
    let scopes = Scope::parse_list(&body.scopes.join(" ")).map_err(|e| Problem::bad_request(e.to_string()))?;
    if scopes.is_empty()
        || body
            .scopes
            .iter()
            .any(|s| s.trim().is_empty() || s.contains([' ', ',']))
    {
        return Err(Problem::bad_request(
            "\"scopes\" must list one or more of scim, admin, admin:read",
        ));
    }
    let actor = caller.actor(crate::store::audit::Source::Admin);
    let (secret, row) = crate::auth::tokens::create(&state.store, &actor, name, &scopes, None).await?;
    let token = token_out(row);
    // The secret is in the body: no cache may keep it.
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedToken { token, secret }))
}

/// Every token: name, scopes, creation and last use.
#[utoipa::path(tag = "tokens", responses((status = 200, description = "Every token", body = Vec<TokenOut>), Problems))]
#[get("/tokens")]
async fn list_tokens(state: State) -> Result<HttpResponse, Problem> {
    let tokens: Vec<TokenOut> = state.store.tokens().list().await?.into_iter().map(token_out).collect();
    Ok(HttpResponse::Ok().json(tokens))
}

/// Revokes a token: it stops working at once.
#[utoipa::path(tag = "tokens", params(TokenPath), responses((status = 204, description = "Revoked"), Problems))]
#[delete("/tokens/{id}")]
async fn revoke_token(
    state: State,
    caller: web::ReqData<crate::auth::Principal>,
    path: web::Path<TokenPath>,
) -> Result<HttpResponse, Problem> {
    let id = Uuid::parse_str(&path.id).map_err(|_| Problem::not_found(format!("no token with id {:?}", path.id)))?;
    let actor = caller.actor(crate::store::audit::Source::Admin);
    state.store.tokens().delete(&actor, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
