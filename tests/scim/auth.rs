use scimitar::auth::Scope;

use crate::common::{assert_scim_error, spawn_app};

#[tokio::test]
async fn a_request_without_a_token_is_401_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/scim/v2/Users")).send().await.unwrap();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert_scim_error(res, 401, None).await;
}

#[tokio::test]
async fn an_unknown_token_is_401() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth("scm_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("www-authenticate"));
    assert_scim_error(res, 401, None).await;
}

#[tokio::test]
async fn a_token_without_the_scim_scope_is_403() {
    let app = spawn_app().await;
    let token = app.token_with(&[Scope::AdminRead]).await;
    let res = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 403, None).await;
}

#[tokio::test]
async fn a_token_with_only_the_scim_scope_may_provision() {
    let app = spawn_app().await;
    let token = app.token_with(&[Scope::Scim]).await;
    let res = app
        .client
        .get(app.url("/scim/v2/Users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once() {
    let app = spawn_app().await;
    let (token, row) = scimitar::auth::tokens::create(
        &app.store,
        &crate::common::test_actor(),
        "short-lived",
        &scimitar::auth::Grants::from_scopes(&[Scope::Scim]),
        None,
    )
    .await
    .unwrap();
    let get = || app.client.get(app.url("/scim/v2/Users")).bearer_auth(&token).send();
    assert_eq!(get().await.unwrap().status(), 200);
    app.store
        .tokens()
        .delete(&crate::common::test_actor(), row.id)
        .await
        .unwrap();
    assert_scim_error(get().await.unwrap(), 401, None).await;
}
