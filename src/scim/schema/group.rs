//! Core Group schema (RFC 7643 §4.2, §8.7.1).

use super::{Attribute as A, GROUP_SCHEMA, Schema};

/// Core Group schema. `id`, `externalId` and `meta` are common attributes and
/// intentionally absent.
pub static GROUP: Schema = Schema {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attributes: &[
        // Unique here, ignoring case (RFC 7643 leaves it `none`; this server enforces it).
        A::string("displayName")
            .required()
            .unique_server()
            .desc("A human-readable name for the Group, unique on this server ignoring case. REQUIRED."),
        A::complex(
            "members",
            &[
                A::string("value")
                    .immutable()
                    .desc("Identifier of the member of this Group."),
                A::reference("$ref", &["User", "Group"])
                    .immutable()
                    .desc("The URI corresponding to a SCIM resource that is a member of this Group."),
                A::string("type")
                    .immutable()
                    .canonical(&["User", "Group"])
                    .desc("A label indicating the type of resource, e.g., 'User' or 'Group'."),
                A::string("display")
                    .read_only()
                    .desc("A human-readable name for the member, primarily used for display purposes."),
            ],
        )
        .multi()
        .desc("A list of members of the Group."),
    ],
};
