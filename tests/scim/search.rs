//! Cursor paging and POST /.search.
use serde_json::{Value, json};

use crate::common::{assert_scim_error, json_of, spawn_app};

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

fn ids(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn cursor_pages_visit_every_user_once_and_end_without_a_next_cursor() {
    let app = spawn_app().await;
    let mut all = vec![];
    for i in 0..7 {
        all.push(app.create_user(&format!("c{i}")).await);
    }
    all.sort();
    let mut seen = vec![];
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let body = json_of(app.get(&format!("/Users?count=3&attributes=id&cursor={cursor}")).await).await;
        assert_eq!(body["totalResults"], 7);
        assert!(body.get("startIndex").is_none());
        seen.extend(ids(&body));
        pages += 1;
        match body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all, "ids come in order, each once");
}

#[tokio::test]
async fn cursor_paging_honours_the_filter() {
    let app = spawn_app().await;
    for i in 0..4 {
        app.create_user(&format!("keep{i}")).await;
        app.create_user(&format!("drop{i}")).await;
    }
    let first = json_of(
        app.get("/Users?filter=userName%20sw%20%22keep%22&count=3&cursor=")
            .await,
    )
    .await;
    assert_eq!(first["totalResults"], 4);
    let next = first["nextCursor"].as_str().unwrap();
    let second = json_of(
        app.get(&format!(
            "/Users?filter=userName%20sw%20%22keep%22&count=3&cursor={next}"
        ))
        .await,
    )
    .await;
    assert_eq!(ids(&second).len(), 1);
    assert!(second.get("nextCursor").is_none());
}

#[tokio::test]
async fn a_forged_cursor_is_400_invalid_cursor() {
    let app = spawn_app().await;
    assert_scim_error(app.get("/Users?cursor=not-a-cursor").await, 400, Some("invalidCursor")).await;
    assert_scim_error(app.get("/Users?cursor=&startIndex=2").await, 400, Some("invalidValue")).await;
}

#[tokio::test]
async fn service_provider_config_advertises_both_paging_methods() {
    let app = spawn_app().await;
    let spc = json_of(app.get("/ServiceProviderConfig").await).await;
    assert_eq!(spc["pagination"]["cursor"], true);
    assert_eq!(spc["pagination"]["index"], true);
    assert_eq!(spc["pagination"]["maxPageSize"], 1000);
}

#[tokio::test]
async fn search_on_a_resource_type_takes_the_query_in_the_body() {
    let app = spawn_app().await;
    let id = app.create_user("searched").await;
    app.create_user("other").await;
    let body = json!({
        "schemas": [SEARCH], "filter": "userName eq \"searched\"", "attributes": ["userName"],
        "startIndex": 1, "count": 10
    });
    let res = app.post("/Users/.search", body).await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(body["totalResults"], 1);
    assert_eq!(
        body["Resources"][0],
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": "searched"})
    );
}

#[tokio::test]
async fn root_search_spans_users_and_groups() {
    let app = spawn_app().await;
    let u = app.create_user("both").await;
    let g = app.create_group("both-group", &[]).await;
    let everything = json_of(app.post("/.search", json!({"schemas": [SEARCH]})).await).await;
    assert_eq!(everything["totalResults"], 2);
    assert_eq!(ids(&everything), vec![u.clone(), g.clone()]);
    let second = json_of(
        app.post("/.search", json!({"schemas": [SEARCH], "startIndex": 2, "count": 1}))
            .await,
    )
    .await;
    assert_eq!(ids(&second), vec![g.clone()]);
    // displayName exists on both; userName only on users.
    let by_name = json_of(
        app.post("/.search", json!({"filter": "displayName eq \"both-group\""}))
            .await,
    )
    .await;
    assert_eq!(ids(&by_name), vec![g]);
    let by_user_name = json_of(app.post("/.search", json!({"filter": "userName eq \"both\""})).await).await;
    assert_eq!(ids(&by_user_name), vec![u]);
}
