//! Group membership: one row per (group, member). Every operation here costs the same
//! whatever the size of the group: no read-modify-write of a member list.
use std::collections::{HashMap, HashSet};

use entity::{group, group_member, user};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    QueryTrait, Statement,
    sea_query::{Expr, OnConflict, UnionType},
};
use uuid::Uuid;

use super::{Batch, StoreError};

/// What kind of resource a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberType {
    User,
    Group,
}

impl MemberType {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberType::User => "User",
            MemberType::Group => "Group",
        }
    }
}

/// A member as rendered in `Group.members`.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MemberRow {
    pub member_id: Uuid,
    pub member_type: String,
    pub display: Option<String>,
}

/// A group a user belongs to, directly or through nesting.
#[derive(Debug, Clone)]
pub struct GroupOf {
    pub id: Uuid,
    pub display_name: String,
    pub direct: bool,
}

/// Parameter limit per statement, well under SQLite's and PostgreSQL's.
const CHUNK: usize = 500;

/// When a membership is in effect: from `valid_from` (None: from its creation) until
/// `expires_at` (None: for good). Stored as microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub valid_from_us: Option<i64>,
    pub expires_at_us: Option<i64>,
}

impl Window {
    /// In effect now and for good.
    pub const ALWAYS: Window = Window {
        valid_from_us: None,
        expires_at_us: None,
    };

    pub fn is_always(&self) -> bool {
        *self == Window::ALWAYS
    }

    pub fn expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.expires_at_us.and_then(chrono::DateTime::from_timestamp_micros)
    }

    /// For the audit log: the bounds that are set, in RFC 3339.
    pub fn detail(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, v) in [("valid_from", self.valid_from_us), ("expires_at", self.expires_at_us)] {
            if let Some(t) = v.and_then(chrono::DateTime::from_timestamp_micros) {
                m.insert(k.into(), t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true).into());
            }
        }
        serde_json::Value::Object(m)
    }
}

/// SQL: is the membership row `gm` in effect at `now` (a placeholder or column giving
/// microseconds)? Every read of memberships applies it: a membership ends at its instant,
/// whether or not the expiry sweeper has deleted its row yet.
pub(crate) fn in_effect_sql(gm: &str, now: &str) -> String {
    format!(
        "(({gm}.valid_from_us IS NULL OR {gm}.valid_from_us <= {now}) \
         AND ({gm}.expires_at_us IS NULL OR {gm}.expires_at_us > {now}))"
    )
}

/// SQL: has the membership row `gm` not yet expired at `now` (in effect, or due later)?
pub(crate) fn not_expired_sql(gm: &str, now: &str) -> String {
    format!("({gm}.expires_at_us IS NULL OR {gm}.expires_at_us > {now})")
}

/// [`in_effect_sql`] as a query-builder condition on `group_members`.
pub(crate) fn in_effect(now: i64) -> Condition {
    Condition::all().add(not_expired(now)).add(
        Condition::any()
            .add(group_member::Column::ValidFromUs.is_null())
            .add(group_member::Column::ValidFromUs.lte(now)),
    )
}

/// Not yet expired: in effect, or due to start later. (Expired rows are the sweeper's: it
/// deletes them and audits `member.expire`.)
pub(crate) fn not_expired(now: i64) -> Condition {
    Condition::any()
        .add(group_member::Column::ExpiresAtUs.is_null())
        .add(group_member::Column::ExpiresAtUs.gt(now))
}

/// Finds out whether each id is a user or a group (one query per chunk); unknown ids are an
/// `Invalid` error naming them.
pub async fn resolve(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<(Uuid, MemberType)>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<Uuid> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    for chunk in ids.chunks(CHUNK) {
        let mut users = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .expr_as(Expr::val(true), "is_user")
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .into_query();
        let groups = group::Entity::find()
            .select_only()
            .column(group::Column::Id)
            .expr_as(Expr::val(false), "is_user")
            .filter(group::Column::Id.is_in(chunk.to_vec()))
            .into_query();
        let union = users.union(UnionType::All, groups).to_owned();
        let found: HashMap<Uuid, bool> = db
            .query_all(&union)
            .await?
            .iter()
            .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
            .collect::<Result<_, DbErr>>()?;
        let mut unknown = vec![];
        for id in chunk {
            match found.get(id) {
                Some(true) => out.push((*id, MemberType::User)),
                Some(false) => out.push((*id, MemberType::Group)),
                None => unknown.push(id.to_string()),
            }
        }
        if !unknown.is_empty() {
            return Err(StoreError::Invalid(format!(
                "no user or group with id {}",
                unknown.join(", ")
            )));
        }
    }
    Ok(out)
}

/// Ids among `ids` whose membership of `group_id` matches `which` (one indexed lookup per
/// chunk): [`in_effect`] for "already a member", [`not_expired`] for "has a row to remove".
async fn existing(
    db: &impl ConnectionTrait,
    group_id: Uuid,
    ids: &[Uuid],
    which: Condition,
) -> Result<HashSet<Uuid>, DbErr> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<Uuid> = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::MemberId)
            .filter(group_member::COLUMN.group_id.eq(group_id))
            .filter(group_member::Column::MemberId.is_in(chunk.to_vec()))
            .filter(which.clone())
            .into_tuple()
            .all(db)
            .await?;
        out.extend(found);
    }
    Ok(out)
}

/// Adds members; members already in effect — or due to start later — are left alone, their
/// windows untouched (idempotent; a provisioning client re-sending members it pushed must not
/// undo an administrator's window). Callers hold the group's row lock and have swept its
/// expired rows ([`super::expiry`]). Returns the ids that were actually added.
pub async fn add(
    db: &impl ConnectionTrait,
    group_id: Uuid,
    members: &[(Uuid, MemberType)],
    now: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let mut batch = Batch::default();
    let added = add_in(&mut batch, db, group_id, members, now).await?;
    batch.run(db).await?;
    Ok(added)
}

/// As [`add`], but the inserts join `batch` (run by the caller).
pub(crate) async fn add_in(
    batch: &mut Batch,
    db: &impl ConnectionTrait,
    group_id: Uuid,
    members: &[(Uuid, MemberType)],
    now: i64,
) -> Result<Vec<Uuid>, StoreError> {
    if members.iter().any(|(id, _)| *id == group_id) {
        return Err(StoreError::Invalid("a group cannot be a member of itself".into()));
    }
    let ids: Vec<Uuid> = members.iter().map(|(id, _)| *id).collect();
    let present = existing(db, group_id, &ids, not_expired(now)).await?;
    let new: Vec<&(Uuid, MemberType)> = members.iter().filter(|(id, _)| !present.contains(id)).collect();
    let now_time = super::resource_time();
    for chunk in new.chunks(CHUNK) {
        let rows = chunk.iter().map(|(id, t)| group_member::ActiveModel {
            group_id: Set(group_id),
            member_id: Set(*id),
            member_type: Set(t.as_str().to_owned()),
            created: Set(now_time),
            valid_from_us: Set(None),
            expires_at_us: Set(None),
        });
        batch.push(
            db,
            &group_member::Entity::insert_many(rows).on_conflict(replace_window()),
        );
    }
    Ok(new.into_iter().map(|(id, _)| *id).collect())
}

/// A row already there (expired, or due later) takes the new row's window and creation time.
fn replace_window() -> OnConflict {
    OnConflict::columns([group_member::Column::GroupId, group_member::Column::MemberId])
        .update_columns([
            group_member::Column::ValidFromUs,
            group_member::Column::ExpiresAtUs,
            group_member::Column::Created,
        ])
        .to_owned()
}

/// What [`put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Not in effect before (absent, expired, or due later with another window).
    Added,
    /// In effect before, with another window.
    Changed,
    /// Already so.
    Unchanged,
}

/// Makes `member` a member of `group_id` with exactly `window` (a PUT: no window means for
/// good). Callers hold the group's row lock.
pub(crate) async fn put(
    db: &impl ConnectionTrait,
    group_id: Uuid,
    member: (Uuid, MemberType),
    window: Window,
    now: i64,
) -> Result<Put, StoreError> {
    if member.0 == group_id {
        return Err(StoreError::Invalid("a group cannot be a member of itself".into()));
    }
    let cur = group_member::Entity::find_by_id((group_id, member.0)).one(db).await?;
    let in_effect_before = cur
        .as_ref()
        .is_some_and(|r| r.valid_from_us.is_none_or(|t| t <= now) && r.expires_at_us.is_none_or(|t| t > now));
    let same = cur.as_ref().is_some_and(|r| {
        // A start already passed is the same as none.
        r.valid_from_us.filter(|t| *t > now) == window.valid_from_us && r.expires_at_us == window.expires_at_us
    });
    let not_expired = cur.as_ref().is_some_and(|r| r.expires_at_us.is_none_or(|t| t > now));
    if same && not_expired {
        return Ok(Put::Unchanged);
    }
    let row = group_member::ActiveModel {
        group_id: Set(group_id),
        member_id: Set(member.0),
        member_type: Set(member.1.as_str().to_owned()),
        created: Set(super::resource_time()),
        valid_from_us: Set(window.valid_from_us),
        expires_at_us: Set(window.expires_at_us),
    };
    group_member::Entity::insert(row)
        .on_conflict(replace_window())
        .exec_without_returning(db)
        .await?;
    Ok(if in_effect_before { Put::Changed } else { Put::Added })
}

/// Removes the given members (in effect or due later), the deletes joining `batch` (run by
/// the caller); absent and expired ones are not an error (expired rows are left to the
/// sweeper, which audits them as `member.expire`). Returns the ids that will be removed.
pub(crate) async fn remove_in(
    batch: &mut Batch,
    db: &impl ConnectionTrait,
    group_id: Uuid,
    ids: &[Uuid],
    now: i64,
) -> Result<Vec<Uuid>, DbErr> {
    let present = existing(db, group_id, ids, not_expired(now)).await?;
    let gone: Vec<Uuid> = ids.iter().copied().filter(|id| present.contains(id)).collect();
    for chunk in gone.chunks(CHUNK) {
        batch.push(
            db,
            &group_member::Entity::delete_many()
                .filter(group_member::COLUMN.group_id.eq(group_id))
                .filter(group_member::Column::MemberId.is_in(chunk.to_vec()))
                .filter(not_expired(now)),
        );
    }
    Ok(gone)
}

/// The ids of the group's members whose rows match `which` ([`in_effect`], [`not_expired`]).
pub(crate) async fn ids_where(db: &impl ConnectionTrait, group_id: Uuid, which: Condition) -> Result<Vec<Uuid>, DbErr> {
    group_member::Entity::find()
        .select_only()
        .column(group_member::Column::MemberId)
        .filter(group_member::COLUMN.group_id.eq(group_id))
        .filter(which)
        .into_tuple()
        .all(db)
        .await
}

/// Removes every member (in effect or due later; expired rows are the sweeper's); returns
/// their ids.
pub async fn remove_all(db: &impl ConnectionTrait, group_id: Uuid, now: i64) -> Result<Vec<Uuid>, DbErr> {
    let ids = ids_where(db, group_id, not_expired(now)).await?;
    group_member::Entity::delete_many()
        .filter(group_member::COLUMN.group_id.eq(group_id))
        .filter(not_expired(now))
        .exec(db)
        .await?;
    Ok(ids)
}

/// Takes a user or group out of every group it is in, bumping those groups' versions.
/// Returns the groups it was removed from.
pub async fn remove_member_everywhere(db: &impl ConnectionTrait, member_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    let parents: Vec<Uuid> = group_member::Entity::find()
        .select_only()
        .column(group_member::Column::GroupId)
        .filter(group_member::COLUMN.member_id.eq(member_id))
        .into_tuple()
        .all(db)
        .await?;
    super::users::touch_groups(db, &parents).await?;
    group_member::Entity::delete_many()
        .filter(group_member::COLUMN.member_id.eq(member_id))
        .exec(db)
        .await?;
    Ok(parents)
}

/// All members of a group in effect at `now`, with their display names, in one set-based query.
pub async fn list(db: &impl ConnectionTrait, group_id: Uuid, now: i64) -> Result<Vec<MemberRow>, StoreError> {
    list_chunk(db, group_id, now, None, i64::MAX as u64).await
}

/// At most `limit` members of `group_id` in effect at `now`, after `after` in member-id order
/// (a keyset page of [`list`], through the primary key).
pub async fn list_chunk(
    db: &impl ConnectionTrait,
    group_id: Uuid,
    now: i64,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<MemberRow>, StoreError> {
    // Two texts rather than `($n IS NULL OR …)`, which would keep the planner from seeking
    // the primary key to the cursor.
    let (after_sql, mut values) = match after {
        Some(a) => ("AND gm.member_id > $4", vec![a.into()]),
        None => ("", vec![]),
    };
    let sql = format!(
        r#"SELECT gm.member_id AS member_id, gm.member_type AS member_type,
                  COALESCE(u.display_name, u.user_name, g.display_name) AS display
           FROM group_members gm
           LEFT JOIN users u ON u.id = gm.member_id
           LEFT JOIN "groups" g ON g.id = gm.member_id
           WHERE gm.group_id = $1 AND {} {after_sql}
           ORDER BY gm.member_id LIMIT $3"#,
        in_effect_sql("gm", "$2")
    );
    values.splice(0..0, [group_id.into(), now.into(), (limit as i64).into()]);
    let stmt = Statement::from_sql_and_values(backend(db), sql, values);
    Ok(MemberRow::find_by_statement(stmt).all(db).await?)
}

/// `anc(member, id, direct)`: every group containing one of the members listed by `params`
/// (SQL placeholders, or a column of an outer query), directly or through nested groups.
/// `UNION` (not `UNION ALL`) makes the recursion stop on cycles; the anchor rows carry
/// `direct = 1`. (A correlated `EXISTS` for `direct` was planned by PostgreSQL as a hash of
/// the whole membership table on every call: 60 ms at 20,000 memberships.)
///
/// Only memberships in effect at `now` (a placeholder giving microseconds) count.
pub(super) fn ancestors(backend: DbBackend, params: &str, now: &str) -> String {
    ancestors_by(backend, params, now, in_effect_sql)
}

/// [`ancestors`] through memberships in effect at `now` or due to start later: what a user
/// will hold once their pending memberships start (the escalation checks count those too).
pub(super) fn ancestors_to_come(backend: DbBackend, params: &str, now: &str) -> String {
    ancestors_by(backend, params, now, not_expired_sql)
}

fn ancestors_by(backend: DbBackend, params: &str, now: &str, live: fn(&str, &str) -> String) -> String {
    // Each step looks up the groups of the groups found so far. PostgreSQL cannot estimate
    // how many that is and guesses ten times the first step; on a small membership table it
    // then hashes the whole table at every step (in a page of 100 users: 100 times, 23 ms at
    // 1,000 users, where one index probe per found group took 1 ms). `OFFSET 0` keeps the
    // lateral subquery a subquery, so it stays one index probe per found group. SQLite only
    // ever nests loops, through the index.
    let step = match backend {
        DbBackend::Postgres => format!(
            "SELECT anc.member, up.group_id, 0 FROM anc CROSS JOIN LATERAL
                 (SELECT gm.group_id FROM group_members gm WHERE gm.member_id = anc.id AND {} OFFSET 0) up",
            live("gm", now)
        ),
        _ => format!(
            "SELECT anc.member, gm.group_id, 0 FROM group_members gm JOIN anc ON gm.member_id = anc.id WHERE {}",
            live("gm", now)
        ),
    };
    format!(
        r#"anc(member, id, direct) AS (
               SELECT gm0.member_id, gm0.group_id, 1 FROM group_members gm0
                WHERE gm0.member_id IN ({params}) AND {live0}
               UNION
               {step}
           )"#,
        live0 = live("gm0", now),
    )
}

/// For each of `member_ids`, the groups that contain it, directly or through nested groups,
/// in one query.
pub async fn groups_of(
    db: &impl ConnectionTrait,
    member_ids: &[Uuid],
    now: i64,
) -> Result<HashMap<Uuid, Vec<GroupOf>>, StoreError> {
    let mut out: HashMap<Uuid, Vec<GroupOf>> = HashMap::new();
    for chunk in member_ids.chunks(CHUNK) {
        let params = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            r#"WITH RECURSIVE {}
               SELECT anc.member AS member, g.id AS id, g.display_name AS display_name,
                      MAX(anc.direct) = 1 AS direct
               FROM anc JOIN "groups" g ON g.id = anc.id
               GROUP BY anc.member, g.id, g.display_name, g.display_name_ci
               ORDER BY g.display_name_ci, g.id"#,
            ancestors(backend(db), &params, &format!("${}", chunk.len() + 1))
        );
        let values = chunk.iter().map(|id| (*id).into()).chain([now.into()]);
        let stmt = Statement::from_sql_and_values(backend(db), sql, values);
        for row in GroupOfRow::find_by_statement(stmt).all(db).await? {
            out.entry(row.member).or_default().push(GroupOf {
                id: row.id,
                display_name: row.display_name,
                direct: row.direct,
            });
        }
    }
    Ok(out)
}

/// The users a select returns, each with its groups (as [`groups_of`]) computed by a
/// correlated subquery in the same statement — a page of users or one user is one database
/// round trip; the groups come as a JSON array of `[id, displayName, direct]` — plus
/// text-valued SQL expressions over `"users"` computed in the same statement, returned in the
/// order given; in them [`NOW`] stands for `now`.
pub async fn with_groups_and(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<user::Entity>,
    extra: &[String],
    now: i64,
) -> Result<Vec<(user::Model, Vec<GroupOf>, Vec<Option<String>>)>, DbErr> {
    let rows = db
        .query_all_raw(with_groups_statement(select, extra, now, backend(db)))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let user = user::Model::from_query_result(row, "")?;
        let groups = parse_groups(row.try_get("", "groups_json")?)?;
        let extras = (0..extra.len())
            .map(|i| row.try_get::<Option<String>>("", &format!("extra_{i}")))
            .collect::<Result<_, _>>()?;
        out.push((user, groups, extras));
    }
    Ok(out)
}

/// Runs a [`with_groups_statement`] without extra columns.
pub(super) async fn run_with_groups(
    db: &impl ConnectionTrait,
    stmt: Statement,
) -> Result<Vec<(user::Model, Vec<GroupOf>)>, DbErr> {
    decode_with_groups(&db.query_all_raw(stmt).await?)
}

/// The rows of a [`with_groups_statement`] without extra columns.
pub(super) fn decode_with_groups(rows: &[sea_orm::QueryResult]) -> Result<Vec<(user::Model, Vec<GroupOf>)>, DbErr> {
    rows.iter()
        .map(|row| {
            Ok((
                user::Model::from_query_result(row, "")?,
                parse_groups(row.try_get("", "groups_json")?)?,
            ))
        })
        .collect()
}

/// The statement of [`with_groups_and`]: the user columns, then `groups_json`, then
/// `extra_0`, `extra_1`, …
pub(super) fn with_groups_statement(
    select: sea_orm::Select<user::Entity>,
    extra: &[String],
    now: i64,
    backend: DbBackend,
) -> Statement {
    if backend == DbBackend::Sqlite
        && let Some(stmt) = sqlite_spliced(select.clone(), extra, now)
    {
        return stmt;
    }
    let mut select = select.expr_as(with_now(groups_column(backend), now, backend), "groups_json");
    for (i, e) in extra.iter().enumerate() {
        select = select.expr_as(with_now(e, now, backend), format!("extra_{i}"));
    }
    select.build(backend)
}

/// SQLite: [`with_groups_statement`] without SeaORM's tokenizer. A custom expression with
/// values is tokenized at every build to renumber its placeholders — 8% of the CPU time of a
/// `userName eq` filter for a kilobyte of SQL whose text never changes. SQLite's `?` are
/// numbered by their place in the text, and these columns come right after the plain user
/// columns: their values go first. `None` (take the tokenizer's path) if a placeholder
/// nevertheless precedes them.
fn sqlite_spliced(select: sea_orm::Select<user::Entity>, extra: &[String], now: i64) -> Option<Statement> {
    /// The column's text with `?` for now, how many, and where the first is.
    static GROUPS: std::sync::OnceLock<(String, usize, usize)> = std::sync::OnceLock::new();
    let &(ref groups, mut nows, first) = GROUPS.get_or_init(|| {
        let sql = groups_column(DbBackend::Sqlite);
        let nows = sql.matches(NOW).count();
        let sql = sql.replace(NOW, "?");
        // (Without a placeholder nothing is spliced: `checked_sub` below fails.)
        let first = sql.find('?').unwrap_or(usize::MAX);
        (sql, nows, first)
    });
    let mut select = select.expr_as(Expr::cust(groups.as_str()), "groups_json");
    for (i, e) in extra.iter().enumerate() {
        nows += e.matches(NOW).count();
        select = select.expr_as(Expr::cust(e.replace(NOW, "?")), format!("extra_{i}"));
    }
    let mut stmt = select.build(DbBackend::Sqlite);
    // The statement's first placeholder must be the column's first (a byte search and one
    // comparison: a substring search for the column's text cost 7% of the filter).
    let starts = stmt.sql.find('?')?.checked_sub(first)?;
    if !stmt.sql[starts..].starts_with(groups.as_str()) {
        return None;
    }
    let rest = stmt.values.take().map(|v| v.0).unwrap_or_default();
    let values = std::iter::repeat_n(sea_orm::Value::from(now), nows).chain(rest);
    stmt.values = Some(sea_orm::Values(values.collect()));
    Some(stmt)
}

/// The `groups_json` column's SQL (with [`NOW`]), built once per backend.
fn groups_column(backend: DbBackend) -> &'static str {
    use std::sync::OnceLock;
    static BUILT: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    BUILT[usize::from(backend == DbBackend::Sqlite)].get_or_init(|| {
        let (id, agg) = match backend {
            // SQLite stores uuids as 16-byte blobs; `Uuid::parse_str` reads the 32 hex digits.
            DbBackend::Sqlite => (
                "lower(hex(g.id))",
                "json_group_array(json_array({id}, g.display_name, {direct}) ORDER BY g.display_name_ci, g.id)",
            ),
            _ => (
                "g.id::text",
                "json_agg(json_build_array({id}, g.display_name, {direct}) ORDER BY g.display_name_ci, g.id)::text",
            ),
        };
        let agg = agg.replace("{id}", id);
        // PostgreSQL plans this statement once per connection (a generic plan) without knowing
        // how few groups the walk finds, and chose to hash the whole `groups` table for the
        // join on every execution: 2.1 ms per user with 20,000 groups. The lateral subquery
        // (OFFSET 0 keeps it from being merged back into a join) reads each found group
        // through its key instead: 0.08 ms.
        let group_of_a = match backend {
            DbBackend::Sqlite => r#"JOIN "groups" g ON g.id = a.id"#,
            _ => r#"CROSS JOIN LATERAL (SELECT g.id, g.display_name, g.display_name_ci FROM "groups" g WHERE g.id = a.id OFFSET 0) g"#,
        };
        let nested = format!(
            r#"(WITH RECURSIVE {anc}
               SELECT {agg}
               FROM (SELECT id, MAX(direct) AS direct FROM anc GROUP BY id) a {group_of_a})"#,
            anc = ancestors(backend, r#""users"."id""#, NOW),
            agg = agg.replace("{direct}", "a.direct"),
        );
        // SQLite: the walk through nested groups needs a recursive query and, for its
        // duplicates, two temporary tables, each a B-tree opened and closed per user. When none of
        // the user's groups is itself in a group — the common case, decided by one index probe
        // per group — its groups are its direct memberships, read with a plain join
        // (GET /Users/{id} +9%, two interleaved pairs at 10,000 users). PostgreSQL sets up every
        // subquery of a statement before running it, taken or not: there the same form was
        // slower, so it keeps the walk alone.
        match backend {
            DbBackend::Sqlite => format!(
                r#"(CASE WHEN EXISTS (
                       SELECT 1 FROM group_members gm0 JOIN group_members up ON up.member_id = gm0.group_id
                        WHERE gm0.member_id = "users"."id" AND {live0} AND {live_up})
                   THEN {nested}
                   ELSE (SELECT {direct}
                         FROM group_members gm0 JOIN "groups" g ON g.id = gm0.group_id
                         WHERE gm0.member_id = "users"."id" AND {live0})
                   END)"#,
                live0 = in_effect_sql("gm0", NOW),
                live_up = in_effect_sql("up", NOW),
                direct = agg.replace("{direct}", "1"),
            ),
            _ => nested,
        }
    })
}

/// The `groups_json` column of [`with_groups_statement`]: `[id, displayName, direct]` arrays.
pub(super) fn parse_groups(json: Option<String>) -> Result<Vec<GroupOf>, DbErr> {
    let listed: Vec<(String, String, i64)> = match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| DbErr::Custom(format!("groups of a user: {e}")))?,
        None => vec![],
    };
    listed
        .into_iter()
        .map(|(id, display_name, direct)| {
            let id = Uuid::parse_str(&id).map_err(|e| DbErr::Custom(format!("group id {id:?}: {e}")))?;
            Ok(GroupOf {
                id,
                display_name,
                direct: direct == 1,
            })
        })
        .collect()
}

#[derive(FromQueryResult)]
struct GroupOfRow {
    member: Uuid,
    id: Uuid,
    display_name: String,
    direct: bool,
}

/// Members of many groups at once (one query per 500 groups).
pub async fn list_many(
    db: &impl ConnectionTrait,
    group_ids: &[Uuid],
    now: i64,
) -> Result<HashMap<Uuid, Vec<MemberRow>>, StoreError> {
    let mut out: HashMap<Uuid, Vec<MemberRow>> = HashMap::new();
    for chunk in group_ids.chunks(CHUNK) {
        let params = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            r#"SELECT gm.group_id AS group_id, gm.member_id AS member_id, gm.member_type AS member_type,
                      COALESCE(u.display_name, u.user_name, g.display_name) AS display
               FROM group_members gm
               LEFT JOIN users u ON u.id = gm.member_id
               LEFT JOIN "groups" g ON g.id = gm.member_id
               WHERE gm.group_id IN ({params}) AND {live}
               ORDER BY gm.group_id, gm.member_id"#,
            live = in_effect_sql("gm", &format!("${}", chunk.len() + 1)),
        );
        let values = chunk.iter().map(|id| (*id).into()).chain([now.into()]);
        let stmt = Statement::from_sql_and_values(backend(db), sql, values);
        for row in MemberOfRow::find_by_statement(stmt).all(db).await? {
            out.entry(row.group_id).or_default().push(MemberRow {
                member_id: row.member_id,
                member_type: row.member_type,
                display: row.display,
            });
        }
    }
    Ok(out)
}

#[derive(FromQueryResult)]
struct MemberOfRow {
    group_id: Uuid,
    member_id: Uuid,
    member_type: String,
    display: Option<String>,
}

/// Stands for the current time (microseconds) in SQL given to [`with_groups_and`].
pub(super) const NOW: &str = "{now}";

/// A custom query-builder expression with each [`NOW`] bound to `now`. (The builder's
/// placeholders differ: SQLite takes one `?` per value, PostgreSQL numbers them.)
fn with_now(sql: &str, now: i64, backend: DbBackend) -> Expr {
    match (sql.matches(NOW).count(), backend) {
        (0, _) => Expr::cust(sql.to_owned()),
        (n, DbBackend::Sqlite) => Expr::cust_with_values(sql.replace(NOW, "?"), vec![now; n]),
        (_, _) => Expr::cust_with_values(sql.replace(NOW, "$1"), [now]),
    }
}

fn backend(db: &impl ConnectionTrait) -> DbBackend {
    db.get_database_backend()
}

/// The names epoch (migration 26): moves with every committed change to a name a member list
/// shows (a user's `userName` or `displayName`, a group's `displayName`).
pub async fn names_epoch(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let stmt = Statement::from_string(backend(db), "SELECT CAST(SUM(n) AS BIGINT) AS n FROM names_epoch");
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::Custom("names_epoch: no row".into()))?;
    Ok(row.try_get::<Option<i64>>("", "n")?.unwrap_or(0))
}

/// The first instant after `now` (microseconds) at which one of `group_id`'s memberships
/// starts or ends on its own, if any: until then its member list changes only by a write.
pub async fn next_boundary(db: &impl ConnectionTrait, group_id: Uuid, now: i64) -> Result<Option<i64>, StoreError> {
    let sql = "SELECT MIN(CASE WHEN valid_from_us > $2 THEN valid_from_us ELSE expires_at_us END) AS t
               FROM group_members
               WHERE group_id = $1 AND (valid_from_us > $2 OR expires_at_us > $2)";
    let stmt = Statement::from_sql_and_values(backend(db), sql, [group_id.into(), now.into()]);
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::Custom("next membership boundary: no row".into()))?;
    Ok(row.try_get::<Option<i64>>("", "t")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

    /// The tokenizer's statement for the same select.
    fn tokenized(select: sea_orm::Select<user::Entity>, extra: &[String], now: i64) -> Statement {
        let mut select = select.expr_as(
            with_now(groups_column(DbBackend::Sqlite), now, DbBackend::Sqlite),
            "groups_json",
        );
        for (i, e) in extra.iter().enumerate() {
            select = select.expr_as(with_now(e, now, DbBackend::Sqlite), format!("extra_{i}"));
        }
        select.build(DbBackend::Sqlite)
    }

    #[test]
    fn the_spliced_sqlite_statement_is_the_tokenizers_statement() {
        let now = 1_700_000_000_000_000;
        let after = Uuid::from_u128(9);
        let filtered = user::Entity::find()
            .filter(user::Column::UserNameCi.eq("ada@example.com"))
            .filter(user::Column::Id.gt(after))
            .order_by_asc(user::Column::Id)
            .limit(100);
        // A page by offset: the page's ids come from a subquery with values of its own.
        let ids = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Active.eq(true))
            .offset(200)
            .limit(100)
            .into_query();
        let by_offset = user::Entity::find().filter(user::Column::Id.in_subquery(ids));
        let extra = [
            format!("(SELECT {NOW} + 1)"),
            "(SELECT 2)".to_owned(),
            format!("({NOW} - {NOW})"),
        ];
        for (select, extra) in [
            (user::Entity::find_by_id(after), &[][..]),
            (filtered.clone(), &[][..]),
            (filtered, &extra[..]),
            (by_offset, &extra[..]),
        ] {
            let spliced = sqlite_spliced(select.clone(), extra, now).expect("spliced");
            assert_eq!(spliced, tokenized(select, extra, now));
        }
    }

    #[test]
    fn a_placeholder_before_the_groups_column_takes_the_tokenizers_path() {
        let select = user::Entity::find().expr_as(Expr::cust_with_values("?", [5]), "first");
        assert_eq!(sqlite_spliced(select.clone(), &[], 1), None);
        assert_eq!(
            with_groups_statement(select.clone(), &[], 1, DbBackend::Sqlite),
            tokenized(select, &[], 1)
        );
    }
}
