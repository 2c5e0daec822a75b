//! Fixed-window budgets shared by every replica (table `rate_limits`). A hit is one atomic
//! upsert that starts a new window when the old one has ended and returns the count, so two
//! racing requests can never both take the last unit of a budget.
use sea_orm::{ConnectionTrait, Statement, Value as DbValue};

use super::{Store, StoreError};

/// The length of a budget's window.
pub const WINDOW_SECONDS: i64 = 60;

pub struct Limits<'a> {
    pub(super) store: &'a Store,
}

/// The answer to a hit: within the budget, or over it with the seconds until it refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Within,
    Exhausted { retry_after: u64 },
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn retry_after(window_start: i64) -> u64 {
    (window_start + WINDOW_SECONDS - now()).clamp(1, WINDOW_SECONDS) as u64
}

impl Limits<'_> {
    fn stmt(&self, sql: &str, values: Vec<DbValue>) -> Statement {
        let backend = self.store.backend();
        // One SQL text for both backends: `$n` placeholders are PostgreSQL's; SQLite reads
        // `$1` as a numbered parameter too.
        Statement::from_sql_and_values(backend, sql, values)
    }

    /// Counts one hit on `key`; `Exhausted` when it is past `limit` in the current window.
    pub async fn hit(&self, key: &str, limit: u32) -> Result<Budget, StoreError> {
        let now = now();
        let stmt = self.stmt(
            r#"INSERT INTO rate_limits ("key", window_start, hits) VALUES ($1, $2, 1)
               ON CONFLICT ("key") DO UPDATE SET
                 hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END,
                 window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END
               RETURNING hits, window_start"#,
            vec![key.into(), now.into(), (now - WINDOW_SECONDS).into()],
        );
        let row = self
            .store
            .writer()
            .query_one_raw(stmt)
            .await?
            .ok_or_else(|| StoreError::Invalid("the rate-limit upsert returned no row".into()))?;
        let hits: i32 = row.try_get("", "hits")?;
        let start: i64 = row.try_get("", "window_start")?;
        Ok(if hits as i64 > i64::from(limit) {
            Budget::Exhausted {
                retry_after: retry_after(start),
            }
        } else {
            Budget::Within
        })
    }

    /// Gives back one hit (a reserved attempt that turned out to succeed).
    pub async fn refund(&self, key: &str) -> Result<(), StoreError> {
        let stmt = self.stmt(
            r#"UPDATE rate_limits SET hits = hits - 1 WHERE "key" = $1 AND hits > 0"#,
            vec![key.into()],
        );
        self.store.writer().execute_raw(stmt).await?;
        Ok(())
    }

    /// Deletes the rows of windows that ended before `older_than_seconds` ago.
    pub async fn prune(&self, older_than_seconds: i64) -> Result<u64, StoreError> {
        let stmt = self.stmt(
            "DELETE FROM rate_limits WHERE window_start < $1",
            vec![(now() - older_than_seconds).into()],
        );
        Ok(self.store.writer().execute_raw(stmt).await?.rows_affected())
    }
}
