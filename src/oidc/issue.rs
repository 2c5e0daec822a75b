//! Issuing tokens: a self-contained JWT access token (nothing is stored; a revocation lists
//! its `jti` or family), an ID token for user grants with `openid`, and a rotating refresh token.
use chrono::{DateTime, Duration, Utc};
use entity::{oauth_client, refresh_token};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    USERINFO_PATH,
    claims::{self, IdTokenContext, Scopes},
    error::OAuthError,
    keys, random_secret,
    subject::{self, Subject},
};
use crate::{AppState, auth::tokens};

/// Claims of our JWT access tokens (RFC 9068 shape, `typ: at+jwt`).
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    #[serde(default)]
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// The grant (token family) of a user's tokens: revoking the grant revokes them.
    /// Absent from client-credentials tokens.
    #[serde(default, rename = "grant_id", skip_serializing_if = "Option::is_none")]
    pub family: Option<Uuid>,
    /// RFC 9449 §6: the key a DPoP-bound token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
    /// Scope `roles`: `roles`, `entitlements` (RFC 9068 §2.2.3.1) or their `_overage` flags.
    #[serde(flatten)]
    pub roles: serde_json::Map<String, Value>,
}

/// `cnf` (RFC 7800): `jkt`, the RFC 7638 thumbprint of the client's DPoP key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    pub jkt: String,
}

/// Who the tokens are for.
pub enum Grantee<'a> {
    /// A signed-in user; `family` ties the refresh tokens of one login together.
    User {
        subject: &'a Subject,
        user_id: Uuid,
        family: Uuid,
        auth_time: DateTime<Utc>,
        nonce: Option<&'a str>,
    },
    /// The client itself (client credentials).
    Client,
}

/// Issues the tokens and returns the RFC 6749 §5.1 response body. `dpop`: the thumbprint of
/// the key the request proved (RFC 9449): the access token is bound to it, and so is a public
/// client's refresh token.
pub async fn issue(
    state: &AppState,
    client: &oauth_client::Model,
    scopes: &Scopes,
    grantee: Grantee<'_>,
    dpop: Option<&str>,
) -> Result<Value, OAuthError> {
    state.keys.refresh_if_stale(&state.store).await;
    let now = Utc::now();
    let mut ttl = state.config.access_token_ttl.max(1);
    // Tokens must not outlive what they say: when one of the user's memberships ends (or one
    // due later starts) sooner than the lifetime, they end then — a refresh afterwards carries
    // the new groups, roles and permissions.
    if let Grantee::User { subject, .. } = &grantee
        && let Some(at) = subject.changes_at
    {
        let left = (at - state.store.clock().now()).num_seconds();
        ttl = ttl.min(left.max(0));
    }
    let exp = now + Duration::seconds(ttl);
    let (sub, user_id, family, roles) = match &grantee {
        Grantee::User {
            user_id,
            family,
            subject,
            ..
        } => {
            let roles = match subject.access.as_deref().filter(|_| scopes.has("roles")) {
                Some(a) => claims::access_token_roles(a, &subject::permissions_policy(state, client)),
                None => serde_json::Map::new(),
            };
            if state.config.record_access {
                state.store.note_access(*user_id, &client.client_id);
            }
            (user_id.to_string(), Some(*user_id), Some(*family), roles)
        }
        Grantee::Client => (client.client_id.clone(), None, None, serde_json::Map::new()),
    };
    let at = AccessClaims {
        iss: state.issuer.to_string(),
        sub,
        aud: client.client_id.clone(),
        client_id: client.client_id.clone(),
        scope: scopes.as_string(),
        iat: now.timestamp(),
        exp: exp.timestamp(),
        jti: Uuid::now_v7(),
        family,
        cnf: dpop.map(|jkt| Confirmation { jkt: jkt.to_owned() }),
        roles,
    };
    let (access, alg) = state.keys.sign("at+jwt", &at)?;

    let mut body = json!({
        "access_token": access,
        "token_type": if dpop.is_some() { "DPoP" } else { "Bearer" },
        "expires_in": ttl,
    });
    if !at.scope.is_empty() {
        body["scope"] = json!(at.scope);
    }
    let Grantee::User {
        subject,
        family,
        auth_time,
        nonce,
        ..
    } = grantee
    else {
        return Ok(body);
    };
    if scopes.has("openid") {
        let at_hash = keys::at_hash(&access, alg);
        let userinfo = format!("{}{USERINFO_PATH}", state.issuer);
        let ctx = IdTokenContext {
            issuer: &state.issuer,
            client_id: &client.client_id,
            userinfo_endpoint: &userinfo,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            auth_time: auth_time.timestamp(),
            nonce,
            at_hash: Some(&at_hash),
        };
        let policy = subject::policy(state, client);
        let id = claims::id_token(
            &ctx,
            &subject.info,
            scopes,
            &subject.groups,
            &policy,
            subject.access.as_deref(),
        );
        body["id_token"] = json!(state.keys.sign("JWT", &id)?.0);
    }
    if super::clients::allows_grant(client, "refresh_token") {
        let secret = random_secret();
        state
            .store
            .grants()
            .insert_refresh(refresh_token::Model {
                token_hash: tokens::hash(&secret),
                family_id: family,
                client_id: client.client_id.clone(),
                user_id,
                scope: at.scope.clone(),
                auth_time,
                created: now,
                // Idle lifetime from now, never past the absolute lifetime from the sign-in.
                expires_at: (now + Duration::seconds(state.config.refresh_token_ttl.max(1)))
                    .min(auth_time + Duration::seconds(state.config.refresh_token_absolute_ttl.max(0))),
                used: false,
                revoked: false,
                // §5: refresh tokens of confidential clients are bound by client authentication.
                dpop_jkt: dpop.filter(|_| client.public).map(str::to_owned),
            })
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Invalid(_) => {
                    OAuthError::invalid_grant("the grant was revoked while the tokens were issued")
                }
                e => e.into(),
            })?;
        body["refresh_token"] = json!(secret);
    }
    Ok(body)
}
