//! Signing keys encrypted at rest under a key-encryption key (KEK): what the database holds,
//! what a replica without the KEK does, and `scimitar keys rewrap` adding and rotating KEKs.
use base64::{Engine, engine::general_purpose::STANDARD};
use reqwest::StatusCode;
use scimitar::{Application, Config};
use serde_json::json;

use super::Rp;
use crate::{
    common::{TestApp, json_of, spawn_app_with},
    robust::process::run_cli_with,
};

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

fn kek(byte: u8) -> String {
    STANDARD.encode([byte; 32])
}

async fn database() -> String {
    crate::common::fresh_database_url().await
}

/// Starts the server on `url` with `kek` (and `previous`), or says why it would not start.
async fn build(url: &str, kek: Option<&str>, previous: Option<&str>) -> Result<Application, String> {
    let mut c = Config::with_database(url);
    c.bind = "127.0.0.1:0".into();
    c.handle_signals = false;
    c.workers = Some(1);
    c.key_encryption_key = kek.map(str::to_owned);
    c.previous_key_encryption_key = previous.map(str::to_owned);
    Application::build(c).await.map_err(|e| format!("{e:#}"))
}

/// Issues a client-credentials token and checks it introspects as active.
async fn tokens_work(app: &TestApp) {
    let rp: Rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    let res = app.token_request(&rp, CLIENT_CREDENTIALS).await;
    assert_eq!(res.status(), StatusCode::OK);
    let token = json_of(res).await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.introspect(&rp, &token).await["active"], true);
}

async fn stored(app_store: &scimitar::store::Store) -> Vec<String> {
    app_store
        .signing_keys()
        .all()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.private_pem)
        .collect()
}

#[tokio::test]
async fn with_a_kek_the_database_holds_no_usable_private_key() {
    let url = database().await;
    let app = spawn_app_with(|c| {
        c.database_url = url.clone();
        c.key_encryption_key = Some(kek(1));
    })
    .await;
    tokens_work(&app).await;
    let rows = stored(&app.store).await;
    assert_eq!(rows.len(), 1);
    for row in &rows {
        assert!(row.starts_with("scimitar-envelope:v1:"), "{row}");
        assert!(!row.contains("PRIVATE KEY"));
    }
    // Rotation seals the new key too.
    scimitar::oidc::keys::rotate(
        &app.store,
        jsonwebtoken::Algorithm::ES256,
        chrono::Duration::hours(1),
        &scimitar::Config {
            key_encryption_key: Some(kek(1)),
            ..Config::with_database(&url)
        }
        .keks()
        .unwrap(),
        &crate::common::test_actor(),
    )
    .await
    .unwrap();
    assert!(
        stored(&app.store)
            .await
            .iter()
            .all(|r| r.starts_with("scimitar-envelope:v1:"))
    );
    // A replica without the KEK, or with another, refuses to start and names the missing KEK.
    for wrong in [None, Some(kek(2))] {
        let err = build(&url, wrong.as_deref(), None)
            .await
            .err()
            .expect("no start without the KEK");
        assert!(err.contains("key-encryption key"), "{err}");
    }
    // With it, it starts.
    assert!(build(&url, Some(&kek(1)), None).await.is_ok());
}

#[tokio::test]
async fn keys_rewrap_seals_plain_keys_and_rotates_the_kek() {
    let url = database().await;
    // Started without a KEK: a plain key.
    let plain = spawn_app_with(|c| c.database_url = url.clone()).await;
    tokens_work(&plain).await;
    assert!(stored(&plain.store).await[0].contains("PRIVATE KEY"));
    // Add a KEK.
    let out = run_cli_with(&url, &["keys", "rewrap"], &[("SCIMITAR_KEY_ENCRYPTION_KEY", &kek(3))]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 signing keys sealed"));
    assert!(
        stored(&plain.store)
            .await
            .iter()
            .all(|r| r.starts_with("scimitar-envelope:v1:"))
    );
    let with3 = spawn_app_with(|c| {
        c.database_url = url.clone();
        c.key_encryption_key = Some(kek(3));
    })
    .await;
    tokens_work(&with3).await;
    // Rotate the KEK: the new one seals, the previous one opens what it sealed.
    let out = run_cli_with(
        &url,
        &["keys", "rewrap"],
        &[
            ("SCIMITAR_KEY_ENCRYPTION_KEY", &kek(4)),
            ("SCIMITAR_PREVIOUS_KEY_ENCRYPTION_KEY", &kek(3)),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        build(&url, Some(&kek(3)), None).await.is_err(),
        "the old KEK no longer opens them"
    );
    let with4 = spawn_app_with(|c| {
        c.database_url = url.clone();
        c.key_encryption_key = Some(kek(4));
    })
    .await;
    tokens_work(&with4).await;
    // Without a KEK the command refuses, changing nothing.
    let out = run_cli_with(&url, &["keys", "rewrap"], &[]);
    assert!(!out.status.success());
    assert!(build(&url, Some(&kek(4)), None).await.is_ok());
}
