//! OAuth client rows.
use entity::oauth_client;
use sea_orm::{EntityTrait, QueryOrder};

use crate::store::{
    Batch, Store, StoreError,
    audit::{self, Actor, Event},
};

/// The admin console's own client (public, PKCE), created by the server at start.
pub const BUILTIN_CONSOLE: &str = "scimitar-console";

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

    /// Deletes a client with everything issued to it: codes, pushed requests and refresh
    /// tokens go, and every token family it holds is listed as revoked until `access_expiry`
    /// (its access tokens die too). Audited as `client.delete`.
    pub async fn delete(
        &self,
        actor: &Actor,
        client_id: &str,
        access_expiry: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        use entity::{auth_code, pushed_request, refresh_token};
        use sea_orm::{ColumnTrait, QueryFilter};
        if client_id == BUILTIN_CONSOLE {
            return Err(StoreError::Invalid(
                "the console's built-in client is part of the server and cannot be deleted".into(),
            ));
        }
        let tx = self.store.write_tx().await?;
        let Some(client) = oauth_client::Entity::find_by_id(client_id.to_owned()).one(&*tx).await? else {
            return Err(StoreError::NotFound("client"));
        };
        let families = super::grants::families_of(&*tx, super::grants::Holder::Client(client_id)).await?;
        let mut batch = Batch::default();
        for family in &families {
            super::grants::revocation_in(&mut batch, &*tx, *family, access_expiry);
        }
        batch.push(
            &*tx,
            &refresh_token::Entity::delete_many().filter(refresh_token::Column::ClientId.eq(client_id)),
        );
        batch.push(
            &*tx,
            &auth_code::Entity::delete_many().filter(auth_code::Column::ClientId.eq(client_id)),
        );
        batch.push(
            &*tx,
            &pushed_request::Entity::delete_many().filter(pushed_request::Column::ClientId.eq(client_id)),
        );
        batch.push(&*tx, &oauth_client::Entity::delete_by_id(client_id.to_owned()));
        let id = uuid::Uuid::parse_str(client_id).unwrap_or_default();
        let event = Event::admin("client.delete", "Client", id).with_detail(serde_json::json!({
            "client_id": client_id, "name": client.name, "token_families": families.len(),
        }));
        audit::record_in(&mut batch, &*tx, actor, vec![event]);
        batch.run(&*tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores the server's own built-in client (the console's), not audited: it is part of
    /// the server, like its signing keys' first generation. A replica that lost the race to
    /// create it finds it there (`ON CONFLICT DO NOTHING`).
    pub async fn insert_builtin(&self, client: oauth_client::Model) -> Result<(), StoreError> {
        use sea_orm::sea_query::OnConflict;
        let mut batch = Batch::default();
        batch.push(
            self.store.db(),
            &oauth_client::Entity::insert(oauth_client::ActiveModel::from(client)).on_conflict(
                OnConflict::column(oauth_client::Column::ClientId)
                    .do_nothing()
                    .to_owned(),
            ),
        );
        self.store.write_batch(batch).await?;
        Ok(())
    }

    /// Replaces a client's redirect URIs and groups filter (checked by the caller). Audited
    /// as `client.update` with the new values.
    pub async fn update_settings(
        &self,
        actor: &Actor,
        client_id: &str,
        redirect_uris: &[String],
        groups_prefix: Option<&str>,
    ) -> Result<(), StoreError> {
        use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
        if client_id == BUILTIN_CONSOLE {
            return Err(StoreError::Invalid(
                "the console's built-in client is part of the server".into(),
            ));
        }
        let tx = self.store.write_tx().await?;
        let Some(client) = oauth_client::Entity::find_by_id(client_id.to_owned()).one(&*tx).await? else {
            return Err(StoreError::NotFound("client"));
        };
        let mut batch = Batch::default();
        batch.push(
            &*tx,
            &oauth_client::Entity::update_many()
                .col_expr(
                    oauth_client::Column::RedirectUris,
                    Expr::value(serde_json::json!(redirect_uris)),
                )
                .col_expr(
                    oauth_client::Column::GroupsPrefix,
                    Expr::value(groups_prefix.map(str::to_owned)),
                )
                .filter(oauth_client::Column::ClientId.eq(client_id)),
        );
        let id = uuid::Uuid::parse_str(client_id).unwrap_or_default();
        let event = Event::admin("client.update", "Client", id).with_detail(serde_json::json!({
            "client_id": client_id, "name": client.name,
            "redirect_uris": redirect_uris, "groups_prefix": groups_prefix,
        }));
        audit::record_in(&mut batch, &*tx, actor, vec![event]);
        batch.run(&*tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Points the console's built-in client at this server's callback (the public address
    /// changed between starts). Not audited: it is the server's own configuration.
    pub async fn set_redirect_uris(&self, client_id: &str, uris: serde_json::Value) -> Result<(), StoreError> {
        use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
        let tx = self.store.write_tx().await?;
        oauth_client::Entity::update_many()
            .col_expr(oauth_client::Column::RedirectUris, Expr::value(uris))
            .filter(oauth_client::Column::ClientId.eq(client_id))
            .exec(&*tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a confidential client's secret hash (the old secret stops working at once).
    /// Audited as `client.secret_rotate`.
    pub async fn set_secret(&self, actor: &Actor, client_id: &str, secret_hash: &str) -> Result<(), StoreError> {
        use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
        let tx = self.store.write_tx().await?;
        let Some(client) = oauth_client::Entity::find_by_id(client_id.to_owned()).one(&*tx).await? else {
            return Err(StoreError::NotFound("client"));
        };
        if client.public {
            return Err(StoreError::Invalid("a public client has no secret".into()));
        }
        let mut batch = Batch::default();
        batch.push(
            &*tx,
            &oauth_client::Entity::update_many()
                .col_expr(
                    oauth_client::Column::SecretHash,
                    Expr::value(Some(secret_hash.to_owned())),
                )
                .filter(oauth_client::Column::ClientId.eq(client_id)),
        );
        let id = uuid::Uuid::parse_str(client_id).unwrap_or_default();
        let event = Event::admin("client.secret_rotate", "Client", id)
            .with_detail(serde_json::json!({"client_id": client_id, "name": client.name}));
        audit::record_in(&mut batch, &*tx, actor, vec![event]);
        batch.run(&*tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
