//! PostgreSQL only: trigram (GIN, `pg_trgm`) indexes on the lower-cased names and emails, so
//! that `co`, `sw` and `ew` filters (`LIKE '%…%'`) are index scans instead of reading every
//! row. `pg_trgm` ships with PostgreSQL and is a trusted extension (PostgreSQL 13+): a role
//! that may create objects in the database may install it. Where it cannot be installed the
//! migration still succeeds, without the indexes (the filters then scan, as on SQLite).
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
DO $$ BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): co/sw/ew filters will scan', SQLERRM;
END $$;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS idx_users_user_name_trgm ON users USING gin (user_name_ci gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS idx_user_emails_value_trgm ON user_emails USING gin (value_ci gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS idx_groups_display_name_trgm ON "groups" USING gin (display_name_ci gin_trgm_ops);
    END IF;
END $$;
"#;

const DOWN: &str = r#"
DROP INDEX IF EXISTS idx_users_user_name_trgm;
DROP INDEX IF EXISTS idx_user_emails_value_trgm;
DROP INDEX IF EXISTS idx_groups_display_name_trgm;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        m.get_connection().execute_unprepared(UP).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        m.get_connection().execute_unprepared(DOWN).await?;
        Ok(())
    }
}
