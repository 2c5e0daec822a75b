//! `grant_type=client_credentials` (RFC 6749 §4.4): confidential clients only; an access
//! token whose subject is the client, with no ID token and no refresh token.
use entity::oauth_client;
use serde_json::Value;

use crate::{
    AppState,
    oidc::{
        claims::Scopes,
        error::OAuthError,
        issue::{Grantee, issue},
        token::TokenForm,
    },
};

pub async fn exchange(
    state: &AppState,
    client: &oauth_client::Model,
    _form: &TokenForm,
    dpop: Option<&str>,
) -> Result<Value, OAuthError> {
    if client.public {
        return Err(OAuthError::unauthorized_client(
            "public clients cannot use client_credentials",
        ));
    }
    // User scopes (openid, profile, …) mean nothing without a user: none are granted.
    issue(state, client, &Scopes::default(), Grantee::Client, dpop).await
}
