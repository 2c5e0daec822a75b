//! An OAuth 2.0 / OpenID Connect client (relying party).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    /// Hex SHA-256 of the client secret; `None` for public clients.
    pub secret_hash: Option<String>,
    pub name: String,
    /// JSON array of exact redirect URIs.
    pub redirect_uris: Json,
    /// JSON array of URIs allowed as `post_logout_redirect_uri`.
    pub post_logout_redirect_uris: Json,
    pub public: bool,
    /// Space-separated grant types.
    pub grant_types: String,
    /// `names` (default) or `ids`: what the `groups` claim lists.
    pub groups_claim: String,
    /// Only groups whose display name starts with this prefix go into the `groups` claim.
    pub groups_prefix: Option<String>,
    pub created: DateTimeUtc,
    /// RFC 9126 `require_pushed_authorization_requests`: plain authorization requests refused.
    pub require_par: bool,
    /// May introspect access tokens issued to other clients (a resource server, RFC 7662 §4).
    pub resource_server: bool,
    /// Only permissions starting with this go into the client's `entitlements` (all when `None`).
    pub permissions_prefix: Option<String>,
    /// Scimitar's own `iam.*` permissions reach this client's tokens only when set.
    pub iam_permissions: bool,
}

impl ActiveModelBehavior for ActiveModel {}
