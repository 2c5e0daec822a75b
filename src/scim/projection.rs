//! `attributes` / `excludedAttributes` (RFC 7644 §3.9), applied to rendered resources.
//! `id` and `schemas` are always returned; names match case-insensitively.
use serde_json::{Map, Value};

use super::{error::ScimError, filter};

/// One requested attribute: optional schema URN, attribute, optional sub-attribute.
#[derive(Debug, Clone, PartialEq)]
struct Path {
    urn: Option<String>,
    name: String,
    sub: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Projection {
    only: Option<Vec<Path>>,
    excluded: Vec<Path>,
}

fn parse_list(s: &str, core_urn: &str) -> Result<Vec<Path>, ScimError> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| parse_path(p, core_urn))
        .collect()
}

/// One entry of `attributes`/`excludedAttributes`: an attribute path in the grammar filters
/// and PATCH use (one parser for all three), or a bare schema URN for a whole extension.
fn parse_path(p: &str, core_urn: &str) -> Result<Path, ScimError> {
    if super::schema::by_id(p).is_some() {
        return Ok(Path {
            urn: Some(p.to_owned()),
            name: String::new(),
            sub: None,
        });
    }
    let invalid = |why: String| ScimError::invalid_value(format!("invalid attribute name {p:?}: {why}"));
    let parsed = filter::parse_path(p).map_err(|e| invalid(e.to_string()))?;
    if parsed.filter.is_some() {
        return Err(invalid("a value filter cannot select attributes".into()));
    }
    let attr = parsed.attr;
    // The core schema's URN prefix names core attributes.
    let urn = attr.uri.filter(|u| !u.eq_ignore_ascii_case(core_urn));
    Ok(Path {
        urn,
        name: attr.name,
        sub: attr.sub,
    })
}

impl Projection {
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>, core_urn: &str) -> Result<Self, ScimError> {
        Ok(Projection {
            only: attributes
                .map(|a| parse_list(a, core_urn))
                .transpose()?
                .filter(|l| !l.is_empty()),
            excluded: excluded
                .map(|e| parse_list(e, core_urn))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// Will the top-level core attribute `name` be returned? Lets callers skip costly work
    /// (`members`, `groups`) that would be thrown away.
    pub fn wants(&self, name: &str) -> bool {
        let hit = |p: &Path| p.urn.is_none() && p.name.eq_ignore_ascii_case(name);
        if self.excluded.iter().any(|p| hit(p) && p.sub.is_none()) {
            return false;
        }
        self.only.as_ref().is_none_or(|only| only.iter().any(hit))
    }

    /// Will the top-level core attribute `name` be returned whole — none of its
    /// sub-attributes selected or excluded on their own?
    pub fn wants_whole(&self, name: &str) -> bool {
        let sub_of = |p: &Path| p.urn.is_none() && p.name.eq_ignore_ascii_case(name) && p.sub.is_some();
        self.wants(name)
            && !self.excluded.iter().any(sub_of)
            && self.only.as_ref().is_none_or(|only| !only.iter().any(sub_of))
    }

    pub fn apply(&self, v: Value) -> Value {
        let Value::Object(mut obj) = v else { return v };
        if let Some(only) = &self.only {
            let mut out = Map::new();
            for key in ["schemas", "id"] {
                if let Some(v) = obj.remove(key) {
                    out.insert(key.into(), v);
                }
            }
            for p in only {
                copy_path(&obj, &mut out, p);
            }
            obj = out;
        }
        for p in &self.excluded {
            remove_path(&mut obj, p);
        }
        Value::Object(obj)
    }
}

fn key_of(obj: &Map<String, Value>, name: &str) -> Option<String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// The object a path's `name` lives in (the resource, or an extension object).
fn container<'a>(obj: &'a Map<String, Value>, p: &Path) -> Option<&'a Map<String, Value>> {
    match &p.urn {
        None => Some(obj),
        Some(urn) => obj.get(&key_of(obj, urn)?)?.as_object(),
    }
}

fn copy_path(src: &Map<String, Value>, dst: &mut Map<String, Value>, p: &Path) {
    if p.name.is_empty() {
        // Whole extension object.
        if let Some(urn) = &p.urn
            && let Some(k) = key_of(src, urn)
        {
            dst.insert(k.clone(), src[&k].clone());
        }
        return;
    }
    let Some(from) = container(src, p) else { return };
    let Some(k) = key_of(from, &p.name) else { return };
    let value = match (&p.sub, &from[&k]) {
        (None, v) => v.clone(),
        (Some(sub), Value::Object(m)) => match key_of(m, sub) {
            Some(sk) => Value::Object(Map::from_iter([(sk.clone(), m[&sk].clone())])),
            None => return,
        },
        (Some(sub), Value::Array(items)) => Value::Array(
            items
                .iter()
                .filter_map(|it| {
                    let m = it.as_object()?;
                    let sk = key_of(m, sub)?;
                    Some(Value::Object(Map::from_iter([(sk.clone(), m[&sk].clone())])))
                })
                .collect(),
        ),
        (Some(_), _) => return,
    };
    let target = match &p.urn {
        None => dst,
        Some(urn) => {
            let urn_key = key_of(src, urn).unwrap_or_else(|| urn.clone());
            dst.entry(urn_key)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("object")
        }
    };
    match (target.get_mut(&k), value) {
        (Some(Value::Object(existing)), Value::Object(add)) => existing.extend(add),
        (_, value) => {
            target.insert(k, value);
        }
    }
}

fn remove_path(obj: &mut Map<String, Value>, p: &Path) {
    if matches!(p.name.to_ascii_lowercase().as_str(), "id" | "schemas") && p.urn.is_none() {
        return;
    }
    let target = match &p.urn {
        None => obj,
        Some(urn) => {
            let Some(k) = key_of(obj, urn) else { return };
            if p.name.is_empty() {
                obj.remove(&k);
                return;
            }
            match obj.get_mut(&k).and_then(Value::as_object_mut) {
                Some(m) => m,
                None => return,
            }
        }
    };
    let Some(k) = key_of(target, &p.name) else { return };
    match &p.sub {
        None => {
            target.remove(&k);
        }
        Some(sub) => match target.get_mut(&k) {
            Some(Value::Object(m)) => {
                if let Some(sk) = key_of(m, sub) {
                    m.remove(&sk);
                }
            }
            Some(Value::Array(items)) => {
                for it in items.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(sk) = key_of(it, sub) {
                        it.remove(&sk);
                    }
                }
            }
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user() -> Value {
        json!({
            "schemas": [CORE], "id": "1", "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@x.org", "type": "work"}, {"value": "b@y.org", "type": "home"}],
            ENT: {"employeeNumber": "42", "costCenter": "7"},
            "meta": {"version": "W/\"1\""}
        })
    }

    fn project(a: Option<&str>, e: Option<&str>) -> Value {
        Projection::parse(a, e, CORE).unwrap().apply(user())
    }

    #[test]
    fn attributes_keeps_only_those_plus_id_and_schemas() {
        assert_eq!(
            project(Some("userName"), None),
            json!({"schemas": [CORE], "id": "1", "userName": "bjensen"})
        );
    }

    #[test]
    fn attribute_names_are_case_insensitive_and_may_carry_the_core_urn() {
        let want = json!({"schemas": [CORE], "id": "1", "userName": "bjensen"});
        assert_eq!(project(Some("USERNAME"), None), want);
        assert_eq!(project(Some(&format!("{CORE}:userName")), None), want);
    }

    #[test]
    fn sub_attributes_select_inside_complex_and_multi_valued() {
        let v = project(Some("name.familyName,emails.value"), None);
        assert_eq!(v["name"], json!({"familyName": "Jensen"}));
        assert_eq!(v["emails"], json!([{"value": "b@x.org"}, {"value": "b@y.org"}]));
    }

    #[test]
    fn extension_attributes_by_urn() {
        let v = project(Some(&format!("{ENT}:employeeNumber")), None);
        assert_eq!(v[ENT], json!({"employeeNumber": "42"}));
        let v = project(Some(ENT), None);
        assert_eq!(v[ENT], json!({"employeeNumber": "42", "costCenter": "7"}));
        let v = project(None, Some(ENT));
        assert!(v.get(ENT).is_none());
    }

    #[test]
    fn excluded_attributes_never_remove_id_or_schemas() {
        let v = project(None, Some("id,schemas,emails,name.givenName"));
        assert_eq!(v["id"], "1");
        assert!(v.get("emails").is_none());
        assert_eq!(v["name"], json!({"familyName": "Jensen"}));
    }

    #[test]
    fn wants_reports_whether_costly_attributes_are_needed() {
        let p = Projection::parse(None, Some("members"), CORE).unwrap();
        assert!(!p.wants("members"));
        let p = Projection::parse(Some("displayName"), None, CORE).unwrap();
        assert!(!p.wants("members"));
        let p = Projection::parse(Some("members.value"), None, CORE).unwrap();
        assert!(p.wants("members"));
        assert!(Projection::default().wants("members"));
    }

    #[test]
    fn hostile_attribute_names_are_rejected() {
        assert!(Projection::parse(Some("user Name"), None, CORE).is_err());
        assert!(Projection::parse(Some("a;drop"), None, CORE).is_err());
        assert!(Projection::parse(Some("urn:"), None, CORE).is_err());
    }

    #[test]
    fn non_ascii_and_odd_attribute_names_are_errors_not_panics() {
        // "ab€" once panicked: a byte slice cut the euro sign in half.
        for bad in [
            "ab€",
            "€",
            "u€rn:x",
            "urn€",
            "urn:€",
            "日本",
            "emails[type eq \"work\"]",
            "name..x",
            ".",
            "a.",
            "urn:x:",
            "\u{0}",
            "a b",
            "[",
            "]",
            "$",
            "name.€",
        ] {
            let err = Projection::parse(Some(bad), None, CORE).expect_err(bad);
            assert_eq!(err.scim_type, Some("invalidValue"), "{bad}");
            assert!(Projection::parse(None, Some(bad), CORE).is_err(), "{bad}");
        }
    }
}
