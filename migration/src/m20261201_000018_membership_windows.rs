//! Time-bound memberships: a membership may start later (`valid_from_us`) and end
//! (`expires_at_us`), both in microseconds since the Unix epoch (integers compare the same on
//! both backends; NULL means "always"). Every read of memberships compares them with the
//! server's clock, so a membership ends at its instant whether or not the expiry sweeper has
//! run; the sweeper then deletes the row and audits `member.expire`. The partial index serves
//! the sweeper and the token path's "when does this user's access next change" question, and
//! stays as small as the number of time-bound memberships.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 4] = [
    "ALTER TABLE group_members ADD COLUMN valid_from_us BIGINT NULL",
    "ALTER TABLE group_members ADD COLUMN expires_at_us BIGINT NULL",
    "CREATE INDEX idx_group_members_timed ON group_members (member_id, group_id)
     WHERE valid_from_us IS NOT NULL OR expires_at_us IS NOT NULL",
    "CREATE INDEX idx_group_members_expiry ON group_members (expires_at_us)
     WHERE expires_at_us IS NOT NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for sql in UP {
            m.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS idx_group_members_expiry")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_group_members_timed")
            .await?;
        for col in ["expires_at_us", "valid_from_us"] {
            let sql = match m.get_database_backend() {
                DbBackend::Sqlite => format!("ALTER TABLE group_members DROP COLUMN {col}"),
                _ => format!("ALTER TABLE group_members DROP COLUMN IF EXISTS {col}"),
            };
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
