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
}

impl ActiveModelBehavior for ActiveModel {}
