//! PostgreSQL one-statement reads on connections kept here, outside sqlx's pool.
//!
//! sqlx tests every connection as it goes back to its pool: it sends a Sync and waits for
//! the server's ReadyForQuery — a second wake-up of the PostgreSQL backend, and of this
//! process, for each one-statement read (there is no setting to skip it). With it skipped,
//! `GET /Users/{id}` ran ~50% faster (three interleaved pairs at 10,000 users,
//! docs/PERFORMANCE.md). A read that ran to its end leaves its connection as it found it —
//! outside any transaction, nothing left unread — so here it goes straight back. A
//! connection whose read did not end (an error, or the request dropped while it waited) is
//! closed, never reused.
//!
//! A read waits for a connection when all are busy (as it would for the pool's). When one
//! fails on the way (the server restarted, a proxy cut an idle connection), the read goes
//! through the pool instead, which reconnects; a statement the server refused (the statement
//! timeout) is an error here as there. Same server, same session settings as the pool's
//! connections: nothing here is a cache.
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering::Relaxed},
};

use sea_orm::{DbErr, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use sqlx::{
    AssertSqlSafe, Connection,
    postgres::{PgConnectOptions, PgConnection},
};
use tokio::sync::Semaphore;

pub struct PgReads {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    /// One permit per connection this may hold (idle or in use).
    slots: Semaphore,
    /// How long a read waits for a permit before it is refused as busy (503).
    wait: std::time::Duration,
    /// Reads answered here, and reads handed to the pool (for `/metrics`).
    answered: AtomicU64,
    handed_on: AtomicU64,
}

impl PgReads {
    /// Up to `connections` connections made with `options` (opened as reads need them); a
    /// read waits up to `wait` for one.
    pub fn new(options: PgConnectOptions, connections: usize, wait: std::time::Duration) -> Arc<Self> {
        Arc::new(PgReads {
            options,
            idle: Mutex::new(Vec::with_capacity(connections)),
            slots: Semaphore::new(connections),
            wait,
            answered: AtomicU64::new(0),
            handed_on: AtomicU64::new(0),
        })
    }

    /// The rows of `stmt` (built by SeaORM for PostgreSQL), or `None` when the caller should
    /// ask the pool: the connection failed other than by the server refusing the statement.
    pub async fn try_fetch_all(&self, stmt: &Statement) -> Option<Result<Vec<QueryResult>, DbErr>> {
        let out = self.fetch_all(stmt).await;
        match out {
            Some(_) => &self.answered,
            None => &self.handed_on,
        }
        .fetch_add(1, Relaxed);
        out
    }

    /// How many reads were answered here, and how many were handed to the pool.
    pub fn counts(&self) -> (u64, u64) {
        (self.answered.load(Relaxed), self.handed_on.load(Relaxed))
    }

    async fn fetch_all(&self, stmt: &Statement) -> Option<Result<Vec<QueryResult>, DbErr>> {
        let Ok(Ok(_slot)) = tokio::time::timeout(self.wait, self.slots.acquire()).await else {
            return Some(Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)));
        };
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match idle {
            Some(c) => c,
            None => match PgConnection::connect_with(&self.options).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::debug!(error = %e, "direct read: connect failed; asking the pool");
                    return None;
                }
            },
        };
        // Dropped here mid-read (the request was cancelled), `conn` closes with it.
        let values = SqlxValues(stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new())));
        let read = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), values)
            .fetch_all(&mut conn)
            .await;
        match read {
            Ok(rows) => {
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
                Some(Ok(rows.into_iter().map(QueryResult::from).collect()))
            }
            Err(sqlx::Error::Database(e)) if !connection_ended(e.code().as_deref()) => Some(Err(DbErr::Query(
                RuntimeErr::SqlxError(Arc::new(sqlx::Error::Database(e))),
            ))),
            Err(e) => {
                tracing::debug!(error = %e, "direct read failed; asking the pool");
                None
            }
        }
    }
}

/// Whether an error the server sent means the connection is over rather than the statement
/// refused: class 08 (connection exception) and 57P (the server shutting down or the backend
/// terminated — what a connection left idle through a restart reads first).
fn connection_ended(sqlstate: Option<&str>) -> bool {
    sqlstate.is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
}

#[cfg(test)]
mod tests {
    use std::{str::FromStr, time::Duration};

    use sea_orm::{DbBackend, Statement};

    use super::*;

    /// A `PgReads` of `connections` on the server of `SCIMITAR_TEST_DATABASE_URL`.
    fn reads(connections: usize) -> Arc<PgReads> {
        let url = std::env::var("SCIMITAR_TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
            .expect("this test needs SCIMITAR_TEST_DATABASE_URL=postgres://…");
        PgReads::new(
            PgConnectOptions::from_str(&url).unwrap(),
            connections,
            Duration::from_secs(5),
        )
    }

    fn sql(text: &str) -> Statement {
        Statement::from_string(DbBackend::Postgres, text)
    }

    fn idle(r: &PgReads) -> usize {
        r.idle.lock().unwrap().len()
    }

    async fn backend_pid(r: &PgReads) -> i32 {
        let rows = r
            .try_fetch_all(&sql("SELECT pg_backend_pid() AS pid"))
            .await
            .unwrap()
            .unwrap();
        rows[0].try_get::<i32>("", "pid").unwrap()
    }

    #[tokio::test]
    #[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
    async fn a_finished_read_returns_its_connection_and_an_unfinished_one_closes_it() {
        let r = reads(2);
        // Bound values reach the server and rows come back decoded.
        let stmt = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT $1::int + 1 AS n", [41.into()]);
        let rows = r.try_fetch_all(&stmt).await.unwrap().unwrap();
        assert_eq!(rows[0].try_get::<i32>("", "n").unwrap(), 42);
        assert_eq!(idle(&r), 1);
        let pid = backend_pid(&r).await;
        assert_eq!(backend_pid(&r).await, pid, "the connection is reused");

        // Refused by the server: the error is the caller's, the connection is not kept.
        let refused = r.try_fetch_all(&sql("SELECT 1 / 0")).await.expect("answered here");
        assert!(refused.unwrap_err().to_string().contains("division by zero"));
        assert_eq!(idle(&r), 0);

        // Dropped while the server is still working: the connection goes with the read.
        let cut = tokio::time::timeout(Duration::from_millis(50), r.try_fetch_all(&sql("SELECT pg_sleep(2)"))).await;
        assert!(cut.is_err());
        assert_eq!(idle(&r), 0);
        assert_ne!(backend_pid(&r).await, pid, "a new connection");
        assert_eq!(r.counts(), (5, 0));
    }

    #[tokio::test]
    #[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
    async fn a_connection_the_server_ended_hands_the_read_to_the_pool_once() {
        let r = reads(1);
        let pid = backend_pid(&r).await;
        let admin = reads(1);
        let ended = admin
            .try_fetch_all(&sql(&format!("SELECT pg_terminate_backend({pid}) AS ended")))
            .await
            .unwrap()
            .unwrap();
        assert!(ended[0].try_get::<bool>("", "ended").unwrap());
        // The idle connection is dead: this read goes to the pool and the connection is dropped…
        assert!(r.try_fetch_all(&sql("SELECT 1 AS one")).await.is_none());
        assert_eq!(idle(&r), 0);
        // …and the next one opens a new connection.
        assert_ne!(backend_pid(&r).await, pid);
        assert_eq!(r.counts(), (2, 1));
    }

    #[tokio::test]
    #[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
    async fn reads_past_the_connections_wait_for_one() {
        let r = reads(1);
        let (slow, quick) = (sql("SELECT pg_sleep(0.05)::text AS a"), sql("SELECT 'b' AS b"));
        let (a, b) = tokio::join!(r.try_fetch_all(&slow), r.try_fetch_all(&quick));
        assert!(a.unwrap().is_ok());
        assert_eq!(b.unwrap().unwrap()[0].try_get::<String>("", "b").unwrap(), "b");
        assert_eq!(idle(&r), 1, "one connection for both");

        // Waiting past its limit, a read is refused as busy (503 with Retry-After).
        let r = PgReads::new(r.options.clone(), 1, Duration::from_millis(20));
        let (slow, quick) = (sql("SELECT pg_sleep(0.3)::text AS a"), sql("SELECT 'b' AS b"));
        let (a, b) = tokio::join!(r.try_fetch_all(&slow), async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            r.try_fetch_all(&quick).await
        });
        assert!(a.unwrap().is_ok());
        let busy = b.unwrap().unwrap_err();
        assert!(
            matches!(busy, DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
            "{busy:?}"
        );
    }
}
