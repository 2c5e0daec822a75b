//! API bearer tokens. Only the SHA-256 of the secret is stored.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Hex SHA-256 of the token secret.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Space-separated scopes (`scim`, `admin`, `admin:read`).
    pub scopes: String,
    /// The user this token acts for (SCIM `/Me`), if any.
    pub user_id: Option<Uuid>,
    pub created: DateTimeUtc,
    pub last_used: Option<DateTimeUtc>,
    /// When the token stops working; `None`: never.
    pub expires_at: Option<DateTimeUtc>,
    /// The administrator who made it: the token works only while they exist and are active.
    pub created_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
