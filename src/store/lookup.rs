//! Finding users and groups by what people call them (id, userName, email, displayName),
//! and keyset-paged searches over them. Used by the admin API.
use std::collections::{BTreeSet, HashMap};

use entity::{group, group_member, user, user_email};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
    sea_query::{Expr, Func, LikeExpr, Query},
};
use uuid::Uuid;

use super::{StoreError, groups::Groups, members, search, users::Users};

/// Parameter limit per statement, well under SQLite's and PostgreSQL's.
const CHUNK: usize = 500;

/// One page of a keyset-paged list: items after a cursor, in id order.
#[derive(Debug)]
pub struct KeysetPage<T> {
    /// Every match, ignoring the cursor.
    pub total: u64,
    pub items: Vec<T>,
    /// The last id of this page when more follow.
    pub next: Option<Uuid>,
}

/// Counts `query`, then reads up to `limit` rows with `id > after`, ordered by `id`.
async fn keyset<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    id: E::Column,
    after: Option<Uuid>,
    limit: u64,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> Result<KeysetPage<E::Model>, StoreError>
where
    E::Model: Sync,
{
    keyset_counted(db, query, id, after, limit, id_of, true).await
}

/// [`keyset`]; without `count`, `total` is 0 and the count's statement is saved (a substring
/// search scans: counting every match would scan the whole table a second time).
async fn keyset_counted<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    id: E::Column,
    after: Option<Uuid>,
    limit: u64,
    id_of: impl Fn(&E::Model) -> Uuid,
    count: bool,
) -> Result<KeysetPage<E::Model>, StoreError>
where
    E::Model: Sync,
{
    let total = if count {
        PaginatorTrait::count(query.clone(), db).await?
    } else {
        0
    };
    let mut query = query;
    if let Some(after) = after {
        query = query.filter(id.gt(after));
    }
    let mut items = query.order_by_asc(id).limit(limit + 1).all(db).await?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(&id_of)
    } else {
        None
    };
    Ok(KeysetPage { total, items, next })
}

/// `LIKE '%q%'` on an already lowercased expression, with `%`, `_` and `\` in `q` taken literally.
fn contains(expr: impl Into<Expr>, q: &str) -> Expr {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    expr.into().like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

impl Users<'_> {
    /// For each identifier, the users it names: by id; else by userName (case-insensitive,
    /// unique); else by email (case-insensitive, possibly several users). Unknown → empty.
    pub async fn resolve(&self, idents: &[String]) -> Result<HashMap<String, Vec<Uuid>>, StoreError> {
        let db = self.store.db();
        let mut by_id = BTreeSet::new();
        let mut by_name = HashMap::new();
        let mut by_email: HashMap<String, BTreeSet<Uuid>> = HashMap::new();
        for chunk in idents.chunks(CHUNK) {
            let ids: Vec<Uuid> = chunk.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect();
            let lower: Vec<String> = chunk.iter().map(|s| s.to_lowercase()).collect();
            let found: Vec<Uuid> = user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .filter(user::Column::Id.is_in(ids))
                .into_tuple()
                .all(db)
                .await?;
            by_id.extend(found);
            let names: Vec<(Uuid, String)> = user::Entity::find()
                .select_only()
                .columns([user::Column::Id, user::Column::UserNameCi])
                .filter(user::Column::UserNameCi.is_in(lower.clone()))
                .into_tuple()
                .all(db)
                .await?;
            by_name.extend(names.into_iter().map(|(id, name)| (name, id)));
            let emails: Vec<(Uuid, String)> = user_email::Entity::find()
                .select_only()
                .columns([user_email::Column::UserId, user_email::Column::ValueCi])
                .filter(user_email::Column::ValueCi.is_in(lower))
                .into_tuple()
                .all(db)
                .await?;
            for (id, email) in emails {
                by_email.entry(email).or_default().insert(id);
            }
        }
        let pick = |ident: &String| {
            let lower = ident.to_lowercase();
            match Uuid::parse_str(ident).ok().filter(|id| by_id.contains(id)) {
                Some(id) => vec![id],
                None => match by_name.get(&lower) {
                    Some(id) => vec![*id],
                    None => by_email
                        .get(&lower)
                        .map(|s| s.iter().copied().collect())
                        .unwrap_or_default(),
                },
            }
        };
        Ok(idents.iter().map(|i| (i.clone(), pick(i))).collect())
    }

    /// Users whose userName, displayName or an email contains `q` (case-insensitive).
    pub async fn search(
        &self,
        q: Option<&str>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<KeysetPage<user::Model>, StoreError> {
        self.search_where(q, None, after, limit, true).await
    }

    /// [`Users::search`], only active (`Some(true)`) or deactivated (`Some(false)`) users;
    /// without `count`, `total` is 0 (search-as-you-type needs the page, not the count).
    pub async fn search_where(
        &self,
        q: Option<&str>,
        active: Option<bool>,
        after: Option<Uuid>,
        limit: u64,
        count: bool,
    ) -> Result<KeysetPage<user::Model>, StoreError> {
        let mut query = user::Entity::find();
        if let Some(a) = active {
            query = query.filter(user::Column::Active.eq(a));
        }
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            let with_email = Query::select()
                .column(user_email::Column::UserId)
                .from(user_email::Entity)
                .and_where(contains(Expr::col(user_email::Column::ValueCi), q))
                .to_owned();
            query = query.filter(
                Condition::any()
                    .add(contains(Expr::col(user::Column::UserNameCi), q))
                    .add(contains(Func::lower(Expr::col(user::Column::DisplayName)), q))
                    .add(user::Column::Id.in_subquery(with_email)),
            );
            let text = q.to_lowercase();
            if self.store.backend() == DbBackend::Sqlite && search::usable(&text) {
                // First the rows any of the three indexes finds (`store::search`).
                let by_email = Query::select()
                    .column(user_email::Column::UserId)
                    .from(user_email::Entity)
                    .and_where(search::candidates(search::EMAIL, &text))
                    .to_owned();
                query = query.filter(
                    Condition::any()
                        .add(search::candidates(search::USER_NAME, &text))
                        .add(search::candidates(search::USER_DISPLAY_NAME, &text))
                        .add(user::Column::Id.in_subquery(by_email)),
                );
            }
        }
        keyset_counted(self.store.db(), query, user::Column::Id, after, limit, |u| u.id, count).await
    }

    /// The userNames of the given users that exist.
    pub async fn names_of(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<(Uuid, String)> = user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .column(user::Column::UserName)
                .filter(user::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(self.store.db())
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Emails of the given users, in their stored order.
    pub async fn emails_of(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<String>>, StoreError> {
        let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let rows = user_email::Entity::find()
                .filter(user_email::Column::UserId.is_in(chunk.to_vec()))
                .order_by_asc(user_email::Column::UserId)
                .order_by_asc(user_email::Column::Position)
                .all(self.store.db())
                .await?;
            for r in rows {
                out.entry(r.user_id).or_default().push(r.value);
            }
        }
        Ok(out)
    }
}

impl Groups<'_> {
    /// The groups an identifier names: by id, else by displayName (case-insensitive; may be several).
    pub async fn resolve(&self, ident: &str) -> Result<Vec<Uuid>, StoreError> {
        let db = self.store.db();
        if let Ok(id) = Uuid::parse_str(ident)
            && group::Entity::find_by_id(id).count(db).await? > 0
        {
            return Ok(vec![id]);
        }
        Ok(group::Entity::find()
            .select_only()
            .column(group::Column::Id)
            .filter(group::COLUMN.display_name_ci.eq(ident.to_lowercase()))
            .order_by_asc(group::Column::Id)
            .into_tuple()
            .all(db)
            .await?)
    }

    /// Has `member` a direct membership of `group_id`, in effect or due later? (One
    /// primary-key lookup.)
    pub async fn has_member(&self, group_id: Uuid, member: Uuid) -> Result<bool, StoreError> {
        Ok(self.membership(group_id, member).await?.is_some())
    }

    /// Those of `members` (at most a page of them) with a direct membership of `group_id`, in
    /// effect or due later: one query.
    pub async fn members_among(
        &self,
        group_id: Uuid,
        members: &[Uuid],
    ) -> Result<std::collections::HashSet<Uuid>, StoreError> {
        if members.is_empty() {
            return Ok(Default::default());
        }
        let found: Vec<Uuid> = group_member::Entity::find()
            .select_only()
            .column(group_member::Column::MemberId)
            .filter(group_member::COLUMN.group_id.eq(group_id))
            .filter(group_member::Column::MemberId.is_in(members.to_vec()))
            .filter(members::not_expired(self.store.now_us()))
            .into_tuple()
            .all(self.store.db())
            .await?;
        Ok(found.into_iter().collect())
    }

    /// The windows of those of `members` whose membership of `group_id` is time-bound and
    /// in effect now (the others are members for good, or not at all).
    pub async fn windows(
        &self,
        group_id: Uuid,
        members: &[Uuid],
    ) -> Result<HashMap<Uuid, members::Window>, StoreError> {
        if members.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = group_member::Entity::find()
            .filter(group_member::COLUMN.group_id.eq(group_id))
            .filter(group_member::Column::MemberId.is_in(members.to_vec()))
            .filter(members::in_effect(self.store.now_us()))
            .filter(
                Condition::any()
                    .add(group_member::Column::ValidFromUs.is_not_null())
                    .add(group_member::Column::ExpiresAtUs.is_not_null()),
            )
            .all(self.store.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let w = members::Window {
                    valid_from_us: r.valid_from_us,
                    expires_at_us: r.expires_at_us,
                };
                (r.member_id, w)
            })
            .collect())
    }

    /// `member`'s direct membership of `group_id` with its window, if in effect now or due
    /// later (not expired).
    pub async fn membership(&self, group_id: Uuid, member: Uuid) -> Result<Option<members::Window>, StoreError> {
        Ok(self.memberships(group_id, &[member]).await?.remove(&member))
    }

    /// [`Self::membership`] of each of `members` that has one, in one query (per 500).
    pub async fn memberships(
        &self,
        group_id: Uuid,
        members: &[Uuid],
    ) -> Result<HashMap<Uuid, members::Window>, StoreError> {
        let now = self.store.now_us();
        let mut out = HashMap::new();
        for chunk in members.chunks(500) {
            let rows = group_member::Entity::find()
                .filter(group_member::COLUMN.group_id.eq(group_id))
                .filter(group_member::Column::MemberId.is_in(chunk.to_vec()))
                .filter(members::not_expired(now))
                .all(self.store.db())
                .await?;
            out.extend(rows.into_iter().map(|r| {
                let w = members::Window {
                    // A start already passed is the same as none (as a PUT gives it).
                    valid_from_us: r.valid_from_us.filter(|t| *t > now),
                    expires_at_us: r.expires_at_us,
                };
                (r.member_id, w)
            }));
        }
        Ok(out)
    }

    /// Groups whose displayName contains `q` (case-insensitive).
    pub async fn search(
        &self,
        q: Option<&str>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<KeysetPage<group::Model>, StoreError> {
        let mut query = group::Entity::find();
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            query = query.filter(contains(Expr::col(group::Column::DisplayNameCi), q));
            let text = q.to_lowercase();
            if self.store.backend() == DbBackend::Sqlite && search::usable(&text) {
                query = query.filter(search::candidates(search::GROUP_NAME, &text));
            }
        }
        keyset(self.store.db(), query, group::Column::Id, after, limit, |g| g.id).await
    }

    /// The groups `id` is a direct member of now, by name.
    pub async fn groups_of_group(&self, id: Uuid) -> Result<Vec<(Uuid, String)>, StoreError> {
        let sql = format!(
            r#"SELECT g.id, g.display_name FROM group_members gm JOIN "groups" g ON g.id = gm.group_id
                WHERE gm.member_id = $1 AND {} ORDER BY g.display_name_ci"#,
            members::in_effect_sql("gm", "$2"),
        );
        let stmt = sea_orm::Statement::from_sql_and_values(
            self.store.backend(),
            sql,
            vec![id.into(), self.store.now_us().into()],
        );
        self.store
            .db()
            .query_all_raw(stmt)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "display_name")?)))
            .collect()
    }

    /// How many direct members (users and groups) each of `ids` has now: one indexed count
    /// per statement of up to 500 groups.
    pub async fn member_counts(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, i64>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT gm.group_id, COUNT(*) AS n FROM group_members gm
                  WHERE gm.group_id IN ({}) AND {} GROUP BY gm.group_id",
                params.join(", "),
                members::in_effect_sql("gm", &format!("${}", chunk.len() + 1)),
            );
            let mut values: Vec<sea_orm::Value> = chunk.iter().map(|id| (*id).into()).collect();
            values.push(self.store.now_us().into());
            let stmt = sea_orm::Statement::from_sql_and_values(self.store.backend(), sql, values);
            for r in self.store.db().query_all_raw(stmt).await? {
                out.insert(r.try_get::<Uuid>("", "group_id")?, r.try_get::<i64>("", "n")?);
            }
        }
        Ok(out)
    }

    /// The users that are direct members of a group, keyset-paged on the member id. Both the
    /// count and the page walk the membership primary key `(group_id, member_id)` — a range,
    /// not a scan of users — so the first page of a 100,000-member group costs the count of
    /// its index entries and 51 lookups.
    pub async fn member_users(
        &self,
        group_id: Uuid,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<KeysetPage<user::Model>, StoreError> {
        let live = members::in_effect_sql("gm", "$2");
        let base = format!("FROM group_members gm WHERE gm.group_id = $1 AND gm.member_type = 'User' AND {live}");
        let stmt = |sql: String, values: Vec<sea_orm::Value>| {
            sea_orm::Statement::from_sql_and_values(self.store.backend(), sql, values)
        };
        let now = self.store.now_us();
        let db = self.store.db();
        let total: i64 = db
            .query_one_raw(stmt(
                format!("SELECT COUNT(*) AS n {base}"),
                vec![group_id.into(), now.into()],
            ))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        let rows = db
            .query_all_raw(stmt(
                format!("SELECT gm.member_id {base} AND gm.member_id > $3 ORDER BY gm.member_id LIMIT $4"),
                vec![
                    group_id.into(),
                    now.into(),
                    after.unwrap_or_else(Uuid::nil).into(),
                    ((limit + 1) as i64).into(),
                ],
            ))
            .await?;
        let mut ids: Vec<Uuid> = rows
            .iter()
            .map(|r| r.try_get("", "member_id"))
            .collect::<Result<_, _>>()?;
        let next = if ids.len() as u64 > limit {
            ids.truncate(limit as usize);
            ids.last().copied()
        } else {
            None
        };
        let items = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?;
        Ok(KeysetPage {
            total: total as u64,
            items,
            next,
        })
    }
}
