//! The audit log: who changed which user, group, membership, token, client or key, and
//! every sign-in, from which surface.
//! Events are written inside the transaction that makes the change, so the log and the
//! data never disagree.
use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

use super::{Batch, Store, StoreError};
use crate::access::Permission;

/// The API surface a change came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Scim,
    Bulk,
    Admin,
    Cli,
    Oidc,
    /// The admin console (`/console`), acting as the signed-in administrator.
    Console,
    /// The server's own upkeep (e.g. the expiry sweeper).
    System,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Scim => "scim",
            Source::Bulk => "bulk",
            Source::Admin => "admin",
            Source::Cli => "cli",
            Source::Oidc => "oidc",
            Source::Console => "console",
            Source::System => "system",
        }
    }
}

/// Who makes a change: recorded with every event.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub source: Source,
    /// What the actor may hand to others ([`super::authority`]).
    pub authority: Authority,
}

/// How much of Scimitar's own authority (`iam.…`, `*`) an actor may pass on by adding members
/// to groups whose roles carry it, or by setting the password of a user who holds it.
#[derive(Debug, Clone)]
pub enum Authority {
    /// The server itself and the local CLI (which holds the database already).
    Full,
    /// An API token: what its permissions cover.
    Holds(Vec<Permission>),
}

impl Actor {
    /// An actor with full authority: the server itself, or the local CLI.
    pub fn new(name: impl Into<String>, source: Source) -> Self {
        Actor {
            name: name.into(),
            source,
            authority: Authority::Full,
        }
    }

    /// The same actor, able to pass on only what `held` covers.
    pub fn holding(mut self, held: Vec<Permission>) -> Self {
        self.authority = Authority::Holds(held);
        self
    }
}

/// One event, before it is stored.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Uuid,
    pub group_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub detail: Option<Value>,
}

impl Event {
    pub fn user(action: &'static str, id: Uuid) -> Self {
        Event {
            action,
            target_type: "User",
            target_id: id,
            group_id: None,
            member_id: Some(id),
            detail: None,
        }
    }

    pub fn group(action: &'static str, id: Uuid) -> Self {
        Event {
            action,
            target_type: "Group",
            target_id: id,
            group_id: Some(id),
            member_id: None,
            detail: None,
        }
    }

    /// `member.add` / `member.remove` of `member` in `group`.
    pub fn member(action: &'static str, group: Uuid, member: Uuid) -> Self {
        Event {
            action,
            target_type: "Group",
            target_id: group,
            group_id: Some(group),
            member_id: Some(member),
            detail: None,
        }
    }

    /// An event about an API token, an OAuth client or a signing key (`target_type`), whose
    /// id is `id` (nil for keys: their `kid` goes in the detail).
    pub fn admin(action: &'static str, target_type: &'static str, id: Uuid) -> Self {
        Event {
            action,
            target_type,
            target_id: id,
            group_id: None,
            member_id: None,
            detail: None,
        }
    }

    pub fn token(action: &'static str, id: Uuid) -> Self {
        Self::admin(action, "Token", id)
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// Writes events in the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, actor: &Actor, events: Vec<Event>) -> Result<(), DbErr> {
    let mut batch = Batch::default();
    record_in(&mut batch, db, actor, events);
    batch.run(db).await
}

/// Adds the inserts of `events` to a batch of writes.
pub(crate) fn record_in(batch: &mut Batch, db: &impl ConnectionTrait, actor: &Actor, events: Vec<Event>) {
    let at = Utc::now();
    let rows: Vec<audit_event::ActiveModel> = events
        .into_iter()
        .map(|e| audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            at: Set(at),
            actor: Set(actor.name.clone()),
            source: Set(actor.source.as_str().to_owned()),
            action: Set(e.action.to_owned()),
            target_type: Set(e.target_type.to_owned()),
            target_id: Set(e.target_id),
            group_id: Set(e.group_id),
            member_id: Set(e.member_id),
            detail: Set(e.detail),
        })
        .collect();
    for chunk in rows.chunks(200) {
        batch.push(db, &audit_event::Entity::insert_many(chunk.to_vec()));
    }
}

/// Filters for reading the log; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub group_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// Return events older than this id (the previous page's last id).
    pub before: Option<Uuid>,
    pub limit: u64,
}

pub struct Audit<'a> {
    pub(super) store: &'a Store,
}

impl Audit<'_> {
    /// Records events that go with no other write (sign-ins, key changes).
    pub async fn log(&self, actor: &Actor, events: Vec<Event>) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        record_in(&mut batch, self.store.db(), actor, events);
        self.store.write_batch(batch).await
    }

    /// Newest first.
    pub async fn list(&self, q: &AuditQuery) -> Result<Vec<audit_event::Model>, StoreError> {
        let mut find = audit_event::Entity::find();
        if let Some(g) = q.group_id {
            find = find.filter(audit_event::COLUMN.group_id.eq(g));
        }
        if let Some(m) = q.member_id {
            find = find.filter(audit_event::COLUMN.member_id.eq(m));
        }
        if let Some(a) = &q.action {
            find = find.filter(audit_event::COLUMN.action.eq(a.as_str()));
        }
        if let Some(t) = q.since {
            find = find.filter(audit_event::COLUMN.at.gte(t));
        }
        if let Some(b) = q.before {
            find = find.filter(audit_event::COLUMN.id.lt(b));
        }
        Ok(find
            .order_by_desc(audit_event::COLUMN.id)
            .limit(q.limit)
            .all(self.store.db())
            .await?)
    }
}
