//! All database access. Handlers call these functions; nothing else touches `entity`.
pub mod access_log;
pub mod audit;
mod authority;
mod commit;
pub mod console;
mod expiry;
pub mod groups;
mod held_cache;
pub mod limits;
mod local;
pub mod lookup;
pub mod members;
pub mod oidc;
mod pg_reads;
pub mod roles;
pub mod search;
pub mod sign_ins;
pub mod tokens;
pub mod users;

use std::sync::Arc;

pub use local::LocalReads;
pub use pg_reads::PgReads;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Storage failures, typed so each protocol can map them to its own error format.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The resource does not exist (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness constraint was violated (409). The text is written for the client and
    /// never carries the database's own message.
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` named another version than the stored one (412).
    #[error("the resource was modified: version mismatch")]
    VersionMismatch,
    /// The request refers to something invalid, e.g. unknown member ids (400).
    #[error("{0}")]
    Invalid(String),
    /// The caller would hand on one of Scimitar's own permissions it does not hold (403):
    /// `doing` says how, e.g. "adding members to a group whose roles carry it".
    #[error("{doing} needs the permission \"{permission}\", which the caller does not hold")]
    Forbidden { permission: String, doing: &'static str },
    /// Too many writes are waiting (503 with `Retry-After`): back-pressure instead of an
    /// unbounded queue. Nothing of the request was written.
    #[error("the server is busy writing; try again in a moment")]
    Busy,
    /// Anything else from the database (500; logged, never shown).
    #[error(transparent)]
    Db(DbErr),
}

/// Seconds a client is asked to wait after [`StoreError::Busy`].
pub const BUSY_RETRY_AFTER_SECONDS: u32 = 1;

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(m)) => {
                // The database's text names tables, indexes and values: log it, send a summary.
                tracing::debug!(constraint = %m, "unique constraint violated");
                StoreError::Conflict(unique_violation_summary(&m).to_owned())
            }
            _ if matches!(e, DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)) => StoreError::Busy,
            _ => StoreError::Db(e),
        }
    }
}

/// The time a resource is created or modified, at the precision SCIM shows it (`meta.created`,
/// `meta.lastModified` have milliseconds): a client that filters with
/// `meta.lastModified gt "<a value it was shown>"` must not get that same resource back.
pub(crate) fn resource_time() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(3)
}

/// What a unique-constraint violation means to a client, from the constraint the database
/// names (SQLite: `UNIQUE constraint failed: users.user_name_ci`; PostgreSQL: the index name).
fn unique_violation_summary(db_message: &str) -> &'static str {
    if db_message.contains("user_name") {
        "userName is already taken"
    } else if db_message.contains("display_name") {
        "a group with this displayName already exists"
    } else {
        "the request conflicts with an existing resource"
    }
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// Reads. On SQLite its connections are `query_only`: a write through it fails.
    db: DatabaseConnection,
    /// Writes: on SQLite a pool of exactly one connection (see [`crate::db::Pools`]).
    writer: DatabaseConnection,
    tokens: Arc<tokens::Cache>,
    /// What users hold, for tokens (see [`held_cache`]).
    held: Arc<held_cache::HeldCache>,
    /// SQLite: the group committer for independent batches (see [`Store::write_batch`]).
    committer: Option<commit::Committer>,
    /// The longest an access token lives: how long a revoked token family stays listed.
    access_ttl: chrono::Duration,
    /// Decides which memberships are in effect ([`crate::clock`]).
    clock: crate::clock::Clock,
    /// "Last accessed" notes waiting to be written ([`access_log`]).
    access_log: Arc<access_log::AccessLog>,
    /// SQLite file: point reads on the request's thread ([`local`]).
    local: Option<Arc<local::LocalReads>>,
    /// PostgreSQL: one-statement reads outside the pool ([`pg_reads`]).
    pg_reads: Option<Arc<PgReads>>,
}

/// Reads answered outside sqlx's pool ([`local`], [`pg_reads`]) and reads handed to it,
/// for `/metrics`.
#[derive(Default)]
struct OutsidePool {
    answered: std::sync::atomic::AtomicU64,
    handed_on: std::sync::atomic::AtomicU64,
}

impl OutsidePool {
    /// Counts a read by its outcome (`None`: handed to the pool) and passes it on.
    fn count<T>(&self, out: Option<T>) -> Option<T> {
        match out {
            Some(_) => &self.answered,
            None => &self.handed_on,
        }
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        out
    }

    /// (answered, handed to the pool).
    fn get(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.answered.load(Relaxed), self.handed_on.load(Relaxed))
    }
}

/// A write transaction: on SQLite it holds the one writer connection until it ends.
pub(crate) struct WriteTx {
    tx: DatabaseTransaction,
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }
}

impl Store {
    /// Must be called within a Tokio runtime: on SQLite it starts the group committer.
    pub fn new(pools: crate::db::Pools) -> Self {
        let committer = (pools.write.get_database_backend() == DbBackend::Sqlite)
            .then(|| commit::Committer::spawn(pools.write.clone(), pools.write_queue));
        Store {
            db: pools.read,
            writer: pools.write,
            tokens: Default::default(),
            held: Default::default(),
            committer,
            access_ttl: chrono::Duration::days(1),
            clock: Default::default(),
            access_log: Default::default(),
            local: pools.local,
            pg_reads: pools.pg_reads,
        }
    }

    /// SQLite file with local reads on: reads answered on the request's thread ([`local`]).
    pub fn local(&self) -> Option<&local::LocalReads> {
        self.local.as_deref()
    }

    /// PostgreSQL with direct reads on: one-statement reads outside the pool ([`pg_reads`]).
    pub fn pg_reads(&self) -> Option<&PgReads> {
        self.pg_reads.as_deref()
    }

    /// Uses `clock` for membership times (tests inject a manual one).
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> &crate::clock::Clock {
        &self.clock
    }

    /// Now, in the microseconds membership times are stored in.
    pub(crate) fn now_us(&self) -> i64 {
        self.clock.now_us()
    }

    /// Sets the access-token lifetime (revocations are kept that long).
    pub fn with_access_ttl(mut self, seconds: i64) -> Self {
        self.access_ttl = chrono::Duration::seconds(seconds.max(1));
        self
    }

    /// When every access token issued now has expired.
    pub(crate) fn access_expiry(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + self.access_ttl
    }

    /// Commits a batch of writes that needs no reads. On SQLite it joins the group commit
    /// (one transaction for every batch queued meanwhile, each in its own savepoint); on
    /// PostgreSQL it is a transaction of its own. Returns once the batch is committed; when
    /// the committer's queue is full, at once with [`StoreError::Busy`].
    pub(crate) async fn write_batch(&self, batch: Batch) -> Result<(), StoreError> {
        if let Some(committer) = &self.committer {
            return committer.write(batch).await;
        }
        let tx = self.writer.begin().await?;
        batch.run(&tx).await?;
        Ok(tx.commit().await?)
    }

    /// The connections for reading (on SQLite, `query_only`: writing through them fails).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The connection for writing a single statement outside [`Store::write_tx`]: on SQLite
    /// the one writer connection, so the write takes its turn in the writers' fair queue.
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Round-trip to the database (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    /// A transaction that will write. On SQLite it takes the write lock at `BEGIN`
    /// (`BEGIN IMMEDIATE`), so a read-then-write never fails with "database is locked";
    /// on PostgreSQL rows are locked with `SELECT … FOR UPDATE` where a read precedes a write.
    ///
    /// SQLite has one writer at a time; a writer that finds the lock taken sleeps in SQLite's
    /// busy handler (1, 2, 5 … 100 ms) however soon the lock frees, which made p99 of writes
    /// under load 400 ms. This process's writers therefore queue for the one writer
    /// connection (a fair queue: first come, first served) and reach SQLite one at a time;
    /// the busy handler only still serves other processes. A writer that waits longer than
    /// `SCIMITAR_DB_WRITE_WAIT_MS` gets [`StoreError::Busy`].
    pub(crate) async fn write_tx(&self) -> Result<WriteTx, StoreError> {
        let opts = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(WriteTx {
            tx: self.writer.begin_with_options(opts).await?,
        })
    }

    pub fn users(&self) -> users::Users<'_> {
        users::Users { store: self }
    }

    pub fn groups(&self) -> groups::Groups<'_> {
        groups::Groups { store: self }
    }

    /// The shared secret called `name`, made (32 random bytes, base64url) by whichever replica
    /// asks first.
    pub async fn server_secret(&self, name: &str) -> Result<String, StoreError> {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        use sea_orm::{ConnectionTrait, Statement};
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| StoreError::Invalid("no randomness".into()))?;
        let backend = self.backend();
        {
            self.writer
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                    vec![name.into(), URL_SAFE_NO_PAD.encode(bytes).into()],
                ))
                .await?;
        }
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT value FROM server_secrets WHERE name = $1",
                vec![name.into()],
            ))
            .await?
            .ok_or(StoreError::NotFound("server secret"))?;
        Ok(row.try_get("", "value")?)
    }

    pub fn roles(&self) -> roles::Roles<'_> {
        roles::Roles { store: self }
    }

    pub fn limits(&self) -> limits::Limits<'_> {
        limits::Limits { store: self }
    }

    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit { store: self }
    }

    pub fn tokens(&self) -> tokens::Tokens<'_> {
        tokens::Tokens {
            store: self,
            cache: &self.tokens,
        }
    }
}

/// Writes that need nothing read between them, sent together. On SQLite they go as one
/// multi-statement execution: one hand-off to the connection's worker thread instead of one
/// per statement, which matters because SQLite writes are serialized and every hand-off
/// inside the write lock is a thread wake-up that all other writers wait for. On PostgreSQL
/// (one statement per protocol message) they run one after the other.
#[derive(Default)]
pub(crate) struct Batch {
    stmts: Vec<sea_orm::Statement>,
}

impl Batch {
    pub fn push(&mut self, db: &impl sea_orm::ConnectionTrait, q: &impl sea_orm::QueryTrait) {
        self.stmts.push(q.build(db.get_database_backend()));
    }

    /// Adds a statement written as SQL text.
    pub fn push_raw(&mut self, stmt: sea_orm::Statement) {
        self.stmts.push(stmt);
    }

    pub async fn run(self, db: &impl sea_orm::ConnectionTrait) -> Result<(), DbErr> {
        if db.get_database_backend() != DbBackend::Sqlite {
            for stmt in self.stmts {
                db.execute_raw(stmt).await?;
            }
            return Ok(());
        }
        // Small statements are joined (`?` placeholders are numbered across the statements of
        // one execution). A large one (a chunk of hundreds of rows) runs alone: SQLite keeps
        // each distinct SQL text prepared per connection, and joined texts of varying length
        // would each keep a copy of the big statement (hundreds of MB while seeding).
        let mut sql = String::new();
        let mut values = Vec::new();
        for stmt in self.stmts {
            let n = stmt.values.as_ref().map_or(0, |v| v.0.len());
            if n > JOIN_MAX_VALUES {
                flush(db, &mut sql, &mut values).await?;
                db.execute_raw(stmt).await?;
            } else {
                sql.push_str(&stmt.sql);
                sql.push_str(";\n");
                values.extend(stmt.values.map(|v| v.0).unwrap_or_default());
            }
        }
        flush(db, &mut sql, &mut values).await
    }
}

/// Statements with more bound values than this are not joined with others (see [`Batch::run`]).
const JOIN_MAX_VALUES: usize = 64;

async fn flush(
    db: &impl sea_orm::ConnectionTrait,
    sql: &mut String,
    values: &mut Vec<sea_orm::Value>,
) -> Result<(), DbErr> {
    if sql.is_empty() {
        return Ok(());
    }
    let stmt = sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, std::mem::take(sql), std::mem::take(values));
    db.execute_raw(stmt).await?;
    Ok(())
}

/// A paged list result.
#[derive(Debug)]
pub struct Page<T> {
    pub total: u64,
    pub items: Vec<T>,
}

/// How to order and cut a list.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub filter: sea_orm::Condition,
    pub order_by: Option<(sea_orm::sea_query::SimpleExpr, sea_orm::Order)>,
    pub offset: u64,
    /// Keyset paging: only rows whose id is greater (ids are ordered UUIDv7s).
    pub after: Option<uuid::Uuid>,
    pub limit: u64,
}

/// One page of `E`, ordered by `order_by` then id (a stable order across pages), with the
/// total number of matching rows.
///
/// - The page is read first: when it is the last one (fewer rows than asked for, by offset
///   from the start), the total follows from it and the `COUNT(*)` is skipped, so lookups by
///   `eq` filters cost one query, not two.
/// - Without a filter no `WHERE` is written at all: SQLite then counts a table from its
///   smallest index's b-tree pages instead of stepping through every row (`WHERE TRUE` alone
///   made the count of 100,000 users 1.1 ms instead of 0.01 ms).
/// - An `OFFSET` page selects the ids first and then only their rows (a "deferred join"): the
///   skipped rows are walked in an index, not loaded from the table (3.4× faster at offset
///   50,000 in SQLite).
///
/// `fetch` reads the rows of a select (plain models, or models with more columns).
pub(crate) async fn list_page<E, T>(
    db: &DatabaseConnection,
    p: ListParams,
    id: E::Column,
    fetch: impl AsyncFnOnce(sea_orm::Select<E>) -> Result<Vec<T>, DbErr>,
) -> Result<Page<T>, StoreError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
    let unfiltered = p.filter.is_empty();
    let mut query = E::find();
    if !unfiltered {
        query = query.filter(p.filter);
    }
    let count = async |query: sea_orm::Select<E>| match unfiltered {
        true => count_all::<E>(db).await,
        false => query.count(db).await,
    };
    if p.limit == 0 {
        return Ok(Page {
            total: count(query).await?,
            items: vec![],
        });
    }
    let mut page = query.clone();
    if let Some(after) = p.after {
        page = page.filter(id.gt(after));
    }
    let order = |q: sea_orm::Select<E>| {
        let q = match p.order_by.clone() {
            Some((expr, order)) => q.order_by(expr, order),
            None => q,
        };
        q.order_by_asc(id)
    };
    let items = if p.offset == 0 {
        fetch(order(page).limit(p.limit)).await?
    } else {
        let ids = order(page)
            .select_only()
            .column(id)
            .offset(p.offset)
            .limit(p.limit)
            .into_query();
        fetch(order(E::find().filter(id.in_subquery(ids)))).await?
    };
    let last_from_start = p.after.is_none() && (items.len() as u64) < p.limit && (!items.is_empty() || p.offset == 0);
    let total = if last_from_start {
        p.offset + items.len() as u64
    } else {
        count(query).await?
    };
    Ok(Page { total, items })
}

/// The number of rows of `E`'s table. On PostgreSQL `users` and `groups` keep theirs in
/// `row_counts` (migration 25: `count(*)` visits every row there); elsewhere `count(*)`.
async fn count_all<E: sea_orm::EntityTrait>(db: &DatabaseConnection) -> Result<u64, DbErr>
where
    E::Model: Sync,
{
    use sea_orm::{ConnectionTrait, PaginatorTrait};
    let table = E::default().table_name();
    if db.get_database_backend() != DbBackend::Postgres || !matches!(table, "users" | "groups") {
        return E::find().count(db).await;
    }
    let stmt = sea_orm::Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT coalesce(sum(n), 0)::bigint AS n FROM row_counts WHERE tbl = $1",
        [table.into()],
    );
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::Custom("row_counts: no row".into()))?;
    Ok(u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_never_pass_the_database_text_on() {
        for (db, want) in [
            (
                "UNIQUE constraint failed: users.user_name_ci",
                "userName is already taken",
            ),
            (
                "duplicate key value violates unique constraint \"uq_groups_display_name_ci\"",
                "a group with this displayName already exists",
            ),
            (
                "UNIQUE constraint failed: group_members.group_id, group_members.member_id",
                "the request conflicts with an existing resource",
            ),
        ] {
            assert_eq!(unique_violation_summary(db), want);
        }
    }
}
