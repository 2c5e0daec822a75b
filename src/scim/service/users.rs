//! Users: validation of User documents, the writes, and the reads that answer them.
use entity::user;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    AppState,
    auth::password,
    scim::{error::ScimError, ingest, patch, projection::Projection, render, resource::Resource},
    store::{
        audit::Actor,
        members::GroupOf,
        users::{EmailData, Password, UserData},
    },
};

const R: Resource = Resource::User;

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
    ingest::normalize(body, R, require_schemas)
}

/// Checks a new password against the configured minimum length, then hashes it.
async fn hash(state: &AppState, password: Option<String>) -> Result<Option<String>, ScimError> {
    let Some(p) = password else { return Ok(None) };
    let min = state.config.password_min_length;
    if p.chars().count() < min.max(1) {
        return Err(ScimError::invalid_value(format!(
            "\"password\" must have at least {} characters",
            min.max(1)
        )));
    }
    Ok(Some(password::hash(p).await.map_err(|e| ScimError::internal(&e))?))
}

/// RFC 7644 §3.3.
pub async fn create(state: &AppState, actor: &Actor, body: Value) -> Result<user::Model, ScimError> {
    let (data, password) = user_data(normalize(body, true)?)?;
    let hash = hash(state, password).await?;
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
    // `"active": null` is no value (RFC 7643 §2.5), so it keeps the stored flag too.
    let has_active = body
        .as_object()
        .is_some_and(|o| o.iter().any(|(k, v)| k.eq_ignore_ascii_case("active") && !v.is_null()));
    let (mut data, password) = user_data(normalize(body, true)?)?;
    let password = hash(state, password).await?.map_or(Password::Keep, Password::Set);
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
    let new_password = hash(state, patch::password_in(&ops)).await?;
    state
        .store
        .users()
        .modify(actor, id, if_match, |cur| {
            let mut doc: Map<String, Value> = cur.doc.as_object().cloned().unwrap_or_default();
            doc.insert("userName".into(), Value::String(cur.user_name.clone()));
            doc.insert("active".into(), Value::Bool(cur.active));
            patch::apply(&mut doc, &ops, R)?;
            // An absent `active` reads as true: removing it would silently re-enable the
            // account, so the operation is refused instead of half-done.
            if doc.get("active").is_none_or(Value::is_null) {
                return Err(ScimError::bad_request(
                    "mutability",
                    "\"active\" cannot be removed; replace it with false to deactivate the user",
                ));
            }
            let (data, _) = user_data(normalize(Value::Object(doc), false)?)?;
            Ok((data, new_password.clone().map_or(Password::Keep, Password::Set)))
        })
        .await
}

/// RFC 7644 §3.6; the user's memberships go with it.
pub async fn delete(state: &AppState, actor: &Actor, id: Uuid, if_match: Option<i64>) -> Result<(), ScimError> {
    Ok(state.store.users().delete(actor, id, if_match).await?)
}

/// Reads a user and, when `proj` returns them, its groups: one query either way.
pub async fn load(
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

/// The user as `proj` selects, `groups` as given (`None`: not returned).
pub fn view(state: &AppState, m: &user::Model, groups: Option<&[GroupOf]>, proj: &Projection) -> Value {
    proj.apply(render::user(state, m, groups))
}

/// The user as `proj` selects, after a write: reads its groups only when they are returned.
pub async fn present(state: &AppState, m: &user::Model, proj: &Projection) -> Result<Value, ScimError> {
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
    Ok(view(state, m, groups.as_deref(), proj))
}
