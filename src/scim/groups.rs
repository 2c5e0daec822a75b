//! `/Groups` (RFC 7644 §3.3–§3.6): HTTP over `service::groups`.
use actix_web::{HttpResponse, http::StatusCode, web};

use super::{
    ScimBody,
    error::ScimError,
    extract::{Caller, Kind, ListParams, Preconditions, Proj, ResourceId},
    method_not_allowed, not_modified,
    resource::Resource,
    respond,
    service::{groups, list},
};
use crate::AppState;

const R: Resource = Resource::Group;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Groups")
            .app_data(Kind(R))
            .route(web::get().to(list_groups))
            .route(web::post().to(create_group))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Groups/{id}")
            .app_data(Kind(R))
            .route(web::get().to(get_group))
            .route(web::put().to(replace_group))
            .route(web::patch().to(patch_group))
            .route(web::delete().to(delete_group))
            .default_service(web::to(method_not_allowed)),
    );
}

/// `POST /Groups`: RFC 7644 §3.3.
async fn create_group(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    proj: Proj,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let m = groups::create(&state, &actor, body.0).await?;
    let body = groups::present(&state, &m, &proj.projection).await?;
    Ok(super::created(&state, R, m.id, m.version, body))
}

/// `GET /Groups/{id}`: RFC 7644 §3.4.1.
async fn get_group(
    state: web::Data<AppState>,
    ResourceId(id): ResourceId,
    pre: Preconditions,
    proj: Proj,
) -> Result<HttpResponse, ScimError> {
    if super::group_stream::applies(&proj.projection) {
        return super::group_stream::respond(&state, id, &proj.projection, |v| pre.not_modified(v)).await;
    }
    let m = groups::get(&state, id).await?;
    if pre.not_modified(m.version) {
        return Ok(not_modified(m.version));
    }
    let body = groups::present(&state, &m, &proj.projection).await?;
    Ok(respond(StatusCode::OK, Some(m.version), body))
}

/// `GET /Groups`: RFC 7644 §3.4.2.
async fn list_groups(state: web::Data<AppState>, ListParams(q): ListParams) -> Result<HttpResponse, ScimError> {
    Ok(respond(StatusCode::OK, None, list::query(&state, R, &q).await?))
}

/// `PUT /Groups/{id}`: RFC 7644 §3.5.1.
async fn replace_group(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    ResourceId(id): ResourceId,
    pre: Preconditions,
    proj: Proj,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let m = groups::replace(&state, &actor, id, pre.if_match, body.0).await?;
    let body = groups::present(&state, &m, &proj.projection).await?;
    Ok(respond(StatusCode::OK, Some(m.version), body))
}

/// `PATCH /Groups/{id}`: RFC 7644 §3.5.2 allows 204, or 200 with the *entire* resource, and
/// requires 200 when the request names `attributes`. So: 204 (with the new `ETag`) unless
/// `attributes` or `excludedAttributes` is given, then 200 with the group as they select.
/// A PATCH on a 100,000-member group thus costs what its operations cost.
async fn patch_group(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    ResourceId(id): ResourceId,
    pre: Preconditions,
    proj: Proj,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let m = groups::patch(&state, &actor, id, pre.if_match, body.0).await?;
    if !proj.requested {
        return Ok(HttpResponse::NoContent()
            .insert_header((actix_web::http::header::ETAG, super::render::etag(m.version)))
            .finish());
    }
    let body = groups::present(&state, &m, &proj.projection).await?;
    Ok(respond(StatusCode::OK, Some(m.version), body))
}

/// `DELETE /Groups/{id}`: RFC 7644 §3.6.
async fn delete_group(
    state: web::Data<AppState>,
    Caller(actor): Caller,
    ResourceId(id): ResourceId,
    pre: Preconditions,
) -> Result<HttpResponse, ScimError> {
    groups::delete(&state, &actor, id, pre.if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}
