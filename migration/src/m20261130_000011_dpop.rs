//! DPoP (RFC 9449): the key a public client's refresh tokens are bound to, and the proofs
//! already seen (their `jti`), kept until they are too old to be accepted anyway.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    DpopJkt,
}

#[derive(DeriveIden)]
enum DpopProofs {
    Table,
    Id,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(string_null(RefreshTokens::DpopJkt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DpopProofs::Table)
                .col(string(DpopProofs::Id).primary_key())
                .col(timestamp_with_time_zone(DpopProofs::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dpop_proofs_expires_at")
                .table(DpopProofs::Table)
                .col(DpopProofs::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DpopProofs::Table).to_owned()).await?;
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .drop_column(RefreshTokens::DpopJkt)
                .to_owned(),
        )
        .await
    }
}
