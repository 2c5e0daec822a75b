//! PATCH (RFC 7644 §3.5.2): apply operations to a resource document.
//!
//! Operations edit the JSON document in memory (one resource, never a list); the result is
//! validated again by `ingest`, so every op of a request applies or none does. `Group.members`
//! is never in the document: member operations come back as `MemberOp`s for the store, which
//! turns them into row inserts/deletes.
//!
//! Tolerated client quirks: op names in any case (`"Add"`), booleans as strings (coerced by
//! `ingest`), path-less `replace`/`add` whose value has dotted (`name.givenName`) or URN keys,
//! `add`/`replace` on a filtered path with no matching element (creates it, as Entra expects),
//! and member removal with the members in `value` instead of a path filter.
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    error::ScimError,
    filter::{self, AttrPath, CompValue, CompareOp, Filter, PatchPath},
    schema::{AttrType, Attribute, Mutability, Schema},
};
use crate::store::groups::MemberOp;

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

fn invalid_path(m: impl Into<String>) -> ScimError {
    ScimError::bad_request("invalidPath", m)
}

fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
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

/// Where an attribute lives: the core schema, or an extension (stored under its URN).
struct Resolved {
    ext: Option<&'static str>,
    attr: &'static Attribute,
}

struct Ctx<'a> {
    core: &'static Schema,
    exts: &'a [&'static Schema],
    members: Vec<MemberOp>,
}

/// Applies `ops` in order to `doc`; returns the member operations (Groups only).
pub fn apply(
    doc: &mut Map<String, Value>,
    ops: &[PatchOp],
    core: &'static Schema,
    exts: &[&'static Schema],
) -> Result<Vec<MemberOp>, ScimError> {
    let mut ctx = Ctx {
        core,
        exts,
        members: vec![],
    };
    for op in ops {
        match (&op.path, op.op) {
            (Some(path), kind) => ctx.pathed(doc, kind, path, op.value.clone())?,
            (None, OpKind::Remove) => {
                return Err(ScimError::bad_request("noTarget", "\"remove\" needs a \"path\""));
            }
            (None, kind) => ctx.pathless(doc, kind, op.value.clone().unwrap_or(Value::Null))?,
        }
    }
    Ok(ctx.members)
}

impl Ctx<'_> {
    /// `None` for attributes of schemas this server does not know (ignored, like on POST).
    fn resolve(&self, p: &AttrPath) -> Result<Option<Resolved>, ScimError> {
        let (schema, ext) = match &p.uri {
            None => (self.core, None),
            Some(u) if u.eq_ignore_ascii_case(self.core.id) => (self.core, None),
            Some(u) => match self.exts.iter().find(|s| s.id.eq_ignore_ascii_case(u)) {
                Some(s) => (*s, Some(s.id)),
                None => return Ok(None),
            },
        };
        let attr = schema
            .attr(&p.name)
            .ok_or_else(|| invalid_path(format!("\"{}\" is not an attribute of {}", p.name, schema.id)))?;
        Ok(Some(Resolved { ext, attr }))
    }

    /// `add`/`replace` without a path: every key of the value object is a target.
    fn pathless(&mut self, doc: &mut Map<String, Value>, kind: OpKind, value: Value) -> Result<(), ScimError> {
        let Value::Object(obj) = value else {
            return Err(ScimError::invalid_value(
                "without a \"path\", \"value\" must be an object",
            ));
        };
        for (k, v) in obj {
            if ["schemas", "id", "meta"].iter().any(|r| k.eq_ignore_ascii_case(r)) {
                continue;
            }
            // A whole extension object: each of its attributes is a target.
            if let Some(ext) = self.exts.iter().find(|s| s.id.eq_ignore_ascii_case(&k)) {
                let Value::Object(attrs) = v else {
                    return Err(ScimError::invalid_value(format!("\"{}\" must be an object", ext.id)));
                };
                for (ak, av) in attrs {
                    let path = PatchPath {
                        attr: AttrPath {
                            uri: Some(ext.id.to_owned()),
                            name: ak,
                            sub: None,
                        },
                        filter: None,
                        sub: None,
                    };
                    self.pathed_lenient(doc, kind, &path, av)?;
                }
                continue;
            }
            let path = filter::parse_path(&k).map_err(|e| invalid_path(format!("invalid attribute {k:?}: {e}")))?;
            self.pathed_lenient(doc, kind, &path, v)?;
        }
        Ok(())
    }

    /// A target named inside a path-less value: readOnly attributes are skipped, not errors
    /// (Okta sends `id` in its group rename).
    fn pathed_lenient(
        &mut self,
        doc: &mut Map<String, Value>,
        kind: OpKind,
        path: &PatchPath,
        value: Value,
    ) -> Result<(), ScimError> {
        if let Some(r) = self.resolve(&path.attr)?
            && r.attr.mutability == Mutability::ReadOnly
        {
            return Ok(());
        }
        self.pathed(doc, kind, path, Some(value))
    }

    fn pathed(
        &mut self,
        doc: &mut Map<String, Value>,
        kind: OpKind,
        path: &PatchPath,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let Some(Resolved { ext, attr }) = self.resolve(&path.attr)? else {
            return Ok(());
        };
        if attr.mutability == Mutability::ReadOnly {
            return Err(ScimError::bad_request(
                "mutability",
                format!("\"{}\" is read-only", attr.name),
            ));
        }
        if self.core.id == super::schema::GROUP_SCHEMA && attr.name == "members" && ext.is_none() {
            return self.members(kind, path, value);
        }
        let container = match ext {
            None => doc,
            Some(id) => {
                let e = doc.entry(id.to_owned()).or_insert_with(|| Value::Object(Map::new()));
                if !e.is_object() {
                    *e = Value::Object(Map::new());
                }
                e.as_object_mut().expect("object")
            }
        };
        // `name.givenName` (sub in the attribute path) and `emails[…].value` (sub after the filter).
        let sub = path.attr.sub.as_deref().or(path.sub.as_deref());
        if let Some(s) = sub
            && attr.sub(s).is_none()
        {
            return Err(invalid_path(format!(
                "\"{s}\" is not a sub-attribute of \"{}\"",
                attr.name
            )));
        }
        let sub = sub.and_then(|s| attr.sub(s)).map(|a| a.name);
        match kind {
            OpKind::Remove => remove(container, attr, path.filter.as_ref(), sub, value),
            _ => set(
                container,
                attr,
                kind,
                path.filter.as_ref(),
                sub,
                value.unwrap_or(Value::Null),
            ),
        }
    }

    fn members(&mut self, kind: OpKind, path: &PatchPath, value: Option<Value>) -> Result<(), ScimError> {
        let from_value = |v: Option<Value>| -> Result<Vec<Uuid>, ScimError> {
            let items = match v {
                None | Some(Value::Null) => vec![],
                Some(Value::Array(items)) => items,
                Some(other) => vec![other],
            };
            let values: Vec<String> = items
                .iter()
                .map(|m| match m.get("value") {
                    Some(Value::String(s)) => Ok(s.clone()),
                    _ => Err(ScimError::invalid_value("each member needs a string \"value\"")),
                })
                .collect::<Result<_, _>>()?;
            super::groups::member_ids(&values)
        };
        match (kind, &path.filter) {
            (OpKind::Add, None) => self.members.push(MemberOp::Add(from_value(value)?)),
            (OpKind::Replace, None) => {
                let ids = from_value(value)?;
                self.members.push(MemberOp::RemoveAll);
                self.members.push(MemberOp::Add(ids));
            }
            (OpKind::Remove, None) => match value {
                // Entra's legacy form: `{"op":"Remove","path":"members","value":[{"value":"id"}]}`.
                Some(v) if !v.is_null() => {
                    let ids = from_value(Some(v)).unwrap_or_default();
                    self.members.push(MemberOp::Remove(ids));
                }
                _ => self.members.push(MemberOp::RemoveAll),
            },
            (OpKind::Remove, Some(f)) => {
                let mut ids = vec![];
                member_ids_in(f, &mut ids)?;
                self.members.push(MemberOp::Remove(ids));
            }
            (_, Some(_)) => {
                return Err(invalid_path("a member filter can only be used with \"remove\""));
            }
        }
        Ok(())
    }
}

/// Ids named by a member filter: `value eq "x"`, combined with `or`.
fn member_ids_in(f: &Filter, out: &mut Vec<Uuid>) -> Result<(), ScimError> {
    match f {
        Filter::Or(a, b) => {
            member_ids_in(a, out)?;
            member_ids_in(b, out)
        }
        Filter::Compare(p, CompareOp::Eq, CompValue::Str(v))
            if p.name.eq_ignore_ascii_case("value") && p.sub.is_none() =>
        {
            // An id that is not a UUID names no member: removing it is a no-op.
            if let Ok(id) = Uuid::parse_str(v.trim()) {
                out.push(id);
            }
            Ok(())
        }
        _ => Err(ScimError::bad_request(
            "invalidFilter",
            "member filters support `value eq \"id\"`, optionally combined with `or`",
        )),
    }
}

fn key_of(obj: &Map<String, Value>, name: &str) -> Option<String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Does element `item` of multi-valued `attr` match `f`?
fn matches(attr: &Attribute, f: &Filter, item: &Value) -> bool {
    let case_exact = |p: &AttrPath| {
        attr.sub(p.sub.as_deref().unwrap_or(&p.name))
            .is_some_and(|s| s.case_exact)
    };
    filter::eval::matches(f, item, &case_exact)
}

/// A new element built from a filter's `eq` comparisons (`type eq "work"` → `{"type":"work"}`).
fn element_from_filter(f: &Filter, out: &mut Map<String, Value>) {
    match f {
        Filter::And(a, b) => {
            element_from_filter(a, out);
            element_from_filter(b, out);
        }
        Filter::Compare(p, CompareOp::Eq, v) => {
            let v = match v {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::Num(n) => Value::Number(n.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Null => return,
            };
            out.insert(p.name.clone(), v);
        }
        _ => {}
    }
}

fn as_items(v: Value) -> Vec<Value> {
    match v {
        Value::Null => vec![],
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// `add` / `replace`.
fn set(
    container: &mut Map<String, Value>,
    attr: &'static Attribute,
    kind: OpKind,
    f: Option<&Filter>,
    sub: Option<&'static str>,
    value: Value,
) -> Result<(), ScimError> {
    let key = key_of(container, attr.name).unwrap_or_else(|| attr.name.to_owned());
    if let Some(f) = f {
        if !attr.multi_valued {
            return Err(invalid_path(format!(
                "\"{}\" is not multi-valued; it cannot take a filter",
                attr.name
            )));
        }
        let list = container.entry(key).or_insert_with(|| Value::Array(vec![]));
        if !list.is_array() {
            *list = Value::Array(vec![std::mem::take(list)]);
        }
        let items = list.as_array_mut().expect("array");
        let mut hit = false;
        for item in items.iter_mut().filter(|i| matches(attr, f, i)) {
            hit = true;
            match (sub, item.as_object_mut()) {
                (Some(s), Some(obj)) => {
                    let k = key_of(obj, s).unwrap_or_else(|| s.to_owned());
                    obj.insert(k, value.clone());
                }
                (None, Some(obj)) if kind == OpKind::Add => {
                    if let Value::Object(add) = &value {
                        obj.extend(add.clone());
                    }
                }
                (None, _) => *item = value.clone(),
                (Some(_), None) => {}
            }
        }
        if !hit {
            // Entra: `add`/`replace` of `emails[type eq "work"].value` when there is no work email.
            let mut new = Map::new();
            element_from_filter(f, &mut new);
            match (sub, value) {
                (Some(s), v) => {
                    new.insert(s.to_owned(), v);
                }
                (None, Value::Object(m)) => new.extend(m),
                (None, _) => return Err(ScimError::invalid_value("the value must be an object")),
            }
            items.push(Value::Object(new));
        }
        return Ok(());
    }
    if let Some(s) = sub {
        let target = container.entry(key).or_insert_with(|| Value::Object(Map::new()));
        match target {
            Value::Object(obj) => {
                let k = key_of(obj, s).unwrap_or_else(|| s.to_owned());
                obj.insert(k, value);
            }
            // `emails.value` without a filter: every element.
            Value::Array(items) => {
                for obj in items.iter_mut().filter_map(Value::as_object_mut) {
                    let k = key_of(obj, s).unwrap_or_else(|| s.to_owned());
                    obj.insert(k, value.clone());
                }
            }
            other => *other = Value::Object(Map::from_iter([(s.to_owned(), value)])),
        }
        return Ok(());
    }
    if attr.multi_valued {
        let new = as_items(value);
        if kind == OpKind::Replace {
            container.insert(key, Value::Array(new));
        } else {
            let list = container.entry(key).or_insert_with(|| Value::Array(vec![]));
            if !list.is_array() {
                *list = Value::Array(vec![std::mem::take(list)]);
            }
            let items = list.as_array_mut().expect("array");
            for v in new {
                if !items.contains(&v) {
                    items.push(v);
                }
            }
        }
    } else if attr.ty == AttrType::Complex {
        // RFC 7644 §3.5.2.1/3: sub-attributes not given are left unchanged.
        match (container.get_mut(&key), value) {
            (Some(Value::Object(cur)), Value::Object(new)) => {
                for (k, v) in new {
                    let k = key_of(cur, &k).unwrap_or(k);
                    cur.insert(k, v);
                }
            }
            (_, v) => {
                container.insert(key, v);
            }
        }
    } else {
        container.insert(key, value);
    }
    Ok(())
}

/// `remove`.
fn remove(
    container: &mut Map<String, Value>,
    attr: &'static Attribute,
    f: Option<&Filter>,
    sub: Option<&'static str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    if attr.required && f.is_none() && sub.is_none() {
        return Err(ScimError::bad_request(
            "mutability",
            format!("\"{}\" is required and cannot be removed", attr.name),
        ));
    }
    let Some(key) = key_of(container, attr.name) else {
        return Ok(()); // Nothing to remove.
    };
    match (f, sub, container.get_mut(&key)) {
        (Some(f), s, Some(Value::Array(items))) => {
            if let Some(s) = s {
                for obj in items
                    .iter_mut()
                    .filter(|i| matches(attr, f, i))
                    .filter_map(Value::as_object_mut)
                {
                    if let Some(k) = key_of(obj, s) {
                        obj.remove(&k);
                    }
                }
            } else {
                items.retain(|i| !matches(attr, f, i));
            }
        }
        (Some(_), _, _) => {}
        (None, Some(s), Some(Value::Object(obj))) => {
            if let Some(k) = key_of(obj, s) {
                obj.remove(&k);
            }
        }
        (None, Some(s), Some(Value::Array(items))) => {
            for obj in items.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(k) = key_of(obj, s) {
                    obj.remove(&k);
                }
            }
        }
        // `remove` of a multi-valued attribute with the elements to remove in `value`.
        (None, None, Some(Value::Array(items))) if value.as_ref().is_some_and(|v| !v.is_null()) => {
            let gone: Vec<Value> = as_items(value.unwrap_or(Value::Null));
            let same = |a: &Value, b: &Value| match (a.get("value"), b.get("value")) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            };
            items.retain(|i| !gone.iter().any(|g| same(i, g)));
        }
        _ => {
            container.remove(&key);
        }
    }
    let empty = match container.get(&key) {
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    };
    if empty {
        container.remove(&key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER, GROUP, USER};

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user() -> Map<String, Value> {
        json!({
            "userName": "bjensen", "active": true,
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@work.com", "type": "work", "primary": true}, {"value": "b@home.com", "type": "home"}]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn run_user(ops: Value) -> Result<Map<String, Value>, ScimError> {
        let mut doc = user();
        let ops = parse_request(json!({"schemas": [PATCH_SCHEMA], "Operations": ops}))?;
        apply(&mut doc, &ops, &USER, &[&ENTERPRISE_USER])?;
        Ok(doc)
    }

    fn run_group(ops: Value) -> Result<Vec<MemberOp>, ScimError> {
        let mut doc = json!({"displayName": "g"}).as_object().unwrap().clone();
        let ops = parse_request(json!({"Operations": ops}))?;
        apply(&mut doc, &ops, &GROUP, &[])
    }

    const A: &str = "2819c223-7f76-453a-919d-413861904646";
    const B: &str = "902c246b-6245-4190-8e05-00816be7344a";

    #[test]
    fn user_operations_edit_the_document() {
        let cases: Vec<(Value, String, Value)> = vec![
            (
                json!([{"op": "add", "path": "nickName", "value": "Babs"}]),
                "/nickName".to_string(),
                json!("Babs"),
            ),
            (
                json!([{"op": "Replace", "path": "name.givenName", "value": "B"}]),
                "/name".to_string(),
                json!({"givenName": "B", "familyName": "Jensen"}),
            ),
            (
                json!([{"op": "replace", "value": {"name": {"givenName": "B"}}}]),
                "/name".to_string(),
                json!({"givenName": "B", "familyName": "Jensen"}),
            ),
            (
                json!([{"op": "replace", "value": {"name.familyName": "J"}}]),
                "/name/familyName".to_string(),
                json!("J"),
            ),
            (
                json!([{"op": "remove", "path": "name.givenName"}]),
                "/name".to_string(),
                json!({"familyName": "Jensen"}),
            ),
            (
                json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
                "/emails".to_string(),
                json!([{"value": "b@work.com", "type": "work", "primary": true}]),
            ),
            (
                json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@work.com"}]),
                "/emails/0/value".to_string(),
                json!("new@work.com"),
            ),
            (
                json!([{"op": "add", "path": "emails[type eq \"other\"].value", "value": "o@x.com"}]),
                "/emails/2".to_string(),
                json!({"type": "other", "value": "o@x.com"}),
            ),
            (
                json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.com", "type": "home"}]}]),
                "/emails/1".to_string(),
                json!({"value": "b@home.com", "type": "home"}),
            ),
            (
                json!([{"op": "replace", "path": "emails", "value": {"value": "only@x.com"}}]),
                "/emails".to_string(),
                json!([{"value": "only@x.com"}]),
            ),
            (
                json!([{"op": "remove", "path": "emails", "value": [{"value": "b@home.com"}]}]),
                "/emails/1".to_string(),
                Value::Null,
            ),
            (
                json!([{"op": "add", "path": format!("{ENT}:employeeNumber"), "value": "42"}]),
                format!("/{ENT}/employeeNumber"),
                json!("42"),
            ),
            (
                json!([{"op": "add", "value": {ENT: {"department": "D"}}}]),
                format!("/{ENT}/department"),
                json!("D"),
            ),
            (
                json!([{"op": "add", "path": format!("{ENT}:manager.value"), "value": "m"}]),
                format!("/{ENT}/manager/value"),
                json!("m"),
            ),
            (
                json!([{"op": "replace", "path": "active", "value": "False"}]),
                "/active".to_string(),
                json!("False"),
            ),
            (
                json!([{"op": "replace", "value": {"id": "x", "meta": {}, "schemas": [], "nickName": "n"}}]),
                "/nickName".to_string(),
                json!("n"),
            ),
            (
                json!([{"op": "add", "path": "urn:example:unknown:2.0:User:x", "value": "ignored"}]),
                "/userName".to_string(),
                json!("bjensen"),
            ),
            (
                json!([{"op": "remove", "path": "emails[value eq \"nobody@x.com\"]"}]),
                "/emails/1/type".to_string(),
                json!("home"),
            ),
        ];
        for (ops, pointer, want) in cases {
            let doc = Value::Object(run_user(ops.clone()).unwrap_or_else(|e| panic!("{ops}: {e}")));
            assert_eq!(doc.pointer(&pointer).cloned().unwrap_or(Value::Null), want, "{ops}");
        }
    }

    #[test]
    fn invalid_user_operations_are_rejected_with_their_scim_type() {
        let cases: Vec<(Value, &str)> = vec![
            (
                json!([{"op": "copy", "path": "nickName", "value": "x"}]),
                "invalidSyntax",
            ),
            (json!([{"path": "nickName", "value": "x"}]), "invalidSyntax"),
            (json!([{"op": "add", "path": "nickName"}]), "invalidValue"),
            (json!([{"op": "add", "path": "noSuch", "value": "x"}]), "invalidPath"),
            (
                json!([{"op": "add", "path": "name.noSuch", "value": "x"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "add", "path": "emails[type eq", "value": "x"}]),
                "invalidPath",
            ),
            (json!([{"op": "add", "path": 7, "value": "x"}]), "invalidPath"),
            (
                json!([{"op": "add", "path": "nickName[value eq \"x\"]", "value": "x"}]),
                "invalidPath",
            ),
            (json!([{"op": "remove"}]), "noTarget"),
            (json!([{"op": "replace", "path": "groups", "value": []}]), "mutability"),
            (json!([{"op": "remove", "path": "userName"}]), "mutability"),
            (json!([{"op": "replace", "value": "not an object"}]), "invalidValue"),
            (json!(["not an object"]), "invalidSyntax"),
            (json!([]), "invalidSyntax"),
        ];
        for (ops, scim_type) in cases {
            let err = run_user(ops.clone()).expect_err(&ops.to_string());
            assert_eq!(err.scim_type, Some(scim_type), "{ops}: {}", err.detail);
        }
    }

    #[test]
    fn member_operations_become_member_ops() {
        let (a, b) = (Uuid::parse_str(A).unwrap(), Uuid::parse_str(B).unwrap());
        let cases: Vec<(Value, Vec<MemberOp>)> = vec![
            (
                json!([{"op": "add", "path": "members", "value": [{"value": A}, {"value": B}]}]),
                vec![MemberOp::Add(vec![a, b])],
            ),
            (
                json!([{"op": "Add", "path": "members", "value": {"value": A}}]),
                vec![MemberOp::Add(vec![a])],
            ),
            (
                json!([{"op": "add", "value": {"members": [{"value": A}]}}]),
                vec![MemberOp::Add(vec![a])],
            ),
            (
                json!([{"op": "remove", "path": format!("members[value eq \"{A}\"]")}]),
                vec![MemberOp::Remove(vec![a])],
            ),
            (
                json!([{"op": "remove", "path": format!("members[value eq \"{A}\" or value eq \"{B}\"]")}]),
                vec![MemberOp::Remove(vec![a, b])],
            ),
            (
                json!([{"op": "Remove", "path": "members", "value": [{"value": B}]}]),
                vec![MemberOp::Remove(vec![b])],
            ),
            (json!([{"op": "remove", "path": "members"}]), vec![MemberOp::RemoveAll]),
            (
                json!([{"op": "replace", "path": "members", "value": [{"value": A}]}]),
                vec![MemberOp::RemoveAll, MemberOp::Add(vec![a])],
            ),
            (
                json!([{"op": "remove", "path": "members[value eq \"not-a-uuid\"]"}]),
                vec![MemberOp::Remove(vec![])],
            ),
        ];
        for (ops, want) in cases {
            assert_eq!(
                run_group(ops.clone()).unwrap_or_else(|e| panic!("{ops}: {e}")),
                want,
                "{ops}"
            );
        }
    }

    #[test]
    fn invalid_member_operations_are_rejected() {
        let cases: Vec<(Value, &str)> = vec![
            (
                json!([{"op": "add", "path": "members", "value": [{"value": "not-a-uuid"}]}]),
                "invalidValue",
            ),
            (
                json!([{"op": "add", "path": "members", "value": [{"display": "no value"}]}]),
                "invalidValue",
            ),
            (
                json!([{"op": "remove", "path": "members[display eq \"x\"]"}]),
                "invalidFilter",
            ),
            (
                json!([{"op": "replace", "path": format!("members[value eq \"{A}\"]"), "value": {}}]),
                "invalidPath",
            ),
        ];
        for (ops, scim_type) in cases {
            let err = run_group(ops.clone()).expect_err(&ops.to_string());
            assert_eq!(err.scim_type, Some(scim_type), "{ops}: {}", err.detail);
        }
    }

    #[test]
    fn the_password_is_found_in_either_form() {
        let ops = parse_request(json!({"Operations": [{"op": "replace", "path": "password", "value": "a"}]})).unwrap();
        assert_eq!(password_in(&ops).as_deref(), Some("a"));
        let ops = parse_request(json!({"Operations": [{"op": "replace", "value": {"PASSWORD": "b"}}]})).unwrap();
        assert_eq!(password_in(&ops).as_deref(), Some("b"));
        let ops = parse_request(json!({"Operations": [{"op": "remove", "path": "password"}]})).unwrap();
        assert_eq!(password_in(&ops), None);
    }

    #[test]
    fn hostile_documents_do_not_panic() {
        let deep = (0..200).fold(json!("x"), |v, _| json!({"value": v}));
        for ops in [
            json!([{"op": "add", "path": "emails", "value": deep.clone()}]),
            json!([{"op": "add", "path": "name", "value": deep.clone()}]),
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": 7}]),
            json!([{"op": "add", "path": "emails[type eq \"x\"]", "value": "scalar"}]),
            json!([{"op": "add", "path": "name.givenName", "value": [1, 2, 3]}]),
            json!([{"op": "add", "path": "\u{0}", "value": 1}]),
            json!([{"op": "add", "path": "emails[value co \"\u{1F600}\"].type", "value": "x"}]),
        ] {
            let _ = run_user(ops);
        }
    }
}
