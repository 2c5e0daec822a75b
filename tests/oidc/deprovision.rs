//! Deprovisioning ends sign-ins: deactivating, deleting or re-passwording a user revokes their
//! login sessions, refresh tokens and access tokens at once, on every SCIM surface, and a
//! reactivation revives none of them.
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::common::{json_of, patch_ops, spawn_app};

async fn refresh(app: &TestApp, rp: &Rp, token: &str) -> Response {
    app.token_request(rp, &[("grant_type", "refresh_token"), ("refresh_token", token)])
        .await
}

fn active(on: bool) -> Value {
    patch_ops(json!([{"op": "replace", "path": "active", "value": on}]))
}

/// A browser signed in (session cookie set) for `user`, and the tokens it got.
async fn signed_in(app: &TestApp, rp: &Rp, user: &str) -> (Client, Value) {
    signed_in_with(app, rp, user, PASSWORD).await
}

/// Does the browser's login session still give a code without the password?
async fn session_alive(app: &TestApp, b: &Client, rp: &Rp) -> bool {
    let url = app.authorize_url(rp, "openid", &pkce().1);
    let res = b.get(&url).send().await.expect("authorize");
    res.status() == StatusCode::FOUND
}

#[tokio::test]
async fn a_refresh_token_issued_before_deactivation_is_refused_after_reactivation() {
    let app = spawn_app().await;
    let alice = app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let (b, tokens) = signed_in(&app, &rp, "alice").await;
    let (access, refresh_token) = (
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    );
    assert!(
        session_alive(&app, &b, &rp).await,
        "the session skips the password before"
    );
    let path = format!("/Users/{alice}");
    assert_eq!(app.patch(&path, active(false)).await.status(), 200);
    assert_eq!(app.patch(&path, active(true)).await.status(), 200);
    // Reactivated: nothing issued before the deactivation works again.
    let res = refresh(&app, &rp, refresh_token).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(res).await["error"], "invalid_grant");
    assert_eq!(app.introspect(&rp, access).await["active"], false);
    assert_eq!(app.userinfo(access).await.status(), StatusCode::UNAUTHORIZED);
    assert!(!session_alive(&app, &b, &rp).await, "the login session ended");
    // A new sign-in works.
    let (_, fresh) = signed_in(&app, &rp, "alice").await;
    assert_eq!(
        refresh(&app, &rp, fresh["refresh_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    // The audit log says what ended.
    let audit = json_of(app.admin("GET", "/audit?action=user.signins_end", None).await).await;
    let ended = audit["items"].as_array().expect("items");
    assert_eq!(ended.len(), 1, "{audit}");
    assert_eq!(ended[0]["target_id"], alice.as_str());
    assert_eq!(ended[0]["detail"]["reason"], "deactivate");
    assert_eq!(ended[0]["detail"]["sessions"], 1);
}

#[tokio::test]
async fn a_new_password_ends_sign_ins_made_with_the_old_one() {
    let app = spawn_app().await;
    let bob = app.create_user_with_password("bob").await;
    let rp = app.register_client(json!({})).await;
    let (b, tokens) = signed_in(&app, &rp, "bob").await;
    let ops = patch_ops(json!([{"op": "replace", "path": "password", "value": "a brand new passphrase"}]));
    assert_eq!(app.patch(&format!("/Users/{bob}"), ops).await.status(), 200);
    assert_eq!(
        refresh(&app, &rp, tokens["refresh_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.introspect(&rp, tokens["access_token"].as_str().unwrap()).await["active"],
        false
    );
    assert!(!session_alive(&app, &b, &rp).await);
    // Other changes end nothing.
    let (_, tokens) = signed_in_with(&app, &rp, "bob", "a brand new passphrase").await;
    let ops = patch_ops(json!([{"op": "replace", "path": "nickName", "value": "Bobby"}]));
    assert_eq!(app.patch(&format!("/Users/{bob}"), ops).await.status(), 200);
    assert_eq!(
        refresh(&app, &rp, tokens["refresh_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn deactivation_by_put_and_by_bulk_and_deletion_end_sign_ins_too() {
    let app = spawn_app().await;
    let rp = app.register_client(json!({})).await;
    // PUT with active false.
    let carol = app.create_user_with_password("carol").await;
    let (_, t1) = signed_in(&app, &rp, "carol").await;
    let mut body = json_of(app.get(&format!("/Users/{carol}")).await).await;
    body["active"] = json!(false);
    assert_eq!(app.put(&format!("/Users/{carol}"), body).await.status(), 200);
    // Bulk PATCH.
    let dave = app.create_user_with_password("dave").await;
    let (_, t2) = signed_in(&app, &rp, "dave").await;
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "PATCH", "path": format!("/Users/{dave}"), "data": active(false)}]
    });
    assert_eq!(app.post("/Bulk", bulk).await.status(), 200);
    // DELETE (a user with the same name created again must not inherit anything).
    let erin = app.create_user_with_password("erin").await;
    let (_, t3) = signed_in(&app, &rp, "erin").await;
    assert_eq!(app.delete(&format!("/Users/{erin}")).await.status(), 204);
    app.create_user_with_password("erin").await;
    for t in [&t1, &t2, &t3] {
        assert_eq!(
            refresh(&app, &rp, t["refresh_token"].as_str().unwrap()).await.status(),
            StatusCode::BAD_REQUEST,
            "{t}"
        );
        assert_eq!(
            app.introspect(&rp, t["access_token"].as_str().unwrap()).await["active"],
            false
        );
    }
}
async fn signed_in_with(app: &TestApp, rp: &Rp, user: &str, password: &str) -> (Client, Value) {
    let b = browser();
    let tokens = app.tokens_in(&b, rp, user, password, "openid offline_access").await;
    (b, tokens)
}
