//! API token rows.
use chrono::Utc;
use entity::api_token;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use uuid::Uuid;

use super::{Store, StoreError};

pub struct Tokens<'a> {
    pub(super) store: &'a Store,
    pub(super) cache: &'a Cache,
}

/// Recently looked-up tokens (and unknown hashes), so that authenticating a request does not
/// cost a query. A revocation made through this process takes effect at once; one made
/// through another replica within `TTL`.
#[derive(Default)]
pub struct Cache(Mutex<HashMap<String, (Option<api_token::Model>, Instant)>>);

const TTL: Duration = Duration::from_secs(5);
const CACHE_MAX: usize = 10_000;

impl Cache {
    fn get(&self, hash: &str) -> Option<Option<api_token::Model>> {
        let map = self.0.lock().expect("token cache lock");
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(row, _)| row.clone())
    }

    fn put(&self, hash: &str, row: Option<api_token::Model>) {
        let mut map = self.0.lock().expect("token cache lock");
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        map.insert(hash.to_owned(), (row, Instant::now()));
    }

    fn forget(&self, id: Uuid) {
        self.0
            .lock()
            .expect("token cache lock")
            .retain(|_, (row, _)| row.as_ref().is_none_or(|r| r.id != id));
    }
}

impl Tokens<'_> {
    pub async fn insert(
        &self,
        name: &str,
        token_hash: &str,
        scopes: &str,
        user_id: Option<Uuid>,
    ) -> Result<api_token::Model, StoreError> {
        let row = api_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name.to_owned()),
            token_hash: Set(token_hash.to_owned()),
            scopes: Set(scopes.to_owned()),
            user_id: Set(user_id),
            created: Set(Utc::now()),
            last_used: Set(None),
        };
        let _turn = self.store.write_turn().await;
        Ok(row.insert(self.store.db()).await?)
    }

    pub async fn find_by_hash(&self, token_hash: &str) -> Result<Option<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::COLUMN.token_hash.eq(token_hash))
            .one(self.store.db())
            .await?)
    }

    /// Like `find_by_hash`, answered from the cache when fresh.
    pub async fn find_by_hash_cached(&self, token_hash: &str) -> Result<Option<api_token::Model>, StoreError> {
        if let Some(row) = self.cache.get(token_hash) {
            return Ok(row);
        }
        let row = self.find_by_hash(token_hash).await?;
        self.cache.put(token_hash, row.clone());
        Ok(row)
    }

    pub async fn touch(&self, id: Uuid) -> Result<(), StoreError> {
        self.cache.forget(id);
        let _turn = self.store.write_turn().await;
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsed, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(api_token::COLUMN.id.eq(id))
            .exec(self.store.db())
            .await?;
        Ok(())
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        Ok(api_token::Entity::find().count(self.store.db()).await?)
    }

    pub async fn list(&self) -> Result<Vec<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find()
            .order_by_asc(api_token::COLUMN.created)
            .all(self.store.db())
            .await?)
    }

    pub async fn delete(&self, id: Uuid) -> Result<(), StoreError> {
        self.cache.forget(id);
        let _turn = self.store.write_turn().await;
        let res = api_token::Entity::delete_by_id(id).exec(self.store.db()).await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound("token"));
        }
        Ok(())
    }
}
