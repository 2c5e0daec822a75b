//! A revoked access token (`id` = its `jti`) or a revoked grant (`id` = its token family),
//! kept until every access token it covers has expired.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "token_revocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub expires_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
