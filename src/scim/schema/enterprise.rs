//! Enterprise User schema extension (RFC 7643 §4.3, §8.7.1).

use super::{Attribute as A, ENTERPRISE_USER_SCHEMA, Schema};

/// Enterprise User extension schema.
pub static ENTERPRISE_USER: Schema = Schema {
    id: ENTERPRISE_USER_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        A::string("employeeNumber").desc(
            "Numeric or alphanumeric identifier assigned to a person, typically based on order \
             of hire or association with an organization.",
        ),
        A::string("costCenter").desc("Identifies the name of a cost center."),
        A::string("organization").desc("Identifies the name of an organization."),
        A::string("division").desc("Identifies the name of a division."),
        A::string("department").desc("Identifies the name of a department."),
        A::complex(
            "manager",
            &[
                A::string("value").desc("The id of the SCIM resource representing the User's manager."),
                A::reference("$ref", &["User"]).desc("The URI of the SCIM resource representing the User's manager."),
                A::string("displayName")
                    .read_only()
                    .desc("The displayName of the User's manager. OPTIONAL and READ-ONLY."),
            ],
        )
        .desc(
            "The User's manager. A complex type that optionally allows service providers to \
             represent organizational hierarchy by referencing the 'id' attribute of another \
             User.",
        ),
    ],
};
