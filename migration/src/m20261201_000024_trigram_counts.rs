//! SQLite only: how many indexed rows contain each trigram, per trigram index of migration 23.
//! A substring search then asks the index for only the two rarest trigrams of its text
//! instead of all of them: the common ones (`use`, `ser`, `@ex`…) list nearly every row and
//! FTS5 reads every list it is given. The counts only choose trigrams — the row's own `LIKE`
//! decides — so they may be approximate: the indexer adds to them, nothing subtracts, and
//! the server fills them at start for rows indexed before this migration.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [&str; 3] = ["users_trgm", "user_emails_trgm", "groups_trgm"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for fts in INDEXES {
            let sql = format!("CREATE TABLE {fts}_terms (term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID");
            m.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for fts in INDEXES {
            m.get_connection()
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {fts}_terms"))
                .await?;
        }
        Ok(())
    }
}
