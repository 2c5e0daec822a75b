//! One row per change to users, groups or memberships, written in the same transaction.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    /// UUIDv7: ordered by time, used as the paging cursor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// Token name (or user) that made the change.
    pub actor: String,
    /// `scim`, `bulk`, `admin`, `cli`, `oidc`.
    pub source: String,
    /// `user.create`, `user.update`, `user.deactivate`, `user.reactivate`, `user.delete`,
    /// `group.create`, `group.update`, `group.delete`, `member.add`, `member.remove`.
    pub action: String,
    /// `User` or `Group`: the resource the action is about.
    pub target_type: String,
    pub target_id: Uuid,
    /// For membership events: the group.
    pub group_id: Option<Uuid>,
    /// For user events: the user; for membership events: the member.
    pub member_id: Option<Uuid>,
    pub detail: Option<Json>,
}

impl ActiveModelBehavior for ActiveModel {}
