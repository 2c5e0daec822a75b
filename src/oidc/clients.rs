//! Creating clients (dynamic registration and `scimitar client create`) with validated metadata.
use chrono::Utc;
use entity::oauth_client;
use serde_json::json;

use super::error::OAuthError;
use crate::{
    auth::tokens,
    store::{Store, audit::Actor},
};

pub const GRANT_TYPES: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];

/// Metadata of a new client.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    /// Empty: `authorization_code refresh_token` (plus `client_credentials` when confidential).
    pub grant_types: Vec<String>,
    /// `names` (default) or `ids`.
    pub groups_claim: Option<String>,
    pub groups_prefix: Option<String>,
    /// RFC 9126 `require_pushed_authorization_requests`.
    pub require_par: bool,
    /// May introspect any access token (a resource server).
    pub resource_server: bool,
    /// Only permissions starting with this go into its tokens' `entitlements`.
    pub permissions_prefix: Option<String>,
    /// May see Scimitar's own `iam.*` permissions.
    pub iam_permissions: bool,
}

/// An absolute `http(s)` URL without a fragment (RFC 6749 §3.1.2). A confidential client's
/// redirect URIs must be `https`, except on the loopback interface (RFC 8252 §7.3), where a
/// developer's or a native app's listener runs.
pub fn check_uri(uri: &str, confidential: bool) -> Result<(), OAuthError> {
    let bad = |why: &str| {
        OAuthError::invalid_metadata("invalid_redirect_uri", format!("invalid redirect URI {uri:?}: {why}"))
    };
    let parsed = url::Url::parse(uri).map_err(|_| bad("not an absolute URL"))?;
    if parsed.fragment().is_some() {
        return Err(bad("it has a fragment"));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback || !confidential => Ok(()),
        "http" => Err(bad("a confidential client needs https (http only on loopback)")),
        _ => Err(bad("only http(s) redirect URIs are accepted")),
    }
}

/// Validates the metadata and stores the client; returns it with its secret (confidential
/// clients only; shown once, stored as SHA-256).
pub async fn create(
    store: &Store,
    actor: &Actor,
    c: NewClient,
) -> Result<(oauth_client::Model, Option<String>), OAuthError> {
    if c.redirect_uris.is_empty() && !c.grant_types.iter().all(|g| g == "client_credentials") {
        return Err(OAuthError::invalid_metadata(
            "invalid_redirect_uri",
            "at least one redirect URI is required",
        ));
    }
    for uri in c.redirect_uris.iter().chain(&c.post_logout_redirect_uris) {
        check_uri(uri, !c.public)?;
    }
    let mut grants: Vec<String> = if c.grant_types.is_empty() {
        let mut g = vec!["authorization_code".to_owned(), "refresh_token".to_owned()];
        if !c.public {
            g.push("client_credentials".into());
        }
        g
    } else {
        c.grant_types.clone()
    };
    grants.dedup();
    if let Some(g) = grants.iter().find(|g| !GRANT_TYPES.contains(&g.as_str())) {
        return Err(OAuthError::invalid_metadata(
            "invalid_client_metadata",
            format!("unsupported grant type {g:?}"),
        ));
    }
    if c.public && grants.iter().any(|g| g == "client_credentials") {
        return Err(OAuthError::invalid_metadata(
            "invalid_client_metadata",
            "public clients cannot use client_credentials",
        ));
    }
    let groups_claim = c.groups_claim.unwrap_or_else(|| "names".into());
    if groups_claim != "names" && groups_claim != "ids" {
        return Err(OAuthError::invalid_metadata(
            "invalid_client_metadata",
            "groups_claim must be \"names\" or \"ids\"",
        ));
    }
    let permissions_prefix = match c.permissions_prefix.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) && p.len() <= 200 => {
            Some(p.to_ascii_lowercase())
        }
        Some(_) => {
            return Err(OAuthError::invalid_metadata(
                "invalid_client_metadata",
                "permissions_prefix is letters, digits, '-', '_' and '.' (e.g. \"wiki.\")",
            ));
        }
    };
    let secret = (!c.public).then(super::random_secret);
    let client = oauth_client::Model {
        client_id: uuid::Uuid::new_v4().simple().to_string(),
        secret_hash: secret.as_deref().map(tokens::hash),
        name: c.name,
        redirect_uris: json!(c.redirect_uris),
        post_logout_redirect_uris: json!(c.post_logout_redirect_uris),
        public: c.public,
        grant_types: grants.join(" "),
        groups_claim,
        groups_prefix: c.groups_prefix.filter(|p| !p.is_empty()),
        created: Utc::now(),
        require_par: c.require_par,
        resource_server: c.resource_server,
        permissions_prefix,
        iam_permissions: c.iam_permissions,
    };
    let client = store.clients().insert(actor, client).await?;
    Ok((client, secret))
}

/// The client's URIs of one kind (`redirect_uris` or `post_logout_redirect_uris`).
pub fn uris(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(|u| u.as_str()).collect())
        .unwrap_or_default()
}

pub fn allows_grant(client: &oauth_client::Model, grant: &str) -> bool {
    client.grant_types.split(' ').any(|g| g == grant)
}
