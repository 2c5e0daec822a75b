//! When each user last got a token from each application (OIDC client): what an
//! administrator reviews before removing someone from a group. Written in batches from memory
//! (see `src/store/access_log.rs`), so it lags by up to the flush interval. Microseconds since
//! the Unix epoch, like membership times, so "keep the later" is one comparison on both backends.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClientAccess {
    Table,
    UserId,
    ClientId,
    LastUs,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    ClientId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ClientAccess::Table)
                .col(uuid(ClientAccess::UserId))
                .col(string(ClientAccess::ClientId))
                .col(big_integer(ClientAccess::LastUs))
                .primary_key(Index::create().col(ClientAccess::UserId).col(ClientAccess::ClientId))
                .foreign_key(
                    ForeignKey::create()
                        .from(ClientAccess::Table, ClientAccess::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ClientAccess::Table, ClientAccess::ClientId)
                        .to(OauthClients::Table, OauthClients::ClientId)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ClientAccess::Table).to_owned()).await
    }
}
