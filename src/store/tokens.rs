//! API token rows.
use chrono::Utc;
use entity::api_token;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Store, StoreError};

pub struct Tokens<'a> {
    pub(super) store: &'a Store,
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
        Ok(row.insert(self.store.db()).await?)
    }

    pub async fn find_by_hash(&self, token_hash: &str) -> Result<Option<api_token::Model>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::COLUMN.token_hash.eq(token_hash))
            .one(self.store.db())
            .await?)
    }

    pub async fn touch(&self, id: Uuid) -> Result<(), StoreError> {
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
        let res = api_token::Entity::delete_by_id(id).exec(self.store.db()).await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound("token"));
        }
        Ok(())
    }
}
