//! Group rows. Membership changes go through `members`, inside the same transaction.
use entity::group;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QuerySelect, TryIntoModel};
use serde_json::Value;
use uuid::Uuid;

use super::{
    Batch, ListParams, Page, Store, StoreError,
    audit::{self, Actor, Event},
    authority, expiry, members,
};

/// The stored form of a Group (everything but its members).
#[derive(Debug, Clone)]
pub struct GroupData {
    pub display_name: String,
    pub external_id: Option<String>,
    pub doc: Value,
}

/// One change to a group's member list, applied in order.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberOp {
    Add(Vec<Uuid>),
    Remove(Vec<Uuid>),
    RemoveAll,
    /// Sets the member list to exactly these (SCIM PUT, PATCH `replace members`): members who
    /// stay keep their memberships — and their windows — untouched; only the difference is
    /// written and audited.
    Replace(Vec<Uuid>),
    /// Makes one member a member with exactly this window (the admin API's PUT).
    Put(Uuid, members::Window),
}

pub struct Groups<'a> {
    pub(super) store: &'a Store,
}

/// Display names are unique case-insensitively (migration 7's index): a violation names it.
fn name_taken(e: impl Into<StoreError>, display_name: &str) -> StoreError {
    match e.into() {
        StoreError::Conflict(_) => StoreError::Conflict(format!(
            "a group named {display_name:?} already exists (names are unique, ignoring case)"
        )),
        e => e,
    }
}

impl Groups<'_> {
    pub async fn create(
        &self,
        actor: &Actor,
        data: GroupData,
        member_ids: &[Uuid],
    ) -> Result<group::Model, StoreError> {
        let now = super::resource_time();
        let id = Uuid::now_v7();
        let tx = self.store.write_tx().await?;
        let name = data.display_name.clone();
        let model = group::ActiveModel {
            id: Set(id),
            display_name_ci: Set(data.display_name.to_lowercase()),
            display_name: Set(data.display_name),
            external_id: Set(data.external_id),
            doc: Set(data.doc),
            version: Set(1),
            created: Set(now),
            last_modified: Set(now),
        }
        .insert(&*tx)
        .await
        .map_err(|e| name_taken(e, &name))?;
        let resolved = members::resolve(&*tx, member_ids).await?;
        let now = self.store.now_us();
        let added = members::add(&*tx, id, &resolved, now).await?;
        if !added.is_empty() {
            authority::adding_members(&*tx, actor, id, now).await?;
        }
        let mut events =
            vec![Event::group("group.create", id).with_detail(serde_json::json!({"displayName": model.display_name}))];
        events.extend(added.into_iter().map(|m| Event::member("member.add", id, m)));
        audit::record(&*tx, actor, events).await?;
        tx.commit().await?;
        Ok(model)
    }

    pub async fn get(&self, id: Uuid) -> Result<group::Model, StoreError> {
        group::Entity::find_by_id(id)
            .one(self.store.db())
            .await?
            .ok_or(StoreError::NotFound("group"))
    }

    /// The group as `db` (a read transaction's snapshot) sees it.
    pub async fn get_in(&self, db: &impl sea_orm::ConnectionTrait, id: Uuid) -> Result<group::Model, StoreError> {
        group::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(StoreError::NotFound("group"))
    }

    /// Read-modify-write under a row lock. `f` returns new group data (or `None` to keep it)
    /// and member operations. The cost of a member operation depends only on the members it names.
    pub async fn modify<E: From<StoreError>>(
        &self,
        actor: &Actor,
        id: Uuid,
        if_match: Option<i64>,
        f: impl FnOnce(&group::Model) -> Result<(Option<GroupData>, Vec<MemberOp>), E>,
    ) -> Result<group::Model, E> {
        let tx = self.store.write_tx().await?;
        let cur = group::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&*tx)
            .await
            .map_err(StoreError::from)?
            .ok_or(StoreError::NotFound("group"))?;
        if if_match.is_some_and(|v| v != cur.version) {
            return Err(StoreError::VersionMismatch.into());
        }
        let now = self.store.now_us();
        // Expired rows get their `member.expire` before any operation could revive or replace
        // them (see `expiry`).
        expiry::expire_in(&*tx, expiry::Scope::Groups(&[id]), now).await?;
        let (data, ops) = f(&cur)?;
        // Writes queue in `batch`; it is run before each read, so every operation sees the
        // ones before it, and once at the end with the version bump and the audit events.
        let mut batch = Batch::default();
        let mut events = vec![];
        let mut added_any = false;
        for op in ops {
            std::mem::take(&mut batch).run(&*tx).await.map_err(StoreError::from)?;
            let (action, changed) = match op {
                MemberOp::Add(ids) => {
                    let resolved = members::resolve(&*tx, &ids).await?;
                    (
                        "member.add",
                        members::add_in(&mut batch, &*tx, id, &resolved, now).await?,
                    )
                }
                MemberOp::Remove(ids) => (
                    "member.remove",
                    members::remove_in(&mut batch, &*tx, id, &ids, now)
                        .await
                        .map_err(StoreError::from)?,
                ),
                MemberOp::RemoveAll => (
                    "member.remove",
                    members::remove_all(&*tx, id, now).await.map_err(StoreError::from)?,
                ),
                MemberOp::Replace(ids) => {
                    let resolved = members::resolve(&*tx, &ids).await?;
                    let keep: std::collections::HashSet<Uuid> = resolved.iter().map(|(m, _)| *m).collect();
                    // Pending memberships are invisible to SCIM clients (never listed by them):
                    // a replace leaves them alone, like the windows of members who stay.
                    let gone: Vec<Uuid> = members::ids_where(&*tx, id, members::in_effect(now))
                        .await
                        .map_err(StoreError::from)?
                        .into_iter()
                        .filter(|m| !keep.contains(m))
                        .collect();
                    let removed = members::remove_in(&mut batch, &*tx, id, &gone, now)
                        .await
                        .map_err(StoreError::from)?;
                    let added = members::add_in(&mut batch, &*tx, id, &resolved, now).await?;
                    added_any |= !added.is_empty();
                    events.extend(removed.into_iter().map(|m| Event::member("member.remove", id, m)));
                    events.extend(added.into_iter().map(|m| Event::member("member.add", id, m)));
                    continue;
                }
                MemberOp::Put(member, window) => {
                    let resolved = members::resolve(&*tx, &[member]).await?;
                    let action = match members::put(&*tx, id, resolved[0], window, now).await? {
                        members::Put::Added => "member.add",
                        members::Put::Changed => "member.update",
                        members::Put::Unchanged => continue,
                    };
                    // A longer window hands on access too: checked like an addition.
                    added_any = true;
                    events.push(Event::member(action, id, member).with_detail(window.detail()));
                    continue;
                }
            };
            added_any |= action == "member.add" && !changed.is_empty();
            events.extend(changed.into_iter().map(|m| Event::member(action, id, m)));
        }
        if added_any {
            std::mem::take(&mut batch).run(&*tx).await.map_err(StoreError::from)?;
            authority::adding_members(&*tx, actor, id, now).await?;
        }
        if data.is_some() {
            events.push(Event::group("group.update", id));
        }
        let mut row: group::ActiveModel = cur.clone().into();
        let name = data
            .as_ref()
            .map_or(cur.display_name.clone(), |d| d.display_name.clone());
        if let Some(data) = data {
            row.display_name_ci = Set(data.display_name.to_lowercase());
            row.display_name = Set(data.display_name);
            row.external_id = Set(data.external_id);
            row.doc = Set(data.doc);
        }
        row.version = Set(cur.version + 1);
        row.last_modified = Set(super::resource_time());
        let update = group::Entity::update(row.clone())
            .validate()
            .map_err(StoreError::from)?;
        batch.push(&*tx, &update);
        let model = row.try_into_model().map_err(StoreError::from)?;
        audit::record_in(&mut batch, &*tx, actor, events);
        batch.run(&*tx).await.map_err(|e| name_taken(e, &name))?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(model)
    }

    /// Deletes the group, its memberships, and its membership in other groups.
    pub async fn delete(&self, actor: &Actor, id: Uuid, if_match: Option<i64>) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        let cur = group::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&*tx)
            .await?
            .ok_or(StoreError::NotFound("group"))?;
        if if_match.is_some_and(|v| v != cur.version) {
            return Err(StoreError::VersionMismatch);
        }
        let now = self.store.now_us();
        expiry::expire_in(&*tx, expiry::Scope::Groups(&[id]), now).await?;
        expiry::expire_in(&*tx, expiry::Scope::Member(id), now).await?;
        let parents = members::remove_member_everywhere(&*tx, id).await?;
        let children = members::remove_all(&*tx, id, now).await?;
        let mut events: Vec<Event> = parents
            .into_iter()
            .map(|p| Event::member("member.remove", p, id))
            .collect();
        events.extend(children.into_iter().map(|m| Event::member("member.remove", id, m)));
        events.push(Event::group("group.delete", id).with_detail(serde_json::json!({"displayName": cur.display_name})));
        audit::record(&*tx, actor, events).await?;
        group::Entity::delete_by_id(id).exec(&*tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list(&self, p: ListParams) -> Result<Page<group::Model>, StoreError> {
        let db = self.store.db();
        super::list_page::<group::Entity, _>(db, p, group::Column::Id, async |q| q.all(db).await).await
    }

    pub async fn members(&self, id: Uuid) -> Result<Vec<members::MemberRow>, StoreError> {
        members::list(self.store.db(), id, self.store.now_us()).await
    }

    pub async fn members_of(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<members::MemberRow>>, StoreError> {
        members::list_many(self.store.db(), ids, self.store.now_us()).await
    }
}
