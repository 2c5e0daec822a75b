use serde_json::json;

use crate::common::{SCIM, USER_SCHEMA, assert_scim_error, spawn_app, user_json};

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&app.token)
        .header("content-type", SCIM)
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 400, Some("invalidSyntax")).await;
}

#[tokio::test]
async fn deeply_nested_json_is_rejected_cleanly() {
    let app = spawn_app().await;
    let body = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let res = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&app.token)
        .header("content-type", SCIM)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 400, Some("invalidSyntax")).await;
    assert_eq!(app.get("/Users").await.status(), 200, "the server is still up");
}

#[tokio::test]
async fn a_body_without_the_user_schema_is_400() {
    let app = spawn_app().await;
    let res = app
        .post("/Users", json!({"schemas": ["urn:example:nope"], "userName": "x"}))
        .await;
    assert_scim_error(res, 400, Some("invalidSyntax")).await;
    let res = app.post("/Users", json!({"userName": "x"})).await;
    assert_scim_error(res, 400, Some("invalidSyntax")).await;
}

#[tokio::test]
async fn a_user_without_user_name_is_400() {
    let app = spawn_app().await;
    for body in [
        json!({"schemas": [USER_SCHEMA]}),
        json!({"schemas": [USER_SCHEMA], "userName": "  "}),
    ] {
        assert_scim_error(app.post("/Users", body).await, 400, Some("invalidValue")).await;
    }
}

#[tokio::test]
async fn a_group_without_display_name_is_400() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/Groups",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}),
        )
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
}

#[tokio::test]
async fn a_wrongly_typed_attribute_is_400_invalid_value() {
    let app = spawn_app().await;
    let mut body = user_json("typed");
    body["active"] = json!("maybe");
    assert_scim_error(app.post("/Users", body).await, 400, Some("invalidValue")).await;
    let mut body = user_json("typed");
    body["name"] = json!("not an object");
    assert_scim_error(app.post("/Users", body).await, 400, Some("invalidValue")).await;
}

#[tokio::test]
async fn a_duplicate_user_name_is_409_uniqueness_whatever_its_case() {
    let app = spawn_app().await;
    app.create_user("dup@example.com").await;
    let res = app.post("/Users", user_json("DUP@Example.com")).await;
    assert_scim_error(res, 409, Some("uniqueness")).await;
    // Renaming another user onto a taken name is refused too.
    let other = app.create_user("other").await;
    let res = app.put(&format!("/Users/{other}"), user_json("Dup@example.com")).await;
    assert_scim_error(res, 409, Some("uniqueness")).await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let app = spawn_app().await;
    for path in [
        "/Users/2819c223-7f76-453a-919d-413861904646",
        "/Users/not-a-uuid",
        "/Groups/nope",
    ] {
        assert_scim_error(app.get(path).await, 404, None).await;
        assert_scim_error(app.delete(path).await, 404, None).await;
    }
    assert_scim_error(app.get("/NoSuchEndpoint").await, 404, None).await;
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&app.token)
        .header("content-type", "text/plain")
        .body(user_json("ct").to_string())
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 415, None).await;
}

#[tokio::test]
async fn plain_application_json_is_accepted() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json; charset=utf-8")
        .body(user_json("plain").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn an_oversized_body_is_413_and_nothing_is_created() {
    let app = spawn_app().await;
    let mut body = user_json("big");
    body["nickName"] = json!("x".repeat(100 * 1024));
    assert_scim_error(app.post("/Users", body).await, 413, None).await;
    let list = crate::common::json_of(app.get("/Users").await).await;
    assert_eq!(list["totalResults"], 0);
}

#[tokio::test]
async fn an_invalid_filter_is_400_and_never_an_unfiltered_list() {
    let app = spawn_app().await;
    app.create_user("someone").await;
    for filter in [
        "userName eq",
        "userName zz \"x\"",
        "(userName eq \"x\"",
        "password eq \"x\"",
        "noSuchAttribute eq \"x\"",
        "urn:example:ext:1.0:User:x eq \"y\"",
    ] {
        let res = app
            .client
            .get(app.url("/scim/v2/Users"))
            .query(&[("filter", filter)])
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_scim_error(res, 400, Some("invalidFilter")).await;
    }
}

#[tokio::test]
async fn a_non_numeric_start_index_is_400() {
    let app = spawn_app().await;
    assert_scim_error(app.get("/Users?startIndex=abc").await, 400, Some("invalidValue")).await;
}

#[tokio::test]
async fn unsupported_methods_are_405() {
    let app = spawn_app().await;
    for (method, path) in [
        ("DELETE", "/Users"),
        ("GET", "/Users/.search"),
        ("GET", "/Groups/.search"),
        ("GET", "/.search"),
        ("POST", "/Me"),
        ("POST", "/Bulk/x"),
    ] {
        let res = app.scim(method, path, None).await;
        if path == "/Bulk/x" {
            assert_scim_error(res, 404, None).await;
        } else {
            assert_scim_error(res, 405, None).await;
        }
    }
}

#[tokio::test]
async fn non_ascii_attribute_names_are_400_not_a_dropped_connection() {
    let app = spawn_app().await;
    let id = app.create_user("proj-utf8").await;
    // `ab€` once panicked the worker: a byte slice cut the euro sign in half.
    for path in [
        "/Users?attributes=ab%E2%82%AC".to_owned(),
        "/Users?excludedAttributes=ab%E2%82%AC".to_owned(),
        format!("/Users/{id}?attributes=ab%E2%82%AC"),
        "/Groups?attributes=%E6%97%A5%E6%9C%AC".to_owned(),
        "/Users?attributes=urn%E2%82%AC".to_owned(),
    ] {
        assert_scim_error(app.get(&path).await, 400, Some("invalidValue")).await;
    }
    // The server is still up and answering.
    assert_eq!(app.get(&format!("/Users/{id}")).await.status(), 200);
}
