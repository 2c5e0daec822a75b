//! A SCIM User. Hot attributes are columns (indexed where filters need them);
//! the rest of the SCIM document lives in `doc`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_name: String,
    /// `user_name` lowercased: SCIM `userName` is unique with `caseExact: false`.
    #[sea_orm(unique)]
    pub user_name_ci: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub active: bool,
    /// The SCIM document minus `id`, `meta`, `groups` and `password`.
    pub doc: Json,
    /// argon2id PHC string; never rendered.
    pub password_hash: Option<String>,
    pub version: i64,
    pub created: DateTimeUtc,
    pub last_modified: DateTimeUtc,
    /// The user's last successful sign-in, if any.
    pub last_login: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
