//! `/Users` (RFC 7644 §3.3–§3.6) and `/Me` (§3.11, the token's own user, through the same
//! handlers): HTTP over `service::users`.
use actix_web::{HttpResponse, http::StatusCode, web};

use super::{
    ScimBody,
    error::ScimError,
    extract::{Caller, Kind, ListParams, MeRoute, Preconditions, Proj, ResourceId},
    method_not_allowed, not_modified,
    resource::Resource,
    respond,
    service::{list, users},
};
use crate::AppState;

const R: Resource = Resource::User;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Users")
            .app_data(Kind(R))
            .route(web::get().to(list_users))
            .route(web::post().to(create_user))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Users/{id}")
            .app_data(Kind(R))
            .route(web::get().to(get_user))
            .route(web::put().to(replace_user))
            .route(web::patch().to(patch_user))
            .route(web::delete().to(delete_user))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Me")
            .app_data(Kind(R))
            .app_data(MeRoute)
            .route(web::get().to(get_user))
            .route(web::put().to(replace_user))
            .route(web::patch().to(patch_user))
            .route(web::delete().to(delete_user))
            .default_service(web::to(method_not_allowed)),
    );
}

/// `POST /Users`: RFC 7644 §3.3.
async fn create_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    proj: Proj,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let m = users::create(&state, &actor, body.0).await?;
    // A user that did not exist a moment ago is in no group: nothing to read.
    let body = users::view(&state, &m, Some(&[]), &proj.projection);
    Ok(super::created(&state, R, m.id, m.version, body))
}

/// `GET /Users/{id}`: RFC 7644 §3.4.1.
async fn get_user(
    state: web::Data<AppState>,
    ResourceId(id): ResourceId,
    pre: Preconditions,
    proj: Proj,
) -> Result<HttpResponse, ScimError> {
    let (m, groups) = users::load(&state, id, &proj.projection).await?;
    if pre.not_modified(m.version) {
        return Ok(not_modified(m.version));
    }
    let body = users::view(&state, &m, groups.as_deref(), &proj.projection);
    Ok(respond(StatusCode::OK, Some(m.version), body))
}

/// `GET /Users`: RFC 7644 §3.4.2.
async fn list_users(state: web::Data<AppState>, ListParams(q): ListParams) -> Result<HttpResponse, ScimError> {
    Ok(respond(StatusCode::OK, None, list::query(&state, R, &q).await?))
}

/// `PUT /Users/{id}`: RFC 7644 §3.5.1.
async fn replace_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    ResourceId(id): ResourceId,
    pre: Preconditions,
    proj: Proj,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let m = users::replace(&state, &actor, id, pre.if_match, body.0).await?;
    let body = users::present(&state, &m, &proj.projection).await?;
    Ok(respond(StatusCode::OK, Some(m.version), body))
}

/// `PATCH /Users/{id}`: RFC 7644 §3.5.2; 200 with the entire user.
async fn patch_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    ResourceId(id): ResourceId,
    pre: Preconditions,
    proj: Proj,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let m = users::patch(&state, &actor, id, pre.if_match, body.0).await?;
    let body = users::present(&state, &m, &proj.projection).await?;
    Ok(respond(StatusCode::OK, Some(m.version), body))
}

/// `DELETE /Users/{id}`: RFC 7644 §3.6.
async fn delete_user(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    ResourceId(id): ResourceId,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    users::delete(&state, &actor, id, pre.if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}
