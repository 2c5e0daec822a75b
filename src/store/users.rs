//! User rows and their emails. Every write runs in one transaction.
use chrono::Utc;
use entity::{group, user, user_email};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExprTrait,
    QueryFilter, QuerySelect, sea_query::Expr,
};
use std::sync::Arc;

use serde_json::Value;
use uuid::Uuid;

use super::{
    Batch, ListParams, Page, Store, StoreError,
    audit::{self, Actor, Event},
    held_cache,
    local::{self, Local},
    members,
};
use crate::access::{Held, held::held_at, schedule::ScheduledGrant};

/// The stored form of a User, derived from its SCIM document by the SCIM layer.
#[derive(Debug, Clone)]
pub struct UserData {
    pub user_name: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub active: bool,
    pub doc: Value,
    pub emails: Vec<EmailData>,
}

#[derive(Debug, Clone)]
pub struct EmailData {
    pub value: String,
    pub kind: Option<String>,
    pub primary: bool,
}

/// What a write does to the stored password hash.
#[derive(Debug, Clone)]
pub enum Password {
    Keep,
    Set(String),
}

pub struct Users<'a> {
    pub(super) store: &'a Store,
}

/// Ends the user's sign-ins (sessions, codes, refresh tokens, token families) and describes
/// it for the audit log.
/// (`None` when there was nothing to end).
async fn ended_event(
    id: Uuid,
    reason: &str,
    tx: &impl sea_orm::ConnectionTrait,
    access_expiry: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Event>, StoreError> {
    let ended = super::oidc::grants::end_user_grants(tx, id, access_expiry).await?;
    Ok((ended != Default::default()).then(|| {
        Event::user("user.signins_end", id).with_detail(serde_json::json!({
            "reason": reason,
            "sessions": ended.sessions,
            "token_families": ended.families,
        }))
    }))
}

fn conflict(e: StoreError, user_name: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(format!("userName {user_name:?} is already taken")),
        e => e,
    }
}

impl Users<'_> {
    pub async fn create(
        &self,
        actor: &Actor,
        data: UserData,
        password_hash: Option<String>,
    ) -> Result<user::Model, StoreError> {
        let user_name = data.user_name.clone();
        let now = super::resource_time();
        let id = Uuid::now_v7();
        let model = user::Model {
            id,
            user_name_ci: data.user_name.to_lowercase(),
            user_name: data.user_name,
            external_id: data.external_id,
            display_name: data.display_name,
            given_name: data.given_name,
            family_name: data.family_name,
            active: data.active,
            doc: data.doc,
            password_hash,
            version: 1,
            created: now,
            last_modified: now,
            last_login: None,
        };
        let db = self.store.db();
        let mut batch = Batch::default();
        batch.push(db, &user::Entity::insert(user::ActiveModel::from(model.clone())));
        emails_in(&mut batch, db, id, data.emails);
        let detail = serde_json::json!({"userName": model.user_name});
        audit::record_in(
            &mut batch,
            db,
            actor,
            vec![Event::user("user.create", id).with_detail(detail)],
        );
        self.store
            .write_batch(batch)
            .await
            .map_err(|e| conflict(e, &user_name))?;
        Ok(model)
    }

    pub async fn get(&self, id: Uuid) -> Result<user::Model, StoreError> {
        user::Entity::find_by_id(id)
            .one(self.store.db())
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    /// Read-modify-write under a row lock: `f` gets the current row and returns the new data.
    /// `if_match` is the version the client last saw (412 on mismatch).
    pub async fn modify<E: From<StoreError>>(
        &self,
        actor: &Actor,
        id: Uuid,
        if_match: Option<i64>,
        f: impl FnOnce(&user::Model) -> Result<(UserData, Password), E>,
    ) -> Result<user::Model, E> {
        let tx = self.store.write_tx().await?;
        let cur = user::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&*tx)
            .await
            .map_err(StoreError::from)?
            .ok_or(StoreError::NotFound("user"))?;
        if if_match.is_some_and(|v| v != cur.version) {
            return Err(StoreError::VersionMismatch.into());
        }
        let (data, password) = f(&cur)?;
        let user_name = data.user_name.clone();
        let mut row: user::ActiveModel = cur.clone().into();
        row.user_name_ci = Set(data.user_name.to_lowercase());
        row.user_name = Set(data.user_name);
        row.external_id = Set(data.external_id);
        row.display_name = Set(data.display_name);
        row.given_name = Set(data.given_name);
        row.family_name = Set(data.family_name);
        row.active = Set(data.active);
        row.doc = Set(data.doc);
        let new_password = matches!(password, Password::Set(_));
        if new_password {
            super::authority::setting_password(&*tx, actor, id, self.store.now_us()).await?;
        }
        if let Password::Set(hash) = password {
            row.password_hash = Set(Some(hash));
        }
        row.version = Set(cur.version + 1);
        row.last_modified = Set(super::resource_time());
        let model = row.update(&*tx).await.map_err(|e| conflict(e.into(), &user_name))?;
        let action = match (cur.active, model.active) {
            (true, false) => "user.deactivate",
            (false, true) => "user.reactivate",
            _ => "user.update",
        };
        let mut events = vec![Event::user(action, id)];
        // Deactivation and a new password end every sign-in at once (a reactivation later
        // revives none of them).
        let reason = match (action, new_password) {
            ("user.deactivate", _) => Some("deactivate"),
            (_, true) => Some("password"),
            _ => None,
        };
        if let Some(reason) = reason {
            events.extend(ended_event(id, reason, &*tx, self.store.access_expiry()).await?);
        }
        let mut batch = Batch::default();
        batch.push(
            &*tx,
            &user_email::Entity::delete_many().filter(user_email::COLUMN.user_id.eq(id)),
        );
        emails_in(&mut batch, &*tx, id, data.emails);
        audit::record_in(&mut batch, &*tx, actor, events);
        batch.run(&*tx).await.map_err(StoreError::from)?;
        tx.commit().await.map_err(StoreError::from)?;
        if matches!(action, "user.deactivate" | "user.reactivate") {
            // API tokens this user made stop and resume with them (see `tokens::Usable`).
            self.store.tokens.clear();
        }
        Ok(model)
    }

    /// Deletes the user and every membership it had, in one transaction.
    pub async fn delete(&self, actor: &Actor, id: Uuid, if_match: Option<i64>) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        let cur = user::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&*tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        if if_match.is_some_and(|v| v != cur.version) {
            return Err(StoreError::VersionMismatch);
        }
        super::expiry::expire_in(&*tx, super::expiry::Scope::Member(id), self.store.now_us()).await?;
        let groups = members::remove_member_everywhere(&*tx, id).await?;
        let mut events: Vec<Event> = groups
            .into_iter()
            .map(|g| Event::member("member.remove", g, id))
            .collect();
        events.push(Event::user("user.delete", id).with_detail(serde_json::json!({"userName": cur.user_name})));
        events.extend(ended_event(id, "delete", &*tx, self.store.access_expiry()).await?);
        audit::record(&*tx, actor, events).await?;
        user_email::Entity::delete_many()
            .filter(user_email::COLUMN.user_id.eq(id))
            .exec(&*tx)
            .await?;
        user::Entity::delete_by_id(id).exec(&*tx).await?;
        tx.commit().await?;
        self.store.tokens.clear();
        Ok(())
    }

    pub async fn list(&self, p: ListParams) -> Result<Page<user::Model>, StoreError> {
        let db = self.store.db();
        super::list_page::<user::Entity, _>(db, p, user::Column::Id, async |q| q.all(db).await).await
    }

    /// As [`Users::list`], each user with its groups, from a correlated subquery of the page
    /// query: a page is one statement (and a second for the total when it is not the last).
    pub async fn list_with_groups(
        &self,
        p: ListParams,
    ) -> Result<Page<(user::Model, Vec<members::GroupOf>)>, StoreError> {
        let db = self.store.db();
        let now = self.store.now_us();
        let backend = self.store.backend();
        let budget = local::budget_for_rows(p.limit);
        super::list_page::<user::Entity, _>(db, p, user::Column::Id, async |q| {
            let stmt = members::with_groups_statement(q, &[], now, backend);
            self.with_groups_read(stmt, budget).await
        })
        .await
    }

    /// Records a successful sign-in. Not a change to the resource: no version bump, no audit event.
    pub async fn record_login(&self, id: Uuid) -> Result<(), StoreError> {
        let res = user::Entity::update_many()
            .col_expr(user::Column::LastLogin, Expr::value(Some(Utc::now())))
            .filter(user::COLUMN.id.eq(id))
            .exec(self.store.writer())
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// The user and its groups (as [`Users::groups_of`]), in one query.
    pub async fn get_with_groups(&self, id: Uuid) -> Result<(user::Model, Vec<members::GroupOf>), StoreError> {
        let now = self.store.now_us();
        let stmt = by_key_with_groups(self.store.backend(), Key::Id(id), now);
        self.with_groups_read(stmt, local::POINT)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("user"))
    }

    /// The user whose folded userName is `name_ci`, with its groups, as a page of at most one:
    /// what `filter=userName eq "…"` finds — the list every provisioning client reads before
    /// it creates a user — with the prebuilt statement of [`Users::get_with_groups`].
    pub async fn by_user_name_with_groups(
        &self,
        name_ci: &str,
    ) -> Result<Page<(user::Model, Vec<members::GroupOf>)>, StoreError> {
        let now = self.store.now_us();
        let stmt = by_key_with_groups(self.store.backend(), Key::UserNameCi(name_ci), now);
        let items = self.with_groups_read(stmt, local::POINT).await?;
        Ok(Page {
            total: items.len() as u64,
            items,
        })
    }

    /// Runs a [`members::with_groups_statement`]: on a SQLite file on this thread when it
    /// ends within `budget` ([`local`]); on PostgreSQL, a point read (`budget` is
    /// [`local::POINT`]) on a connection outside the pool ([`super::pg_reads`]); otherwise
    /// through the pool.
    async fn with_groups_read(
        &self,
        stmt: sea_orm::Statement,
        budget: std::time::Duration,
    ) -> Result<Vec<(user::Model, Vec<members::GroupOf>)>, DbErr> {
        if let Some(local) = self.store.local() {
            let found = local.try_read(budget, |c| {
                local::query(c, &stmt, |row| {
                    local::named(row, GROUPS_JSON_AT, "groups_json")?;
                    let groups = members::parse_groups(row.get(GROUPS_JSON_AT)?).map_err(|_| Local::Slow)?;
                    Ok((user_from_local(row)?, groups))
                })
            });
            if let Some(found) = found {
                return Ok(found);
            }
        }
        // Pages stay on the pool: a few slow ones of 1,000 rows must not hold up point reads.
        if budget == local::POINT
            && let Some(direct) = self.store.pg_reads()
            && let Some(rows) = direct.try_fetch_all(&stmt).await
        {
            return members::decode_with_groups(&rows?);
        }
        members::run_with_groups(self.store.db(), stmt).await
    }

    /// Ends every sign-in of the user now — login and console sessions, unredeemed codes,
    /// refresh tokens and the access tokens of their families — audited as
    /// `user.signins_end` (reason `signed out everywhere`).
    pub async fn sign_out_everywhere(&self, actor: &Actor, id: Uuid) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        let exists = user::Entity::find_by_id(id).one(&*tx).await?.is_some();
        if !exists {
            return Err(StoreError::NotFound("user"));
        }
        let event = ended_event(id, "signed out everywhere", &*tx, self.store.access_expiry())
            .await?
            .unwrap_or_else(|| {
                Event::user("user.signins_end", id).with_detail(
                    serde_json::json!({"reason": "signed out everywhere", "sessions": 0, "token_families": 0}),
                )
            });
        audit::record(&*tx, actor, vec![event]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the token path needs of a user, in one statement (each statement is a round trip
    /// to the database thread): the row, its groups in effect now (as [`Users::groups_of`]),
    /// its primary email, when its memberships next change on their own (an expiry, or a
    /// membership due to start) and, with `with_roles`, the roles it holds — directly and
    /// through every group, nested or not — and their permissions. The holdings come from this
    /// process's cache when the statement finds the access epoch where it was when they were
    /// computed and no membership has started or ended since ([`super::held_cache`]);
    /// otherwise the statement computes them too (a stale entry costs a second statement).
    /// `None` when there is no such user.
    pub async fn for_tokens(&self, id: Uuid, with_roles: bool) -> Result<Option<TokenSubject>, StoreError> {
        let now = self.store.now_us();
        let cached = if with_roles { self.store.held.get(id, now) } else { None };
        let compute = with_roles && cached.is_none();
        let Some(mut row) = self.subject_row(id, compute, now).await? else {
            return Ok(None);
        };
        if !with_roles {
            return Ok(Some(row.subject));
        }
        if let Some((epoch, held, until)) = cached {
            if row.epoch == epoch {
                row.subject.held = Some(held);
                // The entry ends at the next membership or schedule change seen when it was
                // computed; the token must end by then too.
                let changes_at = row.subject.changes_at.map(|t| t.timestamp_micros());
                row.subject.changes_at = earliest(changes_at, until).and_then(chrono::DateTime::from_timestamp_micros);
                return Ok(Some(row.subject));
            }
            let Some(fresh) = self.subject_row(id, true, now).await? else {
                return Ok(None);
            };
            row = fresh;
        }
        if let Some(held) = &row.subject.held {
            let until = row.subject.changes_at.map(|t| t.timestamp_micros());
            self.store.held.put(id, row.epoch, until, held.clone());
        }
        Ok(Some(row.subject))
    }

    /// One statement: the user, groups, primary email, access epoch, next membership change
    /// and, with `roles`, the holdings computed in the same snapshot as the epoch.
    async fn subject_row(&self, id: Uuid, roles: bool, now: i64) -> Result<Option<SubjectRow>, StoreError> {
        let email = r#"(SELECT e.value FROM user_emails e WHERE e.user_id = "users"."id"
                         ORDER BY e."primary" DESC, e.position LIMIT 1)"#;
        let mut extra = vec![
            email.to_owned(),
            held_cache::EPOCH_SQL.to_owned(),
            next_change(self.store.backend()),
        ];
        if roles {
            extra.push(roles_held(self.store.backend()));
        }
        let Some((user, groups, mut values)) =
            members::with_groups_and(self.store.db(), user::Entity::find_by_id(id), &extra, now)
                .await?
                .pop()
        else {
            return Ok(None);
        };
        let mut take = |i: usize| values.get_mut(i).and_then(Option::take);
        let email = take(0);
        let epoch = take(1).unwrap_or_default();
        let mut changes_at = take(2).and_then(|t| t.parse::<i64>().ok());
        let held = if roles {
            // Schedules stay JSON values here: one that no longer reads as a schedule (say,
            // written by a newer version before a rollback) drops that grant, not the request.
            type Stored = (Vec<String>, Vec<String>, Vec<(String, Value, Vec<String>)>);
            let (roles, permissions, scheduled): Stored =
                serde_json::from_str(take(3).as_deref().unwrap_or("[[],[],[]]"))
                    .map_err(|e| StoreError::Db(DbErr::Custom(format!("roles of a user: {e}"))))?;
            let scheduled: Vec<ScheduledGrant> = scheduled
                .into_iter()
                .filter_map(|(role, spec, permissions)| ScheduledGrant::from_stored(role, permissions, spec))
                .collect();
            let (held, next) = held_at(roles, permissions, &scheduled, now);
            // What the tokens say changes at the next schedule boundary too.
            changes_at = earliest(changes_at, next);
            Some(Arc::new(held))
        } else {
            None
        };
        Ok(Some(SubjectRow {
            subject: TokenSubject {
                user,
                groups,
                email,
                changes_at: changes_at.and_then(chrono::DateTime::from_timestamp_micros),
                held,
            },
            epoch,
        }))
    }

    /// The ends of the user's direct memberships in effect now that have one, by group.
    pub async fn direct_ends(
        &self,
        id: Uuid,
    ) -> Result<std::collections::HashMap<Uuid, chrono::DateTime<Utc>>, StoreError> {
        use entity::group_member;
        let rows = group_member::Entity::find()
            .filter(group_member::COLUMN.member_id.eq(id))
            .filter(group_member::Column::ExpiresAtUs.is_not_null())
            .filter(members::in_effect(self.store.now_us()))
            .all(self.store.db())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((r.group_id, chrono::DateTime::from_timestamp_micros(r.expires_at_us?)?)))
            .collect())
    }

    /// The user's groups, direct and inherited through nested groups (cycle-safe).
    pub async fn groups_of(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<members::GroupOf>>, StoreError> {
        members::groups_of(self.store.db(), ids, self.store.now_us()).await
    }
}

/// The earlier of two optional instants.
fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
        (a, b) => a.or(b),
    }
}

/// A user as the token path reads it ([`Users::for_tokens`]).
pub struct TokenSubject {
    pub user: user::Model,
    pub groups: Vec<members::GroupOf>,
    pub email: Option<String>,
    /// When the user's memberships next start or end on their own — or, with roles, when a
    /// schedule of one of their grants next starts or ends: what the tokens say may change
    /// then, so tokens issued now must not outlive it.
    pub changes_at: Option<chrono::DateTime<Utc>>,
    /// Effective roles and permissions, when asked for.
    pub held: Option<Arc<Held>>,
}

struct SubjectRow {
    subject: TokenSubject,
    /// The access epoch the statement read ([`super::held_cache`]).
    epoch: String,
}

/// A correlated subquery over `"users"`: the earliest instant after now at which one of the
/// user's memberships — or one of the memberships of the groups it is in — starts or ends,
/// as text (microseconds), NULL if none.
fn next_change(backend: sea_orm::DbBackend) -> String {
    let text = match backend {
        sea_orm::DbBackend::Sqlite => "CAST({} AS TEXT)",
        _ => "({})::text",
    };
    let min = format!(
        r#"(WITH RECURSIVE {anc}
            SELECT MIN(CASE WHEN t.valid_from_us > {now} THEN t.valid_from_us ELSE t.expires_at_us END)
            FROM group_members t
            WHERE (t.member_id = "users"."id" OR t.member_id IN (SELECT id FROM anc))
              AND (t.valid_from_us IS NOT NULL OR t.expires_at_us IS NOT NULL)
              AND (t.valid_from_us > {now} OR t.expires_at_us > {now}))"#,
        anc = members::ancestors(backend, r#""users"."id""#, members::NOW),
        now = members::NOW,
    );
    // While no membership anywhere is time-bound (the common case), the walk is skipped: the
    // EXISTS is uncorrelated (evaluated once) and reads the partial index.
    let any = "EXISTS (SELECT 1 FROM group_members WHERE valid_from_us IS NOT NULL OR expires_at_us IS NOT NULL)";
    format!("(CASE WHEN {any} THEN {} END)", text.replace("{}", &min))
}

/// A correlated subquery over `"users"`: `[[role names], [permissions], [scheduled]]` as
/// JSON text: the roles granted without a schedule (directly, or to any group the user is
/// in) with their permissions, and each scheduled group grant that reaches the user as
/// `[role name, schedule, [permissions]]` — for the caller to evaluate at the moment of the
/// question ([`crate::access::held::held_at`]). `h` is computed once (MATERIALIZED) and is
/// distinct by role, so neither list needs a DISTINCT (one tripled the query's time with its
/// temporary B-tree); grant tables are read through their primary keys, memberships through
/// the member index.
fn roles_held(backend: sea_orm::DbBackend) -> String {
    let (triple, agg, schedule, perms_of) = match backend {
        // `json()` keeps the inner arrays JSON (a subquery's value loses its JSON subtype).
        sea_orm::DbBackend::Sqlite => (
            "json_array(json({r}), json({p}), json({s}))",
            "json_group_array({})",
            "json_array(r.name, json(gr.schedule), json({perms}))",
            "(SELECT json_group_array(rp.permission) FROM role_permissions rp WHERE rp.role_id = gr.role_id)",
        ),
        _ => (
            "json_build_array(COALESCE({r}, '[]'::json), COALESCE({p}, '[]'::json), COALESCE({s}, '[]'::json))::text",
            "json_agg({})",
            "json_build_array(r.name, gr.schedule::json, COALESCE({perms}, '[]'::json))",
            "(SELECT json_agg(rp.permission) FROM role_permissions rp WHERE rp.role_id = gr.role_id)",
        ),
    };
    // The joins from the few rows found (`h`, the user's groups) into whole tables. On
    // PostgreSQL, as for the groups column (`members::groups_column`): the planner cannot
    // know how few rows the walk finds and hashed every role, permission and grant on each
    // computation (0.1–0.4 ms each at 1,100 roles); a lateral subquery (OFFSET 0 keeps it
    // from being merged back into a join) reads them by key instead.
    let (role_of_h, perms_of_h, grants_of_anc, role_of_gr) = match backend {
        sea_orm::DbBackend::Sqlite => (
            "h JOIN roles r ON r.id = h.role_id",
            "h JOIN role_permissions rp ON rp.role_id = h.role_id",
            "group_roles gr WHERE gr.group_id IN (SELECT id FROM anc) AND",
            "JOIN roles r ON r.id = gr.role_id",
        ),
        _ => (
            "h CROSS JOIN LATERAL (SELECT r.name FROM roles r WHERE r.id = h.role_id OFFSET 0) r",
            "h CROSS JOIN LATERAL (SELECT rp.permission FROM role_permissions rp WHERE rp.role_id = h.role_id OFFSET 0) rp",
            "(SELECT DISTINCT id FROM anc) a CROSS JOIN LATERAL
               (SELECT gr.role_id, gr.schedule FROM group_roles gr WHERE gr.group_id = a.id OFFSET 0) gr WHERE",
            "CROSS JOIN LATERAL (SELECT r.name FROM roles r WHERE r.id = gr.role_id OFFSET 0) r",
        ),
    };
    let roles = format!("(SELECT {} FROM {role_of_h})", agg.replace("{}", "r.name"));
    let perms = format!("(SELECT {} FROM {perms_of_h})", agg.replace("{}", "rp.permission"));
    let scheduled = match backend {
        sea_orm::DbBackend::Sqlite => format!(
            "(SELECT {} FROM group_roles gr {role_of_gr}
               WHERE gr.group_id IN (SELECT id FROM anc) AND gr.schedule IS NOT NULL)",
            agg.replace("{}", &schedule.replace("{perms}", perms_of))
        ),
        _ => format!(
            "(SELECT {} FROM (SELECT DISTINCT id FROM anc) a
                CROSS JOIN LATERAL (SELECT gr.role_id, gr.schedule FROM group_roles gr
                                     WHERE gr.group_id = a.id AND gr.schedule IS NOT NULL OFFSET 0) gr
                {role_of_gr})",
            agg.replace("{}", &schedule.replace("{perms}", perms_of))
        ),
    };
    format!(
        r#"(WITH RECURSIVE {anc},
            h AS MATERIALIZED (SELECT role_id FROM user_roles WHERE user_id = "users"."id"
                               UNION
                               SELECT gr.role_id FROM {grants_of_anc} gr.schedule IS NULL)
            SELECT {triple})"#,
        anc = members::ancestors(backend, r#""users"."id""#, members::NOW),
        triple = triple
            .replace("{r}", &roles)
            .replace("{p}", &perms)
            .replace("{s}", &scheduled),
    )
}

/// Adds the inserts of a user's emails (none if the list is empty) to a batch of writes.
fn emails_in(batch: &mut Batch, db: &impl ConnectionTrait, user_id: Uuid, emails: Vec<EmailData>) {
    if emails.is_empty() {
        return;
    }
    let rows = emails.into_iter().enumerate().map(|(i, e)| user_email::ActiveModel {
        user_id: Set(user_id),
        position: Set(i as i32),
        value_ci: Set(e.value.to_lowercase()),
        value: Set(e.value),
        kind: Set(e.kind),
        primary: Set(e.primary),
    });
    batch.push(db, &user_email::Entity::insert_many(rows));
}

/// Bumps the version of the given groups (their membership changed).
pub(super) async fn touch_groups(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        group::Entity::update_many()
            .col_expr(
                group::Column::Version,
                Expr::col(group::Column::Version).add(Expr::val(1)),
            )
            .col_expr(group::Column::LastModified, Expr::value(super::resource_time()))
            .filter(group::COLUMN.id.is_in(chunk.to_vec()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The one user a prebuilt statement looks up.
enum Key<'a> {
    Id(Uuid),
    /// `user_name_ci`: the folded userName (unique).
    UserNameCi(&'a str),
}

/// The statement of [`Users::get_with_groups`] and [`Users::by_user_name_with_groups`]: the
/// same text at every call, so it is built once per key and backend (SeaORM's builder and its
/// placeholder renumbering cost more than SQLite's lookup) and only the values change.
fn by_key_with_groups(backend: DbBackend, key: Key, now: i64) -> sea_orm::Statement {
    use std::sync::OnceLock;
    /// Where each bound value comes from.
    enum Slot {
        Key,
        Now,
        Fixed(sea_orm::Value),
    }
    type Built = OnceLock<(String, Vec<Slot>)>;
    static BUILT: [[Built; 2]; 2] = [const { [OnceLock::new(), OnceLock::new()] }; 2];
    // Values no call passes: the built statement shows where the real ones go.
    const MARK_ID: Uuid = Uuid::from_u128(0x5c1a_17a2_0000_4000_8000_5c1a_17a2_0001);
    const MARK_NAME: &str = "\u{0}scimitar: the folded userName goes here";
    const MARK_NOW: i64 = i64::MIN + 0x5c1a;
    let (kind, value) = match key {
        Key::Id(id) => (0, sea_orm::Value::from(id)),
        Key::UserNameCi(name) => (1, sea_orm::Value::from(name)),
    };
    let (sql, slots) = BUILT[kind][usize::from(backend == DbBackend::Sqlite)].get_or_init(|| {
        let (select, mark) = match kind {
            0 => (user::Entity::find_by_id(MARK_ID), sea_orm::Value::from(MARK_ID)),
            _ => (
                user::Entity::find().filter(user::COLUMN.user_name_ci.eq(MARK_NAME)),
                sea_orm::Value::from(MARK_NAME),
            ),
        };
        let s = members::with_groups_statement(select, &[], MARK_NOW, backend);
        let slots = s.values.map(|v| v.0).unwrap_or_default().into_iter().map(|v| match v {
            v if v == mark => Slot::Key,
            sea_orm::Value::BigInt(Some(MARK_NOW)) => Slot::Now,
            v => Slot::Fixed(v),
        });
        (s.sql, slots.collect())
    });
    let values = slots.iter().map(|s| match s {
        Slot::Key => value.clone(),
        Slot::Now => now.into(),
        Slot::Fixed(v) => v.clone(),
    });
    sea_orm::Statement::from_sql_and_values(backend, sql.clone(), values)
}

/// A `users` row read by [`local`]: the columns of `user::Entity::find()` in the order the
/// model declares them (SeaORM selects them so), by position — looking each up by name scans
/// the row's column names (3% of a `userName eq` filter's CPU time). The first and last are
/// checked by name.
fn user_from_local(row: &rusqlite::Row) -> Result<user::Model, Local> {
    use user::Column as C;
    local::named(row, C::Id as usize, "id")?;
    local::named(row, C::LastLogin as usize, "last_login")?;
    let required = |c: C| local::time(row, c as usize)?.ok_or(Local::Slow);
    Ok(user::Model {
        id: local::uuid(row, C::Id as usize)?,
        user_name: row.get(C::UserName as usize)?,
        user_name_ci: row.get(C::UserNameCi as usize)?,
        external_id: row.get(C::ExternalId as usize)?,
        display_name: row.get(C::DisplayName as usize)?,
        given_name: row.get(C::GivenName as usize)?,
        family_name: row.get(C::FamilyName as usize)?,
        active: row.get(C::Active as usize)?,
        doc: local::json(row, C::Doc as usize)?,
        password_hash: row.get(C::PasswordHash as usize)?,
        version: row.get(C::Version as usize)?,
        created: required(C::Created)?,
        last_modified: required(C::LastModified)?,
        last_login: local::time(row, C::LastLogin as usize)?,
    })
}

/// Where [`members::with_groups_statement`] puts `groups_json`: right after the user columns.
const GROUPS_JSON_AT: usize = user::Column::LastLogin as usize + 1;

#[cfg(test)]
mod tests {
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use super::*;

    /// `read`'s plan reads none of the directory's large tables whole.
    async fn assert_reads_by_key(db: &sea_orm::DatabaseConnection, read: Statement) {
        let explain = Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("EXPLAIN {}", read.sql),
            read.values.unwrap().0,
        );
        let plan: Vec<String> = db
            .query_all_raw(explain)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        for table in ["groups", "roles", "role_permissions", "group_roles"] {
            assert!(
                !plan.iter().any(|l| l.contains(&format!("Seq Scan on {table} "))),
                "{table}:\n{}",
                plan.join("\n")
            );
        }
    }

    /// PostgreSQL plans the read of a user and its groups without knowing how few groups the
    /// walk finds; it hashed the whole `groups` table on every execution (2.1 ms per read at
    /// 20,000 groups), and the token statement every role, permission and grant. The plans
    /// must read what the user's rows point to by key, whatever the tables' sizes.
    #[tokio::test]
    #[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
    async fn reading_a_user_or_its_roles_never_scans_whole_tables_on_postgres() {
        let admin_url = std::env::var("SCIMITAR_TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
            .expect("this test needs SCIMITAR_TEST_DATABASE_URL=postgres://…");
        // Named as the integration tests name theirs, so that a later run drops it.
        let name = format!("scimitar_test_{}_{}", Utc::now().timestamp(), Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
        let db = Database::connect(&url).await.unwrap();
        migration::Migrator::up(&db, None).await.unwrap();
        let user = Uuid::new_v4();
        db.execute_unprepared(&format!(
            r#"INSERT INTO groups (id, display_name, display_name_ci, doc, version, created, last_modified)
                 SELECT gen_random_uuid(), 'g' || i, 'g' || i, '{{}}', 1, now(), now()
                 FROM generate_series(1, 20000) i;
               INSERT INTO users (id, user_name, user_name_ci, active, doc, version, created, last_modified)
                 VALUES ('{user}', 'ada', 'ada', true, '{{}}', 1, now(), now());
               INSERT INTO group_members (group_id, member_id, member_type, created)
                 SELECT id, '{user}', 'User', now() FROM groups ORDER BY display_name_ci LIMIT 3;
               INSERT INTO roles (id, name, name_ci, description, created, last_modified)
                 SELECT gen_random_uuid(), 'r' || i, 'r' || i, '', now(), now()
                 FROM generate_series(1, 5000) i;
               INSERT INTO role_permissions (role_id, permission)
                 SELECT id, p FROM roles, (VALUES ('read'), ('write')) v(p);
               INSERT INTO group_roles (group_id, role_id, created, schedule)
                 SELECT g.id, r.id, now(), NULL FROM
                   (SELECT id, row_number() OVER (ORDER BY display_name_ci) n FROM groups) g
                   JOIN (SELECT id, row_number() OVER (ORDER BY name_ci) n FROM roles) r ON r.n = g.n;
               ANALYZE"#
        ))
        .await
        .unwrap();

        for key in [Key::Id(user), Key::UserNameCi("ada")] {
            let read = by_key_with_groups(DbBackend::Postgres, key, Utc::now().timestamp_micros());
            let groups = db.query_one_raw(read.clone()).await.unwrap().unwrap();
            let found = members::parse_groups(groups.try_get("", "groups_json").unwrap()).unwrap();
            assert_eq!(found.len(), 3);
            assert_reads_by_key(&db, read).await;
        }
        // The token statement's roles: the three groups' grants (roles r1, r10, r100 by the
        // groups' and roles' name order), each with its two permissions.
        let read = members::with_groups_statement(
            user::Entity::find_by_id(user),
            &[roles_held(DbBackend::Postgres)],
            Utc::now().timestamp_micros(),
            DbBackend::Postgres,
        );
        let row = db.query_one_raw(read.clone()).await.unwrap().unwrap();
        let held: (Vec<String>, Vec<String>, Vec<serde_json::Value>) =
            serde_json::from_str(&row.try_get::<String>("", "extra_0").unwrap()).unwrap();
        let mut roles = held.0.clone();
        roles.sort();
        assert_eq!(roles, ["r1", "r10", "r100"]);
        assert_eq!(held.1.len(), 6);
        assert_reads_by_key(&db, read).await;
        db.close().await.ok();
        admin
            .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .await
            .ok();
    }
}
