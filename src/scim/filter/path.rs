//! PATCH operation paths (RFC 7644 §3.5.2):
//!
//! ```text
//! PATH = attrPath / valuePath [subAttr]
//! ```
//!
//! e.g. `members`, `name.givenName`, `emails[type eq "work"].value`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.

use super::ast::{AttrPath, Filter};
use super::parser::{FilterError, MAX_FILTER_LEN, Parser, check_len};

/// A parsed PATCH path.
///
/// * Without a value filter, a sub-attribute stays in `attr.sub`
///   (`name.givenName` → `attr = name.givenName`, `filter = None`, `sub = None`).
/// * With a value filter, `attr.sub` is always `None`, `filter` holds the
///   bracketed filter (attribute paths inside it are relative to the element)
///   and `sub` the optional sub-attribute after the brackets
///   (`emails[type eq "work"].value` → `attr = emails`, `sub = Some("value")`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

/// Parse a PATCH `path` (RFC 7644 §3.5.2): `attrPath | valuePath ["." subAttr]`.
pub fn parse_path(input: &str) -> Result<PatchPath, FilterError> {
    check_len(input, MAX_FILTER_LEN, "path")?;
    let mut p = Parser::new(input);
    p.skip_ws();
    if p.at_end() {
        return Err(FilterError::new("empty path", 0));
    }
    let attr = p.parse_attr_path()?;
    let mut filter = None;
    let mut sub = None;
    if p.peek() == Some('[') {
        filter = Some(p.parse_bracket_filter(&attr, 0, false)?);
        if p.peek() == Some('.') {
            p.bump();
            sub = Some(p.parse_attr_name("a sub-attribute name after \"].\"")?);
            p.check_attr_end()?;
        }
    }
    p.skip_ws();
    if !p.at_end() {
        return Err(FilterError::new(
            format!(
                "unexpected {} after the path (a PATCH path is an attribute path, optionally with one value filter; it is not a filter expression)",
                p.found()
            ),
            p.pos(),
        ));
    }
    Ok(PatchPath { attr, filter, sub })
}

#[cfg(test)]
mod tests {
    use super::super::ast::{CompValue, CompareOp};
    use super::*;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

    fn a(name: &str) -> AttrPath {
        AttrPath::simple(name)
    }
    fn ap(uri: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            uri: uri.map(Into::into),
            name: name.into(),
            sub: sub.map(Into::into),
        }
    }
    fn eq(name: &str, v: &str) -> Filter {
        Filter::Compare(a(name), CompareOp::Eq, CompValue::Str(v.into()))
    }
    fn pp(attr: AttrPath, filter: Option<Filter>, sub: Option<&str>) -> PatchPath {
        PatchPath {
            attr,
            filter,
            sub: sub.map(Into::into),
        }
    }

    #[test]
    fn valid_paths() {
        let cases: Vec<(&str, PatchPath)> = vec![
            ("members", pp(a("members"), None, None)),
            ("userName", pp(a("userName"), None, None)),
            ("name.givenName", pp(ap(None, "name", Some("givenName")), None, None)),
            ("members.$ref", pp(ap(None, "members", Some("$ref")), None, None)),
            (
                "emails[type eq \"work\"]",
                pp(a("emails"), Some(eq("type", "work")), None),
            ),
            (
                "emails[type eq \"work\"].value",
                pp(a("emails"), Some(eq("type", "work")), Some("value")),
            ),
            (
                "members[value eq \"2819c223\"]",
                pp(a("members"), Some(eq("value", "2819c223")), None),
            ),
            (
                "members[value eq \"2819c223-7f76-453a-919d-413861904646\"].display",
                pp(
                    a("members"),
                    Some(eq("value", "2819c223-7f76-453a-919d-413861904646")),
                    Some("display"),
                ),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                pp(ap(Some(ENT), "employeeNumber", None), None, None),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                pp(ap(Some(ENT), "manager", Some("value")), None, None),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
                pp(ap(Some(CORE), "name", Some("familyName")), None, None),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value",
                pp(ap(Some(CORE), "emails", None), Some(eq("type", "work")), Some("value")),
            ),
            (
                "emails[type eq \"work\" and primary eq true].display",
                pp(
                    a("emails"),
                    Some(Filter::And(
                        Box::new(eq("type", "work")),
                        Box::new(Filter::Compare(a("primary"), CompareOp::Eq, CompValue::Bool(true))),
                    )),
                    Some("display"),
                ),
            ),
            (
                "members[value eq \"a\" or value eq \"b\"]",
                pp(
                    a("members"),
                    Some(Filter::Or(Box::new(eq("value", "a")), Box::new(eq("value", "b")))),
                    None,
                ),
            ),
            (
                "addresses[type eq work].streetAddress",
                pp(a("addresses"), Some(eq("type", "work")), Some("streetAddress")),
            ),
            (
                "emails[not (type eq \"home\")]",
                pp(a("emails"), Some(Filter::Not(Box::new(eq("type", "home")))), None),
            ),
            (
                "EMAILS[TYPE EQ \"work\"].VALUE",
                pp(a("EMAILS"), Some(eq("TYPE", "work")), Some("VALUE")),
            ),
            ("  members  ", pp(a("members"), None, None)),
            ("x-attr_1", pp(a("x-attr_1"), None, None)),
            (
                "emails[display eq \"日本 🎉\"]",
                pp(a("emails"), Some(eq("display", "日本 🎉")), None),
            ),
        ];
        for (input, expected) in cases {
            match parse_path(input) {
                Ok(p) => assert_eq!(p, expected, "input {input:?}"),
                Err(e) => panic!("input {input:?} failed: {e}"),
            }
        }
    }

    #[test]
    fn invalid_paths() {
        let long = "a".repeat(9000);
        let cases: Vec<(&str, &str)> = vec![
            ("", "empty path"),
            ("  ", "empty path"),
            ("[type eq \"work\"]", "expected an attribute name"),
            ("type eq \"work\"", "not a filter expression"),
            ("userName eq \"x\"", "not a filter expression"),
            ("title pr", "not a filter expression"),
            ("not (members pr)", "not a filter expression"),
            ("(members)", "expected an attribute name"),
            ("name.x[type eq \"y\"]", "cannot follow the sub-attribute"),
            ("name.x[type eq \"y\"].z", "cannot follow the sub-attribute"),
            ("emails[type eq \"work\"]x", "not a filter expression"),
            ("emails[type eq \"work\"] and x pr", "not a filter expression"),
            ("emails[type eq \"work\"].value.x", "only one level of sub-attribute"),
            ("emails[type eq \"work\"].value eq \"x\"", "not a filter expression"),
            ("emails[type eq \"work\"].", "expected a sub-attribute name"),
            ("emails[type eq \"work\"", "is never closed"),
            ("emails[type eq \"work\"]]", "not a filter expression"),
            ("emails[]", "empty value filter"),
            ("emails[type[value eq 1]]", "nested value filters"),
            ("emails[type eq \"work\"][value pr]", "not a filter expression"),
            ("a.b.c", "only one level of sub-attribute"),
            ("members trailing", "not a filter expression"),
            ("name.", "expected a sub-attribute name"),
            ("urn:x", "schema URN"),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:",
                "attribute name after the schema URN",
            ),
            ("1abc", "expected an attribute name"),
            ("mémbers", "invalid character 'é'"),
            ("members\u{0}", "invalid character '\\0'"),
            (&long, "too long"),
        ];
        for (input, needle) in cases {
            match parse_path(input) {
                Ok(p) => panic!("input {input:?} unexpectedly parsed as {p:?}"),
                Err(e) => {
                    assert!(
                        e.message.contains(needle),
                        "input {input:?}: message {:?} does not contain {needle:?}",
                        e.message
                    );
                    assert!(input.is_char_boundary(e.position), "input {input:?}: {e:?}");
                }
            }
        }
    }

    #[test]
    fn path_never_panics_on_prefixes() {
        // Whole inputs that parse, and one that must not (attribute names are ASCII).
        let inputs = [
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"wörk\" and value co \"\\u00e9\"].value",
                true,
            ),
            ("members[value eq \"2819c223\"].display", true),
            ("日本[x eq \"🎉\"].y", false),
        ];
        for (input, valid) in inputs {
            for (i, _) in input.char_indices() {
                if let Err(e) = parse_path(&input[..i]) {
                    assert!(input[..i].is_char_boundary(e.position), "{e:?}");
                }
            }
            match parse_path(input) {
                Ok(p) => assert!(valid, "{input} parsed as {p:?}"),
                Err(e) => {
                    assert!(!valid, "{input}: {e:?}");
                    assert_eq!(e.position, 0, "the error points at the first name: {e:?}");
                }
            }
        }
    }
}
