//! Sessions of the admin console (`/console`): the administrator signed in through Scimitar's
//! own authorization endpoint (the console is an OIDC client of its own server). The cookie
//! carries a random secret; the table keeps only its SHA-256 (`id_hash`). `csrf` is the token
//! every console form and htmx request must echo. Times are microseconds since the Unix epoch.
//! Deleting a user deletes their console sessions.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConsoleSessions {
    Table,
    IdHash,
    UserId,
    AuthTimeUs,
    ExpiresAtUs,
    Csrf,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ConsoleSessions::Table)
                .col(string(ConsoleSessions::IdHash).primary_key())
                .col(uuid(ConsoleSessions::UserId))
                .col(big_integer(ConsoleSessions::AuthTimeUs))
                .col(big_integer(ConsoleSessions::ExpiresAtUs))
                .col(string(ConsoleSessions::Csrf))
                .foreign_key(
                    ForeignKey::create()
                        .from(ConsoleSessions::Table, ConsoleSessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_console_sessions_user")
                .table(ConsoleSessions::Table)
                .col(ConsoleSessions::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ConsoleSessions::Table).to_owned())
            .await
    }
}
