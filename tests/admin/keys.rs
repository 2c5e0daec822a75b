//! Signing keys through the admin API: listed without private parts, rotated (audited, the
//! new key signs at once, the old one stays published).
use serde_json::json;

use crate::common::{assert_problem, json_of, spawn_app};

#[tokio::test]
async fn keys_are_listed_without_secrets_and_rotated_by_a_holder_of_iam_key_rotate() {
    let app = spawn_app().await;
    let before = json_of(app.admin("GET", "/keys", None).await).await;
    let keys = before.as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["signing"], true);
    let old_kid = keys[0]["kid"].as_str().unwrap().to_owned();
    let text = app.admin("GET", "/keys", None).await.text().await.unwrap();
    assert!(!text.contains("PRIVATE") && !text.contains("private"), "{text}");

    let reader = app.token_granting("iam.key.read").await;
    let problem = assert_problem(app.admin_as(&reader, "POST", "/keys/rotate", None).await, 403).await;
    assert_eq!(problem["required_permission"], "iam.key.rotate");

    let rotator = app.token_granting("iam.key.rotate").await;
    let res = app.admin_as(&rotator, "POST", "/keys/rotate", None).await;
    assert_eq!(res.status(), 201);
    let new_kid = json_of(res).await["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);

    let after = json_of(app.admin("GET", "/keys", None).await).await;
    let signing: Vec<&str> = after
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["signing"] == true)
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(signing, [new_kid.as_str()]);
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
    // The next token is signed by the new key, on this replica at once.
    let rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    let res = app.token_request(&rp, &[("grant_type", "client_credentials")]).await;
    let at = json_of(res).await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        jsonwebtoken::decode_header(&at).unwrap().kid.as_deref(),
        Some(new_kid.as_str())
    );

    let audit = json_of(app.admin("GET", "/audit?action=key.rotate", None).await).await;
    let event = &audit["items"][0];
    assert!(event["actor"].as_str().unwrap().starts_with("token:test#"), "{event}");
}
