//! Substring search through FTS5 trigram indexes on SQLite (migration 23): `co`, `sw` and
//! `ew` filters and the console's search-as-you-type first ask the index which rows contain
//! the text — plus the rows written since the indexer last ran (`<index>_pending`) — then
//! check the pattern on those rows only. (PostgreSQL's `pg_trgm` GIN indexes serve
//! `LIKE '%…%'` directly; nothing here applies there.)
//!
//! Writes do not index (that would cost a create about 40%): triggers note new and changed
//! rows as pending, and [`index_in_background`] indexes them in batches a few times a second.
//! The index narrows and never decides: the row's own `LIKE` is always applied too, so a
//! search is exact whether or not the indexer has caught up. [`Store::check_search_indexes`]
//! rebuilds an index whose rows differ from its table (after a `VACUUM`, which may renumber
//! rowids) at start.
use std::time::Duration;

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

/// Whether the index can answer a search for `text`: three characters or more (a trigram).
/// Any character may be in it (`%`, `_`, quotes): the index is asked for quoted trigrams.
pub(crate) fn usable(text: &str) -> bool {
    text.chars().count() >= 3
}

/// Every index, as the columns it covers — as migration 23 made them (one index per table).
const INDEXES: [&[Trigram]; 3] = [
    &[USER_NAME, USER_DISPLAY_NAME, USER_GIVEN_NAME, USER_FAMILY_NAME],
    &[EMAIL],
    &[GROUP_NAME],
];

/// An index of [`INDEXES`]: (index, table, its columns as an SQL list).
fn parts(covers: &[Trigram]) -> (&'static str, &'static str, String) {
    let columns: Vec<&str> = covers.iter().map(|t| t.column).collect();
    (covers[0].index, covers[0].table, columns.join(", "))
}

/// Pending rows indexed per transaction: about 20 ms of the writer's time, which other writers
/// wait at most (the writer queue is fair, so they interleave with a long catch-up).
const BATCH: u32 = 500;

/// Trigrams of a search asked of the index: the rarest two narrow as well as all of them
/// (usually to a handful of rows) and cost two short lists instead of every list — the
/// trigrams a pattern shares with most rows (`use`, `ser`, `@ex`…) list most rows.
const RAREST: usize = 2;

/// Trigrams of the search text considered when choosing the rarest (a longer text narrows
/// enough with these).
const CONSIDERED: usize = 32;

/// The distinct trigrams of `text`, in order, at most [`CONSIDERED`].
fn trigrams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    for w in chars.windows(3) {
        let t: String = w.iter().collect();
        if !out.contains(&t) {
            out.push(t);
        }
        if out.len() == CONSIDERED {
            break;
        }
    }
    out
}

/// SQL: the rows of `t.table` whose indexed column contains all of the [`RAREST`] trigrams
/// of `text` (lower case, [`usable`]) that `<index>_terms` counts in the fewest rows, and the
/// rows not indexed yet. A superset of the rows containing `text` — the caller's `LIKE` on
/// the row decides. SQLite placeholders.
pub(crate) fn candidates(t: Trigram, text: &str) -> SimpleExpr {
    let grams = trigrams(text);
    let values = vec!["(?)"; grams.len()].join(", ");
    // FTS5 query syntax: `column : "trigram"`, a `"` inside doubled.
    Expr::cust_with_values(
        format!(
            r#""{table}".rowid IN (
                SELECT rowid FROM {index} WHERE {index} MATCH (
                    SELECT group_concat('{column} : "' || replace(g, '"', '""') || '"', ' AND ') FROM (
                        SELECT v.column1 AS g FROM (VALUES {values}) v LEFT JOIN {index}_terms c ON c.term = v.column1
                        ORDER BY coalesce(c.n, 0) LIMIT {RAREST}))
                UNION ALL SELECT id FROM {index}_pending)"#,
            table = t.table,
            index = t.index,
            column = t.column
        ),
        grams,
    )
}

/// SQL: adds the trigrams of the rows of `table` where `rows` holds (`t` is the row) to
/// `<index>_terms`. Counts only grow: a changed or deleted row leaves its old trigrams
/// counted, which can only make a trigram look commoner than it is (a choice of trigrams a
/// little less sharp, never a wrong answer); a rebuild recounts ([`Store::check_search_indexes`]).
/// Case folded as FTS5 folds it for ASCII; other letters are counted as written (their
/// trigrams then look rarer than they are, same consequence).
fn count_terms(index: &str, table: &str, columns: &str, rows: &str) -> String {
    let values: Vec<String> = columns
        .split(", ")
        .map(|c| format!(r#"SELECT lower(t.{c}) AS v FROM "{table}" t WHERE {rows} AND length(t.{c}) >= 3"#))
        .collect();
    format!(
        r#"WITH RECURSIVE src(v) AS ({values}),
             tri(v, i) AS (SELECT v, 1 FROM src UNION ALL SELECT v, i + 1 FROM tri WHERE i + 3 <= length(v))
           INSERT INTO {index}_terms (term, n) SELECT substr(v, i, 3), count(*) FROM tri WHERE true GROUP BY 1
           ON CONFLICT (term) DO UPDATE SET n = n + excluded.n"#,
        values = values.join(" UNION ALL ")
    )
}

/// SQLite only: indexes pending rows every `every` (on the writer connection, in batches of
/// [`BATCH`]); never when `every` is zero.
pub fn index_in_background(store: Store, every: Duration) {
    if store.backend() != DbBackend::Sqlite || every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store.index_pending().await {
                // The writer is saturated: searches stay exact meanwhile; try next tick.
                Ok(_) | Err(StoreError::Busy) => {}
                Err(e) => tracing::warn!(error = %e, "indexing rows for search failed"),
            }
        }
    });
}

impl Store {
    /// SQLite: indexes every pending row, a batch per transaction; returns how many.
    pub async fn index_pending(&self) -> Result<u64, StoreError> {
        if self.backend() != DbBackend::Sqlite {
            return Ok(0);
        }
        let mut total = 0;
        for covers in INDEXES {
            let (index, table, columns) = parts(covers);
            let columns = columns.as_str();
            loop {
                // Most ticks find nothing: ask a reader before taking the writer.
                let waiting = self
                    .db()
                    .query_one_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        format!("SELECT EXISTS (SELECT 1 FROM {index}_pending) AS any_pending"),
                    ))
                    .await?
                    .map(|r| r.try_get::<bool>("", "any_pending"))
                    .transpose()?
                    .unwrap_or(false);
                if !waiting {
                    break;
                }
                let tx = self.write_tx().await?;
                let batch = format!("SELECT id FROM {index}_pending ORDER BY id LIMIT {BATCH}");
                let t: Vec<String> = columns.split(", ").map(|c| format!("t.{c}")).collect();
                let n = tx
                    .execute_unprepared(&format!(
                        r#"INSERT INTO {index} (rowid, {columns}) SELECT t.rowid, {t} FROM "{table}" t WHERE t.rowid IN ({batch})"#,
                        t = t.join(", ")
                    ))
                    .await?
                    .rows_affected();
                tx.execute_unprepared(&count_terms(index, table, columns, &format!("t.rowid IN ({batch})")))
                    .await?;
                // The same rows: no other writer runs inside this transaction.
                tx.execute_unprepared(&format!("DELETE FROM {index}_pending WHERE id IN ({batch})"))
                    .await?;
                tx.commit().await?;
                total += n;
                if n < u64::from(BATCH) {
                    break;
                }
            }
        }
        Ok(total)
    }

    /// SQLite: rebuilds any trigram index whose rows (indexed and pending) are not its table's
    /// rows — count and sum of rowids differ, which a `VACUUM` that renumbered rowids leaves.
    /// One scan of each table and index at start; nothing on PostgreSQL.
    pub async fn check_search_indexes(&self) -> Result<(), StoreError> {
        if self.backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for covers in INDEXES {
            let (index, table, columns) = parts(covers);
            let columns = columns.as_str();
            let sql = format!(
                r#"SELECT NOT EXISTS (SELECT 1 FROM {index}_terms) AND EXISTS (SELECT 1 FROM {index}_docsize) AS uncounted,
                          (SELECT count(*) FROM "{table}") AS rows_n, (SELECT coalesce(sum(rowid), 0) FROM "{table}") AS rows_sum,
                          (SELECT count(*) FROM {index}_docsize) + (SELECT count(*) FROM {index}_pending) AS index_n,
                          (SELECT coalesce(sum(id), 0) FROM {index}_docsize) + (SELECT coalesce(sum(id), 0) FROM {index}_pending) AS index_sum"#
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
                let tx = self.write_tx().await?;
                tx.execute_unprepared(&format!(
                    "DELETE FROM {index}_pending; INSERT INTO {index} ({index}) VALUES ('rebuild'); DELETE FROM {index}_terms"
                ))
                .await?;
                tx.execute_unprepared(&count_terms(index, table, columns, "true"))
                    .await?;
                tx.commit().await?;
            } else if row.try_get::<bool>("", "uncounted")? {
                // Indexed before the trigram counts existed (migration 24).
                let tx = self.write_tx().await?;
                tx.execute_unprepared(&count_terms(
                    index,
                    table,
                    columns,
                    &format!("t.rowid NOT IN (SELECT id FROM {index}_pending)"),
                ))
                .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_index_covers_the_columns_of_one_table() {
        for covers in INDEXES {
            assert!(
                covers
                    .iter()
                    .all(|t| t.index == covers[0].index && t.table == covers[0].table)
            );
        }
        assert_eq!(
            parts(INDEXES[0]),
            (
                "users_trgm",
                "users",
                "user_name_ci, display_name, given_name, family_name".to_owned()
            )
        );
    }

    #[test]
    fn trigrams_are_distinct_in_order_and_bounded() {
        assert_eq!(trigrams("alice"), ["ali", "lic", "ice"]);
        assert_eq!(trigrams("aaaa"), ["aaa"]);
        assert_eq!(trigrams("ab"), Vec::<String>::new());
        // Characters, not bytes.
        assert_eq!(trigrams("zoë@x"), ["zoë", "oë@", "ë@x"]);
        assert_eq!(trigrams(&"abcdefghij".repeat(10)).len(), 10);
        let long: String = ('a'..='z').chain('A'..='Z').collect();
        assert_eq!(trigrams(&long).len(), CONSIDERED);
        assert!(usable("a%b") && usable("x_y") && !usable("ab") && !usable("zë"));
    }

    #[test]
    fn the_index_is_asked_for_quoted_trigrams_bound_as_values() {
        let e = candidates(USER_NAME, "o\"r'%");
        let st = sea_orm::sea_query::Query::select()
            .expr(e)
            .to_owned()
            .build(sea_orm::sea_query::SqliteQueryBuilder);
        assert!(st.0.contains("users_trgm MATCH"), "{}", st.0);
        assert!(st.0.contains("LIMIT 2"), "{}", st.0);
        assert!(!st.0.contains("o\"r"), "text is bound, never spliced: {}", st.0);
        let values = format!("{:?}", st.1);
        assert!(
            values.contains("o\\\"r") && values.contains("\\\"r'") && values.contains("r'%"),
            "{values}"
        );
    }
}
