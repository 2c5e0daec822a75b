//! Membership: one row per (group, member). A member is a user or a group.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    /// `User` or `Group`.
    pub member_type: String,
    pub created: DateTimeUtc,
    /// In effect from this instant (microseconds since the Unix epoch); NULL: from creation.
    pub valid_from_us: Option<i64>,
    /// Ends at this instant (microseconds since the Unix epoch); NULL: never.
    pub expires_at_us: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
