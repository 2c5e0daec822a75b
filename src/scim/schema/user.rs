//! Core User schema (RFC 7643 §4.1, §8.7.1).

use super::{Attribute as A, Returned, Schema, USER_SCHEMA};

const DISPLAY: A = A::string("display").desc("A human-readable name, primarily used for display purposes.");

const PRIMARY: A = A::boolean("primary").desc(
    "A Boolean value indicating the 'primary' or preferred attribute value for this \
     attribute, e.g., the preferred mailing address or primary email address. The primary \
     attribute value 'true' MUST appear no more than once.",
);

const WORK_HOME: &str = "A label indicating the attribute's function, e.g., 'work' or 'home'.";

/// The `type` sub-attribute of a multi-valued attribute.
const fn kind(description: &'static str, canonical: &'static [&'static str]) -> A {
    A::string("type").desc(description).canonical(canonical)
}

/// Core User schema. `id`, `externalId` and `meta` are common attributes and
/// intentionally absent.
pub static USER: Schema = Schema {
    id: USER_SCHEMA,
    name: "User",
    description: "User Account",
    attributes: &[
        A::string("userName").required().unique_server().desc(
            "Unique identifier for the User, typically used by the user to directly \
             authenticate to the service provider. Each User MUST include a non-empty userName \
             value. This identifier MUST be unique across the service provider's entire set of \
             Users.",
        ),
        A::complex(
            "name",
            &[
                A::string("formatted").desc(
                    "The full name, including all middle names, titles, and suffixes as appropriate, \
                 formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
                ),
                A::string("familyName").desc("The family name of the User, or last name in most Western languages."),
                A::string("givenName").desc("The given name of the User, or first name in most Western languages."),
                A::string("middleName").desc("The middle name(s) of the User."),
                A::string("honorificPrefix")
                    .desc("The honorific prefix(es) of the User, or title in most Western languages."),
                A::string("honorificSuffix")
                    .desc("The honorific suffix(es) of the User, or suffix in most Western languages."),
            ],
        )
        .desc(
            "The components of the user's real name. Providers MAY return just the full name as \
             a single string in the formatted sub-attribute, or they MAY return just the \
             individual component attributes using the other sub-attributes, or they MAY return \
             both.",
        ),
        A::string("displayName").desc(
            "The name of the User, suitable for display to end-users. The name SHOULD be the \
             full name of the User being described, if known.",
        ),
        A::string("nickName").desc(
            "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead \
             of 'Robert'.",
        ),
        A::reference("profileUrl", &["external"]).desc(
            "A fully qualified URL pointing to a page representing the User's \
                 online profile.",
        ),
        A::string("title").desc("The user's title, such as 'Vice President'."),
        A::string("userType").desc(
            "Used to identify the relationship between the organization and the user. Typical \
             values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and \
             'Unknown', but any value may be used.",
        ),
        A::string("preferredLanguage").desc(
            "Indicates the User's preferred written or spoken language. Generally used for \
             selecting a localized user interface; e.g., 'en_US'.",
        ),
        A::string("locale").desc(
            "Used to indicate the User's default location for purposes of localizing items \
             such as currency, date time format, or numerical representations.",
        ),
        A::string("timezone").desc(
            "The User's time zone in the 'Olson' time zone database format, \
                 e.g., 'America/Los_Angeles'.",
        ),
        A::boolean("active").desc("A Boolean value indicating the User's administrative status."),
        A::string("password").write_only().returned(Returned::Never).desc(
            "The User's cleartext password. This attribute is intended to be used as a means \
                 to specify an initial password when creating a new User or to reset an existing \
                 User's password.",
        ),
        A::complex(
            "emails",
            &[
                A::string("value").desc(
                    "Email address for the user. The value SHOULD be canonicalized by the service \
                 provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.",
                ),
                DISPLAY,
                kind(WORK_HOME, &["work", "home", "other"]),
                PRIMARY,
            ],
        )
        .multi()
        .desc(
            "Email addresses for the user. Canonical type values of 'work', 'home', \
             and 'other'.",
        ),
        A::complex(
            "phoneNumbers",
            &[
                A::string("value").desc(
                    "Phone number of the User. The value SHOULD be canonicalized according to the \
                 format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'.",
                ),
                DISPLAY,
                kind(
                    "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
                    &["work", "home", "mobile", "fax", "pager", "other"],
                ),
                PRIMARY,
            ],
        )
        .multi()
        .desc("Phone numbers for the User."),
        A::complex(
            "ims",
            &[
                A::string("value").desc("Instant messaging address for the User."),
                DISPLAY,
                kind(
                    "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
                    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
                ),
                PRIMARY,
            ],
        )
        .multi()
        .desc("Instant messaging addresses for the User."),
        A::complex(
            "photos",
            &[
                A::reference("value", &["external"]).desc("URL of a photo of the User."),
                DISPLAY,
                kind(
                    "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
                    &["photo", "thumbnail"],
                ),
                PRIMARY,
            ],
        )
        .multi()
        .desc("URLs of photos of the User."),
        A::complex(
            "addresses",
            &[
                A::string("formatted").desc(
                    "The full mailing address, formatted for display or use with a mailing label. \
                 This attribute MAY contain newlines.",
                ),
                A::string("streetAddress").desc(
                    "The full street address component, which may include house number, street \
                 name, P.O. box, and multi-line extended street address information. This \
                 attribute MAY contain newlines.",
                ),
                A::string("locality").desc("The city or locality component."),
                A::string("region").desc("The state or region component."),
                A::string("postalCode").desc("The zip code or postal code component."),
                A::string("country").desc("The country name component, as an ISO 3166-1 alpha-2 code."),
                kind(WORK_HOME, &["work", "home", "other"]),
                PRIMARY,
            ],
        )
        .multi()
        .desc(
            "A physical mailing address for this User. Canonical type values of \
             'work', 'home', and 'other'.",
        ),
        A::complex(
            "groups",
            &[
                A::string("value")
                    .read_only()
                    .desc("The identifier of the User's group."),
                A::reference("$ref", &["User", "Group"])
                    .read_only()
                    .desc("The URI of the corresponding 'Group' resource to which the user belongs."),
                DISPLAY.read_only(),
                A::string("type")
                    .read_only()
                    .canonical(&["direct", "indirect"])
                    .desc("A label indicating the attribute's function, e.g., 'direct' or 'indirect'."),
            ],
        )
        .multi()
        .read_only()
        .desc(
            "A list of groups to which the user belongs, either through direct membership, \
             through nested groups, or dynamically calculated.",
        ),
        A::complex(
            "entitlements",
            &[
                A::string("value").desc("The value of an entitlement."),
                DISPLAY,
                kind("A label indicating the attribute's function.", &[]),
                PRIMARY,
            ],
        )
        .multi()
        .desc("A list of entitlements for the User that represent a thing the User has."),
        A::complex(
            "roles",
            &[
                A::string("value").desc("The value of a role."),
                DISPLAY,
                kind("A label indicating the attribute's function.", &[]),
                PRIMARY,
            ],
        )
        .multi()
        .desc(
            "A list of roles for the User that collectively represent who the User is, e.g., \
             'Student', 'Faculty'.",
        ),
        A::complex(
            "x509Certificates",
            &[
                A::binary("value").desc("The value of an X.509 certificate."),
                DISPLAY,
                kind("A label indicating the attribute's function.", &[]),
                PRIMARY,
            ],
        )
        .multi()
        .desc("A list of certificates issued to the User."),
    ],
};
