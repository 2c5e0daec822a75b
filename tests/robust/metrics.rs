//! `GET /metrics` (Prometheus text) and JSON logs.
use std::process::Stdio;

use serde_json::{Value, json};

use super::process::Server;
use crate::{
    common::{spawn_app, temp_sqlite_url},
    oidc::{browser, pkce},
};

/// The value of the sample line that starts with `series` (name plus exact label set).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_per_route_pattern_tokens_and_failed_logins() {
    // Arrange
    let app = spawn_app().await;
    let id = app.create_user("metered").await;
    app.create_user_with_password("alice").await;
    let rp = app
        .register_client(json!({"grant_types": ["client_credentials", "authorization_code"]}))
        .await;

    // Act
    for _ in 0..2 {
        assert_eq!(app.get(&format!("/Users/{id}")).await.status(), 200);
        let res = app.token_request(&rp, &[("grant_type", "client_credentials")]).await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(
        app.client.get(app.url("/no/such/path")).send().await.unwrap().status(),
        404
    );
    let (_, challenge) = pkce();
    let res = app
        .login(
            &browser(),
            &app.authorize_url(&rp, "openid", &challenge),
            "alice",
            "wrong password",
        )
        .await;
    assert_eq!(res.status(), 401);
    // Not public: a token with admin:read is needed.
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let scim_only = app.token_with(&[scimitar::auth::Scope::Scim]).await;
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(scim_only)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let reader = app.token_with(&[scimitar::auth::Scope::AdminRead]).await;
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(reader)
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    let get_user = r#"{method="GET",route="/scim/v2/Users/{id}",status="200"}"#;
    assert_eq!(
        sample(&text, &format!("scimitar_http_requests_total{get_user}")),
        Some(2.0),
        "{text}"
    );
    let bucket = r#"scimitar_http_request_duration_seconds_bucket{method="GET",route="/scim/v2/Users/{id}",status="200",le="+Inf"}"#;
    assert_eq!(sample(&text, bucket), Some(2.0), "{text}");
    let count = format!("scimitar_http_request_duration_seconds_count{get_user}");
    assert_eq!(sample(&text, &count), Some(2.0));
    let unmatched = r#"scimitar_http_requests_total{method="GET",route="unmatched",status="404"}"#;
    assert_eq!(sample(&text, unmatched), Some(1.0), "{text}");
    let tokens = r#"scimitar_oidc_tokens_issued_total{grant_type="client_credentials"}"#;
    assert_eq!(sample(&text, tokens), Some(2.0), "{text}");
    let failures = r#"scimitar_login_failures_total{reason="invalid_credentials"}"#;
    assert_eq!(sample(&text, failures), Some(1.0), "{text}");
    // spawn_app sets a pool of 4.
    assert_eq!(sample(&text, "scimitar_db_pool_max_connections"), Some(4.0), "{text}");
    assert!(sample(&text, r#"scimitar_db_pool_connections{state="idle"}"#).is_some());
    // Raw paths never become labels.
    assert!(!text.contains(&id) && !text.contains("/no/such/path"));
}

#[tokio::test]
async fn log_format_json_writes_one_json_object_per_line() {
    // Arrange
    let (url, path) = temp_sqlite_url();
    let log = std::env::temp_dir().join(format!("scimitar-log-{}.jsonl", uuid::Uuid::new_v4()));
    let file = std::fs::File::create(&log).expect("log file");
    let token = scimitar::auth::tokens::generate();
    let env = [("SCIMITAR_LOG_FORMAT", "json"), ("RUST_LOG", "info")];

    // Act
    let server = Server::start_with_stderr(&url, &token, &env, Stdio::from(file)).await;
    let res = server.client.get(server.url("/readyz")).send().await.expect("readyz");
    assert_eq!(res.status(), 200);
    server.kill();

    // Assert
    let text = std::fs::read_to_string(&log).expect("read log");
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty(), "no log lines");
    for line in &lines {
        assert!(line["level"].is_string() && line["timestamp"].is_string(), "{line}");
    }
    for f in [log, path] {
        let _ = std::fs::remove_file(&f);
    }
}
