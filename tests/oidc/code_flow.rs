//! The whole flow with a real OIDC client library: discovery → register → authorize → login
//! form → code → tokens → ID token verified (signature via JWKS, claims) → group removed by
//! SCIM PATCH → refresh → the new ID token and userinfo no longer list it.
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
};
use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::common::{json_of, patch_ops, spawn_app};

#[tokio::test]
async fn openidconnect_client_signs_in_and_sees_group_changes_after_refresh() {
    // Arrange: a user in "eng" (directly) and "staff" (through eng nested in staff).
    let app = spawn_app().await;
    let alice = app.create_user_with_password("alice").await;
    let eng = app.create_group("eng", &[&alice]).await;
    app.create_group("staff", &[&eng]).await;
    app.create_group("other", &[]).await;
    let rp = app.register_client(json!({})).await;
    let http = http_client;

    // Act: discovery and the code flow with PKCE.
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(app.address.clone()).unwrap(), &http)
        .await
        .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(rp.client_id.clone()),
        rp.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("groups".into()))
        .set_pkce_challenge(challenge)
        .url();
    let res = app.login(&browser(), auth_url.as_str(), "alice", PASSWORD).await;
    assert_eq!(query_param(&res, "state").as_deref(), Some(csrf.secret().as_str()));
    let code = query_param(&res, "code").expect("code");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("token exchange");

    // Assert: the ID token verifies against the JWKS and carries the expected claims.
    let id_token = tokens.id_token().expect("id_token");
    let verifier = client.id_token_verifier();
    let claims = id_token.claims(&verifier, &nonce).expect("valid ID token");
    assert_eq!(claims.subject().as_str(), alice);
    assert_eq!(claims.issuer().as_str(), app.address);
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("alice"));
    assert_eq!(claims.email().map(|e| e.as_str()), Some("alice@example.com"));
    assert_eq!(claims.email_verified(), Some(true));
    let name = claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned());
    assert_eq!(name.as_deref(), Some("Alice Liddell"));
    let at_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    let payload = jwt_payload(&id_token.to_string());
    assert_eq!(payload["groups"], json!(["eng", "staff"]));
    assert!(payload["auth_time"].as_i64().is_some());

    // Act: SCIM PATCH takes alice out of eng (and so out of staff), then refresh.
    let res = app
        .patch(
            &format!("/Groups/{eng}"),
            patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}])),
        )
        .await;
    assert!(res.status().is_success());
    let refresh = tokens.refresh_token().expect("refresh token");
    let refreshed = client
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");

    // Assert: new tokens without the groups; the old refresh token was rotated.
    let new_id = refreshed.id_token().expect("id_token after refresh");
    new_id
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .expect("valid refreshed ID token");
    assert_eq!(jwt_payload(&new_id.to_string())["groups"], json!([]));
    assert_ne!(refreshed.refresh_token().map(|r| r.secret()), Some(refresh.secret()));
    let res = app.userinfo(refreshed.access_token().secret()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let info = json_of(res).await;
    assert_eq!(info["sub"], json!(alice));
    assert_eq!(info["groups"], json!([]));
    let intro = app.introspect(&rp, refreshed.access_token().secret()).await;
    assert_eq!(intro["active"], true);
    assert_eq!(intro["groups"], json!([]));
}

#[tokio::test]
async fn discovery_lists_every_endpoint_and_jwks_is_cacheable() {
    let app = spawn_app().await;
    let d = app.discovery().await;
    assert_eq!(d["issuer"], json!(app.address));
    for (k, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userinfo"),
        ("jwks_uri", "/oauth2/jwks"),
        ("registration_endpoint", "/oauth2/register"),
        ("introspection_endpoint", "/oauth2/introspect"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("end_session_endpoint", "/oauth2/logout"),
    ] {
        assert_eq!(d[k], json!(app.url(path)), "{k}");
    }
    assert_eq!(
        d["scopes_supported"],
        json!(["openid", "profile", "email", "groups", "roles", "offline_access"])
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["response_types_supported"], json!(["code"]));
    assert_eq!(d["id_token_signing_alg_values_supported"][0], "RS256");

    let res = app.client.get(app.url("/oauth2/jwks")).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "public, max-age=300");
    let jwks = json_of(res).await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
    assert!(key.get("d").is_none(), "no private parts in the JWKS");
}

#[tokio::test]
async fn key_rotation_signs_with_the_new_key_and_keeps_the_old_one_published() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let before = app.tokens_for(&rp, "alice", "openid").await;
    let old_kid = header_kid(before["id_token"].as_str().unwrap());

    let new_kid = scimitar::oidc::keys::rotate(
        &app.store,
        jsonwebtoken::Algorithm::ES256,
        chrono::Duration::hours(1),
        &Default::default(),
        &crate::common::test_actor(),
    )
    .await
    .unwrap();
    let after = app.tokens_for(&rp, "alice", "openid").await;

    assert_eq!(header_kid(after["id_token"].as_str().unwrap()), new_kid);
    let jwks = json_of(app.client.get(app.url("/oauth2/jwks")).send().await.unwrap()).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
        "{kids:?}"
    );
    let old_access = before["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&rp, old_access).await["active"], true);
}

fn header_kid(jwt: &str) -> String {
    jsonwebtoken::decode_header(jwt).unwrap().kid.unwrap()
}

#[tokio::test]
async fn a_login_session_skips_the_form_until_end_session() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app
        .register_client(json!({"post_logout_redirect_uris": ["http://127.0.0.1:9/bye"]}))
        .await;
    let b = browser();
    let (_, challenge) = pkce();
    let url = app.authorize_url(&rp, "openid", &challenge);
    let res = app.login(&b, &url, "alice", PASSWORD).await;
    assert!(query_param(&res, "code").is_some());

    // Same browser: straight back with a code.
    let again = b.get(&url).send().await.unwrap();
    assert!(query_param(&again, "code").is_some());

    // End session with a registered post_logout_redirect_uri: without an id_token_hint the
    // user confirms first (a link from elsewhere signs nobody out) …
    let q = format!(
        "client_id={}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=s1",
        rp.client_id
    );
    let ask = b.get(app.url(&format!("/oauth2/logout?{q}"))).send().await.unwrap();
    assert_eq!(ask.status(), StatusCode::OK);
    let html = ask.text().await.unwrap();
    assert!(html.contains("Sign out?"), "{html}");
    assert_eq!(
        b.get(&url).send().await.unwrap().status(),
        StatusCode::FOUND,
        "still signed in"
    );
    // … by posting the form back.
    let out = b
        .post(app.url("/oauth2/logout"))
        .form(&hidden_inputs(&html))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::FOUND);
    assert_eq!(out.headers()["location"], "http://127.0.0.1:9/bye?state=s1");

    // The login page is back.
    let page = b.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("name=\"password\""));

    // An unregistered post_logout_redirect_uri is not followed.
    let out = b
        .post(app.url("/oauth2/logout"))
        .form(&[
            ("client_id", rp.client_id.as_str()),
            ("post_logout_redirect_uri", "http://evil.example/"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    assert!(out.headers().get("location").is_none());
}

#[tokio::test]
async fn logout_with_an_id_token_hint_is_immediate_and_checks_the_client() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app
        .register_client(json!({"post_logout_redirect_uris": ["http://127.0.0.1:9/bye"]}))
        .await;
    let other = app.register_client(json!({})).await;
    let b = browser();
    let (verifier, challenge) = pkce();
    let url = app.authorize_url(&rp, "openid", &challenge);
    let code = query_param(&app.login(&b, &url, "alice", PASSWORD).await, "code").unwrap();
    let tokens = json_of(app.redeem(&rp, &code, &verifier).await).await;
    let hint = tokens["id_token"].as_str().unwrap();
    // A client_id other than the hint's audience: refused, still signed in.
    let q = serde_urlencoded::to_string([("id_token_hint", hint), ("client_id", other.client_id.as_str())]).unwrap();
    let res = b.get(app.url(&format!("/oauth2/logout?{q}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(b.get(&url).send().await.unwrap().status(), StatusCode::FOUND);
    // The hint alone names the client: signed out at once, sent to its registered URI.
    let q = serde_urlencoded::to_string([
        ("id_token_hint", hint),
        ("post_logout_redirect_uri", "http://127.0.0.1:9/bye"),
    ])
    .unwrap();
    let res = b.get(app.url(&format!("/oauth2/logout?{q}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "http://127.0.0.1:9/bye");
    assert_eq!(
        b.get(&url).send().await.unwrap().status(),
        StatusCode::OK,
        "the login form again"
    );
}
