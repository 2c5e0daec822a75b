//! Every failure under /api/v1 is an RFC 9457 problem, extractor failures included.
use crate::common::{assert_problem, spawn_app};

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let eng = app.create_group("eng", &[]).await;
    let url = app.url(&format!("/api/v1/groups/{eng}/users"));

    let broken = app
        .client
        .post(&url)
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("[\"alice\"")
        .send()
        .await
        .unwrap();
    let wrong_shape = app
        .admin(
            "POST",
            &format!("/groups/{eng}/users"),
            Some(serde_json::json!({"users": []})),
        )
        .await;

    assert_problem(broken, 400).await;
    assert_problem(wrong_shape, 400).await;
}

#[tokio::test]
async fn a_malformed_query_or_cursor_is_a_400_problem() {
    let app = spawn_app().await;

    assert_problem(app.admin("GET", "/users?limit=abc", None).await, 400).await;
    assert_problem(app.admin("GET", "/users?limit=100000", None).await, 400).await;
    assert_problem(app.admin("GET", "/groups?cursor=%%%", None).await, 400).await;
    assert_problem(app.admin("GET", "/groups?cursor=bm90LWEtdXVpZA", None).await, 400).await;
}

#[tokio::test]
async fn an_unknown_route_under_api_v1_is_a_404_problem() {
    let app = spawn_app().await;

    assert_problem(app.admin("GET", "/no/such/thing", None).await, 404).await;
    assert_problem(app.admin("PATCH", "/groups/eng/users/alice", None).await, 404).await;
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem() {
    let app = spawn_app().await;
    let eng = app.create_group("eng", &[]).await;
    let huge: Vec<String> = (0..10_000).map(|i| format!("user-{i:08}")).collect();

    let res = app
        .admin("POST", &format!("/groups/{eng}/users"), Some(serde_json::json!(huge)))
        .await;

    assert_problem(res, 413).await;
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = spawn_app().await;
    let eng = app.create_group("eng", &[]).await;
    let url = app.url(&format!("/api/v1/groups/{eng}/users"));

    let res = app
        .client
        .post(&url)
        .bearer_auth(&app.token)
        .header("content-type", "text/plain")
        .body("[]")
        .send()
        .await
        .unwrap();

    assert_problem(res, 415).await;
}
