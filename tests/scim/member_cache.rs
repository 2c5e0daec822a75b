//! A group's rendered member list is kept per process and sent again while the group is
//! unchanged. It must never outlive what it shows: a membership change, a rename of a member
//! user or group — made through this server or another on the same database — or a
//! membership starting or ending on its own. A list sent from memory has a known length (a
//! streamed one is chunked): each step below first checks that the list it is about to
//! invalidate was being served from memory.
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::{StatusCode, header};
use scimitar::clock::Clock;
use serde_json::{Value, json};

use crate::common::{TestApp, patch_ops, spawn_app_with};

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The group's members as (value, display), sorted, and whether it came from memory.
async fn members(app: &TestApp, group: &str) -> (Vec<(String, String)>, bool) {
    let res = app.get(&format!("/Groups/{group}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let from_memory = res.headers().contains_key(header::CONTENT_LENGTH);
    let body: Value = serde_json::from_str(&res.text().await.expect("body")).expect("a complete JSON body");
    let mut out: Vec<(String, String)> = body["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["value"].as_str().unwrap().to_owned(),
                m["display"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    (out, from_memory)
}

/// Reads the list twice: the second must come from memory and say the same.
async fn cached(app: &TestApp, group: &str) -> Vec<(String, String)> {
    let (first, _) = members(app, group).await;
    let (second, from_memory) = members(app, group).await;
    assert!(from_memory, "the second read of an unchanged group is sent from memory");
    assert_eq!(first, second);
    second
}

fn displays(list: &[(String, String)]) -> Vec<&str> {
    let mut d: Vec<&str> = list.iter().map(|(_, d)| d.as_str()).collect();
    d.sort();
    d
}

#[tokio::test]
async fn a_kept_member_list_follows_every_change_made_through_either_server_and_the_clock() {
    // Arrange: two servers on one database, each with its own cache and a manual clock.
    let a = spawn_app_with(|c| c.clock = Clock::manual(Utc::now())).await;
    let b = a.beside(|c| c.clock = Clock::manual(Utc::now())).await;
    let clock = a.store.clock().clone();
    let ann = a.create_user("ann").await;
    let bob = a.create_user("bob").await;
    let cat = a.create_user("cat").await;
    a.create_user("dan").await;
    let nested = a.create_group("nested", &[]).await;
    let team = a.create_group("team", &[&ann, &bob, &nested]).await;
    let end = clock.now() + Duration::minutes(10);
    let start = clock.now() + Duration::minutes(5);
    let window = json!({"expires_at": rfc3339(end)});
    assert_eq!(
        a.admin("PUT", "/groups/team/users/cat", Some(window)).await.status(),
        204
    );
    let later = json!({"valid_from": rfc3339(start)});
    assert_eq!(
        a.admin("PUT", "/groups/team/users/dan", Some(later)).await.status(),
        204
    );
    assert_eq!(displays(&cached(&a, &team).await), ["ann", "bob", "cat", "nested"]);

    // A member user renamed through the other server.
    let rename = patch_ops(json!([{"op": "replace", "path": "displayName", "value": "Ann Lee"}]));
    assert_eq!(b.patch(&format!("/Users/{ann}"), rename).await.status(), 200);
    assert_eq!(displays(&cached(&a, &team).await), ["Ann Lee", "bob", "cat", "nested"]);

    // A member group renamed through the other server.
    let rename = patch_ops(json!([{"op": "replace", "path": "displayName", "value": "inner"}]));
    assert!(
        b.patch(&format!("/Groups/{nested}"), rename)
            .await
            .status()
            .is_success()
    );
    assert_eq!(displays(&cached(&a, &team).await), ["Ann Lee", "bob", "cat", "inner"]);

    // A member removed through the other server.
    let remove = patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{bob}\"]")}]));
    assert_eq!(b.patch(&format!("/Groups/{team}"), remove).await.status(), 204);
    assert_eq!(displays(&cached(&a, &team).await), ["Ann Lee", "cat", "inner"]);

    // A userName change shows where there is no displayName; other fields change nothing.
    let replace =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "cathy", "active": false});
    assert_eq!(b.put(&format!("/Users/{cat}"), replace).await.status(), 200);
    assert_eq!(displays(&cached(&a, &team).await), ["Ann Lee", "cathy", "inner"]);

    // Time: dan's membership starts, then cat's ends — no write, no sweep.
    clock.set(start);
    assert_eq!(displays(&cached(&a, &team).await), ["Ann Lee", "cathy", "dan", "inner"]);
    clock.set(end);
    assert_eq!(displays(&cached(&a, &team).await), ["Ann Lee", "dan", "inner"]);
}
