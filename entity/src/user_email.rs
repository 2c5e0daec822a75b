//! One row per element of `User.emails`, so `emails.value eq` is an index lookup.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_emails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub value: String,
    /// `value` lowercased (emails are `caseExact: false`).
    pub value_ci: String,
    pub kind: Option<String>,
    pub primary: bool,
}

impl ActiveModelBehavior for ActiveModel {}
