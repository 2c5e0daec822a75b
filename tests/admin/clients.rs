//! OAuth clients through the admin API and the CLI: list, delete (everything issued to the
//! client stops working), rotate a secret (the old one stops working).
use serde_json::json;

use crate::{
    common::{assert_problem, json_of, spawn_app},
    oidc::Rp,
    robust::process::run_cli_with,
};

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

#[tokio::test]
async fn deleting_a_client_ends_its_tokens_and_rotating_a_secret_ends_the_old_one() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp: Rp = app.register_client(json!({"client_name": "wiki"})).await;
    let list = json_of(app.admin("GET", "/clients", None).await).await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == rp.client_id.as_str())
        .unwrap();
    assert_eq!(listed["name"], "wiki");
    assert!(listed.get("client_secret").is_none() && listed.get("secret_hash").is_none());
    // Rotate: the new secret works, the old one no longer does.
    let res = app
        .admin("POST", &format!("/clients/{}/secret", rp.client_id), None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let secret = json_of(res).await["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(app.token_request(&rp, CLIENT_CREDENTIALS).await.status(), 401);
    let rotated = Rp {
        client_id: rp.client_id.clone(),
        secret: Some(secret),
    };
    assert_eq!(app.token_request(&rotated, CLIENT_CREDENTIALS).await.status(), 200);
    // Delete: its tokens stop working at once.
    let tokens = app.tokens_for(&rotated, "alice", "openid offline_access").await;
    let access = tokens["access_token"].as_str().unwrap();
    let other: Rp = app.register_client(json!({"resource_server": true})).await;
    assert_eq!(app.introspect(&other, access).await["active"], true);
    assert_eq!(
        app.admin("DELETE", &format!("/clients/{}", rp.client_id), None)
            .await
            .status(),
        204
    );
    assert_eq!(app.introspect(&other, access).await["active"], false);
    assert_eq!(app.token_request(&rotated, CLIENT_CREDENTIALS).await.status(), 401);
    assert_problem(
        app.admin("DELETE", &format!("/clients/{}", rp.client_id), None).await,
        404,
    )
    .await;
    // A public client has no secret to rotate; both changes are audited.
    let public: Rp = app.register_client(json!({"token_endpoint_auth_method": "none"})).await;
    assert_problem(
        app.admin("POST", &format!("/clients/{}/secret", public.client_id), None)
            .await,
        400,
    )
    .await;
    for action in ["client.secret_rotate", "client.delete"] {
        let page = json_of(app.admin("GET", &format!("/audit?action={action}"), None).await).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{action}");
    }
    // Reading is for admin:read, writing for admin.
    let reader = app.token_with(&[scimitar::auth::Scope::AdminRead]).await;
    assert_eq!(app.admin_as(&reader, "GET", "/clients", None).await.status(), 200);
    let res = app
        .admin_as(&reader, "DELETE", &format!("/clients/{}", other.client_id), None)
        .await;
    assert_problem(res, 403).await;
}

#[tokio::test]
async fn the_cli_rotates_a_secret_and_deletes_a_client() {
    let url = crate::common::fresh_database_url().await;
    let app = crate::common::spawn_app_with(|c| c.database_url = url.clone()).await;
    let rp: Rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    let out = run_cli_with(&url, &["client", "rotate-secret", &rp.client_id], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .and_then(|l| l.split_whitespace().next())
        .expect("the new secret")
        .to_owned();
    assert_eq!(app.token_request(&rp, CLIENT_CREDENTIALS).await.status(), 401);
    let rotated = Rp {
        client_id: rp.client_id.clone(),
        secret: Some(secret),
    };
    assert_eq!(app.token_request(&rotated, CLIENT_CREDENTIALS).await.status(), 200);
    let out = run_cli_with(&url, &["client", "delete", &rp.client_id], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(app.token_request(&rotated, CLIENT_CREDENTIALS).await.status(), 401);
    let out = run_cli_with(&url, &["client", "delete", &rp.client_id], &[]);
    assert!(!out.status.success(), "deleting twice fails");
}
