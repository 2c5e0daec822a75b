//! Group commit for SQLite. SQLite has one writer, and inside the write lock every statement
//! is a hand-off to a connection's worker thread and back, so writers queue behind each
//! other's thread wake-ups: about 2,000 small transactions per second on two cores.
//! Independent writes that need no reads ([`Batch`]es, e.g. creating a user) are therefore
//! queued to one committer task, which runs whatever has queued up in one transaction, each
//! batch inside its own savepoint, so a failing batch (say, a taken userName) is rolled back
//! alone and reported to its caller while the others commit. Every caller is answered only
//! after `COMMIT`: nothing is acknowledged that is not committed. The committer takes the one
//! writer connection for each group, in the same fair queue as every other writer.
//!
//! The queue is bounded (`SCIMITAR_DB_WRITE_QUEUE`, 4096 batches): when it is full a write is
//! refused at once with [`StoreError::Busy`] (503 with `Retry-After`), so an overload costs a
//! retry, never unbounded memory.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

use super::{Batch, StoreError};

/// At most this many batches share one transaction.
const MAX_GROUP: usize = 64;

struct Job {
    batch: Batch,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The queue to the committer task (SQLite only).
#[derive(Clone)]
pub(crate) struct Committer {
    queue: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the committer on `writer`, the one writer connection's pool; it ends when the
    /// last `Committer` is dropped.
    pub fn spawn(writer: DatabaseConnection, bound: usize) -> Self {
        let (queue, mut jobs) = mpsc::channel::<Job>(bound.max(1));
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match jobs.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                commit_group(&writer, group).await;
            }
        });
        Committer { queue }
    }

    /// Runs `batch` in a group transaction; returns once it is committed (or failed).
    pub async fn write(&self, batch: Batch) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue.try_send(Job { batch, done }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => StoreError::Busy,
            mpsc::error::TrySendError::Closed(_) => DbErr::Custom("the SQLite committer has stopped".into()).into(),
        })?;
        answer
            .await
            .map_err(|_| DbErr::Custom("the SQLite committer dropped a write".into()))?
    }
}

async fn commit_group(db: &DatabaseConnection, group: Vec<Job>) {
    let opts = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let tx = match db.begin_with_options(opts).await {
        Ok(tx) => tx,
        Err(e) => return fail_all(group.into_iter().map(|j| j.done), &e),
    };
    let alone = group.len() == 1;
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        let result = if alone {
            job.batch.run(&tx).await
        } else {
            match in_savepoint(&tx, job.batch).await {
                Ok(result) => result,
                Err(e) => {
                    // The transaction is unusable: nothing of the group commits.
                    let pending = outcomes.into_iter().map(|(done, _)| done);
                    return fail_all(pending.chain([job.done]), &e);
                }
            }
        };
        outcomes.push((job.done, result));
    }
    if outcomes.iter().all(|(_, r)| r.is_err()) {
        drop(tx);
    } else if let Err(e) = tx.commit().await {
        return fail_all(outcomes.into_iter().map(|(done, _)| done), &e);
    }
    for (done, result) in outcomes {
        let _ = done.send(result.map_err(StoreError::from));
    }
}

/// Runs the batch between `SAVEPOINT` and `RELEASE`, sent with it in one execution. The
/// outer `Err` means the savepoint could not be rolled back.
async fn in_savepoint(tx: &DatabaseTransaction, batch: Batch) -> Result<Result<(), DbErr>, DbErr> {
    let mut wrapped = Batch::default();
    wrapped
        .stmts
        .push(Statement::from_string(DbBackend::Sqlite, "SAVEPOINT grp"));
    wrapped.stmts.extend(batch.stmts);
    wrapped
        .stmts
        .push(Statement::from_string(DbBackend::Sqlite, "RELEASE grp"));
    match wrapped.run(tx).await {
        Ok(()) => Ok(Ok(())),
        Err(e) => {
            tx.execute_unprepared("ROLLBACK TO grp; RELEASE grp").await?;
            Ok(Err(e))
        }
    }
}

/// Answers every waiting caller with the group's failure: [`StoreError::Busy`] when the writer
/// connection could not be had in time (nothing was written; the client may retry), else a
/// database error.
fn fail_all(waiting: impl Iterator<Item = oneshot::Sender<Result<(), StoreError>>>, e: &DbErr) {
    let busy = matches!(e, DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
    if !busy {
        tracing::warn!(error = %e, "SQLite group commit failed");
    }
    for done in waiting {
        let _ = done.send(Err(if busy {
            StoreError::Busy
        } else {
            StoreError::Db(DbErr::Custom(format!("group commit failed: {e}")))
        }));
    }
}
