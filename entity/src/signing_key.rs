//! A JWT signing key. The private key is a PKCS#8 PEM; never logged or rendered.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    /// `RS256`, `ES256` or `EdDSA`.
    pub alg: String,
    pub private_pem: String,
    /// The public key as a JWK (served in the JWKS).
    pub public_jwk: Json,
    pub created: DateTimeUtc,
    /// Set when a newer key took over signing.
    pub retired_at: Option<DateTimeUtc>,
    /// After this instant no token signed by the key is valid: it leaves the JWKS.
    pub not_after: Option<DateTimeUtc>,
}

// `Debug` never shows the private key.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("signing_key::Model")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ModelEx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("signing_key::ModelEx")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl ActiveModelBehavior for ActiveModel {}
