//! `/Groups` (RFC 7644 §3.3–§3.6). Members are rows in `group_members`: they are read
//! only when the response includes them, and PATCH touches only the members it names.
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, web};
use entity::group;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    ScimBody,
    error::ScimError,
    filter::sql::Resource,
    if_match, ingest, method_not_allowed, not_modified, parse_id, patch,
    projection::Projection,
    query, render, respond,
    schema::{GROUP, GROUP_SCHEMA},
    search,
};
use crate::{
    AppState,
    auth::Principal,
    store::audit::{Actor, Source},
    store::groups::{GroupData, MemberOp},
};

type Query = web::Query<HashMap<String, String>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Groups")
            .route(web::get().to(list_groups))
            .route(web::post().to(create_group))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Groups/{id}")
            .route(web::get().to(get_group))
            .route(web::put().to(replace_group))
            .route(web::patch().to(patch_group))
            .route(web::delete().to(delete_group))
            .default_service(web::to(method_not_allowed)),
    );
}

/// Validates a Group document; returns the group data and, if given, its member ids.
fn group_data(mut ing: ingest::Ingested) -> Result<(GroupData, Option<Vec<Uuid>>), ScimError> {
    let display_name = match ing.doc.get("displayName") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(ScimError::invalid_value(
                "\"displayName\" is required and must be a non-empty string",
            ));
        }
    };
    let external_id = ing.doc.get("externalId").and_then(Value::as_str).map(str::to_owned);
    let members = ing.members.take().map(|values| member_ids(&values)).transpose()?;
    let data = GroupData {
        display_name,
        external_id,
        doc: Value::Object(ing.doc),
    };
    Ok((data, members))
}

/// Member values must be ids of existing users or groups (checked by the store).
pub fn member_ids(values: &[String]) -> Result<Vec<Uuid>, ScimError> {
    values
        .iter()
        .map(|v| {
            Uuid::parse_str(v.trim()).map_err(|_| ScimError::invalid_value(format!("no user or group with id {v:?}")))
        })
        .collect()
}

fn normalize(body: Value, require_schemas: bool) -> Result<ingest::Ingested, ScimError> {
    ingest::normalize(body, &GROUP, &[], require_schemas)
}

/// 200 with the group as `proj` selects, its version as `ETag`.
async fn ok_one(state: &AppState, m: &group::Model, proj: &Projection) -> Result<HttpResponse, ScimError> {
    Ok(respond(
        StatusCode::OK,
        Some(m.version),
        render_one(state, m, proj).await?,
    ))
}

async fn render_one(state: &AppState, m: &group::Model, proj: &Projection) -> Result<Value, ScimError> {
    if !proj.wants("members") {
        return Ok(proj.apply(render::group(state, m, None)));
    }
    let _turn = state.member_list_turn().await;
    let members = state.store.groups().members(m.id).await?;
    Ok(proj.apply(render::group(state, m, Some(&members))))
}

/// Writes shared by the HTTP handlers and `/Bulk`.
pub async fn create(state: &AppState, actor: &Actor, body: Value) -> Result<group::Model, ScimError> {
    let (data, members) = group_data(normalize(body, true)?)?;
    Ok(state
        .store
        .groups()
        .create(actor, data, &members.unwrap_or_default())
        .await?)
}

/// Replaces attributes; `members`, when given, replaces the member list.
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    if_match: Option<i64>,
    body: Value,
) -> Result<group::Model, ScimError> {
    let (data, members) = group_data(normalize(body, true)?)?;
    let ops = match members {
        Some(ids) => vec![MemberOp::RemoveAll, MemberOp::Add(ids)],
        None => vec![],
    };
    state
        .store
        .groups()
        .modify(actor, id, if_match, |_| Ok((Some(data), ops)))
        .await
}

/// Member operations become row inserts/deletes; other operations rewrite the group's own
/// attributes. All apply, or none.
pub async fn patch(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    if_match: Option<i64>,
    body: Value,
) -> Result<group::Model, ScimError> {
    let ops = patch::parse_request(body)?;
    state
        .store
        .groups()
        .modify(actor, id, if_match, |cur| {
            let mut doc: Map<String, Value> = cur.doc.as_object().cloned().unwrap_or_default();
            doc.insert("displayName".into(), Value::String(cur.display_name.clone()));
            let before = doc.clone();
            let member_ops = patch::apply(&mut doc, &ops, &GROUP, &[])?;
            let data = if doc == before {
                None
            } else {
                Some(group_data(normalize(Value::Object(doc), false)?)?.0)
            };
            Ok((data, member_ops))
        })
        .await
}

pub async fn delete(state: &AppState, actor: &Actor, id: Uuid, if_match: Option<i64>) -> Result<(), ScimError> {
    Ok(state.store.groups().delete(actor, id, if_match).await?)
}

/// `POST /Groups`.
async fn create_group(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let proj = query::projection(&q, GROUP_SCHEMA)?;
    let m = create(&state, &caller.actor(Source::Scim), body.0).await?;
    let mut res = respond(
        StatusCode::CREATED,
        Some(m.version),
        render_one(&state, &m, &proj).await?,
    );
    res.headers_mut().insert(
        header::LOCATION,
        state.scim_url("Groups", m.id).parse().expect("valid header"),
    );
    Ok(res)
}

/// `GET /Groups/{id}`.
async fn get_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: Query,
) -> Result<HttpResponse, ScimError> {
    let id = parse_id(&id, "group")?;
    let proj = query::projection(&q, GROUP_SCHEMA)?;
    let m = state.store.groups().get(id).await?;
    if not_modified(&req, m.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, render::etag(m.version)))
            .finish());
    }
    ok_one(&state, &m, &proj).await
}

/// `GET /Groups`.
async fn list_groups(state: web::Data<AppState>, q: Query) -> Result<HttpResponse, ScimError> {
    search::list_handler(&state, &q, Resource::Group).await
}

/// `PUT /Groups/{id}`.
async fn replace_group(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    id: web::Path<String>,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let (id, proj) = (parse_id(&id, "group")?, query::projection(&q, GROUP_SCHEMA)?);
    let m = replace(&state, &caller.actor(Source::Scim), id, if_match(&req), body.0).await?;
    ok_one(&state, &m, &proj).await
}

/// `PATCH /Groups/{id}`: answers 200 with the group; `members` is included only when asked
/// for with `attributes`, so a PATCH on a 100,000-member group stays O(changes).
async fn patch_group(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    id: web::Path<String>,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let id = parse_id(&id, "group")?;
    let mut q = q.into_inner();
    if !q.keys().any(|k| k.eq_ignore_ascii_case("attributes")) {
        let excluded = q.entry("excludedAttributes".into()).or_default();
        excluded.push_str(if excluded.is_empty() { "members" } else { ",members" });
    }
    let proj = query::projection(&q, GROUP_SCHEMA)?;
    let m = patch(&state, &caller.actor(Source::Scim), id, if_match(&req), body.0).await?;
    ok_one(&state, &m, &proj).await
}

/// `DELETE /Groups/{id}`.
async fn delete_group(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    delete(
        &state,
        &caller.actor(Source::Scim),
        parse_id(&id, "group")?,
        if_match(&req),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
