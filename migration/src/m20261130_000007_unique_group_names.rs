//! Group display names are unique case-insensitively (the seeds give a group "a unique name";
//! Entra's validator expects 409 for a duplicate). `display_name_ci` is the name lowercased
//! with Unicode rules by the application, so one unique index over it enforces the rule on
//! every write path and on every replica.
//!
//! A database that already holds duplicates is never merged or renamed silently: the
//! migration stops and lists them, and the operator renames or deletes the extra groups
//! (SCIM `PATCH`/`DELETE`, or the admin API) before starting the server again.
use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Groups {
    Table,
    DisplayNameCi,
}

const OLD_INDEX: &str = "idx_groups_display_name_ci";
const NEW_INDEX: &str = "uq_groups_display_name_ci";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                r#"SELECT display_name_ci, COUNT(*) AS n FROM "groups"
                   GROUP BY display_name_ci HAVING COUNT(*) > 1 ORDER BY display_name_ci"#,
            ))
            .await?;
        if !rows.is_empty() {
            let mut list = vec![];
            for r in &rows {
                let name: String = r.try_get("", "display_name_ci")?;
                let n: i64 = r.try_get("", "n")?;
                list.push(format!("{name:?} ({n} groups)"));
            }
            return Err(DbErr::Migration(format!(
                "group display names must be unique (case-insensitively), but these are not: {}. \
                 Rename or delete the extra groups with the previous version (SCIM PATCH/DELETE \
                 or the admin API), then start again; nothing was changed.",
                list.join(", ")
            )));
        }
        m.drop_index(Index::drop().name(OLD_INDEX).table(Groups::Table).to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name(NEW_INDEX)
                .table(Groups::Table)
                .col(Groups::DisplayNameCi)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NEW_INDEX).table(Groups::Table).to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name(OLD_INDEX)
                .table(Groups::Table)
                .col(Groups::DisplayNameCi)
                .to_owned(),
        )
        .await
    }
}
