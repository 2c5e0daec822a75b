//! `/Me` (RFC 7644 §3.11): the user the bearer token belongs to. API tokens that act for no
//! user get 501, as the RFC allows.
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use uuid::Uuid;

use super::{ScimBody, error::ScimError, if_match, method_not_allowed, query, schema::USER_SCHEMA, users};
use crate::{AppState, auth::Principal, store::audit::Source};

type Query = web::Query<HashMap<String, String>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Me")
            .route(web::get().to(get_me))
            .route(web::put().to(replace_me))
            .route(web::patch().to(patch_me))
            .route(web::delete().to(delete_me))
            .default_service(web::to(method_not_allowed)),
    );
}

fn me(p: &Principal) -> Result<Uuid, ScimError> {
    p.user_id.ok_or_else(|| {
        ScimError::new(
            StatusCode::NOT_IMPLEMENTED,
            None,
            "this token does not belong to a user, so /Me has no subject",
        )
    })
}

async fn get_me(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    q: Query,
) -> Result<HttpResponse, ScimError> {
    let proj = query::projection(&q, USER_SCHEMA)?;
    let (m, groups) = users::load(&state, me(&caller)?, &proj).await?;
    Ok(users::respond_user(
        &state,
        StatusCode::OK,
        &m,
        groups.as_deref(),
        &proj,
    ))
}

async fn replace_me(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let proj = query::projection(&q, USER_SCHEMA)?;
    let m = users::replace(
        &state,
        &caller.actor(Source::Scim),
        me(&caller)?,
        if_match(&req),
        body.0,
    )
    .await?;
    users::ok_one(&state, &m, &proj).await
}

async fn patch_me(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let proj = query::projection(&q, USER_SCHEMA)?;
    let m = users::patch(
        &state,
        &caller.actor(Source::Scim),
        me(&caller)?,
        if_match(&req),
        body.0,
    )
    .await?;
    users::ok_one(&state, &m, &proj).await
}

async fn delete_me(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
) -> Result<HttpResponse, ScimError> {
    users::delete(&state, &caller.actor(Source::Scim), me(&caller)?, if_match(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
