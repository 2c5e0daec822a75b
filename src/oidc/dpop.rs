//! DPoP (RFC 9449): proofs of possession of a client-held key. A client that sends a `DPoP`
//! proof to the token endpoint gets access tokens bound to its key (`cnf.jkt`, token type
//! `DPoP`), and a public client's refresh tokens too; a bound access token is then accepted
//! only with a fresh proof from the same key (`Authorization: DPoP <token>` + `DPoP`).
//!
//! A proof (§4.3) is a JWT with `typ: dpop+jwt`, an asymmetric `alg`, the public `jwk` in its
//! header, and claims `jti`, `htm`, `htu`, `iat` (and `ath`, the access token's hash, when one
//! is presented). Each `jti` is accepted once (kept in the database, so across replicas).
//! With `SCIMITAR_DPOP_REQUIRE_NONCE`, a proof must also carry a server nonce (§8).
use std::collections::HashSet;

use actix_web::{HttpRequest, http::StatusCode};
use aws_lc_rs::digest;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    jwk::{AlgorithmParameters, ThumbprintHash},
};
use serde::Deserialize;

use super::error::OAuthError;
use crate::AppState;

/// Proof algorithms accepted (the ones this server signs with too).
pub const ALGORITHMS: [&str; 3] = ["RS256", "ES256", "EdDSA"];
/// How far a proof's `iat` may lie in the past, and in the future (clock skew).
const MAX_AGE: Duration = Duration::seconds(300);
const MAX_SKEW: Duration = Duration::seconds(60);

#[derive(Deserialize)]
struct ProofClaims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    ath: Option<String>,
    nonce: Option<String>,
}

/// How long one nonce window lasts; a nonce of the current or the previous window is good.
const NONCE_WINDOW_SECONDS: i64 = 60;

/// Server-provided DPoP nonces (§8), stateless: `window || HMAC(key, window)`, so any replica
/// holding the shared key checks any replica's nonce, and nothing is stored per nonce.
pub struct Nonces {
    key: aws_lc_rs::hmac::Key,
}

impl Nonces {
    pub fn new(secret: &str) -> Nonces {
        Nonces {
            key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes()),
        }
    }

    fn for_window(&self, window: i64) -> String {
        let w = window.to_be_bytes();
        let tag = aws_lc_rs::hmac::sign(&self.key, &w);
        let mut bytes = w.to_vec();
        bytes.extend_from_slice(&tag.as_ref()[..16]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn window(at: chrono::DateTime<Utc>) -> i64 {
        at.timestamp().div_euclid(NONCE_WINDOW_SECONDS)
    }

    /// A nonce for clients to use now.
    pub fn fresh(&self) -> String {
        self.for_window(Self::window(Utc::now()))
    }

    /// Is `nonce` one of this window's or the previous one's?
    pub fn valid(&self, nonce: &str) -> bool {
        let now = Self::window(Utc::now());
        [now, now - 1].iter().any(|w| super::ct_eq(nonce, &self.for_window(*w)))
    }
}

/// A verified proof: the RFC 7638 thumbprint of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub jkt: String,
}

/// `invalid_dpop_proof` (RFC 9449 §5, §7.1): 400 at the token endpoint, 401 at resources.
pub fn invalid(status: StatusCode, why: impl Into<String>) -> OAuthError {
    let mut e = OAuthError::with_status(status, "invalid_dpop_proof", why);
    if status == StatusCode::UNAUTHORIZED {
        e.challenge = Some("DPoP algs=\"RS256 ES256 EdDSA\", error=\"invalid_dpop_proof\"");
    }
    e
}

/// base64url(SHA-256(access token)): the `ath` a proof carries with it.
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, access_token.as_bytes()))
}

/// The `htu` a request is for: `https://host/path` of this server's issuer URL, without query
/// or fragment (§4.3 point 9).
fn same_uri(claimed: &str, expected: &str) -> bool {
    let strip = |u: &str| -> Option<String> {
        let mut url = url::Url::parse(u).ok()?;
        url.set_query(None);
        url.set_fragment(None);
        Some(url.to_string())
    };
    strip(claimed).is_some_and(|c| Some(c) == strip(expected))
}

/// Verifies the request's `DPoP` header for `htu`; `None` without one. `access_token`: the
/// token presented with it (its hash must be the proof's `ath`). `status` is the error status
/// (400 at the token endpoint, 401 at resources).
pub async fn verify(
    state: &AppState,
    req: &HttpRequest,
    htu: &str,
    access_token: Option<&str>,
    status: StatusCode,
) -> Result<Option<Proof>, OAuthError> {
    let mut headers = req.headers().get_all("dpop");
    let Some(value) = headers.next() else {
        return Ok(None);
    };
    let bad = |why: &str| invalid(status, why.to_owned());
    if headers.next().is_some() {
        return Err(bad("more than one DPoP header"));
    }
    let jwt = value.to_str().map_err(|_| bad("the DPoP header is not text"))?;
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| bad("the DPoP proof is not a JWT"))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(bad("the DPoP proof must have typ dpop+jwt"));
    }
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA) {
        return Err(bad("unsupported DPoP proof algorithm"));
    }
    let jwk = header.jwk.ok_or_else(|| bad("the DPoP proof has no jwk"))?;
    if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
        return Err(bad("the DPoP key must be asymmetric"));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| bad("the DPoP jwk is unusable"))?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<ProofClaims>(jwt, &key, &validation)
        .map_err(|_| bad("the DPoP proof signature or claims are invalid"))?
        .claims;
    if !claims.htm.eq_ignore_ascii_case(req.method().as_str()) {
        return Err(bad("the DPoP proof is for another method (htm)"));
    }
    if !same_uri(&claims.htu, htu) {
        return Err(bad("the DPoP proof is for another URI (htu)"));
    }
    let now = Utc::now();
    let iat = chrono::DateTime::from_timestamp(claims.iat, 0).ok_or_else(|| bad("invalid iat"))?;
    if iat < now - MAX_AGE || iat > now + MAX_SKEW {
        return Err(bad("the DPoP proof is too old or from the future (iat)"));
    }
    match (access_token, &claims.ath) {
        (Some(token), Some(a)) if super::ct_eq(a, &ath(token)) => {}
        (Some(_), _) => return Err(bad("the DPoP proof is not for this access token (ath)")),
        (None, _) => {}
    }
    if state.config.dpop_require_nonce && !claims.nonce.as_deref().is_some_and(|n| state.dpop_nonces.valid(n)) {
        // §8: the client retries with the nonce in the header.
        let mut e = OAuthError::with_status(
            status,
            "use_dpop_nonce",
            "the DPoP proof needs the server's current nonce",
        );
        if status == StatusCode::UNAUTHORIZED {
            e.challenge = Some("DPoP error=\"use_dpop_nonce\"");
        }
        e.dpop_nonce = Some(state.dpop_nonces.fresh());
        return Err(e);
    }
    if claims.jti.is_empty() || claims.jti.len() > 256 {
        return Err(bad("the DPoP proof needs a jti"));
    }
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| bad("the DPoP jwk is unusable"))?;
    // One use per proof (§11.1), remembered until it is too old to be accepted anyway.
    let seen = crate::auth::tokens::hash(&format!("{jkt}:{}", claims.jti));
    if !state
        .store
        .grants()
        .first_dpop_use(&seen, iat + MAX_AGE + MAX_SKEW)
        .await?
    {
        return Err(bad("the DPoP proof was already used (jti)"));
    }
    Ok(Some(Proof { jkt }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_ignores_query_and_fragment_only() {
        let e = "https://id.example/oauth2/token";
        for ok in [
            e,
            "https://id.example/oauth2/token?x=1",
            "https://id.example/oauth2/token#f",
            "HTTPS://ID.EXAMPLE/oauth2/token",
        ] {
            assert!(same_uri(ok, e), "{ok}");
        }
        for bad in [
            "https://id.example/oauth2/token/",
            "http://id.example/oauth2/token",
            "https://id.example:8443/oauth2/token",
            "https://evil.example/oauth2/token",
            "not a url",
            "",
        ] {
            assert!(!same_uri(bad, e), "{bad}");
        }
    }

    #[test]
    fn nonces_last_two_windows_and_need_the_shared_key() {
        let n = Nonces::new("shared secret");
        let now = Nonces::window(Utc::now());
        assert!(n.valid(&n.fresh()));
        assert!(n.valid(&n.for_window(now - 1)));
        assert!(!n.valid(&n.for_window(now - 2)), "too old");
        assert!(!n.valid(&n.for_window(now + 5)), "not yet");
        assert!(!Nonces::new("another secret").valid(&n.fresh()), "another key");
        for bad in ["", "x", "AAAAAAAAAAAA", &n.fresh()[1..]] {
            assert!(!n.valid(bad), "{bad}");
        }
    }

    #[test]
    fn ath_is_the_base64url_sha256_of_the_token() {
        assert_eq!(ath("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }
}
