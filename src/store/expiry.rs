//! Expired memberships: deleted and audited as `member.expire`, each exactly once. Reads never
//! depend on this — they compare every membership with the clock
//! ([`super::members::in_effect_sql`]) — so a late sweep only delays the audit event and the
//! row's removal. Two places expire rows, both with `DELETE … RETURNING` (an event for exactly
//! the rows that statement deleted, under a condition re-checked on each row):
//! - the periodic sweeper ([`Store::sweep_expired_memberships`]), on every replica: it locks
//!   the groups it sweeps first (the order every other membership write takes), so two
//!   replicas sweeping at once on PostgreSQL do not both delete — the second finds the rows
//!   gone — and do not deadlock with a writer;
//! - every write to a group's members, and the deletion of a user or group, first expires that
//!   group's (or member's) expired rows in its own transaction, so a write never revives,
//!   replaces or cascades away an expired row without its `member.expire`.
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement};
use uuid::Uuid;

use super::{
    Store, StoreError,
    audit::{self, Actor, Event, Source},
    members::Window,
};

/// Groups per sweeper transaction: a large backlog is swept in steps, each holding the writer
/// briefly.
const GROUPS_PER_BATCH: u64 = 50;

#[derive(FromQueryResult)]
struct Expired {
    group_id: Uuid,
    member_id: Uuid,
    expires_at_us: i64,
}

/// Whose expired memberships to expire.
pub(super) enum Scope<'a> {
    /// The memberships of these groups' members.
    Groups(&'a [Uuid]),
    /// The memberships this user or group has in other groups.
    Member(Uuid),
}

/// Deletes the expired memberships `scope` selects and audits each (`member.expire`, actor
/// `system:expiry`) in the caller's transaction; returns the group of each deleted row.
pub(super) async fn expire_in(db: &impl ConnectionTrait, scope: Scope<'_>, now: i64) -> Result<Vec<Uuid>, StoreError> {
    let (column, ids): (&str, Vec<Uuid>) = match scope {
        Scope::Groups(ids) => ("group_id", ids.to_vec()),
        Scope::Member(id) => ("member_id", vec![id]),
    };
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let params: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "DELETE FROM group_members
         WHERE {column} IN ({}) AND expires_at_us IS NOT NULL AND expires_at_us <= $1
         RETURNING group_id, member_id, expires_at_us",
        params.join(", ")
    );
    let values = std::iter::once(now.into()).chain(ids.into_iter().map(Into::into));
    let stmt = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    let gone = Expired::find_by_statement(stmt).all(db).await?;
    if gone.is_empty() {
        return Ok(vec![]);
    }
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
    audit::record(db, &Actor::new("system:expiry", Source::System), events).await?;
    Ok(gone.iter().map(|e| e.group_id).collect())
}

impl Store {
    /// Sweeps every membership expired at this store's clock; returns how many it removed.
    pub async fn sweep_expired_memberships(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let (picked, swept) = self.sweep_batch().await?;
            total += swept;
            if picked < GROUPS_PER_BATCH as usize {
                return Ok(total);
            }
        }
    }

    /// One transaction: up to [`GROUPS_PER_BATCH`] groups with expired members, locked in id
    /// order, then their expired rows. Returns (groups picked, memberships removed).
    async fn sweep_batch(&self) -> Result<(usize, usize), StoreError> {
        use entity::{group, group_member};
        use sea_orm::ColumnTrait;
        let now = self.now_us();
        let tx = self.write_tx().await?;
        let picked: Vec<Uuid> = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::GroupId)
            .distinct()
            .filter(group_member::Column::ExpiresAtUs.is_not_null())
            .filter(group_member::Column::ExpiresAtUs.lte(now))
            .order_by_asc(group_member::Column::GroupId)
            .limit(GROUPS_PER_BATCH)
            .into_tuple()
            .all(&*tx)
            .await?;
        if picked.is_empty() {
            return Ok((0, 0));
        }
        let _locked: Vec<Uuid> = group::Entity::find()
            .select_only()
            .column(group::Column::Id)
            .filter(group::Column::Id.is_in(picked.clone()))
            .order_by_asc(group::Column::Id)
            .lock_exclusive()
            .into_tuple()
            .all(&*tx)
            .await?;
        let mut touched = expire_in(&*tx, Scope::Groups(&picked), now).await?;
        let removed = touched.len();
        touched.sort_unstable();
        touched.dedup();
        // The member lists changed (at the instant of expiry): new versions for SCIM ETags.
        super::users::touch_groups(&*tx, &touched).await?;
        tx.commit().await?;
        Ok((picked.len(), removed))
    }
}
