//! Inbound resources: validate a client's JSON against the schema registry and turn it
//! into the stored document. One pass serves POST, PUT and the result of a PATCH.
//!
//! - attribute names are matched case-insensitively and stored in their canonical case;
//! - readOnly attributes (`id`, `meta`, `groups`, …) are ignored; `password` is taken out;
//! - values are coerced the way real clients need: `"False"` → `false`, a single object where
//!   an array is expected (OneLogin `emails`) → a one-element array, numbers for strings → text;
//! - at most one element of a multi-valued attribute keeps `primary: true`;
//! - `null`, empty strings, and empty arrays/objects mean "no value" (Entra clears an
//!   attribute with `""`);
//! - a string where a complex value with a `value` sub-attribute belongs is that `value`
//!   (Entra's enterprise `manager` as a bare id).
use serde_json::{Map, Value};

use super::{
    error::ScimError,
    resource::{self, Resource},
    schema::{AttrType, Attribute, Mutability, Schema},
};

/// A normalized resource document plus what does not belong in it.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Canonical attributes, including `externalId` and extension objects keyed by URN.
    pub doc: Map<String, Value>,
    /// Clear-text password, to be hashed (never stored in `doc`).
    pub password: Option<String>,
    /// `members[].value` of a Group, when `members` was given.
    pub members: Option<Vec<String>>,
}

/// Normalizes `input` as a resource of type `r`.
/// `require_schemas`: the request must carry a `schemas` array naming the core schema.
pub fn normalize(input: Value, r: Resource, require_schemas: bool) -> Result<Ingested, ScimError> {
    let (core, extensions) = (r.core(), r.extensions());
    let Value::Object(obj) = input else {
        return Err(ScimError::invalid_syntax("the request body must be a JSON object"));
    };
    if require_schemas {
        check_schemas(&obj, core)?;
    }
    let mut out = Ingested::default();
    for (key, value) in obj {
        // `urn:…:core:2.0:User:externalId`: a common attribute named with the core URN.
        let key = match split_urn(&key, core, &[]) {
            Some((_, rest)) if resource::common(rest).is_some() => rest.to_owned(),
            _ => key,
        };
        if key.eq_ignore_ascii_case("schemas") || key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("meta") {
            continue;
        }
        if key.eq_ignore_ascii_case("externalId") {
            match value {
                Value::Null => {}
                Value::String(s) if s.is_empty() => {}
                Value::String(s) => {
                    out.doc.insert("externalId".into(), Value::String(s));
                }
                _ => return Err(ScimError::invalid_value("\"externalId\" must be a string")),
            }
            continue;
        }
        let Ingested { doc, password, members } = &mut out;
        let mut slots = Slots { password, members };
        if let Some(ext) = extensions.iter().find(|e| e.id.eq_ignore_ascii_case(&key)) {
            let Value::Object(attrs) = value else {
                if value.is_null() {
                    continue;
                }
                return Err(ScimError::invalid_value(format!("\"{}\" must be an object", ext.id)));
            };
            for (k, v) in attrs {
                put_attr(ext, &k, v, ext_doc(doc, ext.id), &mut slots, ext.id)?;
            }
        } else if let Some((schema, rest)) = split_urn(&key, core, extensions) {
            // `urn:…:enterprise:2.0:User:employeeNumber` or `urn:…:core:2.0:User:userName` as a flat key.
            if schema.id == core.id {
                put_attr(core, rest, value, doc, &mut slots, "")?;
            } else {
                put_attr(schema, rest, value, ext_doc(doc, schema.id), &mut slots, schema.id)?;
            }
        } else {
            put_attr(core, &key, value, doc, &mut slots, "")?;
        }
    }
    out.doc.retain(|_, v| !matches!(v, Value::Object(m) if m.is_empty()));
    Ok(out)
}

fn check_schemas(obj: &Map<String, Value>, core: &Schema) -> Result<(), ScimError> {
    let found = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .map(|(_, v)| v);
    let ok = match found {
        Some(Value::Array(list)) => list
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(core.id))),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "\"schemas\" must be an array that includes \"{}\"",
            core.id
        )))
    }
}

/// Splits `urn:…:Schema:attr.sub` into the schema and `attr.sub`.
fn split_urn<'k>(
    key: &'k str,
    core: &'static Schema,
    extensions: &[&'static Schema],
) -> Option<(&'static Schema, &'k str)> {
    std::iter::once(core).chain(extensions.iter().copied()).find_map(|s| {
        let head = key.get(..s.id.len())?;
        let rest = key.get(s.id.len()..)?.strip_prefix(':')?;
        head.eq_ignore_ascii_case(s.id).then_some((s, rest))
    })
}

/// The object holding an extension's attributes, created on first use.
fn ext_doc<'d>(doc: &'d mut Map<String, Value>, id: &str) -> &'d mut Map<String, Value> {
    let entry = doc.entry(id.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("just made an object")
}

/// Where the attributes that are not stored in the document go.
struct Slots<'a> {
    password: &'a mut Option<String>,
    members: &'a mut Option<Vec<String>>,
}

/// Puts one top-level attribute (`name` may be `name.sub`) of `schema` into `doc`.
fn put_attr(
    schema: &'static Schema,
    name: &str,
    value: Value,
    doc: &mut Map<String, Value>,
    slots: &mut Slots,
    prefix: &str,
) -> Result<(), ScimError> {
    let (top, sub) = match name.split_once('.') {
        Some((t, s)) => (t, Some(s)),
        None => (name, None),
    };
    let Some(attr) = schema.attr(top) else {
        tracing::debug!(attribute = name, "ignoring unknown attribute");
        return Ok(());
    };
    let path = if prefix.is_empty() {
        attr.name.to_owned()
    } else {
        format!("{prefix}:{}", attr.name)
    };
    match attr.mutability {
        Mutability::ReadOnly => return Ok(()),
        Mutability::WriteOnly => {
            match value {
                // An empty password would be a working credential: refused, never stored.
                Value::String(s) if s.is_empty() => {
                    return Err(ScimError::invalid_value(format!("\"{path}\" must not be empty")));
                }
                Value::String(s) => *slots.password = Some(s),
                Value::Null => {}
                _ => return Err(ScimError::invalid_value(format!("\"{path}\" must be a string"))),
            }
            return Ok(());
        }
        _ => {}
    }
    if schema.id == Resource::Group.core_urn() && attr.name == "members" {
        *slots.members = Some(member_values(value)?);
        return Ok(());
    }
    if let Some(sub) = sub {
        // `name.givenName` as a key: set one sub-attribute of a single-valued complex attribute.
        let Some(sub_attr) = attr.sub(sub).filter(|_| !attr.multi_valued) else {
            return Ok(());
        };
        let entry = doc
            .entry(attr.name.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            match scalar(sub_attr, value, &format!("{path}.{}", sub_attr.name))? {
                Some(v) => m.insert(sub_attr.name.to_owned(), v),
                None => m.remove(sub_attr.name),
            };
            if m.is_empty() {
                doc.remove(attr.name);
            }
        }
        return Ok(());
    }
    match attribute_value(attr, value, &path)? {
        Some(v) => doc.insert(attr.name.to_owned(), v),
        None => doc.remove(attr.name),
    };
    Ok(())
}

/// Normalizes the whole value of an attribute; `None` means "no value".
pub fn attribute_value(attr: &'static Attribute, value: Value, path: &str) -> Result<Option<Value>, ScimError> {
    if !attr.multi_valued {
        return single(attr, value, path);
    }
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = single(attr, item, path)? {
            out.push(v);
        }
    }
    // RFC 7643 §2.4: the primary attribute value "true" MUST appear no more than once.
    let mut seen_primary = false;
    for item in out.iter_mut() {
        if let Some(p) = item.get_mut("primary")
            && p == &Value::Bool(true)
        {
            if seen_primary {
                *p = Value::Bool(false);
            }
            seen_primary = true;
        }
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

fn single(attr: &'static Attribute, value: Value, path: &str) -> Result<Option<Value>, ScimError> {
    if attr.ty != AttrType::Complex {
        return scalar(attr, value, path);
    }
    let obj = match value {
        Value::Null => return Ok(None),
        Value::Object(obj) => obj,
        // Entra sends the enterprise `manager` as a bare id (and `""` to clear it): a string
        // where a complex value with a `value` sub-attribute belongs is that `value`.
        Value::String(s) if attr.sub("value").is_some() => Map::from_iter([("value".to_owned(), Value::String(s))]),
        _ => return Err(ScimError::invalid_value(format!("\"{path}\" must be an object"))),
    };
    let mut out = Map::new();
    let mut cleared_value = false;
    for (k, v) in obj {
        let Some(sub) = attr.sub(&k) else { continue };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        match scalar(sub, v, &format!("{path}.{}", sub.name))? {
            Some(v) => {
                out.insert(sub.name.to_owned(), v);
            }
            None => cleared_value |= sub.name == "value",
        }
    }
    // An element of `emails`, `phoneNumbers`, … whose `value` was cleared (`""` or `null`) is
    // gone, not left as `{"type": "work"}`. (An element that never had a value, like the role
    // Entra builds with `roles[primary eq "True"].display`, stays.)
    if attr.multi_valued && cleared_value {
        return Ok(None);
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// A non-complex value, coerced to the attribute's type.
pub fn scalar(attr: &Attribute, value: Value, path: &str) -> Result<Option<Value>, ScimError> {
    let bad = |what: &str| ScimError::invalid_value(format!("\"{path}\" must be {what}"));
    Ok(Some(match (attr.ty, value) {
        (_, Value::Null) => return Ok(None),
        (AttrType::Boolean, Value::Bool(b)) => Value::Bool(b),
        (AttrType::Boolean, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("a boolean")),
        },
        (AttrType::Boolean, _) => return Err(bad("a boolean")),
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Value::Number(n),
        (AttrType::Integer, Value::String(s)) => Value::from(s.trim().parse::<i64>().map_err(|_| bad("an integer"))?),
        (AttrType::Integer, _) => return Err(bad("an integer")),
        (AttrType::Decimal, Value::Number(n)) => Value::Number(n),
        (AttrType::Decimal, Value::String(s)) => {
            let f = s.trim().parse::<f64>().map_err(|_| bad("a number"))?;
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| bad("a number"))?
        }
        (AttrType::Decimal, _) => return Err(bad("a number")),
        (AttrType::DateTime, Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(&s).map_err(|_| bad("an RFC 3339 date-time"))?;
            Value::String(s)
        }
        (AttrType::DateTime, _) => return Err(bad("an RFC 3339 date-time")),
        (AttrType::Complex, _) => return Err(bad("an object")),
        // Entra clears an attribute by sending `""` ("null update"): no value, like `null`.
        (_, Value::String(s)) if s.is_empty() => return Ok(None),
        (_, Value::String(s)) => Value::String(s),
        (_, Value::Number(n)) => Value::String(n.to_string()),
        (_, _) => return Err(bad("a string")),
    }))
}

/// `members` of a Group: the `value` of each element (ids are checked by the store).
fn member_values(value: Value) -> Result<Vec<String>, ScimError> {
    let items = match value {
        Value::Null => return Ok(vec![]),
        Value::Array(items) => items,
        other => vec![other],
    };
    items
        .into_iter()
        .map(|m| match m.get("value") {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(ScimError::invalid_value(
                "each element of \"members\" needs a string \"value\"",
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user(v: Value) -> Result<Map<String, Value>, ScimError> {
        normalize(v, Resource::User, false).map(|i| i.doc)
    }

    #[test]
    fn client_values_are_coerced_to_the_schema() {
        let cases: Vec<(Value, String, Value)> = vec![
            (json!({"active": "False"}), "/active".to_owned(), json!(false)),
            (json!({"ACTIVE": " true "}), "/active".to_owned(), json!(true)),
            (
                json!({"emails": {"value": "a@x"}}),
                "/emails/0/value".to_owned(),
                json!("a@x"),
            ),
            (
                json!({"roles": [{"value": "r", "primary": "True"}]}),
                "/roles/0/primary".to_owned(),
                json!(true),
            ),
            (json!({"nickName": 42}), "/nickName".to_owned(), json!("42")),
            (json!({"nickName": ""}), "/nickName".to_owned(), Value::Null),
            (
                json!({"name": {"givenName": "", "familyName": "F"}}),
                "/name".to_owned(),
                json!({"familyName": "F"}),
            ),
            (json!({"name.givenName": "G"}), "/name/givenName".to_owned(), json!("G")),
            (json!({"externalId": ""}), "/externalId".to_owned(), Value::Null),
            (json!({"externalId": "e"}), "/externalId".to_owned(), json!("e")),
            (
                json!({ENT: {"manager": "m-1"}}),
                format!("/{ENT}/manager/value"),
                json!("m-1"),
            ),
            (json!({ENT: {"manager": ""}}), format!("/{ENT}"), Value::Null),
            (
                json!({ENT: {"manager": {"value": "m-2"}}}),
                format!("/{ENT}/manager/value"),
                json!("m-2"),
            ),
            (
                json!({format!("{ENT}:department"): "D"}),
                format!("/{ENT}/department"),
                json!("D"),
            ),
            (
                json!({"emails": ["a@x", "b@x"]}),
                "/emails/1/value".to_owned(),
                json!("b@x"),
            ),
            (
                json!({"emails": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}),
                "/emails/1/primary".to_owned(),
                json!(false),
            ),
            (
                json!({"groups": [{"value": "g"}], "id": "x", "meta": {}}),
                "/groups".to_owned(),
                Value::Null,
            ),
            (json!({"password": "secret"}), "/password".to_owned(), Value::Null),
            (json!({"unknownThing": 1}), "/unknownThing".to_owned(), Value::Null),
            (json!({"emails": []}), "/emails".to_owned(), Value::Null),
            (
                json!({"emails": [{"value": "", "type": "work"}]}),
                "/emails".to_owned(),
                Value::Null,
            ),
            (
                json!({"emails": [{"type": "work", "value": null}, {"value": "b@x"}]}),
                "/emails".to_owned(),
                json!([{"value": "b@x"}]),
            ),
            (
                json!({"roles": [{"display": "no value yet", "primary": "True"}]}),
                "/roles/0/display".to_owned(),
                json!("no value yet"),
            ),
            (
                json!({"urn:ietf:params:scim:schemas:core:2.0:User:externalId": "flat"}),
                "/externalId".to_owned(),
                json!("flat"),
            ),
        ];
        for (input, pointer, want) in cases {
            let doc = Value::Object(user(input.clone()).unwrap_or_else(|e| panic!("{input}: {e}")));
            assert_eq!(doc.pointer(&pointer).cloned().unwrap_or(Value::Null), want, "{input}");
        }
    }

    #[test]
    fn values_of_the_wrong_type_are_invalid_value() {
        for input in [
            json!({"active": "yes"}),
            json!({"active": 1}),
            json!({"name": "Babs"}),
            json!({"name": ["x"]}),
            json!({"emails": [7]}),
            json!({"externalId": 7}),
            json!({ENT: "not an object"}),
            json!({ENT: {"manager": 7}}),
            json!({"password": 7}),
            json!({"password": ""}),
            json!({"meta": {}, "x509Certificates": [{"value": {"nested": 1}}]}),
        ] {
            let err = user(input.clone()).expect_err(&input.to_string());
            assert_eq!(err.scim_type, Some("invalidValue"), "{input}: {}", err.detail);
        }
        assert!(normalize(json!("text"), Resource::User, false).is_err());
        assert!(normalize(json!({"userName": "u"}), Resource::User, true).is_err());
    }

    #[test]
    fn the_password_and_members_leave_the_document() {
        let ing = normalize(json!({"password": "p", "userName": "u"}), Resource::User, false).unwrap();
        assert_eq!(ing.password.as_deref(), Some("p"));
        assert!(!ing.doc.contains_key("password"));
        let ing = normalize(
            json!({"displayName": "g", "members": [{"value": "a"}, {"value": "b"}]}),
            Resource::Group,
            false,
        )
        .unwrap();
        assert_eq!(ing.members, Some(vec!["a".to_owned(), "b".to_owned()]));
        assert!(!ing.doc.contains_key("members"));
        assert!(normalize(json!({"members": [{"display": "x"}]}), Resource::Group, false).is_err());
    }
}
