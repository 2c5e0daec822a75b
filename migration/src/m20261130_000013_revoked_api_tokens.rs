//! The digests of revoked API tokens, so that a token revoked once stays revoked: start-up no
//! longer re-creates a revoked `SCIMITAR_BOOTSTRAP_TOKEN`.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RevokedApiTokens {
    Table,
    TokenHash,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RevokedApiTokens::Table)
                .col(string(RevokedApiTokens::TokenHash).primary_key())
                .col(timestamp_with_time_zone(RevokedApiTokens::RevokedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RevokedApiTokens::Table).to_owned())
            .await
    }
}
