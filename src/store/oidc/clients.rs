//! OAuth client rows.
use entity::oauth_client;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder};

use crate::store::{Store, StoreError};

pub struct Clients<'a> {
    pub(super) store: &'a Store,
}

impl Clients<'_> {
    pub async fn insert(&self, client: oauth_client::Model) -> Result<oauth_client::Model, StoreError> {
        let _turn = self.store.write_turn().await;
        Ok(client.into_active_model().insert(self.store.db()).await?)
    }

    pub async fn get(&self, client_id: &str) -> Result<Option<oauth_client::Model>, StoreError> {
        Ok(oauth_client::Entity::find_by_id(client_id.to_owned())
            .one(self.store.db())
            .await?)
    }

    pub async fn list(&self) -> Result<Vec<oauth_client::Model>, StoreError> {
        Ok(oauth_client::Entity::find()
            .order_by_asc(oauth_client::COLUMN.created)
            .all(self.store.db())
            .await?)
    }
}
