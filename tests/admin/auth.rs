use scimitar::auth::Scope;

use crate::common::{assert_problem, spawn_app};

#[tokio::test]
async fn a_request_without_a_token_is_a_401_problem_with_a_bearer_challenge() {
    let app = spawn_app().await;

    let res = app.client.get(app.url("/api/v1/groups")).send().await.unwrap();

    let challenge = res
        .headers()
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn an_invalid_token_is_a_401_problem() {
    let app = spawn_app().await;

    let res = app.admin_as("scm_not-a-real-token", "GET", "/users", None).await;

    assert!(res.headers().contains_key("www-authenticate"));
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn an_admin_read_token_may_read_but_a_put_is_a_403_naming_the_permission() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);
    let reader = app.token_with(&[Scope::AdminRead]).await;

    let read = app
        .admin_as(&reader, "GET", &format!("/groups/{eng}/users"), None)
        .await;
    let write = app
        .admin_as(&reader, "PUT", &format!("/groups/{eng}/users/{alice}"), None)
        .await;

    assert_eq!(read.status(), 200);
    let problem = assert_problem(write, 403).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("\"iam.group.write\""),
        "{problem}"
    );
    assert_eq!(problem["required_permission"], "iam.group.write");
    assert_eq!(problem["type"], "urn:scimitar:problem:missing-permission");
    assert!(app.member_ids(&eng).await.is_empty());
}

#[tokio::test]
async fn a_scim_only_token_is_a_403_naming_the_read_permission() {
    let app = spawn_app().await;
    let scim = app.token_with(&[Scope::Scim]).await;

    let problem = assert_problem(app.admin_as(&scim, "GET", "/users", None).await, 403).await;

    assert_eq!(problem["required_permission"], "iam.user.read", "{problem}");
}

#[tokio::test]
async fn an_admin_token_may_write() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);
    let admin = app.token_with(&[Scope::Admin]).await;

    let res = app
        .admin_as(&admin, "PUT", &format!("/groups/{eng}/users/{alice}"), None)
        .await;

    assert_eq!(res.status(), 204);
}
