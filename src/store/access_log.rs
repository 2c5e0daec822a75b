//! "Last accessed": when each user last got a token from each application. Token issuance only
//! notes it in memory (a map insert under a mutex); a background task writes the notes in
//! batches every few seconds (`SCIMITAR_ACCESS_FLUSH_SECONDS`), keeping the later time when
//! replicas race. So the figures lag by up to one interval, and a process that dies loses its
//! unwritten notes — this is information for a reviewer, never a security decision.
use std::{collections::HashMap, sync::Mutex};

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value as DbValue};
use uuid::Uuid;

use super::{Store, StoreError};

/// Notes waiting to be written: (user, client) → the latest time (microseconds).
#[derive(Default)]
pub struct AccessLog(Mutex<HashMap<(Uuid, String), i64>>);

/// Rows per statement (3 parameters each).
const CHUNK: usize = 300;

#[derive(FromQueryResult)]
struct AccessRow {
    user_id: Uuid,
    client_id: String,
    last_us: i64,
}

impl Store {
    /// Notes that `user` got a token from `client` now.
    pub fn note_access(&self, user: Uuid, client: &str) {
        let at = self.now_us();
        let mut pending = self.access_log.0.lock().expect("access log lock");
        let slot = pending.entry((user, client.to_owned())).or_insert(at);
        *slot = (*slot).max(at);
    }

    /// Writes every pending note; returns how many. Notes for a user or client deleted
    /// meanwhile are dropped.
    pub async fn flush_access(&self) -> Result<usize, StoreError> {
        let mut pending: Vec<((Uuid, String), i64)> = {
            let mut map = self.access_log.0.lock().expect("access log lock");
            std::mem::take(&mut *map).into_iter().collect()
        };
        // One key order for every replica: concurrent flushes on PostgreSQL lock rows in the
        // same order instead of deadlocking.
        pending.sort_unstable();
        if pending.is_empty() {
            return Ok(0);
        }
        let later = match self.backend() {
            DbBackend::Sqlite => "max(client_access.last_us, excluded.last_us)",
            _ => "GREATEST(client_access.last_us, excluded.last_us)",
        };
        let tx = self.write_tx().await?;
        for chunk in pending.chunks(CHUNK) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO client_access (user_id, client_id, last_us)
                 SELECT v.column1, v.column2, v.column3 FROM (VALUES {}) AS v
                 WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = v.column1)
                   AND EXISTS (SELECT 1 FROM oauth_clients c WHERE c.client_id = v.column2)
                 ON CONFLICT (user_id, client_id) DO UPDATE SET last_us = {later}",
                rows.join(", ")
            );
            let values: Vec<DbValue> = chunk
                .iter()
                .flat_map(|((user, client), at)| [(*user).into(), client.clone().into(), (*at).into()])
                .collect();
            tx.execute_raw(Statement::from_sql_and_values(self.backend(), sql, values))
                .await?;
        }
        tx.commit().await?;
        Ok(pending.len())
    }

    /// For each of `users`, the applications it got tokens from and when last (microseconds),
    /// latest first.
    pub async fn last_access(&self, users: &[Uuid]) -> Result<HashMap<Uuid, Vec<(String, i64)>>, StoreError> {
        let mut out: HashMap<Uuid, Vec<(String, i64)>> = HashMap::new();
        for chunk in users.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT user_id, client_id, last_us FROM client_access WHERE user_id IN ({})
                 ORDER BY last_us DESC, client_id",
                params.join(", ")
            );
            let values = chunk.iter().map(|u| (*u).into());
            let stmt = Statement::from_sql_and_values(self.backend(), sql, values);
            for r in AccessRow::find_by_statement(stmt).all(self.db()).await? {
                out.entry(r.user_id).or_default().push((r.client_id, r.last_us));
            }
        }
        Ok(out)
    }
}
