//! SCIM schema registry (RFC 7643).
//!
//! Static, compile-time definitions of the core User (§4.1), Enterprise User
//! extension (§4.3) and core Group (§4.2) schemas, with every attribute and its
//! characteristics as listed in the §8.7.1 schema representation. Common
//! attributes (`id`, `externalId`, `meta`) are deliberately not part of any
//! schema (RFC 7643 §3.1).
//!
//! Lookups by schema id, attribute name and sub-attribute name are
//! case-insensitive, as attribute names and schema URIs are in SCIM.

use serde_json::{Map, Value, json};

mod enterprise;
mod group;
mod user;

pub use enterprise::ENTERPRISE_USER;
pub use group::GROUP;
pub use user::USER;

/// Core User schema URI (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Enterprise User extension schema URI (RFC 7643 §4.3).
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Core Group schema URI (RFC 7643 §4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Schema URI of a schema resource itself, as served from `/Schemas` (RFC 7643 §7).
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Attribute data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Complex,
    Binary,
}

impl AttrType {
    /// The RFC 7643 §7 `type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
            AttrType::Binary => "binary",
        }
    }
}

/// Attribute `mutability` characteristic (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    /// The RFC 7643 §7 `mutability` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

/// Attribute `returned` characteristic (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    /// The RFC 7643 §7 `returned` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

/// Attribute `uniqueness` characteristic (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    /// The RFC 7643 §7 `uniqueness` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute (or sub-attribute) definition with its characteristics.
#[derive(Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [Attribute],
}

/// A resource schema (RFC 7643 §7).
#[derive(Debug)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

/// All schemas known to the server: User, Enterprise User, Group.
pub fn all() -> [&'static Schema; 3] {
    [&USER, &ENTERPRISE_USER, &GROUP]
}

/// Looks a schema up by its URI, case-insensitively.
pub fn by_id(id: &str) -> Option<&'static Schema> {
    all().into_iter().find(|s| s.id.eq_ignore_ascii_case(id))
}

fn find(attrs: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

impl Schema {
    /// Looks up a top-level attribute by name, case-insensitively.
    pub fn attr(&self, name: &str) -> Option<&'static Attribute> {
        find(self.attributes, name)
    }

    /// RFC 7643 §7 representation of this schema as served from
    /// `{base}/Schemas/{id}`. A trailing `/` on `base` is ignored.
    pub fn to_json(&self, base: &str) -> Value {
        let base = base.trim_end_matches('/');
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(Attribute::to_json).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base}/Schemas/{}", self.id),
            },
        })
    }
}

/// Compact `const` builders used by the schema definitions. Defaults follow
/// RFC 7643 §2.2: single-valued, optional, `caseExact` false, `readWrite`,
/// returned `default`, uniqueness `none`.
impl Attribute {
    pub const fn new(name: &'static str, ty: AttrType) -> Self {
        Attribute {
            name,
            ty,
            multi_valued: false,
            description: "",
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }
    pub const fn string(name: &'static str) -> Self {
        Self::new(name, AttrType::String)
    }
    pub const fn boolean(name: &'static str) -> Self {
        Self::new(name, AttrType::Boolean)
    }
    pub const fn decimal(name: &'static str) -> Self {
        Self::new(name, AttrType::Decimal)
    }
    pub const fn integer(name: &'static str) -> Self {
        Self::new(name, AttrType::Integer)
    }
    pub const fn date_time(name: &'static str) -> Self {
        Self::new(name, AttrType::DateTime)
    }
    pub const fn binary(name: &'static str) -> Self {
        Self::new(name, AttrType::Binary)
    }
    pub const fn reference(name: &'static str, types: &'static [&'static str]) -> Self {
        let mut a = Self::new(name, AttrType::Reference);
        a.reference_types = types;
        a
    }
    pub const fn complex(name: &'static str, subs: &'static [Attribute]) -> Self {
        let mut a = Self::new(name, AttrType::Complex);
        a.sub_attributes = subs;
        a
    }
    pub const fn desc(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }
    pub const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    pub const fn read_only(self) -> Self {
        self.mutability(Mutability::ReadOnly)
    }
    pub const fn immutable(self) -> Self {
        self.mutability(Mutability::Immutable)
    }
    pub const fn write_only(self) -> Self {
        self.mutability(Mutability::WriteOnly)
    }
    pub const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    pub const fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    pub const fn unique_server(self) -> Self {
        self.uniqueness(Uniqueness::Server)
    }
    pub const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }
}

impl Attribute {
    /// Looks up a sub-attribute by name, case-insensitively.
    pub fn sub(&self, name: &str) -> Option<&'static Attribute> {
        find(self.sub_attributes, name)
    }

    /// RFC 7643 §7 attribute representation. `canonicalValues` and
    /// `referenceTypes` appear only when non-empty, `subAttributes` only for
    /// complex attributes.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), self.name.into());
        m.insert("type".into(), self.ty.as_str().into());
        m.insert("multiValued".into(), self.multi_valued.into());
        m.insert("description".into(), self.description.into());
        m.insert("required".into(), self.required.into());
        m.insert("caseExact".into(), self.case_exact.into());
        if !self.canonical_values.is_empty() {
            m.insert("canonicalValues".into(), self.canonical_values.into());
        }
        if !self.reference_types.is_empty() {
            m.insert("referenceTypes".into(), self.reference_types.into());
        }
        m.insert("mutability".into(), self.mutability.as_str().into());
        m.insert("returned".into(), self.returned.as_str().into());
        m.insert("uniqueness".into(), self.uniqueness.as_str().into());
        if self.ty == AttrType::Complex {
            let subs = self.sub_attributes.iter().map(Attribute::to_json);
            m.insert("subAttributes".into(), Value::Array(subs.collect()));
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(attrs: &'static [Attribute], path: &str, f: &mut dyn FnMut(&str, &'static Attribute)) {
        for a in attrs {
            let p = format!("{path}.{}", a.name);
            f(&p, a);
            walk(a.sub_attributes, &p, f);
        }
    }

    fn walk_all(f: &mut dyn FnMut(&str, &'static Attribute)) {
        for s in all() {
            walk(s.attributes, s.id, f);
        }
    }

    #[test]
    fn by_id_finds_all_three_case_insensitively() {
        assert_eq!(by_id(USER_SCHEMA).unwrap().id, USER_SCHEMA);
        assert_eq!(by_id(ENTERPRISE_USER_SCHEMA).unwrap().id, ENTERPRISE_USER_SCHEMA);
        assert_eq!(by_id(GROUP_SCHEMA).unwrap().id, GROUP_SCHEMA);
        assert!(std::ptr::eq(by_id(&GROUP_SCHEMA.to_uppercase()).unwrap(), &GROUP));
        assert!(std::ptr::eq(by_id(&USER_SCHEMA.to_lowercase()).unwrap(), &USER));
        assert!(by_id("urn:ietf:params:scim:schemas:core:2.0:Nope").is_none());
        assert!(by_id("").is_none());
    }

    #[test]
    fn all_lists_distinct_schemas_in_order() {
        let ids: Vec<_> = all().iter().map(|s| s.id).collect();
        assert_eq!(ids, [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]);
        assert_eq!(USER.name, "User");
        assert_eq!(ENTERPRISE_USER.name, "EnterpriseUser");
        assert_eq!(GROUP.name, "Group");
    }

    #[test]
    fn attr_lookup_is_case_insensitive() {
        let a = USER.attr("USERNAME").unwrap();
        assert_eq!(a.name, "userName");
        assert!(std::ptr::eq(a, USER.attr("username").unwrap()));
        assert_eq!(GROUP.attr("DisplayName").unwrap().name, "displayName");
        assert_eq!(ENTERPRISE_USER.attr("MANAGER").unwrap().name, "manager");
        assert!(USER.attr("nope").is_none());
    }

    #[test]
    fn common_attributes_are_not_in_schemas() {
        for s in all() {
            for common in ["id", "externalId", "meta", "schemas"] {
                assert!(s.attr(common).is_none(), "{} has {common}", s.id);
            }
        }
    }

    #[test]
    fn sub_lookup_is_case_insensitive() {
        let emails = USER.attr("emails").unwrap();
        assert_eq!(emails.sub("value").unwrap().name, "value");
        assert_eq!(emails.sub("VALUE").unwrap().name, "value");
        assert_eq!(emails.sub("Type").unwrap().canonical_values, ["work", "home", "other"]);
        assert!(emails.sub("nope").is_none());
        let name = USER.attr("name").unwrap();
        assert_eq!(name.sub("givenname").unwrap().name, "givenName");
        let members = GROUP.attr("members").unwrap();
        assert_eq!(members.sub("$REF").unwrap().reference_types, ["User", "Group"]);
        assert!(USER.attr("userName").unwrap().sub("value").is_none());
    }

    #[test]
    fn user_name_characteristics() {
        let a = USER.attr("userName").unwrap();
        assert_eq!(a.ty, AttrType::String);
        assert!(a.required);
        assert!(!a.case_exact);
        assert!(!a.multi_valued);
        assert_eq!(a.uniqueness, Uniqueness::Server);
        assert_eq!(a.mutability, Mutability::ReadWrite);
        assert_eq!(a.returned, Returned::Default);
    }

    #[test]
    fn password_is_write_only_never_returned() {
        let a = USER.attr("password").unwrap();
        assert_eq!(a.mutability, Mutability::WriteOnly);
        assert_eq!(a.returned, Returned::Never);
    }

    #[test]
    fn user_groups_are_read_only() {
        let g = USER.attr("groups").unwrap();
        assert!(g.multi_valued);
        assert_eq!(g.mutability, Mutability::ReadOnly);
        for s in g.sub_attributes {
            assert_eq!(s.mutability, Mutability::ReadOnly, "groups.{}", s.name);
        }
        assert_eq!(g.sub("type").unwrap().canonical_values, ["direct", "indirect"]);
        assert_eq!(g.sub("$ref").unwrap().ty, AttrType::Reference);
        assert_eq!(g.sub("$ref").unwrap().reference_types, ["User", "Group"]);
    }

    #[test]
    fn user_multi_valued_canonical_types() {
        let cases: [(&str, &[&str]); 5] = [
            ("emails", &["work", "home", "other"]),
            ("phoneNumbers", &["work", "home", "mobile", "fax", "pager", "other"]),
            ("ims", &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
            ("photos", &["photo", "thumbnail"]),
            ("addresses", &["work", "home", "other"]),
        ];
        for (name, canon) in cases {
            let a = USER.attr(name).unwrap();
            assert!(a.multi_valued, "{name}");
            assert_eq!(a.ty, AttrType::Complex, "{name}");
            assert_eq!(a.sub("type").unwrap().canonical_values, canon, "{name}");
            assert_eq!(a.sub("primary").unwrap().ty, AttrType::Boolean, "{name}");
        }
        for name in ["entitlements", "roles", "x509Certificates"] {
            let a = USER.attr(name).unwrap();
            assert!(a.multi_valued, "{name}");
            for s in ["value", "display", "type", "primary"] {
                assert!(a.sub(s).is_some(), "{name}.{s}");
            }
        }
        assert_eq!(
            USER.attr("x509Certificates").unwrap().sub("value").unwrap().ty,
            AttrType::Binary
        );
        let photo = USER.attr("photos").unwrap().sub("value").unwrap();
        assert_eq!(
            (photo.ty, photo.reference_types),
            (AttrType::Reference, &["external"][..])
        );
        let profile = USER.attr("profileUrl").unwrap();
        assert_eq!(
            (profile.ty, profile.reference_types),
            (AttrType::Reference, &["external"][..])
        );
        assert_eq!(USER.attr("active").unwrap().ty, AttrType::Boolean);
    }

    #[test]
    fn user_attribute_set_matches_rfc() {
        let names: Vec<_> = USER.attributes.iter().map(|a| a.name).collect();
        assert_eq!(
            names,
            [
                "userName",
                "name",
                "displayName",
                "nickName",
                "profileUrl",
                "title",
                "userType",
                "preferredLanguage",
                "locale",
                "timezone",
                "active",
                "password",
                "emails",
                "phoneNumbers",
                "ims",
                "photos",
                "addresses",
                "groups",
                "entitlements",
                "roles",
                "x509Certificates",
            ]
        );
        let name: Vec<_> = USER
            .attr("name")
            .unwrap()
            .sub_attributes
            .iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            name,
            [
                "formatted",
                "familyName",
                "givenName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix"
            ]
        );
        let addr: Vec<_> = USER
            .attr("addresses")
            .unwrap()
            .sub_attributes
            .iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            addr,
            [
                "formatted",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
                "type",
                "primary"
            ]
        );
    }

    #[test]
    fn enterprise_user_attributes() {
        let names: Vec<_> = ENTERPRISE_USER.attributes.iter().map(|a| a.name).collect();
        assert_eq!(
            names,
            [
                "employeeNumber",
                "costCenter",
                "organization",
                "division",
                "department",
                "manager"
            ]
        );
        let m = ENTERPRISE_USER.attr("manager").unwrap();
        assert_eq!(m.ty, AttrType::Complex);
        assert!(!m.multi_valued);
        assert_eq!(m.sub("value").unwrap().ty, AttrType::String);
        assert_eq!(m.sub("$ref").unwrap().reference_types, ["User"]);
        assert_eq!(m.sub("displayName").unwrap().mutability, Mutability::ReadOnly);
    }

    #[test]
    fn group_attributes() {
        let names: Vec<_> = GROUP.attributes.iter().map(|a| a.name).collect();
        assert_eq!(names, ["displayName", "members"]);
        let d = GROUP.attr("displayName").unwrap();
        assert!(d.required);
        assert_eq!(d.uniqueness, Uniqueness::Server);
        let m = GROUP.attr("members").unwrap();
        assert!(m.multi_valued);
        assert_eq!(m.mutability, Mutability::ReadWrite);
        for s in ["value", "$ref", "type"] {
            assert_eq!(m.sub(s).unwrap().mutability, Mutability::Immutable, "members.{s}");
        }
        assert_eq!(m.sub("type").unwrap().canonical_values, ["User", "Group"]);
        assert_eq!(m.sub("display").unwrap().mutability, Mutability::ReadOnly);
    }

    #[test]
    fn complex_iff_sub_attributes() {
        let mut n = 0;
        walk_all(&mut |path, a| {
            n += 1;
            if a.ty == AttrType::Complex {
                assert!(!a.sub_attributes.is_empty(), "{path} is complex without sub-attributes");
                for s in a.sub_attributes {
                    assert_ne!(s.ty, AttrType::Complex, "{path}.{}: nested complex", s.name);
                    assert!(!s.multi_valued, "{path}.{}: multi-valued sub-attribute", s.name);
                }
            } else {
                assert!(
                    a.sub_attributes.is_empty(),
                    "{path} is not complex but has sub-attributes"
                );
            }
        });
        assert!(n > 80, "walked only {n} attributes");
    }

    #[test]
    fn no_duplicate_names_per_level() {
        fn check(attrs: &'static [Attribute], path: &str) {
            for (i, a) in attrs.iter().enumerate() {
                for b in &attrs[i + 1..] {
                    assert!(!a.name.eq_ignore_ascii_case(b.name), "{path}: duplicate {}", a.name);
                }
                check(a.sub_attributes, &format!("{path}.{}", a.name));
            }
        }
        for s in all() {
            check(s.attributes, s.id);
        }
    }

    #[test]
    fn characteristics_are_consistent() {
        walk_all(&mut |path, a| {
            assert!(!a.name.is_empty(), "{path}");
            assert!(!a.description.is_empty(), "{path} has no description");
            assert_eq!(
                a.ty == AttrType::Reference,
                !a.reference_types.is_empty(),
                "{path}: referenceTypes iff reference"
            );
            if !a.canonical_values.is_empty() {
                assert_eq!(a.ty, AttrType::String, "{path}");
            }
        });
    }

    #[test]
    fn attribute_to_json_shape() {
        let v = USER.attr("userName").unwrap().to_json();
        assert_eq!(
            v,
            json!({
                "name": "userName", "type": "string", "multiValued": false,
                "description": USER.attr("userName").unwrap().description,
                "required": true, "caseExact": false, "mutability": "readWrite",
                "returned": "default", "uniqueness": "server",
            })
        );
        let pw = USER.attr("password").unwrap().to_json();
        assert_eq!(pw["mutability"], "writeOnly");
        assert_eq!(pw["returned"], "never");
        let emails = USER.attr("emails").unwrap().to_json();
        assert_eq!(emails["type"], "complex");
        assert_eq!(emails["multiValued"], true);
        let subs = emails["subAttributes"].as_array().unwrap();
        assert_eq!(subs.len(), 4);
        let ty = subs.iter().find(|s| s["name"] == "type").unwrap();
        assert_eq!(ty["canonicalValues"], json!(["work", "home", "other"]));
        assert!(ty.get("referenceTypes").is_none());
        assert!(ty.get("subAttributes").is_none());
        let r = GROUP.attr("members").unwrap().sub("$ref").unwrap().to_json();
        assert_eq!(r["type"], "reference");
        assert_eq!(r["mutability"], "immutable");
        assert_eq!(r["referenceTypes"], json!(["User", "Group"]));
        assert!(r.get("canonicalValues").is_none());
        let x = USER.attr("x509Certificates").unwrap().sub("value").unwrap().to_json();
        assert_eq!(x["type"], "binary");
        let groups = USER.attr("groups").unwrap().to_json();
        assert_eq!(groups["mutability"], "readOnly");
    }

    #[test]
    fn enum_strings() {
        let types = [
            (AttrType::String, "string"),
            (AttrType::Boolean, "boolean"),
            (AttrType::Decimal, "decimal"),
            (AttrType::Integer, "integer"),
            (AttrType::DateTime, "dateTime"),
            (AttrType::Reference, "reference"),
            (AttrType::Complex, "complex"),
            (AttrType::Binary, "binary"),
        ];
        for (t, s) in types {
            assert_eq!(t.as_str(), s);
        }
        assert_eq!(Mutability::ReadOnly.as_str(), "readOnly");
        assert_eq!(Mutability::ReadWrite.as_str(), "readWrite");
        assert_eq!(Mutability::Immutable.as_str(), "immutable");
        assert_eq!(Mutability::WriteOnly.as_str(), "writeOnly");
        assert_eq!(Returned::Always.as_str(), "always");
        assert_eq!(Returned::Never.as_str(), "never");
        assert_eq!(Returned::Default.as_str(), "default");
        assert_eq!(Returned::Request.as_str(), "request");
        assert_eq!(Uniqueness::None.as_str(), "none");
        assert_eq!(Uniqueness::Server.as_str(), "server");
        assert_eq!(Uniqueness::Global.as_str(), "global");
    }

    #[test]
    fn schema_to_json_shape() {
        for s in all() {
            for base in ["https://example.com/scim/v2", "https://example.com/scim/v2/"] {
                let v = s.to_json(base);
                let obj = v.as_object().unwrap();
                let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
                keys.sort_unstable();
                assert_eq!(keys, ["attributes", "description", "id", "meta", "name", "schemas"]);
                assert_eq!(v["schemas"], json!([SCHEMA_SCHEMA]));
                assert_eq!(v["id"], s.id);
                assert_eq!(v["name"], s.name);
                assert_eq!(v["description"], s.description);
                assert_eq!(v["meta"]["resourceType"], "Schema");
                assert_eq!(
                    v["meta"]["location"],
                    format!("https://example.com/scim/v2/Schemas/{}", s.id)
                );
                let attrs = v["attributes"].as_array().unwrap();
                assert_eq!(attrs.len(), s.attributes.len());
                for (j, a) in attrs.iter().zip(s.attributes) {
                    assert_eq!(j, &a.to_json());
                }
            }
        }
    }

    #[test]
    fn json_walk_has_valid_strings_everywhere() {
        fn check(v: &Value) {
            let o = v.as_object().unwrap();
            for k in [
                "name",
                "type",
                "multiValued",
                "description",
                "required",
                "caseExact",
                "mutability",
                "returned",
                "uniqueness",
            ] {
                assert!(o.contains_key(k), "{v} lacks {k}");
            }
            let ty = o["type"].as_str().unwrap();
            assert!(
                [
                    "string",
                    "boolean",
                    "decimal",
                    "integer",
                    "dateTime",
                    "reference",
                    "complex",
                    "binary"
                ]
                .contains(&ty)
            );
            let mu = o["mutability"].as_str().unwrap();
            assert!(["readOnly", "readWrite", "immutable", "writeOnly"].contains(&mu));
            let re = o["returned"].as_str().unwrap();
            assert!(["always", "never", "default", "request"].contains(&re));
            let un = o["uniqueness"].as_str().unwrap();
            assert!(["none", "server", "global"].contains(&un));
            assert_eq!(ty == "complex", o.contains_key("subAttributes"), "{v}");
            for k in ["canonicalValues", "referenceTypes"] {
                if let Some(a) = o.get(k) {
                    assert!(!a.as_array().unwrap().is_empty(), "{v}: empty {k}");
                }
            }
            if let Some(subs) = o.get("subAttributes") {
                subs.as_array().unwrap().iter().for_each(check);
            }
        }
        for s in all() {
            s.to_json("http://x")
                .get("attributes")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .for_each(check);
        }
    }
}
