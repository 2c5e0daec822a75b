//! The one registry of SCIM resource types (RFC 7643 §6, RFC 7644 §4): each type's name,
//! endpoint, core schema, extensions and common attributes. Discovery, filters, projection,
//! PATCH paths, rendering and `/Bulk` read these facts from here.
use super::schema::{AttrType, Attribute, ENTERPRISE_USER, GROUP, Schema, USER};

/// A SCIM resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    User,
    Group,
}

/// RFC 7643 §3.1: the common attributes of every resource, part of no schema. `id` and
/// `meta` are assigned by the server; `externalId` belongs to the provisioning client and is
/// writable like any readWrite attribute (`caseExact`, as the RFC defines it).
pub static COMMON_ATTRIBUTES: [Attribute; 3] = [
    Attribute::string("id")
        .case_exact()
        .read_only()
        .desc("A unique identifier for a SCIM resource as defined by the service provider."),
    Attribute::string("externalId")
        .case_exact()
        .desc("A String that is an identifier for the resource as defined by the provisioning client."),
    Attribute::new("meta", AttrType::Complex)
        .read_only()
        .desc("A complex attribute containing resource metadata."),
];

/// The common attribute called `name` (case-insensitively), if it is one.
pub fn common(name: &str) -> Option<&'static Attribute> {
    COMMON_ATTRIBUTES.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

static USER_EXTENSIONS: [&Schema; 1] = [&ENTERPRISE_USER];

impl Resource {
    pub const ALL: [Resource; 2] = [Resource::User, Resource::Group];

    /// The resource type's `name` and `meta.resourceType` (`User`).
    pub const fn name(self) -> &'static str {
        match self {
            Resource::User => "User",
            Resource::Group => "Group",
        }
    }

    /// The endpoint without its slash (`Users`), as in `/scim/v2/Users/{id}`.
    pub const fn endpoint(self) -> &'static str {
        match self {
            Resource::User => "Users",
            Resource::Group => "Groups",
        }
    }

    /// How error messages name one resource of this type (`user`).
    pub const fn noun(self) -> &'static str {
        match self {
            Resource::User => "user",
            Resource::Group => "group",
        }
    }

    pub fn core(self) -> &'static Schema {
        match self {
            Resource::User => &USER,
            Resource::Group => &GROUP,
        }
    }

    pub fn core_urn(self) -> &'static str {
        self.core().id
    }

    /// Schema extensions, none of them required.
    pub fn extensions(self) -> &'static [&'static Schema] {
        match self {
            Resource::User => &USER_EXTENSIONS,
            Resource::Group => &[],
        }
    }

    /// The extension whose URN is `urn` (case-insensitively).
    pub fn extension(self, urn: &str) -> Option<&'static Schema> {
        self.extensions()
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The type served at `endpoint` (`Users`, case-insensitively, as `/Bulk` paths name it).
    pub fn from_endpoint(endpoint: &str) -> Option<Resource> {
        Resource::ALL
            .into_iter()
            .find(|r| r.endpoint().eq_ignore_ascii_case(endpoint))
    }

    /// The type called `name` (`User`), as `/ResourceTypes/{id}` names it.
    pub fn from_name(name: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_found_by_its_endpoint_and_name() {
        for r in Resource::ALL {
            assert_eq!(Resource::from_endpoint(r.endpoint()), Some(r));
            assert_eq!(Resource::from_endpoint(&r.endpoint().to_uppercase()), Some(r));
            assert_eq!(Resource::from_name(r.name()), Some(r));
            assert!(r.core_urn().ends_with(r.name()));
        }
        assert_eq!(Resource::from_endpoint("Me"), None);
        assert_eq!(Resource::from_name("user"), None);
    }

    #[test]
    fn common_attributes_are_not_in_any_schema() {
        for r in Resource::ALL {
            for c in &COMMON_ATTRIBUTES {
                assert!(r.core().attr(c.name).is_none(), "{} in {}", c.name, r.name());
            }
        }
        use crate::scim::schema::Mutability;
        assert_eq!(common("EXTERNALID").map(|c| c.mutability), Some(Mutability::ReadWrite));
        assert_eq!(common("meta").map(|c| c.mutability), Some(Mutability::ReadOnly));
        assert!(common("userName").is_none());
    }
}
