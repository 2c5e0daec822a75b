//! Sign-in and client-authentication budgets: reserved before the password is checked,
//! spent only on failures, per source address, and shared by replicas through the database.
use std::net::IpAddr;

use futures_util::future::join_all;
use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::json;

use super::{PASSWORD, Rp, browser, hidden_inputs, pkce};
use crate::common::{TestApp, json_of, spawn_app, spawn_app_with};

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

/// A browser whose connections come from another loopback address (another "source").
fn browser_from(ip: &str) -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .local_address(ip.parse::<IpAddr>().expect("ip"))
        .build()
        .expect("client")
}

/// The login form's fields (CSRF and the authorization request), fetched once by `b`.
async fn login_form(app: &TestApp, b: &Client, url: &str, user: &str, password: &str) -> Vec<(String, String)> {
    let html = b
        .get(url)
        .send()
        .await
        .expect("GET authorize")
        .text()
        .await
        .expect("html");
    let mut form = hidden_inputs(&html);
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    let _ = app;
    form
}

async fn post_login(app: &TestApp, b: &Client, form: &[(String, String)]) -> StatusCode {
    b.post(app.url("/oauth2/authorize"))
        .form(form)
        .send()
        .await
        .expect("POST authorize")
        .status()
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_for_one_user_evaluate_at_most_the_budget() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let url = app.authorize_url(&rp, "openid", &pkce().1);
    let b = browser();
    let form = login_form(&app, &b, &url, "alice", "wrong guess").await;
    // Act: 40 guesses at once.
    let statuses = join_all((0..40).map(|_| post_login(&app, &b, &form))).await;
    // Assert: at most the budget (10) were checked; every other one was refused unchecked.
    let evaluated = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS || **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!((1..=10).contains(&evaluated), "{statuses:?}");
    assert_eq!(evaluated + refused, 40, "{statuses:?}");
    // The budget is the guesser's: from this source even the right password waits …
    let right = login_form(&app, &b, &url, "alice", PASSWORD).await;
    assert_eq!(post_login(&app, &b, &right).await, StatusCode::TOO_MANY_REQUESTS);
    // … while Alice, from elsewhere, signs in.
    let alice = browser_from("127.0.0.2");
    let form = login_form(&app, &alice, &url, "alice", PASSWORD).await;
    assert_eq!(post_login(&app, &alice, &form).await, StatusCode::FOUND);
}

#[tokio::test]
async fn a_right_password_gives_its_attempt_back() {
    let app = spawn_app_with(|c| c.login_attempts_per_minute = 3).await;
    app.create_user_with_password("bob").await;
    let rp = app.register_client(json!({})).await;
    let url = app.authorize_url(&rp, "openid", &pkce().1);
    // Ten sign-ins in a row with the right password never exhaust a budget of three.
    for _ in 0..10 {
        let b = browser();
        let form = login_form(&app, &b, &url, "bob", PASSWORD).await;
        assert_eq!(post_login(&app, &b, &form).await, StatusCode::FOUND);
    }
    // Three failures do.
    let b = browser();
    let wrong = login_form(&app, &b, &url, "bob", "nope nope").await;
    for _ in 0..3 {
        assert_eq!(post_login(&app, &b, &wrong).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(post_login(&app, &b, &wrong).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn spraying_many_users_from_one_source_hits_the_per_source_budget() {
    let app = spawn_app_with(|c| c.login_failures_per_source_per_minute = 5).await;
    let rp = app.register_client(json!({})).await;
    let url = app.authorize_url(&rp, "openid", &pkce().1);
    let b = browser();
    for i in 0..5 {
        let form = login_form(&app, &b, &url, &format!("user{i}"), "Summer2026!").await;
        assert_eq!(post_login(&app, &b, &form).await, StatusCode::UNAUTHORIZED, "user{i}");
    }
    let form = login_form(&app, &b, &url, "user99", "Summer2026!").await;
    assert_eq!(post_login(&app, &b, &form).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_sign_in_budget_is_shared_by_replicas_on_one_database() {
    // Two servers on one database (SQLite file, or a PostgreSQL database when configured).
    let url = crate::common::fresh_database_url().await;
    let a = spawn_app_with(|c| c.database_url = url.clone()).await;
    let b_app = spawn_app_with(|c| c.database_url = url.clone()).await;
    a.create_user_with_password("carol").await;
    let rp = a.register_client(json!({})).await;
    let url_a = a.authorize_url(&rp, "openid", &pkce().1);
    let url_b = b_app.authorize_url(&rp, "openid", &pkce().1);
    // Five failures on each replica spend the budget of ten …
    for (app, url) in [(&a, &url_a), (&b_app, &url_b)] {
        let br = browser();
        let form = login_form(app, &br, url, "carol", "wrong wrong").await;
        for _ in 0..5 {
            assert_eq!(post_login(app, &br, &form).await, StatusCode::UNAUTHORIZED);
        }
    }
    // … so the next guess is refused on both.
    for (app, url) in [(&a, &url_a), (&b_app, &url_b)] {
        let br = browser();
        let form = login_form(app, &br, url, "carol", "wrong wrong").await;
        assert_eq!(post_login(app, &br, &form).await, StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn two_thousand_bad_secrets_naming_a_client_do_not_stop_its_next_correct_request() {
    let app = spawn_app().await;
    let rp: Rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    // Someone else, from another address, floods the token endpoint with the client's id.
    let flood = Client::builder()
        .local_address("127.0.0.3".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let mut statuses = vec![];
    for chunk in 0..125 {
        let batch = (0..16).map(|i| {
            flood
                .post(app.url("/oauth2/token"))
                .basic_auth(&rp.client_id, Some(format!("guess-{chunk}-{i}")))
                .form(CLIENT_CREDENTIALS)
                .send()
        });
        for res in join_all(batch).await {
            statuses.push(res.expect("flood request").status());
        }
    }
    assert_eq!(statuses.len(), 2000);
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS)
    );
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "the flood is slowed down"
    );
    // The client itself goes on.
    let res = app.token_request(&rp, CLIENT_CREDENTIALS).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(json_of(res).await["access_token"].is_string());
}

#[tokio::test]
async fn client_authentication_failures_are_limited_per_source_with_retry_after() {
    let app = spawn_app_with(|c| c.client_failures_per_minute = 5).await;
    let rp: Rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    let bad = Rp {
        client_id: rp.client_id.clone(),
        secret: Some("not the secret".into()),
    };
    for _ in 0..5 {
        let res = app.token_request(&bad, CLIENT_CREDENTIALS).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.token_request(&bad, CLIENT_CREDENTIALS).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(json_of(res).await["error"], "slow_down");
    // Correct requests are never counted, even from the same source.
    for _ in 0..20 {
        assert_eq!(
            app.token_request(&rp, CLIENT_CREDENTIALS).await.status(),
            StatusCode::OK
        );
    }
}
