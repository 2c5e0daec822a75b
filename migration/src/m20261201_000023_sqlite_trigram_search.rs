//! SQLite only: substring search through an index. `co`, `sw` and `ew` filters (and the
//! console's search-as-you-type) on userName, displayName, name.givenName, name.familyName,
//! emails.value and a group's displayName were `LIKE '%…%'` scans of every row. FTS5 tables
//! with the trigram tokenizer index every three-character sequence of those columns; a
//! pattern of three characters or more is then answered from the index (PostgreSQL has
//! `pg_trgm` GIN indexes for the same, migration 6).
//!
//! The tables are external-content: they store only the index and point at the rows by
//! `rowid`; triggers keep them in step with every insert, update and delete, in the writing
//! transaction. A search still checks the pattern against the row itself, so the index only
//! narrows the candidates and can never return a row that does not match. (A `VACUUM` may
//! renumber rowids: the server compares the tables with their index at start and rebuilds the
//! index when they differ, see `store::search`.)
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
        let new: Vec<String> = cols.iter().map(|c| format!("new.{c}")).collect();
        let old: Vec<String> = cols.iter().map(|c| format!("old.{c}")).collect();
        let (new, old) = (new.join(", "), old.join(", "));
        sql.push_str(&format!(
            r#"
CREATE VIRTUAL TABLE {fts} USING fts5({list}, content='{table}', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER {fts}_insert AFTER INSERT ON "{table}" BEGIN
    INSERT INTO {fts} (rowid, {list}) VALUES (new.rowid, {new});
END;
CREATE TRIGGER {fts}_delete AFTER DELETE ON "{table}" BEGIN
    INSERT INTO {fts} ({fts}, rowid, {list}) VALUES ('delete', old.rowid, {old});
END;
CREATE TRIGGER {fts}_update AFTER UPDATE OF {list} ON "{table}" BEGIN
    INSERT INTO {fts} ({fts}, rowid, {list}) VALUES ('delete', old.rowid, {old});
    INSERT INTO {fts} (rowid, {list}) VALUES (new.rowid, {new});
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
                 DROP TRIGGER IF EXISTS {fts}_update; DROP TABLE IF EXISTS {fts};"
            );
            m.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
