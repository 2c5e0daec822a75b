//! Applies PATCH operations to one resource document in memory. The result is validated
//! again by `ingest`, so every operation of a request applies or none does. `Group.members`
//! is never in the document: member operations are collected for the store (`members`).
use serde_json::{Map, Value};

use super::{OpKind, PatchOp, invalid_path};
use crate::{
    scim::{
        error::ScimError,
        filter::{self, AttrPath, CompValue, CompareOp, Filter, PatchPath},
        resource::{self, Resource},
        schema::{AttrType, Attribute, Mutability, Schema},
    },
    store::groups::MemberOp,
};

/// What a path names.
enum Target {
    /// An attribute of the core schema (or a common attribute), or of an extension (stored
    /// under the extension's URN).
    Attr {
        ext: Option<&'static str>,
        attr: &'static Attribute,
    },
    /// A whole extension object: `urn:…:enterprise:2.0:User`.
    Extension(&'static Schema),
    /// An attribute of a schema this server does not know: ignored, as on POST.
    Unknown,
}

pub(super) struct Ctx {
    resource: Resource,
    pub(super) members: Vec<MemberOp>,
}

/// Applies `ops` in order to `doc`, a resource of type `resource`; returns the member
/// operations (Groups only).
pub fn apply(doc: &mut Map<String, Value>, ops: &[PatchOp], resource: Resource) -> Result<Vec<MemberOp>, ScimError> {
    let mut ctx = Ctx {
        resource,
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

impl Ctx {
    fn resolve(&self, p: &AttrPath) -> Result<Target, ScimError> {
        let core = self.resource.core();
        let (schema, ext) = match &p.uri {
            None => (core, None),
            Some(u) if u.eq_ignore_ascii_case(core.id) => (core, None),
            Some(u) => match self.resource.extension(u) {
                Some(s) => (s, Some(s.id)),
                None => {
                    // The parser splits a bare URN at its last colon: `…:2.0` + `User`.
                    let whole = format!("{u}:{}", p.name);
                    if p.sub.is_none() && whole.eq_ignore_ascii_case(core.id) {
                        return Err(invalid_path(format!(
                            "{whole} names the whole resource; change its attributes with a path-less operation"
                        )));
                    }
                    return Ok(match self.resource.extension(&whole) {
                        Some(s) if p.sub.is_none() => Target::Extension(s),
                        _ => Target::Unknown,
                    });
                }
            },
        };
        // RFC 7643 §3.1: `id`, `externalId` and `meta` belong to every resource, not to a schema.
        let attr = schema
            .attr(&p.name)
            .or_else(|| ext.is_none().then(|| resource::common(&p.name)).flatten())
            .ok_or_else(|| invalid_path(format!("\"{}\" is not an attribute of {}", p.name, schema.id)))?;
        Ok(Target::Attr { ext, attr })
    }

    /// `add`/`replace` without a path: every key of the value object is a target.
    fn pathless(&mut self, doc: &mut Map<String, Value>, kind: OpKind, value: Value) -> Result<(), ScimError> {
        let Value::Object(obj) = value else {
            return Err(ScimError::invalid_value(
                "without a \"path\", \"value\" must be an object",
            ));
        };
        for (k, v) in obj {
            if k.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(ext) = self.resource.extension(&k) {
                self.extension(doc, kind, ext, v)?;
                continue;
            }
            let path = filter::parse_path(&k).map_err(|e| invalid_path(format!("invalid attribute {k:?}: {e}")))?;
            self.pathed_lenient(doc, kind, &path, v)?;
        }
        Ok(())
    }

    /// `add`/`replace` of a whole extension object: each of its attributes is a target.
    fn extension(
        &mut self,
        doc: &mut Map<String, Value>,
        kind: OpKind,
        ext: &'static Schema,
        value: Value,
    ) -> Result<(), ScimError> {
        let attrs = match value {
            Value::Object(attrs) => attrs,
            // `null` is "no value" (RFC 7643 §2.5): the extension goes.
            Value::Null => {
                remove_key(doc, ext.id);
                return Ok(());
            }
            _ => return Err(ScimError::invalid_value(format!("\"{}\" must be an object", ext.id))),
        };
        // RFC 7644 §3.5.2.3: attributes not given are left unchanged, for `replace` too.
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
        if let Target::Attr { attr, .. } = self.resolve(&path.attr)?
            && attr.mutability == Mutability::ReadOnly
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
        let (ext, attr) = match self.resolve(&path.attr)? {
            Target::Attr { ext, attr } => (ext, attr),
            Target::Unknown => return Ok(()),
            Target::Extension(s) if path.filter.is_some() => {
                return Err(invalid_path(format!("\"{}\" cannot take a filter", s.id)));
            }
            Target::Extension(s) => {
                return match kind {
                    OpKind::Remove => {
                        remove_key(doc, s.id);
                        Ok(())
                    }
                    _ => self.extension(doc, kind, s, value.unwrap_or(Value::Null)),
                };
            }
        };
        if attr.mutability == Mutability::ReadOnly {
            return Err(ScimError::bad_request(
                "mutability",
                format!("\"{}\" is read-only", attr.name),
            ));
        }
        if self.resource == Resource::Group && attr.name == "members" && ext.is_none() {
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
}

/// Removes `name` from `obj`, matching its case-insensitively.
fn remove_key(obj: &mut Map<String, Value>, name: &str) {
    if let Some(k) = key_of(obj, name) {
        obj.remove(&k);
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
        // A whole element is replaced by an object, never by a bare value (which would lose
        // the element's `type` and `primary`).
        if sub.is_none() && attr.ty == AttrType::Complex && !value.is_object() {
            return Err(ScimError::invalid_value(format!(
                "an element of \"{}\" must be replaced by an object",
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

    use uuid::Uuid;

    use super::*;
    use crate::scim::patch::{PATCH_SCHEMA, parse_request};

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
        apply(&mut doc, &ops, Resource::User)?;
        Ok(doc)
    }

    fn run_group(ops: Value) -> Result<Vec<MemberOp>, ScimError> {
        let mut doc = json!({"displayName": "g"}).as_object().unwrap().clone();
        let ops = parse_request(json!({"Operations": ops}))?;
        apply(&mut doc, &ops, Resource::Group)
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
            // RFC 7643 §3.1: `externalId` is a common attribute, writable in every form.
            (
                json!([{"op": "replace", "path": "externalId", "value": "x1"}]),
                "/externalId".to_string(),
                json!("x1"),
            ),
            (
                json!([{"op": "Replace", "value": {"externalId": "x2"}}]),
                "/externalId".to_string(),
                json!("x2"),
            ),
            (
                json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:externalId", "value": "x3"}]),
                "/externalId".to_string(),
                json!("x3"),
            ),
            (
                json!([{"op": "add", "path": "externalId", "value": "x4"}, {"op": "remove", "path": "EXTERNALID"}]),
                "/externalId".to_string(),
                Value::Null,
            ),
            // A whole extension by its URN.
            (
                json!([{"op": "add", "path": ENT, "value": {"department": "D", "costCenter": "C"}}]),
                format!("/{ENT}/costCenter"),
                json!("C"),
            ),
            (
                json!([{"op": "add", "value": {ENT: {"department": "D"}}}, {"op": "remove", "path": ENT}]),
                format!("/{ENT}"),
                Value::Null,
            ),
            (
                json!([
                    {"op": "add", "value": {ENT: {"department": "D", "division": "V"}}},
                    {"op": "replace", "path": ENT, "value": {"department": "E"}},
                ]),
                format!("/{ENT}/division"),
                json!("V"),
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
            (json!([{"op": "replace", "path": "id", "value": "x"}]), "mutability"),
            (json!([{"op": "replace", "path": "meta", "value": {}}]), "mutability"),
            (json!([{"op": "remove", "path": "meta.version"}]), "mutability"),
            (
                json!([{"op": "add", "path": format!("{ENT}[department eq \"x\"]"), "value": {}}]),
                "invalidPath",
            ),
            (
                json!([{"op": "add", "path": ENT, "value": "not an object"}]),
                "invalidValue",
            ),
            (
                json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User", "value": {}}]),
                "invalidPath",
            ),
            (
                json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": "x@y"}]),
                "invalidValue",
            ),
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
                vec![MemberOp::Replace(vec![a])],
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
            (json!([{"op": "remove", "path": "members.display"}]), "invalidPath"),
            (
                json!([{"op": "remove", "path": format!("members[value eq \"{A}\"].display")}]),
                "invalidPath",
            ),
        ];
        for (ops, scim_type) in cases {
            let err = run_group(ops.clone()).expect_err(&ops.to_string());
            assert_eq!(err.scim_type, Some(scim_type), "{ops}: {}", err.detail);
        }
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
