//! Reads answered outside sqlx's pool — on SQLite on the request's thread (`store::local`),
//! on PostgreSQL on connections returned without the pool's release round trip
//! (`store::pg_reads`) — return exactly what the pool returns, see every committed write at
//! once (also another process's), and are counted in `/metrics`.
use serde_json::{Value, json};

use crate::common::{
    TestApp, fresh_database_url, json_of, patch_ops, postgres_test_url, seg, spawn_app_with, user_json,
};

/// The counter of reads answered outside the pool on the backend under test.
fn counter() -> &'static str {
    match postgres_test_url() {
        Some(_) => "scimitar_postgres_direct_reads_total",
        None => "scimitar_sqlite_local_reads_total",
    }
}

async fn local_reads(app: &TestApp) -> Option<(u64, u64)> {
    let reader = app.token_with(&[scimitar::auth::Scope::AdminRead]).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(reader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |outcome: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{}{{outcome=\"{outcome}\"}}", counter())))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
    };
    Some((count("answered")?, count("handed_to_pool")?))
}

/// The body (addresses made neutral) and ETag of a GET.
async fn read(app: &TestApp, path: &str) -> (Value, String) {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let etag = res
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    // The servers differ only in their address (in `$ref` and `meta.location`).
    let text = res.text().await.unwrap().replace(&app.address, "BASE");
    (serde_json::from_str(&text).unwrap(), etag)
}

#[tokio::test]
async fn local_reads_answer_what_the_pool_answers_and_see_every_write_at_once() {
    // Arrange: one database; `local` reads outside the pool, `pool` through sqlx only.
    let url = fresh_database_url().await;
    let local = spawn_app_with(|c| c.database_url = url.clone()).await;
    let pool = spawn_app_with(|c| {
        c.database_url = url.clone();
        c.sqlite_local_reads = false;
        c.postgres_direct_reads = false;
    })
    .await;
    let mut full = user_json("ada@example.com");
    full["externalId"] = json!("ext-ada");
    full["displayName"] = json!("Ada Lovelace");
    full["name"] = json!({"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada L."});
    full["emails"] = json!([{"value": "ada@example.com", "type": "work", "primary": true}]);
    full["title"] = json!("Analyst ✓");
    full["password"] = json!("correct horse battery staple");
    let res = local.post("/Users", full).await;
    assert_eq!(res.status(), 201);
    let ada = json_of(res).await["id"].as_str().unwrap().to_owned();
    let bob = local.create_user("bob@example.com").await;
    let inner = local.create_group("Inner", &[&ada]).await;
    let outer = local.create_group("Outer", &[]).await;
    let res = local
        .patch(
            &format!("/Groups/{outer}"),
            patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": inner}]}])),
        )
        .await;
    assert!(res.status().is_success());
    let res = local
        .patch(
            &format!("/Users/{bob}"),
            patch_ops(json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let before = local_reads(&local).await.expect("reads outside the pool counted");

    // Act + Assert: every read the same from both servers, byte for byte in JSON.
    let paths = [
        format!("/Users/{ada}"),
        format!("/Users/{bob}"),
        format!("/Users/{ada}?attributes=groups,userName"),
        format!("/Users?filter={}", seg("userName eq \"ada@example.com\"")),
        format!("/Users?filter={}", seg("externalId eq \"ext-ada\"")),
        "/Users?count=10".to_owned(),
        "/Users?count=1&startIndex=2".to_owned(),
    ];
    for path in &paths {
        assert_eq!(read(&local, path).await, read(&pool, path).await, "{path}");
    }
    let (body, _) = read(&local, &format!("/Users/{ada}")).await;
    let groups: Vec<(&str, &str)> = body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["display"].as_str().unwrap(), g["type"].as_str().unwrap()))
        .collect();
    assert_eq!(groups, [("Inner", "direct"), ("Outer", "indirect")]);
    assert_eq!(read(&local, &format!("/Users/{bob}")).await.0["active"], false);
    let after = local_reads(&local).await.unwrap();
    // On PostgreSQL only point reads go outside the pool (the first four paths).
    let outside = if postgres_test_url().is_some() {
        4
    } else {
        paths.len() as u64
    };
    assert!(
        after.0 >= before.0 + outside,
        "reads answered outside the pool: {before:?} -> {after:?}"
    );
    assert_eq!(
        local_reads(&pool).await,
        None,
        "the pool-only server reads nothing outside the pool"
    );

    // A write through the other process is seen by the next local read: nothing is cached.
    let res = pool
        .patch(
            &format!("/Groups/{inner}"),
            patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}])),
        )
        .await;
    assert!(res.status().is_success());
    let res = pool
        .patch(
            &format!("/Users/{ada}"),
            patch_ops(json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (body, _) = read(&local, &format!("/Users/{ada}")).await;
    assert_eq!(body["active"], false);
    assert!(
        body.get("groups").is_none_or(|g| g.as_array().unwrap().is_empty()),
        "{body}"
    );
    let res = pool.delete(&format!("/Users/{bob}")).await;
    assert_eq!(res.status(), 204);
    assert_eq!(local.get(&format!("/Users/{bob}")).await.status(), 404);
}
