//! API token rows.
use chrono::Utc;
use entity::api_token;
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde_json::json;
use uuid::Uuid;

use super::{
    Batch, Store, StoreError,
    audit::{self, Actor, Event},
};

pub struct Tokens<'a> {
    pub(super) store: &'a Store,
    pub(super) cache: &'a Cache,
}

/// Recently looked-up tokens (and unknown hashes), so that authenticating a request does not
/// cost a query. A revocation — or the deactivation of a token's creator — made through this
/// process takes effect at once; one made through another replica within `TTL`.
#[derive(Default)]
pub struct Cache(Mutex<HashMap<String, (Option<Usable>, Instant)>>);

/// A token row as authentication needs it: the row, and whether its creator (if it has one)
/// still exists and is active.
#[derive(Debug, Clone)]
pub struct Usable {
    pub row: api_token::Model,
    pub creator_active: bool,
}

impl Usable {
    /// Whether the token may authenticate at `now`: not expired, creator active.
    pub fn works_at(&self, now: chrono::DateTime<Utc>) -> bool {
        self.creator_active && self.row.expires_at.is_none_or(|end| now < end)
    }
}

/// When a token ends and who made it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bounds {
    pub expires_at: Option<chrono::DateTime<Utc>>,
    pub created_by: Option<Uuid>,
}

const TTL: Duration = Duration::from_secs(5);
const CACHE_MAX: usize = 10_000;

impl Cache {
    fn get(&self, hash: &str) -> Option<Option<Usable>> {
        let map = self.0.lock().expect("token cache lock");
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(row, _)| row.clone())
    }

    fn put(&self, hash: &str, row: Option<Usable>) {
        let mut map = self.0.lock().expect("token cache lock");
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        map.insert(hash.to_owned(), (row, Instant::now()));
    }

    /// Records a use in the cached row, so that requests in the next minute do not write it
    /// again.
    fn used(&self, id: Uuid, at: chrono::DateTime<Utc>) {
        for (row, _) in self.0.lock().expect("token cache lock").values_mut() {
            if let Some(u) = row.as_mut().filter(|u| u.row.id == id) {
                u.row.last_used = Some(at);
            }
        }
    }

    fn forget(&self, id: Uuid) {
        self.0
            .lock()
            .expect("token cache lock")
            .retain(|_, (row, _)| row.as_ref().is_none_or(|r| r.row.id != id));
    }

    /// Forgets every token: a user was deactivated or deleted, and tokens they made stop.
    pub(super) fn clear(&self) {
        self.0.lock().expect("token cache lock").clear();
    }
}

impl Tokens<'_> {
    /// Stores a new token and audits it (`token.create`), in one transaction.
    pub async fn insert(
        &self,
        actor: &Actor,
        name: &str,
        token_hash: &str,
        scopes: &str,
        user_id: Option<Uuid>,
        bounds: Bounds,
    ) -> Result<api_token::Model, StoreError> {
        let model = api_token::Model {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            token_hash: token_hash.to_owned(),
            scopes: scopes.to_owned(),
            user_id,
            created: self.store.clock().now(),
            last_used: None,
            expires_at: bounds.expires_at,
            created_by: bounds.created_by,
        };
        let db = self.store.db();
        let mut batch = Batch::default();
        batch.push(
            db,
            &api_token::Entity::insert(api_token::ActiveModel::from(model.clone())),
        );
        let mut detail = json!({"name": name, "scopes": scopes});
        if let Some(end) = bounds.expires_at {
            detail["expires_at"] = json!(end);
        }
        let event = Event::token("token.create", model.id).with_detail(detail);
        audit::record_in(&mut batch, db, actor, vec![event]);
        self.store.write_batch(batch).await?;
        Ok(model)
    }

    /// Was a token with this digest revoked once?
    pub async fn was_revoked(&self, token_hash: &str) -> Result<bool, StoreError> {
        use sea_orm::{ConnectionTrait, Statement};
        let row = self
            .store
            .db()
            .query_one_raw(Statement::from_sql_and_values(
                self.store.backend(),
                "SELECT 1 AS one FROM revoked_api_tokens WHERE token_hash = $1",
                vec![token_hash.into()],
            ))
            .await?;
        Ok(row.is_some())
    }

    pub async fn find_by_hash(&self, token_hash: &str) -> Result<Option<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::COLUMN.token_hash.eq(token_hash))
            .one(self.store.db())
            .await?)
    }

    /// The token with this digest and whether its creator is active, answered from the cache
    /// when fresh.
    pub async fn find_usable_cached(&self, token_hash: &str) -> Result<Option<Usable>, StoreError> {
        if let Some(row) = self.cache.get(token_hash) {
            return Ok(row);
        }
        let found = match self.find_by_hash(token_hash).await? {
            None => None,
            Some(row) => {
                let creator_active = match row.created_by {
                    None => true,
                    Some(creator) => entity::user::Entity::find_by_id(creator)
                        .one(self.store.db())
                        .await?
                        .is_some_and(|u| u.active),
                };
                Some(Usable { row, creator_active })
            }
        };
        self.cache.put(token_hash, found.clone());
        Ok(found)
    }

    /// Records that the token was used now.
    pub async fn touch(&self, id: Uuid) -> Result<(), StoreError> {
        let now = Utc::now();
        self.cache.used(id, now);
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsed, sea_orm::sea_query::Expr::value(now))
            .filter(api_token::COLUMN.id.eq(id))
            .exec(self.store.writer())
            .await?;
        Ok(())
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        Ok(api_token::Entity::find().count(self.store.writer()).await?)
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find_by_id(id).one(self.store.db()).await?)
    }

    pub async fn list(&self) -> Result<Vec<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find()
            .order_by_asc(api_token::COLUMN.created)
            .all(self.store.db())
            .await?)
    }

    /// Revokes a token: deleted, its digest kept (so it is never re-created), audited
    /// (`token.revoke`), in one transaction.
    pub async fn delete(&self, actor: &Actor, id: Uuid) -> Result<(), StoreError> {
        use sea_orm::{ConnectionTrait, Statement};
        self.cache.forget(id);
        let tx = self.store.write_tx().await?;
        let Some(row) = api_token::Entity::find_by_id(id).one(&*tx).await? else {
            return Err(StoreError::NotFound("token"));
        };
        api_token::Entity::delete_by_id(id).exec(&*tx).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            self.store.backend(),
            "INSERT INTO revoked_api_tokens (token_hash, revoked_at) VALUES ($1, $2) ON CONFLICT (token_hash) DO NOTHING",
            vec![row.token_hash.clone().into(), Utc::now().into()],
        ))
        .await?;
        let event = Event::token("token.revoke", id).with_detail(json!({"name": row.name}));
        audit::record(&*tx, actor, vec![event]).await?;
        tx.commit().await?;
        Ok(())
    }
}
