//! In-memory evaluation of a filter against one JSON object.
//!
//! Used for value filters inside a single resource during PATCH
//! (e.g. which elements of `emails` match `type eq "work"`), not for
//! querying a store.
//!
//! Semantics:
//! * attribute names (and schema URN keys) match object keys case-insensitively;
//! * a URN-prefixed path is looked up under the object key equal to the URN
//!   (the extension object); a core-schema URN (`urn:ietf:params:scim:schemas:core:…`)
//!   falls back to the top level;
//! * multi-valued (array) attributes match if any element matches;
//! * comparing a complex value (an object) against a literal uses its `value`
//!   sub-attribute (so `emails co "@example.com"` works);
//! * `ne` is the negation of `eq` (a missing attribute is "not equal");
//!   `eq null` is true when the attribute is missing or null, `ne null` the opposite;
//! * `pr`: present and not null, not `""`, not `[]`, not `{}`;
//! * strings compare case-insensitively unless `case_exact(path)` says otherwise;
//!   `gt/ge/lt/le` compare strings lexicographically (ISO 8601 timestamps work)
//!   and numbers numerically; a string holding a number is compared numerically
//!   with a number, and `"true"`/`"True"` equals the boolean `true`.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};

const CORE_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:";

/// Does one JSON object (an element of a multi-valued attribute, or a whole resource) match the filter?
/// `case_exact(path)` tells whether string comparison for that attribute is case-sensitive.
///
/// Inside a [`Filter::ValuePath`] (`emails[type eq "work"]`), `case_exact` is called with the
/// full path (`emails.type`) rather than the element-relative one (`type`).
pub fn matches(filter: &Filter, item: &Value, case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, item, case_exact) && matches(b, item, case_exact),
        Filter::Or(a, b) => matches(a, item, case_exact) || matches(b, item, case_exact),
        Filter::Not(f) => !matches(f, item, case_exact),
        Filter::Present(path) => resolve(item, path).into_iter().any(is_present),
        Filter::Compare(path, op, value) => {
            let candidates = resolve(item, path);
            match (op, value) {
                (CompareOp::Eq, CompValue::Null) => candidates.iter().all(|v| v.is_null()),
                (CompareOp::Ne, CompValue::Null) => candidates.iter().any(|v| !v.is_null()),
                (CompareOp::Ne, _) => {
                    let exact = case_exact(path);
                    !candidates.iter().any(|v| compare(v, CompareOp::Eq, value, exact))
                }
                _ => {
                    let exact = case_exact(path);
                    candidates.iter().any(|v| compare(v, *op, value, exact))
                }
            }
        }
        Filter::ValuePath(path, inner) => {
            let relative = |p: &AttrPath| {
                if p.uri.is_none() && p.sub.is_none() {
                    case_exact(&AttrPath {
                        uri: path.uri.clone(),
                        name: path.name.clone(),
                        sub: Some(p.name.clone()),
                    })
                } else {
                    case_exact(p)
                }
            };
            let Some(value) = lookup(item, path) else {
                return false;
            };
            match value {
                Value::Array(elements) => elements.iter().any(|e| e.is_object() && matches(inner, e, &relative)),
                Value::Object(_) => matches(inner, value, &relative),
                _ => false,
            }
        }
    }
}

/// Case-insensitive key lookup (exact match preferred).
fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = value.as_object()?;
    obj.get(key)
        .or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// The object holding the attributes of `uri`'s schema.
fn schema_base<'a>(item: &'a Value, uri: Option<&str>) -> Option<&'a Value> {
    let Some(uri) = uri else {
        return Some(item);
    };
    if let Some(ext) = get_ci(item, uri).filter(|v| v.is_object()) {
        return Some(ext);
    }
    let is_core = uri
        .get(..CORE_SCHEMA_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(CORE_SCHEMA_PREFIX));
    is_core.then_some(item)
}

/// The raw value of `path.name` (ignoring `path.sub`).
fn lookup<'a>(item: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    get_ci(schema_base(item, path.uri.as_deref())?, &path.name)
}

/// All values denoted by `path`, with arrays flattened one level.
fn resolve<'a>(item: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let Some(value) = lookup(item, path) else {
        return out;
    };
    let mut push = |v: &'a Value| match v {
        Value::Array(a) => out.extend(a.iter()),
        v => out.push(v),
    };
    match (&path.sub, value) {
        (None, v) => push(v),
        (Some(sub), Value::Array(elements)) => {
            for e in elements {
                if let Some(v) = get_ci(e, sub) {
                    push(v);
                }
            }
        }
        (Some(sub), v) => {
            if let Some(v) = get_ci(v, sub) {
                push(v);
            }
        }
    }
    out
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn fold(s: &str, exact: bool) -> String {
    if exact { s.to_string() } else { s.to_lowercase() }
}

fn num_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn str_to_num(s: &str) -> Option<Number> {
    serde_json::from_str::<Number>(s.trim()).ok()
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Compare one attribute value `v` (left) with the filter literal (right).
fn compare(v: &Value, op: CompareOp, lit: &CompValue, exact: bool) -> bool {
    // A complex value is represented by its `value` sub-attribute.
    let v = match v {
        Value::Object(_) => match get_ci(v, "value") {
            Some(inner) if !inner.is_object() && !inner.is_array() => inner,
            _ => return false,
        },
        v => v,
    };
    match op {
        CompareOp::Eq | CompareOp::Ne => {
            let eq = match (lit, v) {
                (CompValue::Str(s), Value::String(x)) => fold(x, exact) == fold(s, exact),
                (CompValue::Str(s), Value::Bool(x)) => s.trim().eq_ignore_ascii_case(bool_str(*x)),
                (CompValue::Str(s), Value::Number(x)) => {
                    str_to_num(s).is_some_and(|n| num_cmp(x, &n) == Some(Ordering::Equal))
                }
                (CompValue::Num(n), Value::Number(x)) => num_cmp(x, n) == Some(Ordering::Equal),
                (CompValue::Num(n), Value::String(x)) => {
                    str_to_num(x).is_some_and(|x| num_cmp(&x, n) == Some(Ordering::Equal))
                }
                (CompValue::Bool(b), Value::Bool(x)) => b == x,
                (CompValue::Bool(b), Value::String(x)) => x.trim().eq_ignore_ascii_case(bool_str(*b)),
                (CompValue::Null, x) => x.is_null(),
                _ => false,
            };
            eq == (op == CompareOp::Eq)
        }
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            let needle = match lit {
                CompValue::Str(s) => s.clone(),
                CompValue::Num(n) => n.to_string(),
                CompValue::Bool(b) => bool_str(*b).to_string(),
                CompValue::Null => return false,
            };
            let hay = match v {
                Value::String(x) => x.clone(),
                Value::Number(x) => x.to_string(),
                _ => return false,
            };
            let (hay, needle) = (fold(&hay, exact), fold(&needle, exact));
            match op {
                CompareOp::Co => hay.contains(&needle),
                CompareOp::Sw => hay.starts_with(&needle),
                _ => hay.ends_with(&needle),
            }
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            let ord = match (lit, v) {
                (CompValue::Str(s), Value::String(x)) => Some(fold(x, exact).cmp(&fold(s, exact))),
                (CompValue::Num(n), Value::Number(x)) => num_cmp(x, n),
                (CompValue::Num(n), Value::String(x)) => str_to_num(x).and_then(|x| num_cmp(&x, n)),
                (CompValue::Str(s), Value::Number(x)) => str_to_num(s).and_then(|n| num_cmp(x, &n)),
                _ => None,
            };
            let Some(ord) = ord else {
                return false;
            };
            match op {
                CompareOp::Gt => ord == Ordering::Greater,
                CompareOp::Ge => ord != Ordering::Less,
                CompareOp::Lt => ord == Ordering::Less,
                _ => ord != Ordering::Greater,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;
    use serde_json::json;

    fn resource() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "userName": "bjensen",
            "name": {"familyName": "Jensen", "givenName": "Barbara"},
            "emails": [
                {"type": "work", "value": "bjensen@example.com", "primary": true},
                {"type": "home", "value": "babs@jensen.org", "primary": "False"}
            ],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza"}],
            "meta": {"lastModified": "2011-05-13T04:42:34Z", "resourceType": "User"},
            "age": 30,
            "score": 4.5,
            "big": 18446744073709551615u64,
            "ageStr": "42",
            "active": "True",
            "verified": false,
            "empty": "",
            "emptyArr": [],
            "emptyObj": {},
            "nullv": null,
            "roles": ["admin", "User"],
            "nickName": "Bäbs Ünïcode",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984",
                "manager": {"value": "26118915", "displayName": "John Smith"}
            }
        })
    }

    fn ci(_: &AttrPath) -> bool {
        false
    }

    fn check(item: &Value, input: &str) -> bool {
        let f = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        matches(&f, item, &ci)
    }

    #[test]
    fn resource_table() {
        let r = resource();
        let cases: &[(&str, bool)] = &[
            ("userName eq \"bjensen\"", true),
            ("userName eq \"BJensen\"", true),
            ("USERNAME eq \"bjensen\"", true),
            ("userName eq \"bjensen2\"", false),
            ("userName ne \"bjensen\"", false),
            ("userName ne \"other\"", true),
            ("missing ne \"x\"", true),
            ("missing eq \"x\"", false),
            ("userName co \"ens\"", true),
            ("userName co \"ENS\"", true),
            ("userName co \"xyz\"", false),
            ("userName sw \"bj\"", true),
            ("userName sw \"en\"", false),
            ("userName ew \"sen\"", true),
            ("userName ew \"bj\"", false),
            ("name.familyName eq \"jensen\"", true),
            ("name.givenName sw \"Bar\"", true),
            ("name.middleName pr", false),
            ("name pr", true),
            ("userName pr", true),
            ("missing pr", false),
            ("empty pr", false),
            ("emptyArr pr", false),
            ("emptyObj pr", false),
            ("nullv pr", false),
            ("verified pr", true),
            ("emails pr", true),
            ("nullv eq null", true),
            ("missing eq null", true),
            ("userName eq null", false),
            ("userName ne null", true),
            ("missing ne null", false),
            ("emails[type eq \"work\"]", true),
            ("emails[type eq \"other\"]", false),
            ("emails[type eq \"work\" and value co \"example.com\"]", true),
            ("emails[type eq \"work\" and value co \"jensen.org\"]", false),
            ("emails[type eq \"home\" and value co \"jensen.org\"]", true),
            ("emails[not (type eq \"work\")]", true),
            ("emails[primary eq true]", true),
            ("emails[primary eq false]", true),
            ("emails[type eq \"home\" and primary eq true]", false),
            ("emails[type eq \"work\"].value eq \"bjensen@example.com\"", true),
            ("emails[type eq \"home\"].value eq \"bjensen@example.com\"", false),
            ("emails[type eq \"work\"].value pr", true),
            ("emails[type eq \"work\"].display pr", false),
            ("addresses[type eq \"work\"].streetAddress co \"universal\"", true),
            ("name[familyName eq \"Jensen\"]", true),
            ("userName[x pr]", false),
            ("missing[x pr]", false),
            ("emails.value ew \"jensen.org\"", true),
            ("emails.type eq \"work\"", true),
            ("emails.type eq \"school\"", false),
            ("emails co \"jensen.org\"", true),
            ("emails eq \"bjensen@example.com\"", true),
            ("emails co \"nope\"", false),
            ("meta.lastModified gt \"2011-05-13T04:42:33Z\"", true),
            ("meta.lastModified gt \"2011-05-13T04:42:34Z\"", false),
            ("meta.lastModified ge \"2011-05-13T04:42:34Z\"", true),
            ("meta.lastModified lt \"2011-01-01T00:00:00Z\"", false),
            ("meta.lastModified le \"2011-05-13T04:42:34Z\"", true),
            ("meta.lastModified lt \"2012-01-01T00:00:00Z\"", true),
            ("age gt 29", true),
            ("age gt 30", false),
            ("age ge 30", true),
            ("age lt 30", false),
            ("age le 30", true),
            ("age eq 30", true),
            ("age eq 30.0", true),
            ("age eq 31", false),
            ("age ne 30", false),
            ("age gt \"29\"", true),
            ("age eq \"30\"", true),
            ("age co 3", true),
            ("score gt 4", true),
            ("score lt 4.6", true),
            ("score eq 4.5", true),
            ("big gt 1", true),
            ("big eq 18446744073709551615", true),
            ("big gt -1", true),
            ("ageStr gt 41", true),
            ("ageStr eq 42", true),
            ("ageStr lt 5", false),
            ("active eq true", true),
            ("active eq false", false),
            ("verified eq false", true),
            ("verified eq \"false\"", true),
            ("verified eq \"FALSE\"", true),
            ("verified eq true", false),
            ("verified co \"f\"", false),
            ("roles eq \"admin\"", true),
            ("roles eq \"user\"", true),
            ("roles eq \"guest\"", false),
            ("roles ne \"admin\"", false),
            ("roles sw \"ad\"", true),
            ("nickName eq \"bäbs ünïcode\"", true),
            ("nickName co \"ÜNÏ\"", true),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:EMPLOYEENUMBER eq \"701984\"",
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915\"",
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq \"26118915\"",
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName sw \"john\"",
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName pr",
                false,
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bjensen\"",
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq \"Jensen\"",
                true,
            ),
            ("urn:example:other:1.0:Thing:userName pr", false),
            ("employeeNumber pr", false),
            ("userName eq \"bjensen\" and age gt 18", true),
            ("userName eq \"x\" or age gt 18", true),
            ("userName eq \"x\" or age gt 40", false),
            ("not (userName eq \"x\")", true),
            ("not (userName pr)", false),
            ("userName eq \"x' or '1'='1\"", false),
            ("id eq 2819c223", true),
        ];
        for (input, expected) in cases.iter().copied() {
            assert_eq!(check(&r, input), expected, "filter {input:?}");
        }
    }

    #[test]
    fn element_filters_for_patch() {
        let work = json!({"type": "work", "value": "Bjensen@Example.com", "primary": true});
        let home = json!({"type": "Home", "value": "babs@jensen.org", "primary": "True"});
        let cases: &[(&str, bool, bool)] = &[
            // (filter, matches work, matches home)
            ("type eq \"work\"", true, false),
            ("type eq \"WORK\"", true, false),
            ("type eq \"home\"", false, true),
            ("TYPE eq \"home\"", false, true),
            ("value co \"@example.com\"", true, false),
            ("value ew \".ORG\"", false, true),
            ("primary eq true", true, true),
            ("primary eq false", false, false),
            ("display pr", false, false),
            ("type pr and value pr", true, true),
            ("type ne \"work\"", false, true),
            ("not (type eq \"work\") and primary eq true", false, true),
            ("type eq work", true, false),
        ];
        for (input, w, h) in cases.iter().copied() {
            assert_eq!(check(&work, input), w, "work: {input:?}");
            assert_eq!(check(&home, input), h, "home: {input:?}");
        }
    }

    #[test]
    fn case_exact_callback() {
        let work = json!({"type": "work", "value": "Bjensen@Example.com"});
        let exact_value = |p: &AttrPath| p.name == "value";
        let f = parse("value eq \"bjensen@example.com\"").unwrap();
        assert!(!matches(&f, &work, &exact_value));
        assert!(matches(&f, &work, &ci));
        let f = parse("type eq \"WORK\"").unwrap();
        assert!(matches(&f, &work, &exact_value));
        let f = parse("value sw \"bjensen\"").unwrap();
        assert!(!matches(&f, &work, &exact_value));
        let f = parse("value gt \"a\"").unwrap();
        assert!(!matches(&f, &work, &exact_value)); // "B" < "a" when case-exact
        assert!(matches(&f, &work, &ci));

        // Inside a value path, the callback sees the full path `emails.type`.
        let r = resource();
        let seen = std::cell::RefCell::new(Vec::new());
        let exact_type = |p: &AttrPath| {
            seen.borrow_mut().push(p.to_string());
            p.name == "emails" && p.sub.as_deref() == Some("type")
        };
        let f = parse("emails[type eq \"WORK\"]").unwrap();
        assert!(!matches(&f, &r, &exact_type));
        let f = parse("emails[value eq \"BJENSEN@example.com\"]").unwrap();
        assert!(matches(&f, &r, &exact_type));
        assert!(seen.borrow().iter().any(|p| p == "emails.type"));
        assert!(seen.borrow().iter().any(|p| p == "emails.value"));
    }

    #[test]
    fn handcrafted_asts_and_odd_items_do_not_panic() {
        let r = resource();
        let ordered_bool = Filter::Compare(AttrPath::simple("verified"), CompareOp::Gt, CompValue::Bool(true));
        assert!(!matches(&ordered_bool, &r, &ci));
        let co_null = Filter::Compare(AttrPath::simple("userName"), CompareOp::Co, CompValue::Null);
        assert!(!matches(&co_null, &r, &ci));
        let lt_null = Filter::Compare(AttrPath::simple("userName"), CompareOp::Lt, CompValue::Null);
        assert!(!matches(&lt_null, &r, &ci));
        let nested_vp = Filter::ValuePath(
            AttrPath::simple("emails"),
            Box::new(Filter::ValuePath(
                AttrPath::simple("x"),
                Box::new(Filter::Present(AttrPath::simple("y"))),
            )),
        );
        assert!(!matches(&nested_vp, &r, &ci));
        let f = parse("type eq \"work\" or x pr").unwrap();
        for item in [
            json!(null),
            json!("work"),
            json!(1),
            json!([]),
            json!([{"type": "work"}]),
            json!({}),
        ] {
            assert!(!matches(&f, &item, &ci), "{item}");
        }
        let eq_null = parse("type eq null").unwrap();
        assert!(matches(&eq_null, &json!("scalar"), &ci));
        let nan_like = parse("score gt 1e308").unwrap();
        assert!(!matches(&nan_like, &r, &ci));
    }
}
