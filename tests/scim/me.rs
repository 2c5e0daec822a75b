//! /Me (RFC 7644 §3.11).
use scimitar::auth::{Scope, tokens};
use serde_json::json;

use crate::common::{assert_scim_error, json_of, patch_ops, spawn_app};

#[tokio::test]
async fn me_is_the_tokens_user() {
    let app = spawn_app().await;
    let id = app.create_user("me").await;
    let (token, _) = tokens::create(
        &app.store,
        &crate::common::test_actor(),
        "me",
        &scimitar::auth::Grants::from_scopes(&[Scope::Scim]),
        Some(id.parse().unwrap()),
    )
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

#[tokio::test]
async fn me_honours_if_none_match_and_if_match_like_users_by_id() {
    let app = spawn_app().await;
    let id = app.create_user("etag-me").await;
    let (token, _) = tokens::create(
        &app.store,
        &crate::common::test_actor(),
        "me",
        &scimitar::auth::Grants::from_scopes(&[Scope::Scim]),
        Some(id.parse().unwrap()),
    )
    .await
    .unwrap();
    let get = |etag: Option<&str>| {
        let mut req = app.client.get(app.url("/scim/v2/Me")).bearer_auth(&token);
        if let Some(e) = etag {
            req = req.header("if-none-match", e);
        }
        req.send()
    };
    let res = get(None).await.unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "W/\"1\"");
    // The same version: 304 with the ETag and no body, as GET /Users/{id} answers.
    let res = get(Some(&etag)).await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert_eq!(get(Some("*")).await.unwrap().status(), 304);
    let res = get(Some("W/\"7\"")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["id"], id.as_str());
    // A stale If-Match on a write: 412, nothing changed.
    let res = app
        .client
        .patch(app.url("/scim/v2/Me"))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .header("if-match", "W/\"7\"")
        .body(patch_ops(json!([{"op": "replace", "path": "nickName", "value": "x"}])).to_string())
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 412, None).await;
    assert_eq!(get(Some(&etag)).await.unwrap().status(), 304);
}
