//! /Me (RFC 7644 §3.11).
use scimitar::auth::{Scope, tokens};
use serde_json::json;

use crate::common::{assert_scim_error, json_of, patch_ops, spawn_app};

#[tokio::test]
async fn me_is_the_tokens_user() {
    let app = spawn_app().await;
    let id = app.create_user("me").await;
    let (token, _) = tokens::create(&app.store, "me", &[Scope::Scim], Some(id.parse().unwrap()))
        .await
        .unwrap();
    let res = app
        .client
        .get(app.url("/scim/v2/Me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["id"], id.as_str());
    let res = app
        .client
        .patch(app.url("/scim/v2/Me"))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(patch_ops(json!([{"op": "replace", "path": "nickName", "value": "myself"}])).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(res).await["nickName"], "myself");
}

#[tokio::test]
async fn me_without_a_user_is_501() {
    let app = spawn_app().await;
    assert_scim_error(app.get("/Me").await, 501, None).await;
}
