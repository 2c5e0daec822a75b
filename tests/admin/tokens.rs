use serde_json::json;

use crate::common::{assert_problem, json_of, spawn_app};

#[tokio::test]
async fn a_created_token_is_shown_once_and_works_with_its_scopes() {
    let app = spawn_app().await;

    let res = app
        .admin(
            "POST",
            "/tokens",
            Some(json!({"name": "reporting", "scopes": ["admin:read"]})),
        )
        .await;

    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "reporting");
    assert_eq!(created["scopes"], json!(["admin:read"]));
    assert_eq!(app.admin_as(&secret, "GET", "/groups", None).await.status(), 200);
    assert_problem(
        app.admin_as(
            &secret,
            "POST",
            "/tokens",
            Some(json!({"name": "x", "scopes": ["admin"]})),
        )
        .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn tokens_are_listed_with_name_scopes_created_and_last_used_but_never_secrets() {
    let app = spawn_app().await;
    let created = json_of(
        app.admin(
            "POST",
            "/tokens",
            Some(json!({"name": "ci", "scopes": ["scim", "admin"]})),
        )
        .await,
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    app.admin_as(secret, "GET", "/users", None).await;

    // The last use is written off the request's path: it shows up shortly after (polled, at
    // most 5 s).
    let mut ci = serde_json::Value::Null;
    for _ in 0..50 {
        let res = app.admin("GET", "/tokens", None).await;
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(
            !text.contains(secret) && !text.contains("hash") && !text.contains("secret"),
            "{text}"
        );
        let list: serde_json::Value = serde_json::from_str(&text).unwrap();
        ci = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "ci")
            .unwrap()
            .clone();
        if ci["last_used"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ci["id"], created["id"]);
    assert_eq!(ci["scopes"], json!(["scim", "admin"]));
    assert!(ci["created"].is_string());
    assert!(ci["last_used"].is_string(), "{ci}");
}

#[tokio::test]
async fn invalid_scopes_or_names_are_a_400_problem() {
    let app = spawn_app().await;

    for body in [
        json!({"name": "x", "scopes": ["root"]}),
        json!({"name": "x", "scopes": []}),
        json!({"name": "x", "scopes": ["admin scim"]}),
        json!({"name": "  ", "scopes": ["admin"]}),
        json!({"scopes": ["admin"]}),
    ] {
        assert_problem(app.admin("POST", "/tokens", Some(body)).await, 400).await;
    }
}

#[tokio::test]
async fn a_revoked_token_stops_working_and_revoking_again_is_404() {
    let app = spawn_app().await;
    let created = json_of(
        app.admin("POST", "/tokens", Some(json!({"name": "tmp", "scopes": ["admin"]})))
            .await,
    )
    .await;
    let (id, secret) = (created["id"].as_str().unwrap(), created["secret"].as_str().unwrap());

    let res = app.admin("DELETE", &format!("/tokens/{id}"), None).await;

    assert_eq!(res.status(), 204);
    assert_problem(app.admin_as(secret, "GET", "/users", None).await, 401).await;
    assert_problem(app.admin("DELETE", &format!("/tokens/{id}"), None).await, 404).await;
    assert_problem(app.admin("DELETE", "/tokens/not-a-uuid", None).await, 404).await;
}

#[tokio::test]
async fn a_revoked_bootstrap_token_stays_revoked_after_a_restart_and_both_are_audited() {
    let url = crate::common::fresh_database_url().await;
    let secret = scimitar::auth::tokens::generate();
    let start = || {
        let (url, secret) = (url.clone(), secret.clone());
        crate::common::spawn_app_with(move |c| {
            c.database_url = url;
            c.bootstrap_token = Some(secret);
        })
    };
    let mut first = start().await;
    first.token = secret.clone();
    assert_eq!(first.get("/Users").await.status(), 200);
    // A second token, which revokes the bootstrap one.
    let res = first
        .admin(
            "POST",
            "/tokens",
            Some(json!({"name": "ops", "scopes": ["admin", "scim"]})),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store", "a response with a secret");
    let ops = json_of(res).await["secret"].as_str().unwrap().to_owned();
    let list = json_of(first.admin("GET", "/tokens", None).await).await;
    let bootstrap_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "bootstrap")
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .unwrap();
    let res = first
        .admin_as(&ops, "DELETE", &format!("/tokens/{bootstrap_id}"), None)
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(first.get("/Users").await.status(), 401);
    // Restarted with the same SCIMITAR_BOOTSTRAP_TOKEN: still revoked.
    let mut second = start().await;
    second.token = secret.clone();
    assert_eq!(second.get("/Users").await.status(), 401);
    // Creation and revocation are in the audit log, each with a unique actor.
    let audit = json_of(second.admin_as(&ops, "GET", "/audit?action=token.revoke", None).await).await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["target_id"], bootstrap_id.as_str());
    assert!(items[0]["actor"].as_str().unwrap().starts_with("token:ops#"), "{audit}");
    let audit = json_of(second.admin_as(&ops, "GET", "/audit?action=token.create", None).await).await;
    let names: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"ops") && names.contains(&"bootstrap"), "{names:?}");
}
