//! A SCIM Group. Members live in `group_members`, never in `doc`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub display_name: String,
    /// `display_name` lowercased, for case-insensitive lookups.
    pub display_name_ci: String,
    pub external_id: Option<String>,
    /// The SCIM document minus `id`, `meta` and `members`.
    pub doc: Json,
    pub version: i64,
    pub created: DateTimeUtc,
    pub last_modified: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
