//! SQLite's one writer, by construction: the read pool cannot write at all, every write waits
//! its turn for the one writer connection, and when too many wait the answer is 503 with
//! `Retry-After` in the protocol's error format — nothing half-written, nothing lost for a
//! client that retries. These tests always use a SQLite file (the property is SQLite's; on
//! PostgreSQL readers and writers share one pool and writers lock rows).
use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::Value;

use crate::common::{TestApp, assert_scim_error, json_of, patch_ops, spawn_app_with, temp_sqlite_url, user_json};

async fn sqlite_app(queue: u64, wait_ms: u64) -> (TestApp, std::path::PathBuf) {
    let (url, path) = temp_sqlite_url();
    let app = spawn_app_with(|c| {
        c.database_url = url;
        c.db_write_queue = queue;
        c.db_write_wait_ms = wait_ms;
    })
    .await;
    (app, path)
}

fn insert_secret(name: &str) -> Statement {
    Statement::from_sql_and_values(
        sea_orm::DbBackend::Sqlite,
        "INSERT INTO server_secrets (name, value) VALUES ($1, 'x')",
        vec![name.into()],
    )
}

#[tokio::test]
async fn the_read_pool_cannot_write_on_sqlite() {
    let (app, _path) = sqlite_app(4096, 5000).await;
    let refused = app.store.db().execute_raw(insert_secret("through-reader")).await;
    let message = refused.expect_err("a write through the read pool").to_string();
    assert!(message.contains("readonly"), "{message}");
    app.store
        .writer()
        .execute_raw(insert_secret("through-writer"))
        .await
        .expect("the writer writes");
}

#[tokio::test]
async fn a_full_write_queue_answers_503_with_retry_after_and_loses_nothing() {
    let (app, _path) = sqlite_app(2, 30_000).await;
    // Hold the one writer connection: the committer takes a group (what was queued when it
    // started: at most 1 + 2 batches) and waits for it; two more batches fit in the queue; the
    // rest (at least 7 of 12) are refused at once.
    let held = app.store.writer().begin().await.unwrap();
    let creates: Vec<_> = (0..12)
        .map(|i| {
            let (client, url, token) = (app.client.clone(), app.url("/scim/v2/Users"), app.token.clone());
            tokio::spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .header("content-type", "application/scim+json")
                    .json(&user_json(&format!("queued{i}")))
                    .send()
                    .await
                    .unwrap();
                (i, res)
            })
        })
        .collect();
    // The refused ones answer while the writer is still held.
    let mut refused = 0;
    for _ in 0..200 {
        refused = creates.iter().filter(|t| t.is_finished()).count();
        if refused >= 7 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(refused >= 7, "12 creates, at most 5 can wait: {refused} answered");
    held.rollback().await.unwrap();

    let mut created = vec![];
    let mut busy = vec![];
    for (i, res) in join_all(creates).await.into_iter().map(Result::unwrap) {
        match res.status() {
            StatusCode::CREATED => created.push(i),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(res.headers()["retry-after"], "1");
                let body = assert_scim_error(res, 503, None).await;
                assert!(body["detail"].as_str().unwrap().contains("busy"), "{body}");
                busy.push(i);
            }
            other => panic!("create {i}: {other}"),
        }
    }
    assert_eq!(created.len() + busy.len(), 12);
    assert!(!created.is_empty() && busy.len() >= 7, "{created:?} {busy:?}");
    let listed = json_of(app.get("/Users?count=100").await).await;
    assert_eq!(listed["totalResults"], created.len(), "exactly the acknowledged ones");
    // A client that retries loses nothing.
    for i in busy {
        let res = app.post("/Users", user_json(&format!("queued{i}"))).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    assert_eq!(json_of(app.get("/Users?count=100").await).await["totalResults"], 12);
}

#[tokio::test]
async fn a_write_that_waits_too_long_for_its_turn_is_a_503_in_each_protocol() {
    let (app, _path) = sqlite_app(4096, 300).await;
    let alice = app.create_user("alice").await;
    app.create_group("Ops", &[]).await;
    let held = app.store.writer().begin().await.unwrap();
    let ops = patch_ops(serde_json::json!([{"op": "replace", "path": "displayName", "value": "A"}]));
    let res = app.patch(&format!("/Users/{alice}"), ops.clone()).await;
    assert_eq!(res.headers()["retry-after"], "1");
    assert_scim_error(res, 503, None).await;
    let res = app.admin("PUT", "/groups/Ops/users/alice", None).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let problem: Value = json_of(res).await;
    assert_eq!(problem["status"], 503);
    held.rollback().await.unwrap();
    // Nothing of either was written; both work once the writer is free.
    let user = json_of(app.get(&format!("/Users/{alice}")).await).await;
    assert!(user.get("displayName").is_none(), "{user}");
    assert!(app.user_group_names(&alice).await.is_empty());
    assert_eq!(app.patch(&format!("/Users/{alice}"), ops).await.status(), 200);
    assert_eq!(app.admin("PUT", "/groups/Ops/users/alice", None).await.status(), 204);
    assert_eq!(app.user_group_names(&alice).await, vec!["Ops".to_owned()]);
}

/// The write-ahead log may keep this much in the two tests below.
const LIMIT: u64 = 64 << 10;

/// An app on its own SQLite file whose log is limited to `limit` bytes, and the log's path.
async fn app_with_wal_limit(limit: u64) -> (TestApp, std::path::PathBuf) {
    let (url, path) = temp_sqlite_url();
    let app = spawn_app_with(|c| {
        c.database_url = url;
        c.sqlite_wal_limit_bytes = limit;
    })
    .await;
    (app, std::path::PathBuf::from(format!("{}-wal", path.display())))
}

#[tokio::test]
async fn the_write_ahead_log_is_cut_back_to_its_limit_after_a_burst_of_writes() {
    // Arrange: a SQLite file whose log may keep 64 KiB between bursts.
    let (app, wal) = app_with_wal_limit(LIMIT).await;
    let size = || std::fs::metadata(&wal).map_or(0, |m| m.len());

    // Act: a burst of creates, each its own commit.
    let mut largest = 0;
    for batch in 0..10 {
        let creates = (0..20).map(|i| app.post("/Users", user_json(&format!("burst{batch:02}{i:02}"))));
        assert!(
            join_all(creates)
                .await
                .iter()
                .all(|r| r.status() == StatusCode::CREATED)
        );
        largest = largest.max(size());
    }

    // Assert: the log grew well past the limit; then, once checkpointed and started over by
    // a later write, the file is cut back to the limit (and that write's own pages follow).
    // Without the limit it would keep its largest size.
    assert!(largest > 8 * LIMIT, "the burst grew the log to {largest} bytes");
    let mut cut = false;
    for i in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(
            app.post("/Users", user_json(&format!("after{i:02}"))).await.status(),
            StatusCode::CREATED
        );
        if size() <= 4 * LIMIT {
            cut = true;
            break;
        }
    }
    assert!(cut, "the log is still {} bytes (largest {largest})", size());
}

#[tokio::test]
async fn under_a_steady_stream_of_writes_the_write_ahead_log_still_starts_over() {
    // Arrange: a SQLite file whose log may keep 64 KiB; eight clients creating users without
    // pause. (A checkpoint beside the writer never catches up with such a stream, and the log
    // can start over only once every frame is copied back: it grew without bound.)
    let (app, wal) = app_with_wal_limit(LIMIT).await;
    let size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (client, base, token, stop) = (
                app.client.clone(),
                app.url("/scim/v2/Users"),
                app.token.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let res = client
                        .post(&base)
                        .bearer_auth(&token)
                        .json(&user_json(&format!("stream{w}-{i:05}")))
                        .send()
                        .await;
                    assert_eq!(res.expect("a response").status(), StatusCode::CREATED);
                    i += 1;
                }
                i
            })
        })
        .collect();

    // Act: watch the log's file while the stream runs (at most 10 s).
    let mut largest = 0;
    let mut started_over = false;
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let now = size();
        if largest > 4 * LIMIT && now < largest / 2 {
            started_over = true;
            break;
        }
        largest = largest.max(now);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let created: usize = join_all(writers).await.into_iter().map(|w| w.expect("a writer")).sum();

    // Assert: while writes kept coming, the log started over and its file was cut back.
    assert!(
        started_over,
        "the log only grew, to {largest} bytes, during {created} creates"
    );
}
