//! OAuth client rows.
use entity::oauth_client;
use sea_orm::{EntityTrait, QueryOrder};

use crate::store::{
    Batch, Store, StoreError,
    audit::{self, Actor, Event},
};

pub struct Clients<'a> {
    pub(super) store: &'a Store,
}

impl Clients<'_> {
    /// Stores a new client and audits it (`client.create`), in one transaction.
    pub async fn insert(&self, actor: &Actor, client: oauth_client::Model) -> Result<oauth_client::Model, StoreError> {
        let db = self.store.db();
        let mut batch = Batch::default();
        batch.push(
            db,
            &oauth_client::Entity::insert(oauth_client::ActiveModel::from(client.clone())),
        );
        // Client ids are UUIDs in simple form; the audit log keys targets by UUID.
        let id = uuid::Uuid::parse_str(&client.client_id).unwrap_or_default();
        let event = Event::admin("client.create", "Client", id).with_detail(serde_json::json!({
            "client_id": client.client_id, "name": client.name, "public": client.public,
        }));
        audit::record_in(&mut batch, db, actor, vec![event]);
        self.store.write_batch(batch).await?;
        Ok(client)
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
