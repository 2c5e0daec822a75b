//! Signing-key rows.
use chrono::{DateTime, Utc};
use entity::signing_key;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, sea_query::Expr};

use crate::store::{Store, StoreError};

pub struct SigningKeys<'a> {
    pub(super) store: &'a Store,
}

impl SigningKeys<'_> {
    /// Keys still published: never retired, or retired but not yet past `not_after`.
    /// Newest first; the first unretired one signs.
    pub async fn published(&self, now: DateTime<Utc>) -> Result<Vec<signing_key::Model>, StoreError> {
        let rows = signing_key::Entity::find()
            .order_by_desc(signing_key::COLUMN.created)
            .order_by_desc(signing_key::COLUMN.kid)
            .all(self.store.db())
            .await?;
        Ok(rows
            .into_iter()
            .filter(|k| k.not_after.is_none_or(|t| t > now))
            .collect())
    }

    /// Stores `new` and retires every other unretired key: they stay published until
    /// `old_not_after`, when every token they signed has expired.
    pub async fn rotate(&self, new: signing_key::Model, old_not_after: DateTime<Utc>) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        signing_key::Entity::update_many()
            .col_expr(signing_key::Column::RetiredAt, Expr::value(Some(new.created)))
            .col_expr(signing_key::Column::NotAfter, Expr::value(Some(old_not_after)))
            .filter(signing_key::COLUMN.retired_at.is_null())
            .exec(&*tx)
            .await?;
        new.into_active_model().insert(&*tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every key row, published or not.
    pub async fn all(&self) -> Result<Vec<signing_key::Model>, StoreError> {
        Ok(signing_key::Entity::find().all(self.store.db()).await?)
    }

    /// Replaces the stored private part of `kid` (re-sealing under another KEK).
    pub async fn set_private(&self, kid: &str, stored: &str) -> Result<(), StoreError> {
        signing_key::Entity::update_many()
            .col_expr(signing_key::Column::PrivatePem, Expr::value(stored))
            .filter(signing_key::COLUMN.kid.eq(kid))
            .exec(self.store.writer())
            .await?;
        Ok(())
    }

    pub async fn insert(&self, key: signing_key::Model) -> Result<(), StoreError> {
        key.into_active_model().insert(self.store.writer()).await?;
        Ok(())
    }
}
