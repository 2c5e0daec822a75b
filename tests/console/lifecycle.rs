//! The console's longer-lived objects: memberships with an end (set in any time zone, then
//! changed), nested groups added and removed, groups and users deleted after a confirmation,
//! a user's live sign-ins, and API tokens that expire and stop with the administrator who
//! made them. Time moves with an injected clock, never with sleeps.
use chrono::{DateTime, Duration, Utc};
use reqwest::{Client, Response, StatusCode};
use scimitar::clock::Clock;
use serde_json::{Value, json};

use super::{csrf, location};
use crate::common::{TestApp, json_of, patch_ops, spawn_app_with};

async fn app_with_clock() -> (TestApp, Clock) {
    let app = spawn_app_with(|c| c.clock = Clock::manual(Utc::now())).await;
    let clock = app.store.clock().clone();
    (app, clock)
}

async fn post(app: &TestApp, b: &Client, path: &str, form: &[(&str, &str)]) -> Response {
    b.post(app.url(path)).form(form).send().await.unwrap()
}

async fn page(app: &TestApp, b: &Client, path: &str) -> (StatusCode, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn members(app: &TestApp, group: &str) -> Vec<Value> {
    let list = json_of(app.admin("GET", &format!("/groups/{group}/users"), None).await).await;
    list["items"].as_array().expect("items").clone()
}

async fn last_event(app: &TestApp, action: &str) -> Value {
    let page = json_of(app.admin("GET", &format!("/audit?action={action}"), None).await).await;
    page["items"][0].clone()
}

#[tokio::test]
async fn memberships_get_an_end_groups_nest_and_groups_are_deleted() {
    let (app, clock) = app_with_clock().await;
    app.console_user("root", &["iam.*"]).await;
    let alice = app.create_user_with_password("alice").await;
    let bob = app.create_user_with_password("bob").await;
    let contractors = app.create_group("Contractors", &[]).await;
    let staff = app.create_group("Staff", &[]).await;
    let (b, html) = app.console_sign_in("root").await;
    let t = csrf(&html);
    let add = format!("/console/groups/{contractors}/add");

    // An end in the past is refused on the page, and nobody is added.
    let res = post(
        &app,
        &b,
        &add,
        &[("csrf", &t), ("user", &alice), ("expires", "2020-01-01T00:00")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("must be in the future"));
    assert!(members(&app, "Contractors").await.is_empty());

    // Added until a local time in Kolkata (UTC+05:30 all year): stored as that instant.
    let end = (clock.now() + Duration::days(2))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    let end: DateTime<Utc> = end.parse().unwrap();
    let local = (end + Duration::minutes(330)).format("%Y-%m-%dT%H:%M").to_string();
    let res = post(
        &app,
        &b,
        &add,
        &[
            ("csrf", &t),
            ("user", &alice),
            ("user", &bob),
            ("expires", &local),
            ("expires_zone", "Asia/Kolkata"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let listed = members(&app, "Contractors").await;
    assert_eq!(listed.len(), 2);
    for m in &listed {
        let at: DateTime<Utc> = m["expires_at"].as_str().expect("an end").parse().unwrap();
        assert_eq!(at, end, "{m}");
    }
    let (_, tab) = page(&app, &b, &format!("/console/groups/{contractors}")).await;
    assert!(
        tab.contains(&format!("until {}", end.format("%Y-%m-%d %H:%M UTC"))),
        "{tab}"
    );

    // Alice's membership made permanent; an unknown zone is refused.
    let window = format!("/console/groups/{contractors}/window");
    let res = post(
        &app,
        &b,
        &window,
        &[
            ("csrf", &t),
            ("user", &alice),
            ("expires", &local),
            ("expires_zone", "Mars/Olympus"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("unknown time zone"));
    let res = post(&app, &b, &window, &[("csrf", &t), ("user", &alice), ("expires", "")]).await;
    assert_eq!(location(&res), format!("/console/groups/{contractors}?changed=1"));
    let changed = last_event(&app, "member.add").await;
    assert_eq!(changed["source"], "console");

    // Three days on, bob's membership has ended; alice's has not.
    clock.advance(Duration::days(3));
    let listed = members(&app, "Contractors").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["user_name"], "alice");
    assert!(listed[0].get("expires_at").is_none(), "{}", listed[0]);
    // The console session is eight hours long: sign in again.
    let (b, html) = app.console_sign_in("root").await;
    let t = csrf(&html);

    // Nested groups: Contractors into Staff by name; alice is then in Staff through it.
    let nested = format!("/console/groups/{staff}/nested");
    let res = post(&app, &b, &nested, &[("csrf", &t), ("group", "Contractors")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let groups = json_of(app.admin("GET", "/users/alice/groups", None).await).await;
    assert!(
        groups
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["display_name"] == "Staff" && g["type"] == "indirect"),
        "{groups}"
    );
    let (_, tab) = page(&app, &b, &format!("/console/groups/{staff}?tab=nested")).await;
    assert!(tab.contains("aria-label=\"Remove Contractors from Staff\""), "{tab}");
    for (name, why) in [("Nobody", "No group"), ("Staff", "member of itself")] {
        let res = post(&app, &b, &nested, &[("csrf", &t), ("group", name)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(res.text().await.unwrap().contains(why), "{name}");
    }
    let res = post(
        &app,
        &b,
        &format!("{nested}/remove"),
        &[("csrf", &t), ("group", &contractors)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let groups = json_of(app.admin("GET", "/users/alice/groups", None).await).await;
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");

    // Delete: the confirmation says what goes; then the group is gone everywhere.
    let body = json!({"name": "contractor", "permissions": ["wiki.read"]});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
    let res = app.admin("PUT", "/groups/Contractors/roles/contractor", None).await;
    assert_eq!(res.status(), 204);
    let (status, confirm) = page(&app, &b, &format!("/console/groups/{contractors}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("Delete Contractors?"), "{confirm}");
    assert!(confirm.contains("Its 1 direct member stay"), "{confirm}");
    assert!(confirm.contains(": contractor."), "{confirm}");
    let res = post(
        &app,
        &b,
        &format!("/console/groups/{contractors}/delete"),
        &[("csrf", &t)],
    )
    .await;
    assert_eq!(location(&res), "/console/groups?deleted=1");
    assert_eq!(app.admin("GET", "/groups/Contractors", None).await.status(), 404);
    assert_eq!(last_event(&app, "group.delete").await["source"], "console");
    let (_, list) = page(&app, &b, "/console/groups?deleted=1").await;
    assert!(list.contains("Group deleted."));
    // A forged delete without the CSRF token does nothing.
    let res = post(&app, &b, &format!("/console/groups/{staff}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.admin("GET", "/groups/Staff", None).await.status(), 200);
}

#[tokio::test]
async fn the_user_page_lists_live_sign_ins_and_users_are_deleted() {
    let app = crate::common::spawn_app().await;
    let root = app.console_user("root", &["iam.*"]).await;
    app.console_user("reader", &["iam.user.read", "iam.group.read"]).await;
    let alice = app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({"client_name": "Wiki"})).await;
    app.tokens_for(&rp, "alice", "openid offline_access").await;
    let (b, html) = app.console_sign_in("root").await;
    let t = csrf(&html);

    let (_, user_page) = page(&app, &b, &format!("/console/users/{alice}")).await;
    assert!(
        user_page.contains("<td>Browser sign-in (single sign-on)</td>"),
        "{user_page}"
    );
    assert!(user_page.contains("<td>Application Wiki</td>"), "{user_page}");
    let (_, own) = page(&app, &b, &format!("/console/users/{root}")).await;
    assert!(own.contains("<td>Admin console</td>"), "{own}");

    // After sign out everywhere, the list is empty.
    let res = post(
        &app,
        &b,
        &format!("/console/users/{alice}/sign-out-everywhere"),
        &[("csrf", &t)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, user_page) = page(&app, &b, &format!("/console/users/{alice}")).await;
    assert!(user_page.contains("No live sign-in."), "{user_page}");

    // A read-only administrator sees no delete control and may not delete.
    let (r, _) = app.console_sign_in("reader").await;
    let (_, seen) = page(&app, &r, &format!("/console/users/{alice}")).await;
    assert!(!seen.contains("Delete user"), "{seen}");
    let (status, _) = page(&app, &r, &format!("/console/users/{alice}/delete")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nobody deletes themselves here.
    let res = post(&app, &b, &format!("/console/users/{root}/delete"), &[("csrf", &t)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.admin("GET", "/users/root", None).await.status(), 200);

    let (status, confirm) = page(&app, &b, &format!("/console/users/{alice}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("Delete alice?"), "{confirm}");
    let res = post(&app, &b, &format!("/console/users/{alice}/delete"), &[("csrf", &t)]).await;
    assert_eq!(location(&res), "/console/users?deleted=1");
    assert_eq!(app.admin("GET", "/users/alice", None).await.status(), 404);
    assert_eq!(last_event(&app, "user.delete").await["source"], "console");
}

/// The secret a console token page shows once.
fn secret_of(html: &str) -> String {
    html.split("<code id=\"new-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the secret, once")
        .to_owned()
}

#[tokio::test]
async fn api_tokens_expire_and_stop_with_the_administrator_who_made_them() {
    let (app, clock) = app_with_clock().await;
    let root = app.console_user("root", &["iam.*"]).await;
    let (b, html) = app.console_sign_in("root").await;
    let t = csrf(&html);
    let create = |expires: &'static str| {
        let (b, t, url) = (b.clone(), t.clone(), app.url("/console/tokens"));
        async move {
            let form = [
                ("csrf", t.as_str()),
                ("name", "automation"),
                ("scopes", "admin"),
                ("expires_days", expires),
            ];
            let res = b.post(url).form(&form).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            secret_of(&res.text().await.unwrap())
        }
    };
    let month = create("30").await;
    let forever = create("never").await;
    let works = |secret: String| {
        let app = &app;
        async move { app.admin_as(&secret, "GET", "/groups", None).await.status() }
    };
    assert_eq!(works(month.clone()).await, 200);
    let listed = json_of(app.admin("GET", "/tokens", None).await).await;
    let made: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == "automation")
        .collect();
    assert_eq!(made.len(), 2);
    assert!(made.iter().all(|t| t["created_by"] == root.as_str()), "{listed}");
    // Both were made at the same (manual) instant: tell them apart by their end.
    let (ending, endless): (Vec<&Value>, Vec<&Value>) = made.iter().partition(|t| t.get("expires_at").is_some());
    assert_eq!((ending.len(), endless.len()), (1, 1), "{listed}");
    let month_end: DateTime<Utc> = ending[0]["expires_at"].as_str().unwrap().parse().unwrap();
    let created: DateTime<Utc> = ending[0]["created"].as_str().unwrap().parse().unwrap();
    assert_eq!(month_end, created + Duration::days(30));
    let (_, tokens_page) = page(&app, &b, "/console/tokens").await;
    assert!(tokens_page.contains("<td>never</td><td>root</td>"), "{tokens_page}");

    // On the admin API: an end in the past is refused; a token made by a token ends no later
    // than it, and stops with the same administrator.
    let past = (clock.now() - Duration::hours(1)).to_rfc3339();
    let body = json!({"name": "child", "scopes": ["admin:read"], "expires_at": past});
    let res = app.admin_as(&month, "POST", "/tokens", Some(body)).await;
    assert_eq!(res.status(), 400);
    let later = (clock.now() + Duration::days(365)).to_rfc3339();
    let body = json!({"name": "child", "scopes": ["admin:read"], "expires_at": later});
    let child = json_of(app.admin_as(&month, "POST", "/tokens", Some(body)).await).await;
    assert_eq!(
        child["expires_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(),
        month_end
    );
    assert_eq!(child["created_by"], root.as_str());
    let child = child["secret"].as_str().unwrap().to_owned();
    assert_eq!(works(child.clone()).await, 200);

    // The creator deactivated: every token they made stops at once; reactivated: they work.
    let deactivate = |active: bool| {
        let app = &app;
        let ops = patch_ops(json!([{"op": "replace", "path": "active", "value": active}]));
        let path = format!("/Users/{root}");
        async move { assert_eq!(app.patch(&path, ops).await.status(), 200) }
    };
    deactivate(false).await;
    for s in [&month, &forever, &child] {
        assert_eq!(works(s.clone()).await, 401);
    }
    deactivate(true).await;
    assert_eq!(works(month.clone()).await, 200);

    // Past the month: the 30-day token and its child have ended; the other has not.
    clock.advance(Duration::days(31));
    assert_eq!(works(month.clone()).await, 401);
    assert_eq!(works(child.clone()).await, 401);
    assert_eq!(works(forever.clone()).await, 200);

    // The creator deleted: nothing they made works any more.
    assert_eq!(app.delete(&format!("/Users/{root}")).await.status(), 204);
    assert_eq!(works(forever).await, 401);
}
