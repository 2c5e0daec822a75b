//! Concurrent writers on one resource: nothing lost, exactly one winner where there can be
//! only one (RFC 7644 §3.14 `If-Match`, §3.3 uniqueness).
use futures_util::future::join_all;
use reqwest::StatusCode;
use scimitar::auth::{Scope, tokens};
use serde_json::{Value, json};

use crate::common::{SCIM, TestApp, assert_scim_error, json_of, patch_ops, spawn_app, user_json};

/// `n` tokens with every scope, each with its own name (so the audit can tell them apart).
async fn tokens_for(app: &TestApp, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (secret, _) = tokens::create(
            &app.store,
            &crate::common::test_actor(),
            &format!("client-{i}"),
            &scimitar::auth::Grants::from_scopes(&Scope::ALL),
            None,
        )
        .await
        .expect("token");
        out.push(secret);
    }
    out
}

async fn create_users(app: &TestApp, prefix: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(app.create_user(&format!("{prefix}{i:03}")).await);
    }
    ids
}

/// All `member.add` events for a group (cursor-paged).
async fn member_adds(app: &TestApp, group: &str) -> Vec<Value> {
    let mut out = vec![];
    let mut cursor = String::new();
    loop {
        let q = format!("/audit?group={group}&action=member.add&limit=500{cursor}");
        let res = app.admin("GET", &q, None).await;
        assert_eq!(res.status(), 200);
        let page = json_of(res).await;
        out.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

#[tokio::test]
async fn a_hundred_parallel_member_adds_through_scim_and_admin_lose_nothing() {
    // Arrange
    let app = spawn_app().await;
    let users = create_users(&app, "member", 100).await;
    let group = app.create_group("crowded", &[]).await;
    let tokens = tokens_for(&app, 100).await;

    // Act: even users through SCIM PATCH, odd ones through the admin API, each its own token.
    let writes = users.iter().zip(&tokens).enumerate().map(|(i, (user, token))| {
        let app = &app;
        let group = &group;
        async move {
            let req = if i % 2 == 0 {
                let body = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": user}]}]));
                app.client
                    .patch(app.url(&format!("/scim/v2/Groups/{group}")))
                    .header("content-type", SCIM)
                    .body(body.to_string())
            } else {
                app.client.put(app.url(&format!("/api/v1/groups/{group}/users/{user}")))
            };
            let res = req.bearer_auth(token).send().await.expect("request sent");
            (i, res.status())
        }
    });
    let statuses = join_all(writes).await;

    // Assert
    for (i, status) in statuses {
        // SCIM group PATCH and the admin API both answer 204.
        assert_eq!(status, StatusCode::NO_CONTENT, "write {i}");
    }
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(app.member_ids(&group).await, expected);
    let adds = member_adds(&app, &group).await;
    assert_eq!(adds.len(), 100);
    let mut added: Vec<String> = adds
        .iter()
        .map(|e| e["member_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    added.sort();
    assert_eq!(added, expected);
    let mut actors: Vec<&str> = adds.iter().filter_map(|e| e["actor"].as_str()).collect();
    actors.sort();
    actors.dedup();
    assert_eq!(actors.len(), 100, "one actor per token");
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_user_name_give_one_201_and_nineteen_409() {
    // Arrange: "racer" in 20 different casings (caseExact is false for userName).
    let app = spawn_app().await;
    let names: Vec<String> = (0u32..20)
        .map(|mask| {
            "racer"
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask & (1 << i) != 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect();

    // Act
    let results = join_all(names.iter().map(|n| app.post("/Users", user_json(n)))).await;

    // Assert
    let (created, rejected): (Vec<_>, Vec<_>) = results.into_iter().partition(|r| r.status() == 201);
    assert_eq!(created.len(), 1);
    for res in rejected {
        assert_scim_error(res, 409, Some("uniqueness")).await;
    }
    let list = json_of(app.get("/Users?filter=userName%20eq%20%22RACER%22").await).await;
    assert_eq!(list["totalResults"], 1);
}

#[tokio::test]
async fn concurrent_creates_where_some_collide_keep_every_successful_one_whole() {
    // Arrange: 30 names, each sent twice at once, each with an email.
    let app = spawn_app().await;
    let body = |n: &str| {
        let mut u = user_json(n);
        u["emails"] = json!([{"value": format!("{n}@example.com"), "type": "work"}]);
        u
    };
    let names: Vec<String> = (0..30).map(|i| format!("twin{i:02}")).collect();

    // Act
    let sends = names.iter().chain(names.iter()).map(|n| app.post("/Users", body(n)));
    let results = join_all(sends).await;

    // Assert: one 201 and one 409 per name; every created user is stored with its email.
    let (created, rejected): (Vec<_>, Vec<_>) = results.into_iter().partition(|r| r.status() == 201);
    assert_eq!((created.len(), rejected.len()), (30, 30));
    for res in rejected {
        assert_scim_error(res, 409, Some("uniqueness")).await;
    }
    let list = json_of(app.get("/Users?count=100").await).await;
    assert_eq!(list["totalResults"], 30);
    for n in &names {
        let filter = format!("/Users?filter=emails.value%20eq%20%22{n}%40example.com%22");
        let found = json_of(app.get(&filter).await).await;
        assert_eq!(found["totalResults"], 1, "{n}");
        assert_eq!(found["Resources"][0]["userName"], n.as_str());
    }
}

#[tokio::test]
async fn ten_puts_with_the_same_if_match_give_one_200_and_nine_412() {
    // Arrange
    let app = spawn_app().await;
    let id = app.create_user("contended").await;
    let path = app.url(&format!("/scim/v2/Users/{id}"));

    // Act: each PUT sets a different displayName, all claiming version 1.
    let puts = (0..10).map(|i| {
        let mut body = user_json("contended");
        body["displayName"] = json!(format!("writer {i}"));
        app.client
            .put(&path)
            .bearer_auth(&app.token)
            .header("content-type", SCIM)
            .header("if-match", "W/\"1\"")
            .body(body.to_string())
            .send()
    });
    let results: Vec<_> = join_all(puts).await.into_iter().map(|r| r.expect("sent")).collect();

    // Assert
    let mut winner = None;
    let mut losers = 0;
    for res in results {
        if res.status() == 200 {
            assert!(winner.is_none(), "two PUTs won");
            winner = Some(json_of(res).await);
        } else {
            assert_scim_error(res, 412, None).await;
            losers += 1;
        }
    }
    assert_eq!(losers, 9);
    let winner = winner.expect("one PUT won");
    let stored = json_of(app.get(&format!("/Users/{id}")).await).await;
    assert_eq!(stored["displayName"], winner["displayName"]);
    assert_eq!(stored["meta"]["version"], "W/\"2\"");
}

/// `totalResults` of an unfiltered list of `resource` (one row asked for, so it is never the
/// last page and the total is counted, not inferred from the page).
async fn unfiltered_total(app: &TestApp, resource: &str) -> u64 {
    let page = json_of(app.get(&format!("/{resource}?count=1")).await).await;
    page["totalResults"].as_u64().expect("totalResults")
}

#[tokio::test]
async fn unfiltered_totals_follow_concurrent_creates_deletes_and_rejected_creates() {
    // Arrange: what is there before (nothing, or what the app sets up itself).
    let app = spawn_app().await;
    let users_before = unfiltered_total(&app, "Users").await;
    let groups_before = unfiltered_total(&app, "Groups").await;

    // Act: 40 users created at once, each name sent twice (one of each pair is rejected and
    // rolled back), 10 groups; then 15 users and 4 groups deleted at once.
    let names: Vec<String> = (0..40).map(|i| format!("counted{i:02}")).collect();
    let sends = names
        .iter()
        .chain(names.iter())
        .map(|n| app.post("/Users", user_json(n)));
    let mut created = vec![];
    for res in join_all(sends).await {
        if res.status() == StatusCode::CREATED {
            created.push(json_of(res).await["id"].as_str().expect("id").to_owned());
        }
    }
    assert_eq!(created.len(), 40);
    let group_names: Vec<String> = (0..10).map(|i| format!("counted group {i}")).collect();
    let groups = join_all(group_names.iter().map(|n| app.create_group(n, &[]))).await;
    let deletes = created[..15]
        .iter()
        .map(|id| format!("/Users/{id}"))
        .chain(groups[..4].iter().map(|id| format!("/Groups/{id}")))
        .collect::<Vec<_>>();
    let results = join_all(deletes.iter().map(|p| app.delete(p))).await;
    assert!(results.iter().all(|r| r.status() == StatusCode::NO_CONTENT));

    // Assert: the totals the lists give, counted or kept, are what was done.
    assert_eq!(unfiltered_total(&app, "Users").await, users_before + 25);
    assert_eq!(unfiltered_total(&app, "Groups").await, groups_before + 6);
    let past_the_end = json_of(app.get("/Users?startIndex=1000&count=10").await).await;
    assert_eq!(past_the_end["totalResults"].as_u64(), Some(users_before + 25));
    assert_eq!(past_the_end["Resources"].as_array().map_or(0, Vec::len), 0);
}
