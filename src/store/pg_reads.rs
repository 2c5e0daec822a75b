//! PostgreSQL one-statement reads on connections kept here, outside sqlx's pool.
//!
//! sqlx tests every connection as it goes back to its pool: it sends a Sync and waits for
//! the server's ReadyForQuery — a second wake-up of the PostgreSQL backend, and of this
//! process, for each one-statement read (there is no setting to skip it). With it skipped,
//! `GET /Users/{id}` ran ~50% faster (three interleaved pairs at 10,000 users,
//! docs/PERFORMANCE.md). A read that ran to its end leaves its connection as it found it —
//! outside any transaction, nothing left unread — so here it goes straight back. A
//! connection whose statement failed is closed; one whose request was dropped mid-read is
//! drained first, as the pool would ([`Lease`]). Only reads go through here: a statement
//! that writes must not, as it would be run again through the pool after a broken connection.
//!
//! A read waits for a connection when all are busy (as it would for the pool's). When one
//! fails on the way (the server restarted, a proxy cut an idle connection), the read goes
//! through the pool instead, which reconnects; a statement the server refused (the statement
//! timeout) is an error here as there. Same server, same session settings as the pool's
//! connections: nothing here is a cache.
use std::sync::{Arc, Mutex};

use sea_orm::{DbErr, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use sqlx::{
    AssertSqlSafe, Connection,
    postgres::{PgConnectOptions, PgConnection},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct PgReads {
    options: PgConnectOptions,
    idle: Arc<Mutex<Vec<PgConnection>>>,
    /// One permit per connection this may hold (idle, in use, or being drained).
    slots: Arc<Semaphore>,
    /// How long a read waits for a permit before it is refused as busy (503).
    wait: std::time::Duration,
    counts: super::OutsidePool,
}

impl PgReads {
    /// Up to `connections` connections made with `options` (opened as reads need them); a
    /// read waits up to `wait` for one.
    pub fn new(options: PgConnectOptions, connections: usize, wait: std::time::Duration) -> Arc<Self> {
        Arc::new(PgReads {
            options,
            idle: Arc::new(Mutex::new(Vec::with_capacity(connections))),
            slots: Arc::new(Semaphore::new(connections)),
            wait,
            counts: Default::default(),
        })
    }

    /// The rows of `stmt` (built by SeaORM for PostgreSQL), or `None` when the caller should
    /// ask the pool: the connection failed other than by the server refusing the statement.
    pub async fn try_fetch_all(&self, stmt: &Statement) -> Option<Result<Vec<QueryResult>, DbErr>> {
        let out = self.fetch_all(stmt).await;
        self.counts.count(out)
    }

    /// How many reads were answered here, and how many were handed to the pool.
    pub fn counts(&self) -> (u64, u64) {
        self.counts.get()
    }

    async fn fetch_all(&self, stmt: &Statement) -> Option<Result<Vec<QueryResult>, DbErr>> {
        let busy = || Some(Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)));
        let Ok(Ok(permit)) = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await else {
            return busy();
        };
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => match tokio::time::timeout(self.wait, PgConnection::connect_with(&self.options)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "direct read: connect failed; asking the pool");
                    return None;
                }
                Err(_) => return busy(),
            },
        };
        let mut lease = Lease {
            conn: Some(conn),
            permit: Some(permit),
            idle: self.idle.clone(),
            wait: self.wait,
        };
        let values = SqlxValues(stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new())));
        let read = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), values)
            .fetch_all(lease.conn.as_mut()?)
            .await;
        let conn = lease.conn.take()?;
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

/// A connection out for a read, with its slot. Dropped before the read ended (the request
/// was cancelled), the server may still be running the statement: as sqlx's pool does with a
/// connection given back mid-read, a task waits (up to the read wait) for the server to be
/// ready again and keeps the connection, or closes it; the slot stays taken until then, so
/// cancelled reads cannot pile up statements on the server beyond the slots.
struct Lease {
    conn: Option<PgConnection>,
    permit: Option<OwnedSemaphorePermit>,
    idle: Arc<Mutex<Vec<PgConnection>>>,
    wait: std::time::Duration,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let (Some(mut conn), permit) = (self.conn.take(), self.permit.take()) else {
            return;
        };
        let (idle, wait) = (self.idle.clone(), self.wait);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if let Ok(Ok(())) = tokio::time::timeout(wait, conn.ping()).await {
                    idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
                }
                drop(permit);
            });
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
    async fn a_finished_read_returns_its_connection_and_a_refused_one_closes_it() {
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

        assert_eq!(r.counts(), (4, 0));
    }

    #[tokio::test]
    #[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
    async fn a_read_dropped_midway_keeps_its_slot_until_its_connection_is_drained() {
        let r = reads(1);
        let pid = backend_pid(&r).await;
        // The request goes away while the server sleeps (or before the statement was even sent).
        let slow = sql("SELECT pg_sleep(0.3)::text AS slept");
        let cut = tokio::time::timeout(Duration::from_millis(50), r.try_fetch_all(&slow)).await;
        assert!(cut.is_err());
        // The only slot comes back with the drained connection: the next read gets it, and
        // its own rows, not the abandoned statement's.
        let rows = r.try_fetch_all(&sql("SELECT 'next' AS next")).await.unwrap().unwrap();
        assert_eq!(rows[0].try_get::<String>("", "next").unwrap(), "next");
        assert_eq!(backend_pid(&r).await, pid, "the same connection, drained and kept");
    }

    #[tokio::test]
    #[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
    async fn a_connection_the_server_ended_hands_the_read_to_the_pool_once() {
        let r = reads(1);
        let pid = backend_pid(&r).await;
        let admin = reads(1);
        let ended = admin
            .try_fetch_all(&sql(&format!("SELECT pg_terminate_backend({pid}, 5000) AS ended")))
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
        let _taken = r.slots.clone().try_acquire_owned().unwrap();
        let busy = r.try_fetch_all(&sql("SELECT 1 AS one")).await.unwrap().unwrap_err();
        assert!(
            matches!(busy, DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
            "{busy:?}"
        );
    }
}
