//! Database connection: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL, by URL.
use std::{str::FromStr, time::Duration};

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, RuntimeErr};

/// The connections of one database: `read` answers queries; `write` is where every write goes.
/// On SQLite they are two pools: `read` opens its connections `query_only` (a write through
/// it fails with "attempt to write a readonly database" instead of competing for the lock),
/// and `write` has exactly one connection, so SQLite's single writer is a property of the
/// pool rather than of each call site, and the pool's fair acquire queue is the writers'
/// queue (no busy-handler sleeps between this process's writers). On PostgreSQL both are the
/// same pool: its writers lock rows, not the database.
#[derive(Clone)]
pub struct Pools {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
    /// SQLite: batches that may wait for the group committer (see `store::commit`).
    pub write_queue: usize,
    /// SQLite file: point reads on the request's thread (`store::local`).
    pub local: Option<std::sync::Arc<crate::store::LocalReads>>,
    /// PostgreSQL: one-statement reads on connections outside the pool (`store::pg_reads`).
    pub pg_reads: Option<std::sync::Arc<crate::store::PgReads>>,
}

/// What an acknowledged SQLite write survives (WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// `synchronous=FULL`: the log is synced at every commit — with group commit, once per
    /// group. Survives a process crash, an OS crash and a power loss.
    Full,
    /// `synchronous=NORMAL`: the log is synced only at checkpoints. Survives a process crash;
    /// an OS crash or a power loss may lose the last commits (never corrupts the file).
    Normal,
}

impl Durability {
    fn pragma(self) -> sqlx::sqlite::SqliteSynchronous {
        match self {
            Durability::Full => sqlx::sqlite::SqliteSynchronous::Full,
            Durability::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
        }
    }
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct Options {
    /// Size of the read pool (default: 16 for PostgreSQL, 8 for SQLite).
    pub max_connections: Option<u32>,
    /// PostgreSQL: every statement is cut off after it.
    pub statement_timeout: Duration,
    /// SQLite: how long a writer waits for the writer connection before the request is
    /// answered 503 with `Retry-After` (back-pressure, not an unbounded queue of requests).
    pub write_wait: Duration,
    /// SQLite: the group committer's queue bound.
    pub write_queue: usize,
    /// SQLite: what an acknowledged write survives.
    pub durability: Durability,
    /// SQLite: the write-ahead log file is cut back to this size when it starts over.
    pub wal_limit_bytes: u64,
    /// SQLite file: point reads on the request's thread (`store::local`).
    pub local_reads: bool,
    /// PostgreSQL: one-statement reads on connections outside the pool (`store::pg_reads`).
    pub pg_direct_reads: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_connections: None,
            statement_timeout: Duration::from_secs(30),
            write_wait: Duration::from_secs(5),
            write_queue: 4096,
            durability: Durability::Full,
            wal_limit_bytes: 64 << 20,
            local_reads: true,
            pg_direct_reads: true,
        }
    }
}

impl Options {
    pub fn from_config(c: &crate::Config) -> Self {
        Options {
            max_connections: c.db_max_connections,
            statement_timeout: Duration::from_secs(c.db_statement_timeout_seconds),
            write_wait: Duration::from_millis(c.db_write_wait_ms),
            write_queue: usize::try_from(c.db_write_queue).unwrap_or(usize::MAX),
            durability: c.sqlite_synchronous,
            wal_limit_bytes: c.sqlite_wal_limit_bytes,
            local_reads: c.sqlite_local_reads,
            pg_direct_reads: c.postgres_direct_reads,
        }
    }
}

/// Connects to `url`.
pub async fn connect(url: &str, o: &Options) -> Result<Pools, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    let read_size = o.max_connections.unwrap_or(if sqlite { 8 } else { 16 });
    if !sqlite {
        let db = open(url, read_size, o, Role::Read).await?;
        let pg_reads = match o.pg_direct_reads {
            true => {
                use sqlx::ConnectOptions as _;
                let opts = sqlx::postgres::PgConnectOptions::from_str(url)
                    .map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(e.into())))?;
                // Statements logged as the pool's are (`sqlx_logging` below).
                let opts = match log_sql() {
                    true => opts.log_statements(tracing::log::LevelFilter::Info),
                    false => opts.disable_statement_logging(),
                };
                // Half as many again as the pool's; a read waits for one when all are busy.
                Some(crate::store::PgReads::new(
                    pg_session(opts, o),
                    (read_size as usize / 2).max(2),
                    READ_WAIT,
                ))
            }
            false => None,
        };
        return Ok(Pools {
            read: db.clone(),
            write: db,
            write_queue: o.write_queue,
            local: None,
            pg_reads,
        });
    }
    sqlite_process_settings();
    // The writer first: it creates the file (`mode=rwc`) and switches it to WAL.
    let write = open(url, 1, o, Role::Write).await?;
    let read = open(url, read_size, o, Role::Read).await?;
    Ok(Pools {
        read,
        write,
        write_queue: o.write_queue,
        local: o
            .local_reads
            .then(|| crate::store::LocalReads::for_url(url).map(std::sync::Arc::new))
            .flatten(),
        pg_reads: None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Read,
    Write,
}

async fn open(url: &str, connections: u32, o: &Options, role: Role) -> Result<DatabaseConnection, DbErr> {
    let session = o.clone();
    let durability = o.durability;
    let wal_limit = o.wal_limit_bytes.to_string();
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(connections)
        .min_connections(1)
        .acquire_timeout(if role == Role::Write { o.write_wait } else { READ_WAIT })
        .sqlx_logging(log_sql())
        .map_sqlx_sqlite_opts(move |o| {
            let o = o
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(durability.pragma())
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Checkpoints run in the background (`checkpoint_in_background`), never in
                // the commit of a request that happens to cross the WAL size threshold.
                .pragma("wal_autocheckpoint", "0")
                // A burst of writes (seeding 10,000 users through /Bulk) grew the log file to
                // 1.1 GB beside a 27 MB database, and SQLite keeps a log file at its largest
                // size: the writer cuts it back to the limit each time the log starts over.
                .pragma("journal_size_limit", wal_limit.clone());
            match role {
                // Readers map the file (up to 256 MiB) instead of copying each page through
                // read(): GET /Users/{id} +15% (4 interleaved runs, PERFORMANCE.md). The cost
                // SQLite documents: an I/O error on the file during a read ends the process
                // (SIGBUS) instead of failing the statement. Pages still in the WAL are read
                // as before.
                Role::Read => o.pragma("query_only", "ON").pragma("mmap_size", READ_MMAP_BYTES),
                Role::Write => o,
            }
        })
        .map_sqlx_postgres_opts(move |pg| pg_session(pg, &session))
        // sqlx pings a SQLite connection when it goes back to the pool (a round trip to the
        // connection's thread that also flushes an abandoned statement); pinging it again when
        // it comes out tests nothing a local file can lose in between and cost a third of the
        // thread hand-offs of a one-statement read.
        .map_sqlx_sqlite_pool_opts(|o| {
            o.test_before_acquire(false)
                .after_connect(|conn, _| Box::pin(stable_plans(conn)))
        })
        // sqlx also pings a PostgreSQL connection on the way in and on the way out: three
        // round trips for a one-statement read; without the first, GET /Users/{id} +25% at
        // 100,000 users (8,200 → 10,200 /s, two interleaved pairs). A connection that came
        // back within the last second passed the release ping then; only one idle for longer
        // (a restarted server, a proxy's idle cut) is tested.
        .map_sqlx_postgres_pool_opts(|o| {
            o.test_before_acquire(false).before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_WHEN_IDLE_FOR {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
        });
    Database::connect(opts).await
}

/// `SCIMITAR_LOG_SQL` set: every statement is logged (at info).
fn log_sql() -> bool {
    std::env::var_os("SCIMITAR_LOG_SQL").is_some()
}

/// The session settings of every PostgreSQL connection. JIT off: PostgreSQL compiles any
/// plan whose estimated cost passes 100,000, which a recursive membership query reaches while
/// table statistics are missing (fresh or bulk-loaded data): 140 ms of compilation for a
/// query that runs in 0.3 ms.
fn pg_session(pg: sqlx::postgres::PgConnectOptions, o: &Options) -> sqlx::postgres::PgConnectOptions {
    let timeout_ms = o.statement_timeout.as_millis().max(1).to_string();
    pg.options([("jit", "off"), ("statement_timeout", timeout_ms.as_str())])
}

/// How much of the database file a SQLite reader maps (256 MiB), also the local reads'
/// (`store::local`).
pub(crate) const READ_MMAP_BYTES: &str = "268435456";

/// How long a read waits for a connection before it is answered 503 (also `store::pg_reads`).
pub(crate) const READ_WAIT: Duration = Duration::from_secs(10);

/// How long a pooled PostgreSQL connection may sit idle before it is tested on acquire.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Process-wide SQLite settings, applied before its first connection opens (SQLite accepts
/// them only then; later calls change nothing, as in a test process that opens many
/// databases). Allocation statistics off: with them on, every allocation of every
/// connection takes one global mutex, which the request threads and sqlx's connection
/// threads fought over (futex wake-ups in the profile of `GET /Users/{id}`).
fn sqlite_process_settings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; called once, before any connection of
    // this process (if SQLite is already initialised it returns SQLITE_MISUSE and changes
    // nothing).
    ONCE.call_once(|| unsafe {
        libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
    });
}

/// Turns on SQLite's query planner stability guarantee for a new connection. Without it, a
/// statement with a bound `LIMIT ?` (every SeaORM `.one()`) or a bound value the planner
/// looked at is marked expired each time it is bound, so SQLite parses and plans it again on
/// every execution — a fifth of the cost of `GET /Users/{id}`. Plans never depended on
/// bound values here anyway: there are no `ANALYZE` statistics.
async fn stable_plans(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let mut previous: std::ffi::c_int = 0;
    // SAFETY: `db` is this connection's open handle, locked for the duration of the call;
    // SQLITE_DBCONFIG_ENABLE_QPSG takes an int and an int* to report the new setting.
    let rc =
        unsafe { libsqlite3_sys::sqlite3_db_config(db, libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG, 1, &mut previous) };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(
            format!("sqlite3_db_config(ENABLE_QPSG) failed: {rc}").into(),
        ))
    }
}

/// SQLite only: copies the write-ahead log back into the database file every 200 ms on a
/// reader connection, instead of SQLite's default of doing it inside whichever commit makes
/// the log pass 1000 pages, which held the write lock through a checkpoint and an fsync and
/// was the 0.5 s tail of writes under load. `PASSIVE` never blocks readers or writers.
///
/// Under a steady stream of commits that alone never lets the log start over: a writer
/// restarts the log only when every frame has been copied back, and by the time a checkpoint
/// finishes the next group commit has appended more (seeding 10,000 users through `/Bulk`
/// grew the log file to 0.8 GB). So when the log has grown past `limit_bytes`, the checkpoint
/// runs once more on the writer connection, taking the writer's turn: nothing is appended
/// while it copies the few frames the background pass left, and the next commit starts the
/// log over (the file is then cut back to the limit, `journal_size_limit`).
pub fn checkpoint_in_background(read: DatabaseConnection, write: DatabaseConnection, limit_bytes: u64) {
    if read.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut page_size = None;
        loop {
            tick.tick().await;
            let frames = match checkpoint(&read).await {
                Ok(frames) => frames,
                Err(e) => {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                    continue;
                }
            };
            if page_size.is_none() {
                page_size = pragma_i64(&read, "PRAGMA page_size").await.ok();
            }
            let log_bytes = frames.saturating_mul(page_size.unwrap_or(4096));
            if u64::try_from(log_bytes).unwrap_or(0) > limit_bytes
                && let Err(e) = checkpoint(&write).await
            {
                tracing::warn!(error = %e, "WAL checkpoint on the writer failed");
            }
        }
    });
}

/// `PRAGMA wal_checkpoint(PASSIVE)` on a connection of `db`; the frames in the log.
async fn checkpoint(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(PASSIVE)",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("wal_checkpoint: no row".into()))?;
    // Columns: busy, frames in the log, frames copied back.
    row.try_get_by_index::<i64>(1)
}

async fn pragma_i64(db: &DatabaseConnection, sql: &str) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("{sql}: no row")))?;
    row.try_get_by_index::<i64>(0)
}
