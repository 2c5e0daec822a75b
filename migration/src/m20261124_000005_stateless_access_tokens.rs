//! Access tokens become self-contained JWTs: issuing one no longer writes a row. What is
//! revoked before it expires — one token by `jti`, or a whole grant by its family id — is
//! listed in `token_revocations` until the tokens it covers have expired.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TokenRevocations {
    Table,
    Id,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TokenRevocations::Table)
                .col(uuid(TokenRevocations::Id).primary_key())
                .col(timestamp_with_time_zone(TokenRevocations::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_token_revocations_expires_at")
                .table(TokenRevocations::Table)
                .col(TokenRevocations::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(AccessTokens::Table).to_owned()).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the access_tokens table cannot be restored: access tokens are no longer recorded".into(),
        ))
    }
}
