//! Time-bound memberships, driven by an injected clock (no sleeps): a membership ends at its
//! instant on every surface — tokens issued and refreshed, userinfo, introspection, SCIM
//! `members` and `User.groups`, SCIM filters, effective permissions, the admin lists —
//! before any sweep; tokens issued earlier end by then; the sweeper then removes the row and
//! audits `member.expire` once, even with two servers sweeping the same database.
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use scimitar::clock::Clock;
use serde_json::{Value, json};

use super::*;
use crate::common::{TestApp, assert_problem, json_of, patch_ops, spawn_app_with};

async fn app_with_clock() -> (TestApp, Clock) {
    let app = spawn_app_with(|c| c.clock = Clock::manual(Utc::now())).await;
    let clock = app.store.clock().clone();
    (app, clock)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn names(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|e| e[key].as_str().unwrap_or_default().to_owned())
        .collect();
    out.sort();
    out
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    let page = json_of(app.admin("GET", &format!("/audit?action={action}"), None).await).await;
    page["items"].as_array().expect("items").clone()
}

async fn refresh(app: &TestApp, rp: &Rp, token: &str) -> Value {
    let res = app
        .token_request(rp, &[("grant_type", "refresh_token"), ("refresh_token", token)])
        .await;
    assert_eq!(res.status(), 200);
    json_of(res).await
}

#[tokio::test]
async fn a_membership_ends_at_its_instant_everywhere_before_any_sweep() {
    let (app, clock) = app_with_clock().await;
    let alice = app.create_user_with_password("alice").await;
    let contractors = app.create_group("contractors", &[]).await;
    app.create_group("outer", &[&contractors]).await;
    let body = json!({"name": "editor", "description": "", "permissions": ["wiki.page.edit"]});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
    assert_eq!(app.admin("PUT", "/groups/outer/roles/editor", None).await.status(), 204);
    let end = clock.now() + Duration::minutes(10);
    let window = json!({"expires_at": rfc3339(end)});
    let res = app
        .admin("PUT", "/groups/contractors/users/alice", Some(window.clone()))
        .await;
    assert_eq!(res.status(), 204);
    // The same again writes nothing.
    let version = json_of(app.get(&format!("/Groups/{contractors}")).await).await["meta"]["version"].clone();
    assert_eq!(
        app.admin("PUT", "/groups/contractors/users/alice", Some(window))
            .await
            .status(),
        204
    );
    let again = json_of(app.get(&format!("/Groups/{contractors}")).await).await["meta"]["version"].clone();
    assert_eq!(version, again);

    // Before the end: everywhere, and the admin lists show when it ends.
    let members = json_of(app.admin("GET", "/groups/contractors/users", None).await).await;
    assert_eq!(names(&members["items"], "user_name"), ["alice"]);
    let shown: DateTime<Utc> = members["items"][0]["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(shown.timestamp_micros(), end.timestamp_micros());
    let groups = json_of(app.admin("GET", "/users/alice/groups", None).await).await;
    assert_eq!(names(&groups, "display_name"), ["contractors", "outer"]);
    let direct = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["type"] == "direct")
        .unwrap();
    assert!(direct["expires_at"].is_string(), "{direct}");
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid groups roles offline_access").await;
    let at = jwt_payload(tokens["access_token"].as_str().unwrap());
    assert_eq!(strings(&at["roles"]), ["editor"]);
    let id = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(strings(&id["groups"]).len(), 2, "{id}");
    // Issued 10 minutes before the end, with a 15-minute lifetime: capped at the end.
    for claims in [&at, &id] {
        let life = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
        assert!((0..=600).contains(&life), "lifetime {life}: {claims}");
    }
    assert!(tokens["expires_in"].as_i64().unwrap() <= 600, "{tokens}");
    let scim_filter = format!("/Groups?filter=members.value%20eq%20%22{alice}%22");
    assert_eq!(
        json_of(app.get(&scim_filter).await).await["totalResults"],
        1,
        "direct members only"
    );

    // The instant of the end: nothing has been swept.
    clock.set(end);
    let refreshed = refresh(&app, &rp, tokens["refresh_token"].as_str().unwrap()).await;
    let at = jwt_payload(refreshed["access_token"].as_str().unwrap());
    assert!(at.get("roles").is_none_or(|r| r == &json!([])), "{at}");
    assert!(at.get("entitlements").is_none_or(|r| r == &json!([])), "{at}");
    let id = jwt_payload(refreshed["id_token"].as_str().unwrap());
    assert!(id.get("groups").is_none_or(|g| g == &json!([])), "{id}");
    let access = refreshed["access_token"].as_str().unwrap();
    let info = json_of(app.userinfo(access).await).await;
    assert!(info.get("groups").is_none_or(|g| g == &json!([])), "{info}");
    assert!(info.get("roles").is_none_or(|g| g == &json!([])), "{info}");
    let intro = app.introspect(&rp, access).await;
    assert_eq!(intro["active"], true);
    assert!(intro.get("roles").is_none_or(|g| g == &json!([])), "{intro}");
    let group = json_of(app.get(&format!("/Groups/{contractors}")).await).await;
    assert!(group.get("members").is_none_or(|m| m == &json!([])), "{group}");
    let user = json_of(app.get(&format!("/Users/{alice}")).await).await;
    assert!(user.get("groups").is_none_or(|g| g == &json!([])), "{user}");
    assert_eq!(json_of(app.get(&scim_filter).await).await["totalResults"], 0);
    let perms = json_of(app.admin("GET", "/users/alice/permissions", None).await).await;
    assert!(!perms.to_string().contains("wiki.page.edit"), "{perms}");
    let members = json_of(app.admin("GET", "/groups/contractors/users", None).await).await;
    assert_eq!(members["items"], json!([]));
    assert_eq!(
        json_of(app.admin("GET", "/users/alice/groups", None).await).await,
        json!([])
    );
    let held = json_of(app.admin("GET", "/roles/editor/users", None).await).await;
    assert_eq!(held, json!([]));

    // The sweeper: one row, one audit event, then nothing more.
    assert!(audit(&app, "member.expire").await.is_empty());
    assert_eq!(app.store.sweep_expired_memberships().await.unwrap(), 1);
    assert_eq!(app.store.sweep_expired_memberships().await.unwrap(), 0);
    let events = audit(&app, "member.expire").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["group_id"], contractors.as_str());
    assert_eq!(events[0]["member_id"], alice.as_str());
    assert_eq!(events[0]["source"], "system");
    let group = json_of(app.get(&format!("/Groups/{contractors}")).await).await;
    assert_ne!(
        group["meta"]["version"], version,
        "the sweep gives the group a new version"
    );
}

#[tokio::test]
async fn a_membership_due_later_starts_at_its_instant_and_tokens_end_by_then() {
    let (app, clock) = app_with_clock().await;
    let alice = app.create_user_with_password("alice").await;
    let night = app.create_group("night-shift", &[]).await;
    let start = clock.now() + Duration::minutes(5);
    let body = json!({"valid_from": rfc3339(start), "expires_at": rfc3339(start + Duration::hours(8))});
    assert_eq!(
        app.admin("PUT", "/groups/night-shift/users/alice", Some(body))
            .await
            .status(),
        204
    );
    assert!(app.user_group_names(&alice).await.is_empty());
    assert_eq!(
        json_of(app.admin("GET", "/groups/night-shift/users", None).await).await["items"],
        json!([])
    );
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid groups offline_access").await;
    let id = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert!(id.get("groups").is_none_or(|g| g == &json!([])), "{id}");
    let life = id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap();
    assert!((0..=300).contains(&life), "ends when the membership starts: {life}");

    clock.set(start);
    assert_eq!(app.user_group_names(&alice).await, ["night-shift"]);
    let refreshed = refresh(&app, &rp, tokens["refresh_token"].as_str().unwrap()).await;
    let id = jwt_payload(refreshed["id_token"].as_str().unwrap());
    assert_eq!(strings(&id["groups"]), ["night-shift"]);
    let group = json_of(app.get(&format!("/Groups/{night}")).await).await;
    assert_eq!(group["members"][0]["value"], alice.as_str());
}

#[tokio::test]
async fn a_put_without_a_window_makes_it_permanent_and_scim_revives_an_expired_member() {
    let (app, clock) = app_with_clock().await;
    let alice = app.create_user("alice").await;
    let group = app.create_group("temps", &[]).await;
    let end = clock.now() + Duration::hours(1);
    let window = json!({"expires_at": rfc3339(end)});
    assert_eq!(
        app.admin("PUT", "/groups/temps/users/alice", Some(window.clone()))
            .await
            .status(),
        204
    );
    assert_eq!(app.admin("PUT", "/groups/temps/users/alice", None).await.status(), 204);
    let members = json_of(app.admin("GET", "/groups/temps/users", None).await).await;
    assert!(members["items"][0].get("expires_at").is_none(), "{members}");
    let updates = audit(&app, "member.update").await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    clock.set(end + Duration::hours(1));
    assert_eq!(app.user_group_names(&alice).await, ["temps"], "permanent now");

    // Time-bound again, expired, not swept: a SCIM add makes it a member again, for good.
    let later = clock.now() + Duration::minutes(1);
    let window = json!({"expires_at": rfc3339(later)});
    assert_eq!(
        app.admin("PUT", "/groups/temps/users/alice", Some(window))
            .await
            .status(),
        204
    );
    clock.set(later);
    assert!(app.user_group_names(&alice).await.is_empty());
    let add = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]));
    assert_eq!(app.patch(&format!("/Groups/{group}"), add).await.status(), 204);
    clock.advance(Duration::days(365));
    assert_eq!(app.user_group_names(&alice).await, ["temps"]);
    assert_eq!(
        app.store.sweep_expired_memberships().await.unwrap(),
        0,
        "nothing left to expire"
    );
    // The lapse was audited by the write that revived the row, once.
    assert_eq!(audit(&app, "member.expire").await.len(), 1);
}

/// Writes never drop an expiry's audit event: deleting a group with an expired (unswept) member
/// audits the expiry first. A pending membership survives a SCIM replace that does not list it
/// (SCIM clients never see it), and keeps its window when an add names it.
#[tokio::test]
async fn writes_audit_expired_rows_and_leave_pending_memberships_alone() {
    let (app, clock) = app_with_clock().await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let gone = app.create_group("gone", &[]).await;
    let end = clock.now() + Duration::minutes(1);
    let window = json!({"expires_at": rfc3339(end)});
    assert_eq!(
        app.admin("PUT", "/groups/gone/users/alice", Some(window))
            .await
            .status(),
        204
    );
    clock.set(end);
    assert_eq!(app.delete(&format!("/Groups/{gone}")).await.status(), 204);
    let expired = audit(&app, "member.expire").await;
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["member_id"], alice.as_str());

    let shift = app.create_group("shift", &[&bob]).await;
    let start = clock.now() + Duration::hours(1);
    let window = json!({"valid_from": rfc3339(start)});
    assert_eq!(
        app.admin("PUT", "/groups/shift/users/alice", Some(window.clone()))
            .await
            .status(),
        204
    );
    // The same PUT again writes nothing.
    let version = json_of(app.get(&format!("/Groups/{shift}")).await).await["meta"]["version"].clone();
    assert_eq!(
        app.admin("PUT", "/groups/shift/users/alice", Some(window))
            .await
            .status(),
        204
    );
    let again = json_of(app.get(&format!("/Groups/{shift}")).await).await["meta"]["version"].clone();
    assert_eq!(version, again);
    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "shift",
                     "members": [{"value": bob}]});
    assert_eq!(app.put(&format!("/Groups/{shift}"), put).await.status(), 200);
    let add = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]));
    assert_eq!(app.patch(&format!("/Groups/{shift}"), add).await.status(), 204);
    assert!(app.user_group_names(&alice).await.is_empty(), "still pending");
    clock.set(start);
    assert_eq!(app.user_group_names(&alice).await, ["shift"]);
}

#[tokio::test]
async fn bad_windows_are_a_400_problem_and_change_nothing() {
    let (app, clock) = app_with_clock().await;
    let alice = app.create_user("alice").await;
    app.create_group("g", &[]).await;
    let now = clock.now();
    for body in [
        json!({"expires_at": rfc3339(now - Duration::seconds(1))}),
        json!({"expires_at": rfc3339(now)}),
        json!({"valid_from": rfc3339(now + Duration::hours(2)), "expires_at": rfc3339(now + Duration::hours(1))}),
        json!({"expires_at": "tomorrow"}),
        json!({"expires": rfc3339(now + Duration::hours(1))}),
        json!(["not", "an", "object"]),
    ] {
        let res = app.admin("PUT", "/groups/g/users/alice", Some(body.clone())).await;
        assert_problem(res, 400).await;
    }
    let res = app
        .client
        .put(app.url("/api/v1/groups/g/users/alice"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{\"expires_at\":")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
    assert!(app.user_group_names(&alice).await.is_empty());
}

/// Two servers on one database sweep at once: every expired membership is removed and
/// audited exactly once.
#[tokio::test]
async fn two_servers_sweeping_together_audit_each_expiry_once() {
    let (a, clock_a) = app_with_clock().await;
    let b = a.beside(|c| c.clock = Clock::manual(Utc::now())).await;
    let clock_b = b.store.clock().clone();
    let group = a.create_group("batch", &[]).await;
    let end = clock_a.now() + Duration::minutes(1);
    let mut users = vec![];
    for i in 0..40 {
        let name = format!("u{i:02}");
        users.push(a.create_user(&name).await);
        let window = json!({"expires_at": rfc3339(end)});
        let res = a
            .admin("PUT", &format!("/groups/batch/users/{name}"), Some(window))
            .await;
        assert_eq!(res.status(), 204);
    }
    assert_eq!(a.member_ids(&group).await.len(), 40);
    clock_a.set(end);
    clock_b.set(end);
    let (ra, rb) = tokio::join!(a.store.sweep_expired_memberships(), b.store.sweep_expired_memberships());
    assert_eq!(ra.unwrap() + rb.unwrap(), 40);
    let events = audit(&a, "member.expire").await;
    assert_eq!(events.len(), 40);
    let mut members: Vec<String> = events
        .iter()
        .map(|e| e["member_id"].as_str().unwrap().to_owned())
        .collect();
    members.sort();
    members.dedup();
    assert_eq!(members.len(), 40, "each expiry once");
}

/// Okta's group push re-sends the whole member list with PUT; Entra may `replace` members by
/// PATCH. Members who stay keep their windows: a push must not make a contractor permanent.
#[tokio::test]
async fn a_scim_replace_of_the_member_list_keeps_the_windows_of_members_who_stay() {
    let (app, clock) = app_with_clock().await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group("contractors", &[&bob]).await;
    let end = clock.now() + Duration::days(7);
    let window = json!({"expires_at": rfc3339(end)});
    assert_eq!(
        app.admin("PUT", "/groups/contractors/users/alice", Some(window))
            .await
            .status(),
        204
    );
    let adds_before = audit(&app, "member.add").await.len();

    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "contractors",
                     "members": [{"value": alice}, {"value": carol}]});
    assert_eq!(app.put(&format!("/Groups/{group}"), put).await.status(), 200);
    let replace =
        patch_ops(json!([{"op": "replace", "path": "members", "value": [{"value": alice}, {"value": carol}]}]));
    assert!(
        app.patch(&format!("/Groups/{group}"), replace)
            .await
            .status()
            .is_success()
    );

    let members = json_of(app.admin("GET", "/groups/contractors/users", None).await).await;
    let alice_row = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == alice.as_str())
        .unwrap();
    assert!(alice_row["expires_at"].is_string(), "alice keeps her end: {members}");
    assert_eq!(names(&members["items"], "user_name"), ["alice", "carol"]);
    // Only the difference was written: bob out, carol in.
    assert_eq!(audit(&app, "member.add").await.len(), adds_before + 1);
    let removed = audit(&app, "member.remove").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["member_id"], bob.as_str());
    clock.set(end);
    assert_eq!(app.member_ids(&group).await, vec![carol]);
}
