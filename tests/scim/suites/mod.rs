//! The validation suites real provisioning clients run before they trust a SCIM server
//! (../shared/CLIENTS.md, "Validation suites that real clients run"), one test per step.
mod entra_gallery;
mod entra_validator;
mod okta;
mod postman;

use reqwest::Response;
use serde_json::Value;

use crate::common::{TestApp, json_of, patch_ops};

/// POST, expecting 201; the new resource's id.
async fn create(app: &TestApp, path: &str, body: Value) -> String {
    let res = app.post(path, body).await;
    let status = res.status();
    let created = json_of(res).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().expect("id").to_owned()
}

/// GET, expecting 200.
async fn fetch(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    let status = res.status();
    let body = json_of(res).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A list request with query parameters (encoded by reqwest), expecting 200.
async fn list(app: &TestApp, path: &str, query: &[(&str, &str)]) -> Value {
    let res = app
        .client
        .get(app.url(&format!("/scim/v2{path}")))
        .query(query)
        .bearer_auth(&app.token)
        .send()
        .await
        .expect("request sent");
    let status = res.status();
    let body = json_of(res).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// PATCH on a user: 200 with the whole user.
async fn patch_user(app: &TestApp, id: &str, ops: Value) -> Value {
    let res = app.patch(&format!("/Users/{id}"), patch_ops(ops)).await;
    let status = res.status();
    let body = json_of(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id, "the whole user comes back");
    body
}

/// PATCH on a group without `attributes`/`excludedAttributes`: 204 and no body.
async fn patch_group(app: &TestApp, id: &str, ops: Value) {
    let res = app.patch(&format!("/Groups/{id}"), patch_ops(ops)).await;
    assert_no_content(res).await;
}

async fn assert_no_content(res: Response) {
    let status = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(status, 204, "{text}");
    assert!(text.is_empty(), "204 without a body: {text}");
}
