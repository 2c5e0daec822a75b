//! PATCH (RFC 7644 §3.5.2), split by job: this module parses a PatchOp request;
//! [`apply`] edits one resource document with the operations; [`members`] turns operations on
//! `Group.members` into row inserts/deletes for the store.
//!
//! Tolerated client quirks: op names in any case (`"Add"`), booleans as strings (coerced by
//! `ingest`), path-less `replace`/`add` whose value has dotted (`name.givenName`) or URN keys,
//! `add`/`replace` on a filtered path with no matching element (creates it, as Entra expects),
//! and member removal with the members in `value` instead of a path filter.
mod apply;
mod members;

use serde_json::{Map, Value};

pub use apply::apply;
pub use members::member_ids;

use super::{
    error::ScimError,
    filter::{self, PatchPath},
};

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Remove,
    Replace,
}

#[derive(Debug, Clone)]
pub struct PatchOp {
    pub op: OpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

pub(super) fn invalid_path(m: impl Into<String>) -> ScimError {
    ScimError::bad_request("invalidPath", m)
}

pub(super) fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// Parses a PatchOp request body.
pub fn parse_request(body: Value) -> Result<Vec<PatchOp>, ScimError> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax("the PATCH body must be a JSON object"));
    };
    if let Some(schemas) = field(&obj, "schemas") {
        let ok = schemas
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s.as_str() == Some(PATCH_SCHEMA)));
        if !ok {
            return Err(ScimError::invalid_syntax(format!(
                "\"schemas\" must contain \"{PATCH_SCHEMA}\""
            )));
        }
    }
    let Some(Value::Array(ops)) = field(&obj, "Operations") else {
        return Err(ScimError::invalid_syntax(
            "\"Operations\" must be an array of operations",
        ));
    };
    if ops.is_empty() {
        return Err(ScimError::invalid_syntax("\"Operations\" is empty"));
    }
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let Value::Object(op) = op else {
                return Err(ScimError::invalid_syntax(format!("operation {i} is not an object")));
            };
            let kind = match field(op, "op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("add") => OpKind::Add,
                Some("remove") => OpKind::Remove,
                Some("replace") => OpKind::Replace,
                other => {
                    return Err(ScimError::invalid_syntax(format!(
                        "operation {i}: \"op\" must be add, remove or replace, not {other:?}"
                    )));
                }
            };
            let path = match field(op, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) if p.trim().is_empty() => None,
                Some(Value::String(p)) => Some(
                    filter::parse_path(p.trim())
                        .map_err(|e| invalid_path(format!("operation {i}: invalid path: {e}")))?,
                ),
                Some(_) => return Err(invalid_path(format!("operation {i}: \"path\" must be a string"))),
            };
            let value = field(op, "value").cloned();
            if kind != OpKind::Remove && value.is_none() {
                return Err(ScimError::invalid_value(format!(
                    "operation {i}: \"value\" is required"
                )));
            }
            Ok(PatchOp { op: kind, path, value })
        })
        .collect()
}

/// The new clear-text password set by these operations, if any (to hash before writing).
pub fn password_in(ops: &[PatchOp]) -> Option<String> {
    let mut found = None;
    for op in ops.iter().filter(|o| o.op != OpKind::Remove) {
        let v = match (&op.path, &op.value) {
            (Some(p), Some(v)) if p.attr.name.eq_ignore_ascii_case("password") && p.filter.is_none() => Some(v),
            (None, Some(Value::Object(m))) => field(m, "password"),
            _ => None,
        };
        if let Some(Value::String(s)) = v {
            found = Some(s.clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_password_is_found_in_either_form() {
        let ops = parse_request(json!({"Operations": [{"op": "replace", "path": "password", "value": "a"}]})).unwrap();
        assert_eq!(password_in(&ops).as_deref(), Some("a"));
        let ops = parse_request(json!({"Operations": [{"op": "replace", "value": {"PASSWORD": "b"}}]})).unwrap();
        assert_eq!(password_in(&ops).as_deref(), Some("b"));
        let ops = parse_request(json!({"Operations": [{"op": "remove", "path": "password"}]})).unwrap();
        assert_eq!(password_in(&ops), None);
    }
}
