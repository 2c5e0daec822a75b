//! Authorization and token endpoint failures: each is refused with the protocol's error.
use reqwest::StatusCode;
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::json;

use super::*;
use crate::common::{json_of, spawn_app};

async fn assert_oauth_error(res: Response, status: u16, error: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let body = json_of(res).await;
    assert_eq!(body["error"], error, "{body}");
    body
}

/// Logs alice in and returns (code, verifier).
async fn code_for(app: &TestApp, rp: &Rp) -> (String, String) {
    let (verifier, challenge) = pkce();
    let res = app
        .login(
            &browser(),
            &app.authorize_url(rp, "openid", &challenge),
            "alice",
            PASSWORD,
        )
        .await;
    (query_param(&res, "code").expect("code"), verifier)
}

fn code_form<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ]
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_a_page_not_a_redirect() {
    let app = spawn_app().await;
    let rp = app.register_client(json!({})).await;
    let url = app.authorize_url(&rp, "openid", &pkce().1).replace("callback", "evil");
    let res = browser().get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await.unwrap().contains("redirect_uri is not registered"));
}

#[tokio::test]
async fn bad_requests_with_a_trusted_redirect_uri_redirect_with_an_error() {
    let app = spawn_app().await;
    let public = app.register_client(json!({"token_endpoint_auth_method": "none"})).await;
    let no_pkce = app
        .authorize_url(&public, "openid", "x")
        .replace("&code_challenge=x&code_challenge_method=S256", "");
    let res = browser().get(no_pkce).send().await.unwrap();
    assert_eq!(query_param(&res, "error").as_deref(), Some("invalid_request"));
    assert_eq!(query_param(&res, "state").as_deref(), Some("st4te"));

    let res = browser()
        .get(app.authorize_url(&public, "profile", &pkce().1))
        .send()
        .await
        .unwrap();
    assert_eq!(query_param(&res, "error").as_deref(), Some("invalid_scope"));

    let token_flow = app
        .authorize_url(&public, "openid", &pkce().1)
        .replace("response_type=code", "response_type=token");
    let res = browser().get(token_flow).send().await.unwrap();
    assert_eq!(query_param(&res, "error").as_deref(), Some("unsupported_response_type"));
}

#[tokio::test]
async fn a_wrong_or_missing_pkce_verifier_is_invalid_grant() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let (code, _) = code_for(&app, &rp).await;
    let (_, wrong) = pkce();
    let wrong_verifier = format!("{wrong}-wrong");
    let res = app.token_request(&rp, &code_form(&code, &wrong_verifier)).await;
    assert_oauth_error(res, 400, "invalid_grant").await;

    let (code, _) = code_for(&app, &rp).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let res = app.token_request(&rp, &form).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_the_tokens_issued_from_it() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let (code, verifier) = code_for(&app, &rp).await;
    let first = json_of(app.token_request(&rp, &code_form(&code, &verifier)).await).await;
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&rp, access).await["active"], true);

    let res = app.token_request(&rp, &code_form(&code, &verifier)).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
    assert_eq!(app.introspect(&rp, access).await["active"], false);
    let refresh = first["refresh_token"].as_str().unwrap();
    let res = app
        .token_request(&rp, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_oauth_error(res, 400, "invalid_grant").await;
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let (code, verifier) = code_for(&app, &rp).await;
    entity::auth_code::Entity::update_many()
        .col_expr(
            entity::auth_code::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(app.store.writer())
        .await
        .unwrap();
    let res = app.token_request(&rp, &code_form(&code, &verifier)).await;
    assert_oauth_error(res, 400, "invalid_grant").await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_401_invalid_client_with_a_basic_challenge() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let (code, verifier) = code_for(&app, &rp).await;
    let wrong = Rp {
        client_id: rp.client_id.clone(),
        secret: Some("not-the-secret".into()),
    };
    let res = app.token_request(&wrong, &code_form(&code, &verifier)).await;
    assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_oauth_error(res, 401, "invalid_client").await;

    // The code is still good for the real client (client_secret_post this time).
    let secret = rp.secret.clone().unwrap();
    let mut form = code_form(&code, &verifier);
    form.extend([("client_id", rp.client_id.as_str()), ("client_secret", secret.as_str())]);
    let res = app
        .client
        .post(app.url("/oauth2/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_and_missing_grant_types_are_refused() {
    let app = spawn_app().await;
    let rp = app.register_client(json!({})).await;
    let res = app.token_request(&rp, &[("grant_type", "password")]).await;
    assert_oauth_error(res, 400, "unsupported_grant_type").await;
    let res = app.token_request(&rp, &[("code", "x")]).await;
    assert_oauth_error(res, 400, "invalid_request").await;
}

#[tokio::test]
async fn the_login_form_needs_its_csrf_token() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let b = browser();
    let html = b
        .get(app.authorize_url(&rp, "openid", &pkce().1))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form: Vec<(String, String)> = hidden_inputs(&html).into_iter().filter(|(k, _)| k != "csrf").collect();
    form.push(("csrf".into(), "forged".into()));
    form.push(("username".into(), "alice".into()));
    form.push(("password".into(), PASSWORD.into()));
    let res = b.post(app.url("/oauth2/authorize")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());
}

#[tokio::test]
async fn repeated_wrong_passwords_are_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let url = app.authorize_url(&rp, "openid", &pkce().1);
    let b = browser();
    for _ in 0..10 {
        let res = app.login(&b, &url, "alice", "wrong").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.text().await.unwrap().contains("Invalid username or password"));
    }
    // Even the right password is refused now.
    let res = app.login(&b, &url, "alice", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
}

#[tokio::test]
async fn registration_needs_an_admin_token_and_valid_redirect_uris() {
    let app = spawn_app().await;
    let body = json!({"redirect_uris": [REDIRECT]});
    let res = app
        .client
        .post(app.url("/oauth2/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 401, "invalid_token").await;
    let scim_only = app.token_with(&[scimitar::auth::Scope::Scim]).await;
    let res = app
        .client
        .post(app.url("/oauth2/register"))
        .bearer_auth(scim_only)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 403, "insufficient_scope").await;
    let register = |body: serde_json::Value| {
        let req = app
            .client
            .post(app.url("/oauth2/register"))
            .bearer_auth(&app.token)
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    // A fragment; plain http for a confidential client off the loopback interface (RFC 8252
    // §7.3); a non-http scheme.
    for uri in [
        "https://x.example/cb#frag",
        "http://x.example/cb",
        "javascript:alert(1)",
        "/relative",
    ] {
        let res = register(json!({"redirect_uris": [uri]})).await;
        assert_oauth_error(res, 400, "invalid_redirect_uri").await;
    }
    // https anywhere, http on loopback, and http for a public client are accepted.
    for (uri, method) in [
        ("https://x.example/cb", "client_secret_basic"),
        ("http://127.0.0.1:8000/cb", "client_secret_basic"),
        ("http://[::1]/cb", "client_secret_basic"),
        ("http://localhost:3000/cb", "client_secret_basic"),
        ("http://x.example/cb", "none"),
    ] {
        let res = register(json!({"redirect_uris": [uri], "token_endpoint_auth_method": method})).await;
        assert_eq!(res.status(), 201, "{uri} {method}");
    }
}
