//! What a client sees of a user's permissions in its tokens: only those starting with
//! `permissions_prefix` (all when NULL), and Scimitar's own `iam.*` permissions only when
//! `iam_permissions` is set.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    PermissionsPrefix,
    IamPermissions,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        m.alter_table(
            Table::alter()
                .table(OauthClients::Table)
                .add_column(string_null(OauthClients::PermissionsPrefix))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OauthClients::Table)
                .add_column(boolean(OauthClients::IamPermissions).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [OauthClients::IamPermissions, OauthClients::PermissionsPrefix] {
            m.alter_table(Table::alter().table(OauthClients::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
