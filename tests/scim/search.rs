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
async fn service_provider_config_advertises_both_paging_methods_with_rfc_9865_values() {
    let app = spawn_app().await;
    let spc = json_of(app.get("/ServiceProviderConfig").await).await;
    let p = &spc["pagination"];
    assert_eq!(p["cursor"], true);
    assert_eq!(p["index"], true);
    assert_eq!(p["maxPageSize"], 1000);
    // RFC 9865 §4: page sizes and `cursorTimeout` are positive integers when present
    // (a strict client library rejected `cursorTimeout: 0` and with it the whole document).
    for key in ["defaultPageSize", "maxPageSize", "cursorTimeout"] {
        if let Some(v) = p.get(key) {
            assert!(v.as_u64().is_some_and(|n| n > 0), "{key} = {v}");
        }
    }
    let method = p["defaultPaginationMethod"].as_str().unwrap_or("index");
    assert!(["index", "cursor"].contains(&method), "{method}");
}

#[tokio::test]
async fn a_cursor_page_of_count_0_still_points_to_the_next_page() {
    let app = spawn_app().await;
    for name in ["c0-a", "c0-b", "c0-c"] {
        app.create_user(name).await;
    }
    // RFC 9865 §2: `nextCursor` is omitted only on the last page.
    let empty = json_of(app.get("/Users?count=0&cursor=").await).await;
    assert_eq!(empty["totalResults"], 3);
    assert_eq!(empty["Resources"], json!([]));
    let next = empty["nextCursor"]
        .as_str()
        .expect("nextCursor on a count=0 page")
        .to_owned();
    let page = json_of(app.get(&format!("/Users?count=2&cursor={next}")).await).await;
    assert_eq!(ids(&page).len(), 2);
    let last = page["nextCursor"].as_str().expect("a third user remains").to_owned();
    let rest = json_of(app.get(&format!("/Users?count=0&cursor={last}")).await).await;
    assert!(rest["nextCursor"].is_string(), "{rest}");
    let end = json_of(app.get(&format!("/Users?count=5&cursor={last}")).await).await;
    assert_eq!(ids(&end).len(), 1);
    assert!(end.get("nextCursor").is_none(), "{end}");
}

#[tokio::test]
async fn a_count_that_is_not_an_integer_is_400_invalid_count() {
    let app = spawn_app().await;
    assert_scim_error(app.get("/Users?count=ten&cursor=").await, 400, Some("invalidCount")).await;
    assert_scim_error(app.get("/Users?count=1.5").await, 400, Some("invalidCount")).await;
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
