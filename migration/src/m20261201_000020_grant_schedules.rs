//! Schedules on role grants to groups (seed 004): `group_roles.schedule` holds the schedule
//! as the admin API took it (JSON text: IANA time zone, weekly local windows, optional date
//! range), NULL for a grant that always applies. It is evaluated in the server at the moment
//! of each question (token, refresh, userinfo, introspection, `/users/{u}/permissions?at=`),
//! never stored as instants: time-zone rules change and DST moves the windows. Changing a
//! schedule is an UPDATE of `group_roles`, which the `access_epoch` triggers (migration 17)
//! already count, so cached holdings are dropped on every replica.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE group_roles ADD COLUMN schedule TEXT NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let sql = match m.get_database_backend() {
            DbBackend::Sqlite => "ALTER TABLE group_roles DROP COLUMN schedule",
            _ => "ALTER TABLE group_roles DROP COLUMN IF EXISTS schedule",
        };
        m.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }
}
