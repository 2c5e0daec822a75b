//! Groups: validation of Group documents, the writes, and the reads that answer them.
//! Members are rows in `group_members`: read only when returned; PATCH touches only the
//! members it names.
use entity::group;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    AppState,
    scim::{error::ScimError, ingest, patch, projection::Projection, render, resource::Resource},
    store::{
        audit::Actor,
        groups::{GroupData, MemberOp},
    },
};

const R: Resource = Resource::Group;

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
    let members = ing
        .members
        .take()
        .map(|values| patch::member_ids(&values))
        .transpose()?;
    let data = GroupData {
        display_name,
        external_id,
        doc: Value::Object(ing.doc),
    };
    Ok((data, members))
}

fn normalize(body: Value, require_schemas: bool) -> Result<ingest::Ingested, ScimError> {
    ingest::normalize(body, R, require_schemas)
}

/// RFC 7644 §3.3.
pub async fn create(state: &AppState, actor: &Actor, body: Value) -> Result<group::Model, ScimError> {
    let (data, members) = group_data(normalize(body, true)?)?;
    Ok(state
        .store
        .groups()
        .create(actor, data, &members.unwrap_or_default())
        .await?)
}

/// RFC 7644 §3.5.1: replaces attributes; `members`, when given, replaces the member list.
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    if_match: Option<i64>,
    body: Value,
) -> Result<group::Model, ScimError> {
    let (data, members) = group_data(normalize(body, true)?)?;
    let ops = match members {
        Some(ids) => vec![MemberOp::Replace(ids)],
        None => vec![],
    };
    state
        .store
        .groups()
        .modify(actor, id, if_match, |_| Ok((Some(data), ops)))
        .await
}

/// RFC 7644 §3.5.2: member operations become row inserts/deletes; other operations rewrite
/// the group's own attributes. All apply, or none.
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
            let member_ops = patch::apply(&mut doc, &ops, R)?;
            let data = if doc == before {
                None
            } else {
                Some(group_data(normalize(Value::Object(doc), false)?)?.0)
            };
            Ok((data, member_ops))
        })
        .await
}

/// RFC 7644 §3.6; its memberships, and its membership in other groups, go with it.
pub async fn delete(state: &AppState, actor: &Actor, id: Uuid, if_match: Option<i64>) -> Result<(), ScimError> {
    Ok(state.store.groups().delete(actor, id, if_match).await?)
}

pub async fn get(state: &AppState, id: Uuid) -> Result<group::Model, ScimError> {
    Ok(state.store.groups().get(id).await?)
}

/// The group as `proj` selects; reads its members only when they are returned.
pub async fn present(state: &AppState, m: &group::Model, proj: &Projection) -> Result<Value, ScimError> {
    if !proj.wants("members") {
        return Ok(proj.apply(render::group(state, m, None)));
    }
    let _turn = state.member_list_turn().await;
    let members = state.store.groups().members(m.id).await?;
    Ok(proj.apply(render::group(state, m, Some(&members))))
}
