//! SQLite point reads answered on the calling thread.
//!
//! sqlx runs every SQLite connection on a thread of its own: a one-row read is a command sent
//! to that thread, its row sent back, and a ping when the connection returns to the pool —
//! futex wake-ups and context switches that cost more than the read itself (37% of the CPU
//! time of `GET /Users/{id}` in a profile at 10,000 users; answered here instead, the same
//! GETs ran 60% faster, docs/PERFORMANCE.md). Reads known to be index lookups of a few rows go
//! through here instead: a connection of this small pool runs the statement where the
//! request is. The caller gives a time budget — about what rendering the rows it expects
//! costs on the same thread anyway (a point read: a millisecond; a page: more per row). A
//! statement still running at its budget is interrupted and the caller takes the pool's path
//! (`None`), so a scan never holds a request thread for longer than the budget, and costs
//! at most that much twice.
//!
//! The connections are `query_only` (like the sqlx read pool) and see exactly what it sees:
//! the last committed state of the same file — nothing here is a cache.
use std::{
    path::PathBuf,
    sync::Mutex,
    time::{Duration, Instant},
};

use rusqlite::{Connection, OpenFlags, config::DbConfig, types::Value as SqlValue};
use sea_orm::Value;

/// How often (in SQLite virtual-machine steps) a statement looks at its budget: a few
/// microseconds apart.
const CHECK_EVERY: i32 = 1000;

/// The budget of a read of one row (and its groups): it normally takes tens of microseconds.
pub const POINT: Duration = Duration::from_millis(1);

/// The budget of a read of up to `rows` rows.
pub fn budget_for_rows(rows: u64) -> Duration {
    POINT + Duration::from_micros(20).saturating_mul(u32::try_from(rows).unwrap_or(u32::MAX))
}

/// Idle connections kept (more are opened when requests overlap, and closed after use).
const IDLE: usize = 8;

pub struct LocalReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    counts: super::OutsidePool,
}

/// Why a local read did not answer.
#[derive(Debug)]
pub enum Local {
    /// Over its time budget, or a value this module does not bind or decode: ask the pool.
    Slow,
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for Local {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted => Local::Slow,
            e => Local::Db(e),
        }
    }
}

impl LocalReads {
    /// For a SQLite URL naming an existing file; `None` for PostgreSQL and in-memory databases.
    pub fn for_url(url: &str) -> Option<Self> {
        use std::str::FromStr;
        if !url.starts_with("sqlite:") {
            return None;
        }
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
        let path = opts.get_filename().to_path_buf();
        // In-memory databases have no file (sqlx names them `file:sqlx-in-memory-…`); the
        // writer has created a file database by the time this is called.
        if !path.is_file() {
            return None;
        }
        Some(LocalReads {
            path,
            idle: Mutex::new(Vec::new()),
            counts: Default::default(),
        })
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.pragma_update(None, "query_only", "ON")?;
        conn.pragma_update(None, "mmap_size", crate::db::READ_MMAP_BYTES)?;
        // A WAL reader waits only while a checkpoint restarts the log or a connection
        // recovers it: rare and short.
        conn.busy_timeout(Duration::from_millis(250))?;
        // As the pool's connections (`db::stable_plans`): a bound LIMIT or value does not
        // send the statement back through the planner on every execution.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Runs `f` on a connection of this pool, on this thread, within `budget`; `None` when
    /// the caller should ask the pool instead (over budget, a value this module does not bind
    /// or decode, or any SQLite error: the pool's path reports it properly).
    pub fn try_read<T>(&self, budget: Duration, f: impl FnOnce(&Connection) -> Result<T, Local>) -> Option<T> {
        let out = match self.read(budget, f) {
            Ok(v) => Some(v),
            Err(Local::Slow) => None,
            Err(Local::Db(e)) => {
                tracing::debug!(error = %e, "local read failed; asking the pool");
                None
            }
        };
        self.counts.count(out)
    }

    /// How many reads were answered here, and how many were handed to the pool.
    pub fn counts(&self) -> (u64, u64) {
        self.counts.get()
    }

    fn read<T>(&self, budget: Duration, f: impl FnOnce(&Connection) -> Result<T, Local>) -> Result<T, Local> {
        let conn = match self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            Some(c) => c,
            None => self.open()?,
        };
        let deadline = Instant::now() + budget;
        conn.progress_handler(CHECK_EVERY, Some(move || Instant::now() > deadline))?;
        let out = f(&conn);
        conn.progress_handler(CHECK_EVERY, None::<fn() -> bool>)?;
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE {
            idle.push(conn);
        }
        out
    }
}

/// A value SeaORM built, as sqlx would bind it on SQLite (uuids as 16-byte blobs);
/// `None` for kinds the local reads never bind.
pub fn bind(v: &Value) -> Option<SqlValue> {
    Some(match v {
        Value::Bool(b) => b.map_or(SqlValue::Null, |b| SqlValue::Integer(b.into())),
        Value::TinyInt(n) => n.map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Value::SmallInt(n) => n.map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Value::Int(n) => n.map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Value::BigInt(n) => n.map_or(SqlValue::Null, SqlValue::Integer),
        Value::TinyUnsigned(n) => n.map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Value::SmallUnsigned(n) => n.map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Value::Unsigned(n) => n.map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Value::BigUnsigned(n) => match n {
            None => SqlValue::Null,
            Some(n) => SqlValue::Integer(i64::try_from(*n).ok()?),
        },
        Value::String(s) => s.as_ref().map_or(SqlValue::Null, |s| SqlValue::Text(s.clone())),
        Value::Uuid(u) => u.map_or(SqlValue::Null, |u| SqlValue::Blob(u.as_bytes().to_vec())),
        Value::Bytes(b) => b.as_ref().map_or(SqlValue::Null, |b| SqlValue::Blob(b.clone())),
        _ => return None,
    })
}

/// Runs `stmt` (as SeaORM built it for SQLite) and maps each row with `f`.
pub fn query<T>(
    conn: &Connection,
    stmt: &sea_orm::Statement,
    mut f: impl FnMut(&rusqlite::Row) -> Result<T, Local>,
) -> Result<Vec<T>, Local> {
    let values = match &stmt.values {
        Some(v) => v.0.iter().map(bind).collect::<Option<Vec<_>>>().ok_or(Local::Slow)?,
        None => vec![],
    };
    let mut prepared = conn.prepare_cached(&stmt.sql)?;
    let mut rows = prepared.query(rusqlite::params_from_iter(values))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(f(row)?);
    }
    Ok(out)
}

/// A uuid column as sqlx writes it on SQLite (16-byte blob).
pub fn uuid(row: &rusqlite::Row, col: impl rusqlite::RowIndex) -> Result<uuid::Uuid, Local> {
    let bytes = row.get_ref(col)?.as_blob().map_err(|_| Local::Slow)?;
    uuid::Uuid::from_slice(bytes).map_err(|_| Local::Slow)
}

/// A `DateTime<Utc>` column as sqlx writes it on SQLite (RFC 3339 text). Anything else is
/// left to the pool's decoder.
pub fn time(row: &rusqlite::Row, col: impl rusqlite::RowIndex) -> Result<Option<chrono::DateTime<chrono::Utc>>, Local> {
    match row.get_ref(col)?.as_str_or_null().map_err(|_| Local::Slow)? {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&chrono::Utc)))
            .map_err(|_| Local::Slow),
    }
}

/// A JSON column (text).
pub fn json(row: &rusqlite::Row, col: impl rusqlite::RowIndex) -> Result<serde_json::Value, Local> {
    let s = row.get_ref(col)?.as_str().map_err(|_| Local::Slow)?;
    serde_json::from_str(s).map_err(|_| Local::Slow)
}

/// Column `at` is named `name`: rows read by position check where they expect their columns.
pub fn named(row: &rusqlite::Row, at: usize, name: &str) -> Result<(), Local> {
    match row.as_ref().column_name(at)? == name {
        true => Ok(()),
        false => Err(Local::Slow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SQLite file with one table, and local reads over it.
    fn fixture() -> (LocalReads, PathBuf) {
        let path = std::env::temp_dir().join(format!("scimitar-local-{}.db", uuid::Uuid::new_v4()));
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (id BLOB PRIMARY KEY, n INTEGER, s TEXT);")
            .unwrap();
        let id = uuid::Uuid::from_u128(7);
        setup
            .execute("INSERT INTO t VALUES (?1, 42, 'x')", (id.as_bytes().to_vec(),))
            .unwrap();
        let local = LocalReads::for_url(&format!("sqlite://{}?mode=rwc", path.display())).unwrap();
        (local, path)
    }

    fn stmt(sql: &str, values: Vec<Value>) -> sea_orm::Statement {
        sea_orm::Statement::from_sql_and_values(sea_orm::DbBackend::Sqlite, sql, values)
    }

    #[test]
    fn only_sqlite_files_are_read_locally() {
        assert!(LocalReads::for_url("postgres://u:p@localhost/db").is_none());
        assert!(LocalReads::for_url("sqlite::memory:").is_none());
        assert!(LocalReads::for_url("sqlite://:memory:").is_none());
        let (_, path) = fixture();
        assert!(LocalReads::for_url(&format!("sqlite://{}?mode=rwc", path.display())).is_some());
        assert!(LocalReads::for_url(&format!("sqlite://{}.missing", path.display())).is_none());
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn binds_values_as_sqlx_does_and_decodes_rows() {
        let (local, path) = fixture();
        let id = uuid::Uuid::from_u128(7);
        let q = stmt(
            "SELECT id, n, s FROM t WHERE id = $1 AND n > $2",
            vec![id.into(), 41i64.into()],
        );
        let rows = local.try_read(POINT, |c| {
            query(c, &q, |r| {
                Ok((uuid(r, "id")?, r.get::<_, i64>("n")?, r.get::<_, String>("s")?))
            })
        });
        assert_eq!(rows, Some(vec![(id, 42, "x".to_owned())]));
        assert_eq!(local.counts(), (1, 0));
        // No row is an answer too (not a fallback).
        let q = stmt("SELECT id FROM t WHERE id = $1", vec![uuid::Uuid::from_u128(8).into()]);
        assert_eq!(local.try_read(POINT, |c| query(c, &q, |r| uuid(r, "id"))), Some(vec![]));
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn what_it_cannot_answer_is_handed_to_the_pool() {
        let (local, path) = fixture();
        // A value kind this module does not bind.
        let q = stmt("SELECT $1", vec![Value::Json(Some(Box::new(serde_json::json!({}))))]);
        assert_eq!(
            local.try_read(POINT, |c| query(c, &q, |r| Ok(r.get::<_, String>(0)?))),
            None
        );
        // A column that does not decode as the caller expects.
        let q = stmt("SELECT s AS id FROM t", vec![]);
        assert_eq!(local.try_read(POINT, |c| query(c, &q, |r| uuid(r, "id"))), None);
        // SQL the database refuses: the pool's path reports the error.
        let q = stmt("SELECT nope FROM t", vec![]);
        assert_eq!(
            local.try_read(POINT, |c| query(c, &q, |r| Ok(r.get::<_, i64>(0)?))),
            None
        );
        // A write: the connection is query_only.
        let q = stmt("DELETE FROM t RETURNING n", vec![]);
        assert_eq!(
            local.try_read(POINT, |c| query(c, &q, |r| Ok(r.get::<_, i64>(0)?))),
            None
        );
        assert_eq!(local.counts(), (0, 4));
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn a_statement_past_its_budget_is_interrupted_and_the_connection_stays_usable() {
        let (local, path) = fixture();
        // Hundreds of millions of steps: far past a millisecond.
        let scan = stmt(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM (SELECT x FROM c LIMIT 100000000)",
            vec![],
        );
        let started = Instant::now();
        assert_eq!(
            local.try_read(POINT, |c| query(c, &scan, |r| Ok(r.get::<_, i64>(0)?))),
            None
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "interrupted, not run to the end"
        );
        // The same (idle-pooled) connection answers the next read.
        let q = stmt("SELECT n FROM t", vec![]);
        assert_eq!(
            local.try_read(POINT, |c| query(c, &q, |r| Ok(r.get::<_, i64>(0)?))),
            Some(vec![42])
        );
        assert_eq!(local.counts(), (1, 1));
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn budgets_grow_with_the_rows_asked_for() {
        assert_eq!(budget_for_rows(0), POINT);
        assert_eq!(budget_for_rows(100), POINT + Duration::from_millis(2));
        assert!(budget_for_rows(u64::MAX) > budget_for_rows(1000));
    }
}
