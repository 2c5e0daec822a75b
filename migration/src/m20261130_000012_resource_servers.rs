//! Clients that may introspect any access token (resource servers, RFC 7662 §4); other
//! clients learn only about tokens issued to them.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    ResourceServer,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OauthClients::Table)
                .add_column(boolean(OauthClients::ResourceServer).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OauthClients::Table)
                .drop_column(OauthClients::ResourceServer)
                .to_owned(),
        )
        .await
    }
}
