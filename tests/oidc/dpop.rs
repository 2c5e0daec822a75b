//! DPoP (RFC 9449): tokens bound to a client's key, refused without a fresh proof from it.
use aws_lc_rs::{rand::SystemRandom, signature};
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, ThumbprintHash},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::common::{json_of, spawn_app};

/// A client's DPoP key pair (P-256).
struct DpopKey {
    enc: EncodingKey,
    jwk: Jwk,
    jkt: String,
}

impl DpopKey {
    fn new() -> DpopKey {
        scimitar::oidc::keys::install_crypto_provider();
        let pkcs8 =
            signature::EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let enc = EncodingKey::from_ec_der(pkcs8.as_ref());
        let jwk = Jwk::from_encoding_key(&enc, Algorithm::ES256).unwrap();
        let jkt = jwk.thumbprint(ThumbprintHash::SHA256).unwrap();
        DpopKey { enc, jwk, jkt }
    }

    /// A proof with these claims (and the header `typ` given).
    fn sign(&self, typ: &str, claims: Value) -> String {
        let mut h = Header::new(Algorithm::ES256);
        h.typ = Some(typ.into());
        h.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&h, &claims, &self.enc).unwrap()
    }

    /// A fresh, valid proof for `htm` `htu` (and the access token, if any).
    fn proof(&self, htm: &str, htu: &str, access_token: Option<&str>) -> String {
        let mut claims = json!({
            "jti": uuid::Uuid::new_v4().to_string(), "htm": htm, "htu": htu,
            "iat": chrono::Utc::now().timestamp(),
        });
        if let Some(t) = access_token {
            claims["ath"] = json!(scimitar::oidc::dpop::ath(t));
        }
        self.sign("dpop+jwt", claims)
    }
}

/// The code flow for `rp`, the token request carrying a DPoP proof of `key`.
async fn dpop_tokens(app: &TestApp, rp: &Rp, key: &DpopKey, scope: &str) -> Response {
    let (verifier, challenge) = pkce();
    let res = app
        .login(&browser(), &app.authorize_url(rp, scope, &challenge), "alice", PASSWORD)
        .await;
    let code = query_param(&res, "code").expect("code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    token_with_proof(app, rp, &form, Some(key.proof("POST", &app.url("/oauth2/token"), None))).await
}

async fn token_with_proof(app: &TestApp, rp: &Rp, form: &[(&str, &str)], proof: Option<String>) -> Response {
    let mut req = app.client.post(app.url("/oauth2/token"));
    let mut form = form.to_vec();
    match &rp.secret {
        Some(s) => req = req.basic_auth(&rp.client_id, Some(s)),
        None => form.push(("client_id", rp.client_id.as_str())),
    }
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    req.form(&form).send().await.expect("token request")
}

async fn userinfo(app: &TestApp, scheme: &str, token: &str, proof: Option<String>) -> Response {
    let mut req = app
        .client
        .get(app.url("/oauth2/userinfo"))
        .header("authorization", format!("{scheme} {token}"));
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_dpop_bound_access_token_is_refused_at_userinfo_without_a_valid_proof() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let key = DpopKey::new();
    let discovery = app.discovery().await;
    assert!(
        discovery["dpop_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("ES256"))
    );
    let res = dpop_tokens(&app, &rp, &key, "openid").await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokens = json_of(res).await;
    assert_eq!(tokens["token_type"], "DPoP");
    let at = tokens["access_token"].as_str().unwrap();
    assert_eq!(jwt_payload(at)["cnf"]["jkt"], key.jkt.as_str());
    let url = app.url("/oauth2/userinfo");
    let other = DpopKey::new();
    // Refused: as a bearer token, without a proof, with another key's proof, with a proof for
    // another token, URI or method.
    let refusals = [
        ("Bearer", Some(key.proof("GET", &url, Some(at)))),
        ("DPoP", None),
        ("DPoP", Some(other.proof("GET", &url, Some(at)))),
        ("DPoP", Some(key.proof("GET", &url, Some("another token")))),
        ("DPoP", Some(key.proof("GET", &app.url("/oauth2/token"), Some(at)))),
        ("DPoP", Some(key.proof("POST", &url, Some(at)))),
        ("DPoP", Some(key.proof("GET", &url, None))),
    ];
    for (i, (scheme, proof)) in refusals.into_iter().enumerate() {
        let res = userinfo(&app, scheme, at, proof).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "case {i}");
        assert!(res.headers().get("www-authenticate").is_some(), "case {i}");
    }
    // Accepted with a fresh proof from the key; the same proof again is a replay.
    let proof = key.proof("GET", &url, Some(at));
    let res = userinfo(&app, "DPoP", at, Some(proof.clone())).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(json_of(res).await["sub"].is_string());
    assert_eq!(
        userinfo(&app, "DPoP", at, Some(proof)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Introspection tells a resource server about the binding.
    let info = app.introspect(&rp, at).await;
    assert_eq!(info["token_type"], "DPoP");
    assert_eq!(info["cnf"]["jkt"], key.jkt.as_str());
    // An unbound token is not accepted under the DPoP scheme.
    let plain = app.tokens_for(&rp, "alice", "openid").await;
    let plain_at = plain["access_token"].as_str().unwrap();
    assert_eq!(plain["token_type"], "Bearer");
    assert_eq!(userinfo(&app, "Bearer", plain_at, None).await.status(), StatusCode::OK);
    let res = userinfo(&app, "DPoP", plain_at, Some(key.proof("GET", &url, Some(plain_at)))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_public_clients_refresh_token_is_bound_to_its_dpop_key() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({"token_endpoint_auth_method": "none"})).await;
    let key = DpopKey::new();
    let tokens = json_of(dpop_tokens(&app, &rp, &key, "openid offline_access").await).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let token_url = app.url("/oauth2/token");
    // Without a proof, or with another key's: refused, and the token is not burnt.
    for proof in [None, Some(DpopKey::new().proof("POST", &token_url, None))] {
        let res = token_with_proof(&app, &rp, &form, proof).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_of(res).await["error"], "invalid_dpop_proof");
    }
    let res = token_with_proof(&app, &rp, &form, Some(key.proof("POST", &token_url, None))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let next = json_of(res).await;
    assert_eq!(
        jwt_payload(next["access_token"].as_str().unwrap())["cnf"]["jkt"],
        key.jkt.as_str()
    );
    // The rotated refresh token stays bound.
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", next["refresh_token"].as_str().unwrap()),
    ];
    assert_eq!(
        token_with_proof(&app, &rp, &form, None).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn malformed_or_replayed_proofs_at_the_token_endpoint_are_invalid_dpop_proof() {
    let app = spawn_app().await;
    let rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    let key = DpopKey::new();
    let url = app.url("/oauth2/token");
    let now = chrono::Utc::now().timestamp();
    let claims =
        |htu: &str, iat: i64| json!({"jti": uuid::Uuid::new_v4().to_string(), "htm": "POST", "htu": htu, "iat": iat});
    let form = [("grant_type", "client_credentials")];
    let bad = [
        key.sign("JWT", claims(&url, now)),
        key.sign("dpop+jwt", claims(&url, now - 3600)),
        key.sign("dpop+jwt", claims(&url, now + 3600)),
        key.sign("dpop+jwt", claims("https://elsewhere.example/token", now)),
        key.sign("dpop+jwt", json!({"htm": "POST", "htu": url, "iat": now})),
        "not.a.jwt".to_owned(),
        jsonwebtoken::encode(
            &Header {
                typ: Some("dpop+jwt".into()),
                ..Header::new(Algorithm::HS256)
            },
            &claims(&url, now),
            &EncodingKey::from_secret(b"shared"),
        )
        .unwrap(),
    ];
    for (i, proof) in bad.into_iter().enumerate() {
        let res = token_with_proof(&app, &rp, &form, Some(proof)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "case {i}");
        assert_eq!(json_of(res).await["error"], "invalid_dpop_proof", "case {i}");
    }
    // A good proof binds the client-credentials token; the same proof again is refused.
    let proof = key.proof("POST", &url, None);
    let res = token_with_proof(&app, &rp, &form, Some(proof.clone())).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await["token_type"], "DPoP");
    let res = token_with_proof(&app, &rp, &form, Some(proof)).await;
    assert_eq!(json_of(res).await["error"], "invalid_dpop_proof");
}

/// A proof carrying `nonce`.
fn proof_with_nonce(key: &DpopKey, htm: &str, htu: &str, access_token: Option<&str>, nonce: &str) -> String {
    let mut claims = json!({
        "jti": uuid::Uuid::new_v4().to_string(), "htm": htm, "htu": htu,
        "iat": chrono::Utc::now().timestamp(), "nonce": nonce,
    });
    if let Some(t) = access_token {
        claims["ath"] = json!(scimitar::oidc::dpop::ath(t));
    }
    key.sign("dpop+jwt", claims)
}

#[tokio::test]
async fn with_nonces_required_a_proof_needs_the_servers_current_nonce() {
    // Two replicas on one database: a nonce from one is good at the other.
    let url = crate::common::fresh_database_url().await;
    let start = || {
        let url = url.clone();
        crate::common::spawn_app_with(move |c| {
            c.database_url = url;
            c.dpop_require_nonce = true;
        })
    };
    let (a, b) = (start().await, start().await);
    let rp = a.register_client(json!({"grant_types": ["client_credentials"]})).await;
    let key = DpopKey::new();
    let form = [("grant_type", "client_credentials")];
    // Without a nonce: use_dpop_nonce, with one to use.
    let res = token_with_proof(&a, &rp, &form, Some(key.proof("POST", &a.url("/oauth2/token"), None))).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let nonce = res.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    assert_eq!(json_of(res).await["error"], "use_dpop_nonce");
    // A made-up nonce is no better.
    let forged = proof_with_nonce(
        &key,
        "POST",
        &a.url("/oauth2/token"),
        None,
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    let res = token_with_proof(&a, &rp, &form, Some(forged)).await;
    assert_eq!(json_of(res).await["error"], "use_dpop_nonce");
    // The nonce from replica a works at replica b (same client, same database).
    let proof = proof_with_nonce(&key, "POST", &b.url("/oauth2/token"), None, &nonce);
    let res = token_with_proof(&b, &rp, &form, Some(proof)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers().get("dpop-nonce").is_some(),
        "the next nonce comes with the answer"
    );
    assert_eq!(json_of(res).await["token_type"], "DPoP");
}
