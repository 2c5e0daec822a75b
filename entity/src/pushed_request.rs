//! A pushed authorization request (RFC 9126), found by the SHA-256 of its `request_uri`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pushed_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_uri_hash: String,
    pub client_id: String,
    /// The authorization request parameters, as pushed.
    pub params: Json,
    pub expires_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
