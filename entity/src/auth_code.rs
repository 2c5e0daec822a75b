//! A single-use authorization code, stored as its SHA-256.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub client_id: String,
    pub user_id: Uuid,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// PKCE S256 challenge (base64url SHA-256 of the verifier).
    pub code_challenge: Option<String>,
    pub auth_time: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used: bool,
    /// The token family issued from this code (revoked if the code is replayed).
    pub family_id: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
