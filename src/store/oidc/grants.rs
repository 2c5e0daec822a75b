//! Authorization codes, refresh and access tokens, login sessions. Lookups are by the
//! SHA-256 of the secret (the secret itself is never stored); single-use transitions run
//! in a write transaction with the row locked, so two concurrent redemptions cannot both win.
use chrono::{DateTime, Utc};
use entity::{auth_code, login_session, pushed_request, refresh_token, token_revocation};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use crate::store::{Batch, Store, StoreError};

pub struct Grants<'a> {
    pub(super) store: &'a Store,
}

/// What redeeming a code or a refresh token found.
#[derive(Debug)]
pub enum Redeemed<T> {
    /// First use: the row, now marked used.
    Fresh(T),
    /// Unknown, expired or revoked.
    Invalid,
    /// Already used: the tokens issued from it have just been revoked.
    Replayed,
}

impl Grants<'_> {
    pub async fn insert_code(&self, code: auth_code::Model) -> Result<(), StoreError> {
        code.into_active_model().insert(self.store.writer()).await?;
        Ok(())
    }

    /// Marks the code used and binds it to a new token family — only once `check` (the
    /// client, redirect URI and PKCE binding) accepts it: a code presented by the wrong client
    /// stays usable by the right one. A replayed code revokes the family issued from it
    /// (RFC 6749 §4.1.2), its access tokens until `access_expiry`.
    pub async fn redeem_code<E: From<StoreError>>(
        &self,
        code_hash: &str,
        access_expiry: DateTime<Utc>,
        check: impl FnOnce(&auth_code::Model) -> Result<(), E>,
    ) -> Result<Redeemed<auth_code::Model>, E> {
        let tx = self.store.write_tx().await?;
        let Some(row) = auth_code::Entity::find_by_id(code_hash.to_owned())
            .lock_exclusive()
            .one(&*tx)
            .await
            .map_err(StoreError::from)?
        else {
            return Ok(Redeemed::Invalid);
        };
        if row.used {
            if let Some(family) = row.family_id {
                family_revocation(&*tx, family, access_expiry)
                    .run(&*tx)
                    .await
                    .map_err(StoreError::from)?;
            }
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(Redeemed::Replayed);
        }
        if row.expires_at <= Utc::now() {
            return Ok(Redeemed::Invalid);
        }
        check(&row)?;
        let mut active = row.clone().into_active_model();
        active.used = Set(true);
        active.family_id = Set(Some(Uuid::now_v7()));
        let row = active.update(&*tx).await.map_err(StoreError::from)?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Redeemed::Fresh(row))
    }

    /// Stores a refresh token — unless its family was revoked meanwhile (a replayed token or a
    /// deprovisioning between the redemption and this insert): then `Invalid`. The family's
    /// lock (see [`family_lock`]) orders this against a concurrent revocation, so a revocation
    /// either sees the new token or the insert sees the revocation.
    pub async fn insert_refresh(&self, token: refresh_token::Model) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        if let Some(lock) = family_lock(tx.get_database_backend(), token.family_id) {
            tx.execute_raw(lock).await?;
        }
        if token_revocation::Entity::find_by_id(token.family_id)
            .one(&*tx)
            .await?
            .is_some()
        {
            return Err(StoreError::Invalid("the grant was revoked".into()));
        }
        token.into_active_model().insert(&*tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_refresh(&self, token_hash: &str) -> Result<Option<refresh_token::Model>, StoreError> {
        Ok(refresh_token::Entity::find_by_id(token_hash.to_owned())
            .one(self.store.db())
            .await?)
    }

    /// Marks a refresh token used (rotation). Presenting a used one revokes its whole family
    /// (its access tokens until `access_expiry`).
    pub async fn redeem_refresh(
        &self,
        token_hash: &str,
        access_expiry: DateTime<Utc>,
    ) -> Result<Redeemed<refresh_token::Model>, StoreError> {
        let tx = self.store.write_tx().await?;
        let Some(row) = refresh_token::Entity::find_by_id(token_hash.to_owned())
            .lock_exclusive()
            .one(&*tx)
            .await?
        else {
            return Ok(Redeemed::Invalid);
        };
        if row.revoked || row.expires_at <= Utc::now() {
            return Ok(Redeemed::Invalid);
        }
        if row.used {
            family_revocation(&*tx, row.family_id, access_expiry).run(&*tx).await?;
            tx.commit().await?;
            return Ok(Redeemed::Replayed);
        }
        let mut active = row.clone().into_active_model();
        active.used = Set(true);
        let row = active.update(&*tx).await?;
        tx.commit().await?;
        Ok(Redeemed::Fresh(row))
    }

    /// Revokes the refresh tokens of a family now and its access tokens, which expire by
    /// `access_expiry` at the latest.
    pub async fn revoke_family(&self, family_id: Uuid, access_expiry: DateTime<Utc>) -> Result<(), StoreError> {
        let db = self.store.db();
        self.store
            .write_batch(family_revocation(db, family_id, access_expiry))
            .await
    }

    /// Revokes one access token (by `jti`) until it expires.
    pub async fn revoke_access(&self, jti: Uuid, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        revocation_in(&mut batch, self.store.db(), jti, expires_at);
        self.store.write_batch(batch).await
    }

    /// Whether any of `ids` (an access token's `jti` and its family) has been revoked.
    pub async fn any_revoked(&self, ids: &[Uuid]) -> Result<bool, StoreError> {
        let found = token_revocation::Entity::find()
            .filter(token_revocation::COLUMN.id.is_in(ids.iter().copied()))
            .count(self.store.db())
            .await?;
        Ok(found > 0)
    }

    pub async fn insert_session(&self, session: login_session::Model) -> Result<(), StoreError> {
        session.into_active_model().insert(self.store.writer()).await?;
        Ok(())
    }

    /// The live session with this id hash, if any.
    pub async fn session(&self, id_hash: &str) -> Result<Option<login_session::Model>, StoreError> {
        let row = login_session::Entity::find_by_id(id_hash.to_owned())
            .one(self.store.writer())
            .await?;
        Ok(row.filter(|s| s.expires_at > Utc::now()))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        login_session::Entity::delete_by_id(id_hash.to_owned())
            .exec(self.store.writer())
            .await?;
        Ok(())
    }
}

/// The writes that revoke every refresh and access token of a family.
fn family_revocation(db: &impl ConnectionTrait, family_id: Uuid, access_expiry: DateTime<Utc>) -> Batch {
    let mut batch = Batch::default();
    batch.push(
        db,
        &refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::Revoked, Expr::value(true))
            .filter(refresh_token::COLUMN.family_id.eq(family_id)),
    );
    revocation_in(&mut batch, db, family_id, access_expiry);
    batch
}

/// Whose token families to find.
#[derive(Clone, Copy)]
pub(crate) enum Holder<'a> {
    User(Uuid),
    Client(&'a str),
}

/// The live token families of a user or a client, sorted: those of unrevoked refresh tokens,
/// and those started by redeemed codes (whose access tokens may be alive without a refresh
/// token).
pub(crate) async fn families_of(tx: &impl ConnectionTrait, holder: Holder<'_>) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    let (by_refresh, by_code) = match holder {
        Holder::User(id) => (refresh_token::COLUMN.user_id.eq(id), auth_code::COLUMN.user_id.eq(id)),
        Holder::Client(id) => (
            refresh_token::COLUMN.client_id.eq(id),
            auth_code::COLUMN.client_id.eq(id),
        ),
    };
    let mut families: Vec<Uuid> = refresh_token::Entity::find()
        .select_only()
        .column(refresh_token::Column::FamilyId)
        .filter(by_refresh)
        .filter(refresh_token::COLUMN.revoked.eq(false))
        .distinct()
        .into_tuple()
        .all(tx)
        .await?;
    let from_codes: Vec<Option<Uuid>> = auth_code::Entity::find()
        .select_only()
        .column(auth_code::Column::FamilyId)
        .filter(by_code)
        .filter(auth_code::COLUMN.family_id.is_not_null())
        .into_tuple()
        .all(tx)
        .await?;
    families.extend(from_codes.into_iter().flatten());
    families.sort();
    families.dedup();
    Ok(families)
}

/// What ending a user's sign-ins revoked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub sessions: u64,
    pub families: u64,
}

/// Ends everything a user signed in to, inside `tx`: login sessions are deleted, unredeemed
/// codes burnt, refresh tokens revoked, and every token family of the user listed as revoked
/// until `access_expiry` (its access tokens die with it, and nothing revives when the user is
/// reactivated), and the user's console sessions end. Called when a user is deactivated,
/// deleted or given a new password, and by "sign out everywhere".
pub(crate) async fn end_user_grants(
    tx: &impl ConnectionTrait,
    user_id: Uuid,
    access_expiry: DateTime<Utc>,
) -> Result<Ended, sea_orm::DbErr> {
    let families = families_of(tx, Holder::User(user_id)).await?;
    let mut batch = Batch::default();
    batch.push(
        tx,
        &refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::Revoked, Expr::value(true))
            .filter(refresh_token::COLUMN.user_id.eq(user_id)),
    );
    batch.push(
        tx,
        &auth_code::Entity::update_many()
            .col_expr(auth_code::Column::Used, Expr::value(true))
            .filter(auth_code::COLUMN.user_id.eq(user_id)),
    );
    for family in &families {
        revocation_in(&mut batch, tx, *family, access_expiry);
    }
    batch.run(tx).await?;
    let mut sessions = login_session::Entity::delete_many()
        .filter(login_session::COLUMN.user_id.eq(user_id))
        .exec(tx)
        .await?
        .rows_affected;
    // The admin console's sessions end too.
    sessions += tx
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            tx.get_database_backend(),
            "DELETE FROM console_sessions WHERE user_id = $1",
            vec![user_id.into()],
        ))
        .await?
        .rows_affected();
    Ok(Ended {
        sessions,
        families: families.len() as u64,
    })
}

/// Adds to `batch`: list `id` (a `jti` or a family) as revoked until `expires_at`, and
/// forget revocations whose tokens have all expired.
/// PostgreSQL: a transaction-scoped lock on a token family (`pg_advisory_xact_lock`), taken by
/// both its revocation and the insert of a new refresh token in it, so the two never
/// interleave. SQLite needs none: its writers are serialized.
fn family_lock(backend: sea_orm::DbBackend, family: Uuid) -> Option<sea_orm::Statement> {
    (backend == sea_orm::DbBackend::Postgres).then(|| {
        let key = i64::from_be_bytes(family.as_bytes()[..8].try_into().expect("8 bytes"));
        sea_orm::Statement::from_sql_and_values(backend, "SELECT pg_advisory_xact_lock($1)", vec![key.into()])
    })
}

pub(crate) fn revocation_in(batch: &mut Batch, db: &impl ConnectionTrait, id: Uuid, expires_at: DateTime<Utc>) {
    if let Some(lock) = family_lock(db.get_database_backend(), id) {
        batch.push_raw(lock);
    }
    batch.push(
        db,
        &token_revocation::Entity::delete_many().filter(token_revocation::COLUMN.expires_at.lt(Utc::now())),
    );
    let row = token_revocation::ActiveModel {
        id: Set(id),
        expires_at: Set(expires_at),
    };
    // Already listed: the first revocation covers every token (none is issued after it).
    batch.push(db, &token_revocation::Entity::insert(row).on_conflict_do_nothing());
}

impl Grants<'_> {
    /// Records a DPoP proof id; `false` when it was seen before (a replay). Expired ids are
    /// forgotten on the way.
    pub async fn first_dpop_use(&self, id: &str, keep_until: DateTime<Utc>) -> Result<bool, StoreError> {
        use sea_orm::{Statement, Value as DbValue};
        let backend = self.store.backend();
        let db = self.store.writer();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM dpop_proofs WHERE expires_at < $1",
            vec![DbValue::from(Utc::now())],
        ))
        .await?;
        let inserted = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO dpop_proofs (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                vec![DbValue::from(id.to_owned()), DbValue::from(keep_until)],
            ))
            .await?
            .rows_affected();
        Ok(inserted == 1)
    }

    /// Stores a pushed authorization request (and forgets the expired ones).
    pub async fn insert_pushed(&self, row: pushed_request::Model) -> Result<(), StoreError> {
        let db = self.store.db();
        let mut batch = Batch::default();
        batch.push(
            db,
            &pushed_request::Entity::delete_many().filter(pushed_request::COLUMN.expires_at.lt(Utc::now())),
        );
        batch.push(
            db,
            &pushed_request::Entity::insert(pushed_request::ActiveModel::from(row)),
        );
        self.store.write_batch(batch).await
    }

    /// A pushed request that has not expired.
    pub async fn pushed(&self, request_uri_hash: &str) -> Result<Option<pushed_request::Model>, StoreError> {
        let row = pushed_request::Entity::find_by_id(request_uri_hash.to_owned())
            .one(self.store.db())
            .await?;
        Ok(row.filter(|r| r.expires_at > Utc::now()))
    }

    /// Forgets a pushed request (it is used once: when its code is issued).
    pub async fn delete_pushed(&self, request_uri_hash: &str) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.push(
            self.store.db(),
            &pushed_request::Entity::delete_by_id(request_uri_hash.to_owned()),
        );
        self.store.write_batch(batch).await
    }
}

impl Grants<'_> {
    /// The user with this userName (case-insensitive), for the login form.
    pub async fn user_by_name(&self, user_name: &str) -> Result<Option<entity::user::Model>, StoreError> {
        Ok(entity::user::Entity::find()
            .filter(entity::user::COLUMN.user_name_ci.eq(user_name.to_lowercase()))
            .one(self.store.db())
            .await?)
    }
}
