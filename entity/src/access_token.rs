//! The server-side record of an issued JWT access token (by `jti`), for revocation and
//! introspection.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub jti: Uuid,
    pub family_id: Option<Uuid>,
    pub client_id: String,
    pub user_id: Option<Uuid>,
    pub scope: String,
    pub expires_at: DateTimeUtc,
    pub revoked: bool,
}

impl ActiveModelBehavior for ActiveModel {}
