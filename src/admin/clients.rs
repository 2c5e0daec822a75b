//! OAuth clients: list (never secrets), delete (with everything issued to them), and rotate
//! a confidential client's secret (the new one is shown once).
use actix_web::{HttpResponse, delete, get, http::header, post, web};
use chrono::{DateTime, Utc};
use entity::oauth_client;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    authz::{self, Allowed},
    openapi::Problems,
    problem::Problem,
};
use crate::{AppState, auth::tokens, store::audit::Source};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_clients).service(delete_client).service(rotate_secret);
}

/// A client, without its secret.
#[derive(Serialize, ToSchema)]
pub struct ClientOut {
    client_id: String,
    name: String,
    public: bool,
    redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    require_pushed_authorization_requests: bool,
    resource_server: bool,
    groups_claim: String,
    groups_prefix: Option<String>,
    permissions_prefix: Option<String>,
    iam_permissions: bool,
    created: DateTime<Utc>,
}

/// A client's new secret, which is never shown again.
#[derive(Serialize, ToSchema)]
pub struct NewSecret {
    client_id: String,
    /// Only its hash is stored; the previous secret no longer works.
    client_secret: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientPath {
    /// Client id.
    client_id: String,
}

fn client_out(c: oauth_client::Model) -> ClientOut {
    ClientOut {
        redirect_uris: crate::oidc::clients::uris(&c.redirect_uris)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        grant_types: c.grant_types.split_whitespace().map(str::to_owned).collect(),
        client_id: c.client_id,
        name: c.name,
        public: c.public,
        require_pushed_authorization_requests: c.require_par,
        resource_server: c.resource_server,
        groups_claim: c.groups_claim,
        groups_prefix: c.groups_prefix,
        permissions_prefix: c.permissions_prefix,
        iam_permissions: c.iam_permissions,
        created: c.created,
    }
}

/// Every OAuth client.
#[utoipa::path(tag = "clients", responses((status = 200, description = "Every client", body = Vec<ClientOut>), Problems), security(("bearer" = ["iam.client.read"])))]
#[get("/clients")]
async fn list_clients(_caller: Allowed<authz::ClientRead>, state: State) -> Result<HttpResponse, Problem> {
    let clients: Vec<ClientOut> = state
        .store
        .clients()
        .list()
        .await?
        .into_iter()
        .map(client_out)
        .collect();
    Ok(HttpResponse::Ok().json(clients))
}

/// Deletes a client: its codes and refresh tokens go, and its access tokens stop working.
#[utoipa::path(tag = "clients", params(ClientPath), responses((status = 204, description = "Deleted"), Problems), security(("bearer" = ["iam.client.write"])))]
#[delete("/clients/{client_id}")]
async fn delete_client(
    caller: Allowed<authz::ClientWrite>,
    state: State,
    path: web::Path<ClientPath>,
) -> Result<HttpResponse, Problem> {
    let until = crate::oidc::access::access_expiry(&state);
    state
        .store
        .clients()
        .delete(&caller.actor(Source::Admin), &path.client_id, until)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Gives a confidential client a new secret; the old one stops working at once.
#[utoipa::path(tag = "clients", params(ClientPath), responses((status = 200, description = "The new secret, shown only this once", body = NewSecret), Problems), security(("bearer" = ["iam.client.write"])))]
#[post("/clients/{client_id}/secret")]
async fn rotate_secret(
    caller: Allowed<authz::ClientWrite>,
    state: State,
    path: web::Path<ClientPath>,
) -> Result<HttpResponse, Problem> {
    let secret = crate::oidc::random_secret();
    state
        .store
        .clients()
        .set_secret(&caller.actor(Source::Admin), &path.client_id, &tokens::hash(&secret))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NewSecret {
            client_id: path.client_id.clone(),
            client_secret: secret,
        }))
}
