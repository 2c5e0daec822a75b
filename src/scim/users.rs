//! `/Users` (RFC 7644 §3.3–§3.6): thin handlers over `store::users`.
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, web};
use entity::user;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    ScimBody,
    error::ScimError,
    filter::sql::Resource,
    if_match, ingest, method_not_allowed, not_modified, parse_id, patch,
    projection::Projection,
    query, render, respond,
    schema::{ENTERPRISE_USER, USER, USER_SCHEMA},
    search,
};
use crate::{
    AppState,
    auth::Principal,
    auth::password,
    store::audit::{Actor, Source},
    store::{
        members::GroupOf,
        users::{EmailData, Password, UserData},
    },
};

type Query = web::Query<HashMap<String, String>>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Users")
            .route(web::get().to(list_users))
            .route(web::post().to(create_user))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Users/{id}")
            .route(web::get().to(get_user))
            .route(web::put().to(replace_user))
            .route(web::patch().to(patch_user))
            .route(web::delete().to(delete_user))
            .default_service(web::to(method_not_allowed)),
    );
}

/// Validates a User document and derives the indexed columns from it.
fn user_data(mut ing: ingest::Ingested) -> Result<(UserData, Option<String>), ScimError> {
    let doc = &mut ing.doc;
    let user_name = match doc.get("userName") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(ScimError::invalid_value(
                "\"userName\" is required and must be a non-empty string",
            ));
        }
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let name = doc.get("name").cloned().unwrap_or(Value::Null);
    // `active` defaults to true; it is stored in its column and rendered from there.
    let active = doc.remove("active").and_then(|v| v.as_bool()).unwrap_or(true);
    let emails = doc
        .get("emails")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| {
                    Some(EmailData {
                        value: e.get("value")?.as_str()?.to_owned(),
                        kind: text(e.get("type")),
                        primary: e.get("primary").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let data = UserData {
        external_id: text(doc.get("externalId")),
        display_name: text(doc.get("displayName")),
        given_name: text(name.get("givenName")),
        family_name: text(name.get("familyName")),
        user_name,
        active,
        emails,
        doc: Value::Object(std::mem::take(doc)),
    };
    Ok((data, ing.password))
}

fn normalize(body: Value, require_schemas: bool) -> Result<ingest::Ingested, ScimError> {
    ingest::normalize(body, &USER, &[&ENTERPRISE_USER], require_schemas)
}

async fn hash(password: Option<String>) -> Result<Option<String>, ScimError> {
    match password {
        Some(p) => Ok(Some(password::hash(p).await.map_err(|e| ScimError::internal(&e))?)),
        None => Ok(None),
    }
}

/// 200 with the user as `proj` selects, its version as `ETag`.
pub(crate) async fn ok_one(state: &AppState, m: &user::Model, proj: &Projection) -> Result<HttpResponse, ScimError> {
    let groups = if proj.wants("groups") {
        Some(
            state
                .store
                .users()
                .groups_of(&[m.id])
                .await?
                .remove(&m.id)
                .unwrap_or_default(),
        )
    } else {
        None
    };
    Ok(respond_user(state, StatusCode::OK, m, groups.as_deref(), proj))
}

/// The user with `status`, its version as `ETag`, as `proj` selects (`groups` as given).
pub(crate) fn respond_user(
    state: &AppState,
    status: StatusCode,
    m: &user::Model,
    groups: Option<&[GroupOf]>,
    proj: &Projection,
) -> HttpResponse {
    respond(status, Some(m.version), proj.apply(render::user(state, m, groups)))
}

/// Reads a user and, when the projection returns them, its groups: one query either way.
pub(crate) async fn load(
    state: &AppState,
    id: Uuid,
    proj: &Projection,
) -> Result<(user::Model, Option<Vec<GroupOf>>), ScimError> {
    if proj.wants("groups") {
        let (m, groups) = state.store.users().get_with_groups(id).await?;
        Ok((m, Some(groups)))
    } else {
        Ok((state.store.users().get(id).await?, None))
    }
}

/// Writes shared by the HTTP handlers and `/Bulk`.
pub async fn create(state: &AppState, actor: &Actor, body: Value) -> Result<user::Model, ScimError> {
    let (data, password) = user_data(normalize(body, true)?)?;
    let hash = hash(password).await?;
    Ok(state.store.users().create(actor, data, hash).await?)
}

/// RFC 7644 §3.5.1: replace; readOnly attributes are ignored.
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    if_match: Option<i64>,
    body: Value,
) -> Result<user::Model, ScimError> {
    let has_active = body
        .as_object()
        .is_some_and(|o| o.keys().any(|k| k.eq_ignore_ascii_case("active")));
    let (mut data, password) = user_data(normalize(body, true)?)?;
    let password = hash(password).await?.map_or(Password::Keep, Password::Set);
    state
        .store
        .users()
        .modify(actor, id, if_match, |cur| {
            // A PUT that leaves `active` out must not re-enable a deprovisioned account.
            if !has_active {
                data.active = cur.active;
            }
            Ok((data, password))
        })
        .await
}

/// RFC 7644 §3.5.2: all operations apply, or none.
pub async fn patch(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    if_match: Option<i64>,
    body: Value,
) -> Result<user::Model, ScimError> {
    let ops = patch::parse_request(body)?;
    // Hash a new password before taking the row lock.
    let new_password = hash(patch::password_in(&ops)).await?;
    state
        .store
        .users()
        .modify(actor, id, if_match, |cur| {
            let mut doc: Map<String, Value> = cur.doc.as_object().cloned().unwrap_or_default();
            doc.insert("userName".into(), Value::String(cur.user_name.clone()));
            doc.insert("active".into(), Value::Bool(cur.active));
            patch::apply(&mut doc, &ops, &USER, &[&ENTERPRISE_USER])?;
            let (data, _) = user_data(normalize(Value::Object(doc), false)?)?;
            Ok((data, new_password.clone().map_or(Password::Keep, Password::Set)))
        })
        .await
}

/// RFC 7644 §3.6; the user's memberships go with it.
pub async fn delete(state: &AppState, actor: &Actor, id: Uuid, if_match: Option<i64>) -> Result<(), ScimError> {
    Ok(state.store.users().delete(actor, id, if_match).await?)
}

/// `POST /Users`: RFC 7644 §3.3.
async fn create_user(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let proj = query::projection(&q, USER_SCHEMA)?;
    let m = create(&state, &caller.actor(Source::Scim), body.0).await?;
    // A user that did not exist a moment ago is in no group: nothing to read.
    let no_groups: &[GroupOf] = &[];
    let mut res = respond_user(&state, StatusCode::CREATED, &m, Some(no_groups), &proj);
    res.headers_mut().insert(
        header::LOCATION,
        state.scim_url("Users", m.id).parse().expect("valid header"),
    );
    Ok(res)
}

/// `GET /Users/{id}`: RFC 7644 §3.4.1.
async fn get_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: Query,
) -> Result<HttpResponse, ScimError> {
    let id = parse_id(&id, "user")?;
    let proj = query::projection(&q, USER_SCHEMA)?;
    let (m, groups) = load(&state, id, &proj).await?;
    if not_modified(&req, m.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, render::etag(m.version)))
            .finish());
    }
    Ok(respond_user(&state, StatusCode::OK, &m, groups.as_deref(), &proj))
}

/// `GET /Users`: RFC 7644 §3.4.2.
async fn list_users(state: web::Data<AppState>, q: Query) -> Result<HttpResponse, ScimError> {
    search::list_handler(&state, &q, Resource::User).await
}

/// `PUT /Users/{id}`.
async fn replace_user(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    id: web::Path<String>,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let (id, proj) = (parse_id(&id, "user")?, query::projection(&q, USER_SCHEMA)?);
    let m = replace(&state, &caller.actor(Source::Scim), id, if_match(&req), body.0).await?;
    ok_one(&state, &m, &proj).await
}

/// `PATCH /Users/{id}`.
async fn patch_user(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    id: web::Path<String>,
    q: Query,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let (id, proj) = (parse_id(&id, "user")?, query::projection(&q, USER_SCHEMA)?);
    let m = patch(&state, &caller.actor(Source::Scim), id, if_match(&req), body.0).await?;
    ok_one(&state, &m, &proj).await
}

/// `DELETE /Users/{id}`.
async fn delete_user(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    delete(
        &state,
        &caller.actor(Source::Scim),
        parse_id(&id, "user")?,
        if_match(&req),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
