//! Creating users and setting passwords from the admin API (and so the remote CLI). Both go
//! through the SCIM service code, so validation, password policy, uniqueness and audit are
//! the same as for a provisioning client.
use actix_web::{HttpResponse, post, put, web};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    authz::{self, Allowed},
    directory::{self, UserOut},
    ident,
    membership::UserPath,
    openapi::Problems,
    problem::Problem,
};
use crate::{
    AppState,
    scim::{error::ScimError, service::users},
    store::audit::Source as AuditSource,
};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_user).service(set_password);
}

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

impl From<ScimError> for Problem {
    fn from(e: ScimError) -> Self {
        if e.status == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
            return Problem::new(e.status, e.detail);
        }
        if e.status.is_server_error() {
            // Already logged where it was made; the detail is generic.
            return Problem::new(e.status, "internal server error");
        }
        if let Some((permission, doing)) = &e.missing_permission {
            return Problem::missing_permission(permission, doing);
        }
        Problem::new(e.status, e.detail)
    }
}

/// A new user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(example = "alice")]
    user_name: String,
    display_name: Option<String>,
    /// The first is the primary email.
    #[serde(default)]
    #[schema(example = json!(["alice@example.com"]))]
    emails: Vec<String>,
    /// Lets the user sign in with OpenID Connect; the configured minimum length applies.
    password: Option<String>,
    /// Default `true`.
    active: Option<bool>,
}

/// A new password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    password: String,
}

/// Creates a user (as SCIM `POST /Users` would).
#[utoipa::path(tag = "directory", request_body = NewUser, responses((status = 201, description = "The user", body = UserOut), Problems), security(("bearer" = ["iam.user.write"])))]
#[post("/users")]
async fn create_user(
    caller: Allowed<authz::UserWrite>,
    state: State,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, Problem> {
    let b = body.into_inner();
    let mut scim = json!({"schemas": [USER_SCHEMA], "userName": b.user_name, "active": b.active.unwrap_or(true)});
    if let Some(d) = b.display_name {
        scim["displayName"] = json!(d);
    }
    if !b.emails.is_empty() {
        let emails: Vec<Value> = b
            .emails
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"value": e, "primary": i == 0}))
            .collect();
        scim["emails"] = json!(emails);
    }
    if let Some(p) = b.password {
        scim["password"] = json!(p);
    }
    let user = users::create(&state, &caller.actor(AuditSource::Admin), scim).await?;
    let emails = state.store.users().emails_of(&[user.id]).await?.remove(&user.id);
    Ok(HttpResponse::Created().json(directory::user_out(user, emails.unwrap_or_default())))
}

/// Sets a user's password (as a SCIM PATCH of `password` would).
#[utoipa::path(tag = "directory", params(UserPath), request_body = NewPassword, responses((status = 204, description = "Set"), Problems), security(("bearer" = ["iam.user.write"])))]
#[put("/users/{user}/password")]
async fn set_password(
    caller: Allowed<authz::UserWrite>,
    state: State,
    path: web::Path<UserPath>,
    body: web::Json<NewPassword>,
) -> Result<HttpResponse, Problem> {
    let id = ident::user(&state.store, &path.user).await?;
    let ops = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "password", "value": body.password}],
    });
    users::patch(&state, &caller.actor(AuditSource::Admin), id, None, ops).await?;
    Ok(HttpResponse::NoContent().finish())
}
