//! A rotating refresh token, stored as its SHA-256. Tokens from one login share a family.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub family_id: Uuid,
    pub client_id: String,
    pub user_id: Option<Uuid>,
    pub scope: String,
    pub auth_time: DateTimeUtc,
    pub created: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Already exchanged for a new one: presenting it again revokes the family.
    pub used: bool,
    pub revoked: bool,
    /// DPoP (RFC 9449): the thumbprint of the key a public client's refresh token is bound to.
    pub dpop_jkt: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
