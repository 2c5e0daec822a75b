//! `grant_type=authorization_code` (RFC 6749 §4.1.3) with PKCE S256 (RFC 7636 §4.6).
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::{auth_code, oauth_client};
use serde_json::Value;

use crate::{
    AppState,
    auth::tokens,
    oidc::{
        access,
        authorize::pkce_shaped,
        claims::Scopes,
        ct_eq,
        error::OAuthError,
        issue::{Grantee, issue},
        subject,
        token::TokenForm,
    },
    store::oidc::grants::Redeemed,
};

/// base64url(SHA-256(verifier)).
fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ))
}

pub async fn exchange(
    state: &AppState,
    client: &oauth_client::Model,
    form: &TokenForm,
    dpop: Option<&str>,
) -> Result<Value, OAuthError> {
    let code = form
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    // The binding is checked before the code is spent (inside the redemption's transaction).
    let check = |row: &auth_code::Model| -> Result<(), OAuthError> {
        if row.client_id != client.client_id {
            return Err(OAuthError::invalid_grant("the code was issued to another client"));
        }
        if form.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        match (&row.code_challenge, form.code_verifier.as_deref()) {
            (Some(challenge), Some(verifier)) if pkce_shaped(verifier) && ct_eq(challenge, &s256(verifier)) => Ok(()),
            (Some(_), Some(_)) => Err(OAuthError::invalid_grant("the PKCE code_verifier does not match")),
            (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is required")),
            (None, Some(_)) => Err(OAuthError::invalid_grant("no code_challenge was sent for this code")),
            (None, None) if client.public => Err(OAuthError::invalid_grant("public clients must use PKCE")),
            (None, None) => Ok(()),
        }
    };
    let row = match state
        .store
        .grants()
        .redeem_code(&tokens::hash(code), access::access_expiry(state), check)
        .await?
    {
        Redeemed::Fresh(row) => row,
        Redeemed::Invalid => return Err(OAuthError::invalid_grant("the code is invalid or expired")),
        Redeemed::Replayed => {
            return Err(OAuthError::invalid_grant(
                "the code was already used; tokens issued from it are revoked",
            ));
        }
    };
    let family = row
        .family_id
        .ok_or_else(|| OAuthError::server_error("redeemed code without a family"))?;
    let scopes = Scopes::parse(&row.scope);
    let Some(subject) = subject::load(state, row.user_id, &scopes).await? else {
        state
            .store
            .grants()
            .revoke_family(family, access::access_expiry(state))
            .await?;
        return Err(OAuthError::invalid_grant("the user is no longer active"));
    };
    let grantee = Grantee::User {
        subject: &subject,
        user_id: row.user_id,
        family,
        auth_time: row.auth_time,
        nonce: row.nonce.as_deref(),
    };
    issue(state, client, &scopes, grantee, dpop).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            super::s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
