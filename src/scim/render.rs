//! Stored rows → SCIM JSON, with `meta` (RFC 7643 §3.1).
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{group, user};
use serde_json::{Map, Value, json};

use super::resource::Resource;
use crate::{
    AppState,
    store::members::{GroupOf, MemberRow},
};

/// Weak ETag of a stored version, as in `meta.version` and the `ETag` header.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Parses an `If-Match`/`If-None-Match` value (`W/"3"`, `"3"`, or `*`) into a version.
/// `Ok(None)` is `*`; anything unparseable matches no stored version.
pub fn parse_etag(value: &str) -> Option<Option<i64>> {
    let v = value.trim();
    if v == "*" {
        return Some(None);
    }
    let v = v.strip_prefix("W/").unwrap_or(v);
    let v = v.trim_matches('"');
    Some(Some(v.parse::<i64>().unwrap_or(-1)))
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn meta(
    state: &AppState,
    r: Resource,
    id: uuid::Uuid,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    version: i64,
) -> Value {
    json!({
        "resourceType": r.name(),
        "created": time(created),
        "lastModified": time(modified),
        "location": state.scim_url(r.endpoint(), id),
        "version": etag(version),
    })
}

/// `schemas`: the core schema, and each extension the document holds.
fn schemas(r: Resource, fields: &Map<String, Value>) -> Value {
    let mut list = vec![r.core_urn()];
    list.extend(
        r.extensions()
            .iter()
            .map(|e| e.id)
            .filter(|id| fields.contains_key(*id)),
    );
    json!(list)
}

fn doc_fields(doc: &Value) -> Map<String, Value> {
    doc.as_object().cloned().unwrap_or_default()
}

/// A User; `groups` is rendered when given (it costs a query, so callers skip it when excluded).
pub fn user(state: &AppState, m: &user::Model, groups: Option<&[GroupOf]>) -> Value {
    let fields = doc_fields(&m.doc);
    let mut out = Map::new();
    out.insert("schemas".into(), schemas(Resource::User, &fields));
    out.insert("id".into(), json!(m.id));
    out.extend(fields);
    // Columns are authoritative for what they hold.
    out.insert("userName".into(), json!(m.user_name));
    out.insert("active".into(), json!(m.active));
    if let Some(groups) = groups.filter(|g| !g.is_empty()) {
        let list: Vec<Value> = groups
            .iter()
            .map(|g| {
                json!({
                    "value": g.id,
                    "$ref": state.scim_url(Resource::Group.endpoint(), g.id),
                    "display": g.display_name,
                    "type": if g.direct { "direct" } else { "indirect" },
                })
            })
            .collect();
        out.insert("groups".into(), Value::Array(list));
    }
    out.insert(
        "meta".into(),
        meta(state, Resource::User, m.id, m.created, m.last_modified, m.version),
    );
    Value::Object(out)
}

/// A Group; `members` is rendered when given.
pub fn group(state: &AppState, m: &group::Model, members: Option<&[MemberRow]>) -> Value {
    let fields = doc_fields(&m.doc);
    let mut out = Map::new();
    out.insert("schemas".into(), schemas(Resource::Group, &fields));
    out.insert("id".into(), json!(m.id));
    out.extend(fields);
    out.insert("displayName".into(), json!(m.display_name));
    if let Some(members) = members {
        let list: Vec<Value> = members
            .iter()
            .map(|r| {
                let kind = Resource::from_name(&r.member_type).unwrap_or(Resource::User);
                json!({
                    "value": r.member_id,
                    "$ref": state.scim_url(kind.endpoint(), r.member_id),
                    "display": r.display,
                    "type": r.member_type,
                })
            })
            .collect();
        out.insert("members".into(), Value::Array(list));
    }
    out.insert(
        "meta".into(),
        meta(state, Resource::Group, m.id, m.created, m.last_modified, m.version),
    );
    Value::Object(out)
}

/// RFC 7644 §3.4.2 ListResponse.
pub fn list_response(total: u64, start_index: u64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
