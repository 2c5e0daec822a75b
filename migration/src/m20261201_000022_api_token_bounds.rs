//! API tokens that end: `expires_at` (NULL: never) and `created_by`, the administrator whose
//! console session or user-bound token made it (NULL: made by the start-up bootstrap, the CLI
//! or a token that acts for no user). A token works only while its creator exists and is
//! active, so no token outlives the administrator who made it.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    ExpiresAt,
    CreatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(uuid_null(ApiTokens::CreatedBy))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["expires_at", "created_by"] {
            let sql = match m.get_database_backend() {
                DbBackend::Sqlite => format!("ALTER TABLE api_tokens DROP COLUMN {column}"),
                _ => format!("ALTER TABLE api_tokens DROP COLUMN IF EXISTS {column}"),
            };
            m.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
