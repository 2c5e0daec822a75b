//! Pushed Authorization Requests (RFC 9126): the pushed requests, found by the SHA-256 of
//! their `request_uri`, and a per-client flag that makes pushing mandatory.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PushedRequests {
    Table,
    RequestUriHash,
    ClientId,
    Params,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    RequirePar,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PushedRequests::Table)
                .col(string(PushedRequests::RequestUriHash).primary_key())
                .col(string(PushedRequests::ClientId))
                .col(json_binary(PushedRequests::Params))
                .col(timestamp_with_time_zone(PushedRequests::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_pushed_requests_expires_at")
                .table(PushedRequests::Table)
                .col(PushedRequests::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OauthClients::Table)
                .add_column(boolean(OauthClients::RequirePar).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OauthClients::Table)
                .drop_column(OauthClients::RequirePar)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(PushedRequests::Table).to_owned())
            .await
    }
}
