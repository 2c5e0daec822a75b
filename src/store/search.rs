//! Substring search through FTS5 trigram indexes on SQLite (migration 23): `co`, `sw` and
//! `ew` filters and the console's search-as-you-type first ask the index which rows contain
//! the text, then check the pattern on those rows only. (PostgreSQL's `pg_trgm` GIN indexes
//! serve `LIKE '%…%'` directly; nothing here applies there.)
//!
//! The index narrows and never decides: the row's own `LIKE` is always applied too, so a stale
//! index could only hide rows, never show a wrong one — and [`Store::check_search_indexes`]
//! rebuilds an index whose rows differ from its table (after a `VACUUM`, which may renumber
//! rowids) at start.
use sea_orm::{
    ConnectionTrait, DbBackend, Statement,
    sea_query::{Expr, SimpleExpr},
};

use super::{Store, StoreError};

/// An FTS5 trigram index over a text column: `table`'s rows are indexed in `index` by
/// `rowid`, the column under the same name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trigram {
    pub table: &'static str,
    pub index: &'static str,
    pub column: &'static str,
}

pub(crate) const USER_NAME: Trigram = Trigram {
    table: "users",
    index: "users_trgm",
    column: "user_name_ci",
};
pub(crate) const USER_DISPLAY_NAME: Trigram = Trigram {
    column: "display_name",
    ..USER_NAME
};
pub(crate) const USER_GIVEN_NAME: Trigram = Trigram {
    column: "given_name",
    ..USER_NAME
};
pub(crate) const USER_FAMILY_NAME: Trigram = Trigram {
    column: "family_name",
    ..USER_NAME
};
pub(crate) const EMAIL: Trigram = Trigram {
    table: "user_emails",
    index: "user_emails_trgm",
    column: "value_ci",
};
pub(crate) const GROUP_NAME: Trigram = Trigram {
    table: "groups",
    index: "groups_trgm",
    column: "display_name_ci",
};

/// Whether the index can answer a search for `text`: three characters or more (a trigram),
/// and none of `LIKE`'s own characters (FTS5's `LIKE` takes no `ESCAPE`).
pub(crate) fn usable(text: &str) -> bool {
    text.chars().count() >= 3 && !text.contains(['%', '_', '\\'])
}

/// SQL: the rows of `t.table` whose column the index finds for `pattern` (a `LIKE` pattern
/// on lower-case text, e.g. `%lic%`). SQLite placeholders.
pub(crate) fn candidates(t: Trigram, pattern: String) -> SimpleExpr {
    Expr::cust_with_values(
        format!(
            r#""{table}".rowid IN (SELECT rowid FROM {index} WHERE {column} LIKE ?)"#,
            table = t.table,
            index = t.index,
            column = t.column
        ),
        [pattern],
    )
}

impl Store {
    /// SQLite: rebuilds any trigram index whose rows are not its table's rows (count and sum
    /// of rowids differ — what a `VACUUM` that renumbered rowids leaves). One scan of each
    /// table and index at start; nothing on PostgreSQL.
    pub async fn check_search_indexes(&self) -> Result<(), StoreError> {
        if self.backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for (table, index) in [
            ("users", "users_trgm"),
            ("user_emails", "user_emails_trgm"),
            ("groups", "groups_trgm"),
        ] {
            let sql = format!(
                r#"SELECT (SELECT count(*) FROM "{table}") AS rows_n, (SELECT coalesce(sum(rowid), 0) FROM "{table}") AS rows_sum,
                          (SELECT count(*) FROM {index}_docsize) AS index_n, (SELECT coalesce(sum(id), 0) FROM {index}_docsize) AS index_sum"#
            );
            let row = self
                .db()
                .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
                .await?
                .ok_or(StoreError::NotFound("search index"))?;
            let table_side: (i64, i64) = (row.try_get("", "rows_n")?, row.try_get("", "rows_sum")?);
            let index_side: (i64, i64) = (row.try_get("", "index_n")?, row.try_get("", "index_sum")?);
            if table_side != index_side {
                tracing::warn!(
                    index,
                    "the search index differs from its table (after a VACUUM?): rebuilding it"
                );
                self.writer()
                    .execute_unprepared(&format!("INSERT INTO {index} ({index}) VALUES ('rebuild')"))
                    .await?;
            }
        }
        Ok(())
    }
}
