//! The expiry sweeper: deletes memberships whose end has passed and audits each as
//! `member.expire`. Reads never depend on it — they compare every membership with the clock
//! ([`super::members::in_effect_sql`]) — so a late sweep only delays the audit event and the
//! row's removal. Every replica may sweep: `DELETE … RETURNING` audits only the rows its own
//! statement deleted, and when two replicas pick the same rows on PostgreSQL the second waits
//! for the first's row locks, finds the rows gone and returns none of them — each expiry is
//! audited exactly once. (SQLite has one writer.)
use sea_orm::{FromQueryResult, Statement};
use uuid::Uuid;

use super::{
    Store, StoreError,
    audit::{self, Actor, Event, Source},
    members::Window,
};

/// Rows per transaction: a large backlog is swept in steps, each holding the writer briefly.
const BATCH: i64 = 500;

#[derive(FromQueryResult)]
struct Expired {
    group_id: Uuid,
    member_id: Uuid,
    expires_at_us: i64,
}

impl Store {
    /// Sweeps every membership expired at this store's clock; returns how many it removed.
    pub async fn sweep_expired_memberships(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let n = self.sweep_batch().await?;
            total += n;
            if (n as i64) < BATCH {
                return Ok(total);
            }
        }
    }

    async fn sweep_batch(&self) -> Result<usize, StoreError> {
        let now = self.now_us();
        let tx = self.write_tx().await?;
        let sql = r#"DELETE FROM group_members
                     WHERE (group_id, member_id) IN (
                         SELECT group_id, member_id FROM group_members
                          WHERE expires_at_us IS NOT NULL AND expires_at_us <= $1
                          ORDER BY expires_at_us LIMIT $2)
                     RETURNING group_id, member_id, expires_at_us"#;
        let stmt = Statement::from_sql_and_values(self.backend(), sql, [now.into(), BATCH.into()]);
        let gone = Expired::find_by_statement(stmt).all(&*tx).await?;
        if gone.is_empty() {
            return Ok(0);
        }
        let mut groups: Vec<Uuid> = gone.iter().map(|e| e.group_id).collect();
        groups.sort_unstable();
        groups.dedup();
        // The member lists changed (at the instant of expiry): new versions for SCIM ETags.
        super::users::touch_groups(&*tx, &groups).await?;
        let events = gone
            .iter()
            .map(|e| {
                let window = Window {
                    valid_from_us: None,
                    expires_at_us: Some(e.expires_at_us),
                };
                Event::member("member.expire", e.group_id, e.member_id).with_detail(window.detail())
            })
            .collect();
        audit::record(&*tx, &Actor::new("system:expiry", Source::System), events).await?;
        tx.commit().await?;
        Ok(gone.len())
    }
}
