//! Hostile and careless clients: slow uploads, absurd paging values, filters built to exhaust
//! the database, token floods. Each gets a clean error in its protocol's format and the server
//! keeps serving everyone else.
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::{TestApp, assert_scim_error, json_of, spawn_app, spawn_app_with, user_json};

/// Opens a raw connection, writes `head` and then `trickle` one byte at a time, one byte per
/// 300 ms, and returns whatever the server answered before it closed the connection (a
/// server that keeps waiting for 10 s fails the test).
async fn slow_client(app: &TestApp, head: &str, trickle: &str) -> String {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write head");
    let (mut rd, mut wr) = stream.into_split();
    let trickle = trickle.to_owned();
    let writer = tokio::spawn(async move {
        for b in trickle.bytes() {
            if wr.write_all(&[b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        wr
    });
    let mut out = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), rd.read_to_end(&mut out)).await;
    writer.abort();
    assert!(closed.is_ok(), "the server was still waiting after 10 s");
    String::from_utf8_lossy(&out).into_owned()
}

async fn user_count(app: &TestApp) -> u64 {
    let res = app.get("/Users?count=0").await;
    assert_eq!(res.status(), StatusCode::OK);
    json_of(res).await["totalResults"].as_u64().expect("totalResults")
}

#[tokio::test]
async fn a_body_trickled_slower_than_the_deadline_is_408_and_creates_nothing() {
    let app = spawn_app_with(|c| c.request_timeout_seconds = 1).await;
    let body = user_json("slowloris").to_string();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
        app.token,
        body.len()
    );
    let answer = slow_client(&app, &head, &body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/scim+json"), "{answer}");
    let error: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("")).expect("SCIM error body");
    assert_eq!(error["status"], "408");
    // Nothing half-written, and the server still answers.
    assert_eq!(user_count(&app).await, 0);
    let res = app.post("/Users", user_json("prompt")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn headers_trickled_slower_than_the_deadline_are_cut_off() {
    let app = spawn_app_with(|c| c.request_timeout_seconds = 1).await;
    let answer = slow_client(
        &app,
        "GET /healthz HTTP/1.1\r\n",
        "Host: slow.example\r\nX-Pad: aaaaaaaaaaaaaaaa",
    )
    .await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    let res = app.client.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn absurd_paging_values_are_clamped_or_refused() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.create_user(&format!("pager{i}")).await;
    }
    // Above the maximum: clamped to it (RFC 7644 §3.4.2.4), not a huge allocation.
    let page = json_of(app.get("/Users?count=4000000000").await).await;
    assert_eq!(page["totalResults"], 3);
    assert_eq!(page["itemsPerPage"], 3);
    // Negative count means 0; startIndex below 1 means 1.
    let page = json_of(app.get("/Users?count=-7&startIndex=-3").await).await;
    assert_eq!(page["totalResults"], 3);
    assert_eq!(page["Resources"].as_array().map_or(0, Vec::len), 0);
    // Far past the end: an empty page with the true total.
    let page = json_of(app.get("/Users?startIndex=9223372036854775807").await).await;
    assert_eq!(page["totalResults"], 3);
    assert_eq!(page["Resources"].as_array().map_or(0, Vec::len), 0);
    // Not a number a server can hold.
    // RFC 9865 §2.1 names the error for a bad `count`.
    for q in ["count=1e400", "count=99999999999999999999999"] {
        assert_scim_error(app.get(&format!("/Users?{q}")).await, 400, Some("invalidCount")).await;
    }
    assert_scim_error(app.get("/Users?startIndex=NaN").await, 400, Some("invalidValue")).await;
}

#[tokio::test]
async fn filters_built_to_exhaust_the_database_are_answered_or_refused_never_a_500() {
    let app = spawn_app().await;
    let id = app.create_user("needle").await;
    // As many clauses as the length limit allows (about 900), and far beyond it.
    let short = vec!["userName eq \"needle\""; 1]
        .into_iter()
        .chain(std::iter::repeat_n("nickName pr", 700))
        .collect::<Vec<_>>();
    let long: Vec<String> = (0..2000).map(|i| format!("userName eq \"hay{i}\"")).collect();
    let nested = format!("{}userName eq \"needle\"{}", "(".repeat(200), ")".repeat(200));
    let negated = format!("{}userName eq \"needle\"", "not (".repeat(60)) + &")".repeat(60);
    for filter in [
        short.join(" or "),
        short.join(" and "),
        long.join(" or "),
        nested,
        negated,
    ] {
        let res = app
            .scim(
                "POST",
                "/Users/.search",
                Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter})),
            )
            .await;
        let status = res.status();
        let body = json_of(res).await;
        match status {
            StatusCode::OK => assert!(body["totalResults"].as_u64() <= Some(1), "{body}"),
            StatusCode::BAD_REQUEST => assert_eq!(body["scimType"], "invalidFilter", "{body}"),
            other => panic!("{other} for a filter of {} bytes: {body}", filter.len()),
        }
    }
    assert_eq!(user_count(&app).await, 1);
    assert_eq!(
        json_of(app.get(&format!("/Users/{id}")).await).await["userName"],
        "needle"
    );
}

#[tokio::test]
#[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
async fn a_database_statement_past_the_timeout_is_cut_off_on_postgres() {
    use sea_orm::{ConnectionTrait, Statement};
    crate::common::require_postgres();
    let app = spawn_app_with(|c| c.db_statement_timeout_seconds = 1).await;
    let db = app.store.db();
    let quick = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT pg_sleep(0.1)",
        ))
        .await;
    assert!(quick.is_ok(), "{quick:?}");
    let slow = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT pg_sleep(5)"))
        .await
        .expect_err("cut off");
    assert!(slow.to_string().contains("statement timeout"), "{slow}");
}
