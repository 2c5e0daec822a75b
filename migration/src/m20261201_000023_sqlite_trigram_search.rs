//! SQLite only: substring search through an index. `co`, `sw` and `ew` filters (and the
//! console's search-as-you-type) on userName, displayName, name.givenName, name.familyName,
//! emails.value and a group's displayName were `LIKE '%…%'` scans of every row. FTS5 tables
//! with the trigram tokenizer index every three-character sequence of those columns; a
//! pattern of three characters or more is then answered from the index (PostgreSQL has
//! `pg_trgm` GIN indexes for the same, migration 6).
//!
//! The tables are external-content: they store only the index and point at the rows by
//! `rowid`. Indexing a row costs about as much as the rest of a create (trigrams of four
//! columns, and FTS5 flushes at every savepoint of the group commit), so writes do not index:
//! triggers note the row in `<index>_pending` (one small B-tree insert), and a background task
//! indexes pending rows in large batches a few times a second (`store::search`). A search asks
//! the index *and* the pending rows, then checks the pattern on each candidate row, so it is
//! exact at every moment. Deleting or changing an indexed row removes its old entry at once
//! (FTS5 needs the old values for that, which only the trigger has).
//!
//! A `VACUUM` may renumber rowids: the server compares each table with its index and pending
//! rows at start and rebuilds the index when they differ.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index table, content table, indexed columns)
const INDEXES: [(&str, &str, &[&str]); 3] = [
    (
        "users_trgm",
        "users",
        &["user_name_ci", "display_name", "given_name", "family_name"],
    ),
    ("user_emails_trgm", "user_emails", &["value_ci"]),
    ("groups_trgm", "groups", &["display_name_ci"]),
];

fn up_sql() -> String {
    let mut sql = String::new();
    for (fts, table, cols) in INDEXES {
        let list = cols.join(", ");
        let old: Vec<String> = cols.iter().map(|c| format!("old.{c}")).collect();
        let old = old.join(", ");
        let changed: Vec<String> = cols.iter().map(|c| format!("old.{c} IS NOT new.{c}")).collect();
        let changed = changed.join(" OR ");
        // The old entry leaves the index only if it is there (a pending row is not indexed yet).
        let unindex = format!(
            "INSERT INTO {fts} ({fts}, rowid, {list}) SELECT 'delete', old.rowid, {old}
                 WHERE NOT EXISTS (SELECT 1 FROM {fts}_pending WHERE id = old.rowid);"
        );
        sql.push_str(&format!(
            r#"
CREATE VIRTUAL TABLE {fts} USING fts5({list}, content='{table}', content_rowid='rowid', tokenize='trigram');
CREATE TABLE {fts}_pending (id INTEGER PRIMARY KEY);
CREATE TRIGGER {fts}_insert AFTER INSERT ON "{table}" BEGIN
    INSERT OR IGNORE INTO {fts}_pending (id) VALUES (new.rowid);
END;
CREATE TRIGGER {fts}_delete AFTER DELETE ON "{table}" BEGIN
    {unindex}
    DELETE FROM {fts}_pending WHERE id = old.rowid;
END;
CREATE TRIGGER {fts}_update AFTER UPDATE OF {list} ON "{table}" WHEN {changed} BEGIN
    {unindex}
    INSERT OR IGNORE INTO {fts}_pending (id) VALUES (new.rowid);
END;
INSERT INTO {fts} ({fts}) VALUES ('rebuild');
"#
        ));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        m.get_connection().execute_unprepared(&up_sql()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for (fts, _, _) in INDEXES {
            let sql = format!(
                "DROP TRIGGER IF EXISTS {fts}_insert; DROP TRIGGER IF EXISTS {fts}_delete; \
                 DROP TRIGGER IF EXISTS {fts}_update; DROP TABLE IF EXISTS {fts}; \
                 DROP TABLE IF EXISTS {fts}_pending;"
            );
            m.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
