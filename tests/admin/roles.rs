//! Roles and permissions through groups (seed 001): what a group grants, who holds what, and
//! why — with provenance through nested groups and wildcard grants.
use serde_json::{Value, json};

use crate::common::{assert_problem, json_of, spawn_app};

async fn create_role(app: &crate::common::TestApp, name: &str, permissions: &[&str]) -> Value {
    let res = app
        .admin(
            "POST",
            "/roles",
            Some(json!({"name": name, "description": "", "permissions": permissions})),
        )
        .await;
    assert_eq!(res.status(), 201);
    json_of(res).await
}

async fn check(app: &crate::common::TestApp, user: &str, permission: &str) -> Value {
    let res = app
        .admin("GET", &format!("/users/{user}/permissions/{permission}"), None)
        .await;
    assert_eq!(res.status(), 200);
    json_of(res).await
}

/// The kinds of the sources (`direct`, or `group:<name>`), sorted.
fn via(check: &Value) -> Vec<String> {
    let mut v: Vec<String> = check["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match s["type"].as_str().unwrap() {
            "direct" => "direct".to_owned(),
            _ => format!("group:{}", s["group"]["display_name"].as_str().unwrap()),
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn seed_001_a_permission_held_directly_and_through_two_groups() {
    let app = spawn_app().await;
    app.create_user("alice").await;
    app.create_group("A", &[]).await;
    app.create_group("B", &[]).await;
    create_role(&app, "editor", &["wiki.page.edit"]).await;
    for path in [
        "/groups/A/roles/editor",
        "/groups/B/roles/editor",
        "/users/alice/roles/editor",
    ] {
        assert_eq!(app.admin("PUT", path, None).await.status(), 204, "{path}");
    }
    assert_eq!(app.add_member("A", "alice").await.status(), 204);
    assert_eq!(app.add_member("B", "alice").await.status(), 204);
    let held = check(&app, "alice", "wiki.page.edit").await;
    assert_eq!(held["held"], true);
    assert_eq!(via(&held), ["direct", "group:A", "group:B"]);
    // Removed from A: still held, directly and through B.
    assert_eq!(app.remove_member("A", "alice").await.status(), 204);
    assert_eq!(
        via(&check(&app, "alice", "wiki.page.edit").await),
        ["direct", "group:B"]
    );
    // The direct grant revoked: still held through B.
    assert_eq!(
        app.admin("DELETE", "/users/alice/roles/editor", None).await.status(),
        204
    );
    assert_eq!(via(&check(&app, "alice", "wiki.page.edit").await), ["group:B"]);
    // Removed from B: gone.
    assert_eq!(app.remove_member("B", "alice").await.status(), 204);
    let gone = check(&app, "alice", "wiki.page.edit").await;
    assert_eq!(gone["held"], false);
    assert_eq!(gone["sources"], json!([]));
    let all = json_of(app.admin("GET", "/users/alice/permissions", None).await).await;
    assert_eq!(all["permissions"], json!([]));
    // Every grant change is audited.
    let audit = json_of(app.admin("GET", "/audit?action=role.grant", None).await).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 3);
    let audit = json_of(app.admin("GET", "/audit?action=role.revoke", None).await).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn wildcards_and_nested_groups_show_the_chain_they_came_through() {
    let app = spawn_app().await;
    let bob = app.create_user("bob").await;
    let team = app.create_group("Team", &[&bob]).await;
    let dept = app.create_group("Dept", &[&team]).await;
    app.create_group("Company", &[&dept]).await;
    create_role(&app, "wiki-admin", &["wiki.*"]).await;
    assert_eq!(
        app.admin("PUT", "/groups/Company/roles/wiki-admin", None)
            .await
            .status(),
        204
    );
    let held = check(&app, "bob", "wiki.page.delete").await;
    assert_eq!(held["held"], true);
    let source = &held["sources"][0];
    assert_eq!(source["granted"], "wiki.*");
    assert_eq!(source["role"], "wiki-admin");
    assert_eq!(source["group"]["display_name"], "Company");
    let chain: Vec<&str> = source["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(chain, ["Team", "Dept", "Company"]);
    // A wildcard covers what is below it, not its own prefix or a neighbour.
    assert_eq!(check(&app, "bob", "wiki").await["held"], false);
    assert_eq!(check(&app, "bob", "wikis.page.edit").await["held"], false);
    // Taking Team out of Dept ends it.
    let ops = crate::common::patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{team}\"]")}]));
    assert_eq!(app.patch(&format!("/Groups/{dept}"), ops).await.status(), 204);
    assert_eq!(check(&app, "bob", "wiki.page.delete").await["held"], false);
}

#[tokio::test]
async fn roles_are_managed_by_id_or_name_and_validated() {
    let app = spawn_app().await;
    let role = create_role(&app, "Viewer", &["Docs.Read", "docs.read"]).await;
    assert_eq!(role["permissions"], json!(["docs.read"]), "lower-cased, no duplicates");
    // Names are unique ignoring case.
    let res = app
        .admin("POST", "/roles", Some(json!({"name": "viewer", "permissions": []})))
        .await;
    assert_problem(res, 409).await;
    // Invalid permissions and names are 400s naming the problem.
    for body in [
        json!({"name": "x", "permissions": ["a..b"]}),
        json!({"name": "x", "permissions": ["a.*.b"]}),
        json!({"name": "  ", "permissions": []}),
    ] {
        assert_problem(app.admin("POST", "/roles", Some(body)).await, 400).await;
    }
    // By name or id; PATCH changes what is given.
    let id = role["id"].as_str().unwrap();
    let res = app
        .admin(
            "PATCH",
            "/roles/VIEWER",
            Some(json!({"permissions": ["docs.*"], "description": "reads docs"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let got = json_of(app.admin("GET", &format!("/roles/{id}"), None).await).await;
    assert_eq!(got["permissions"], json!(["docs.*"]));
    assert_eq!(got["description"], "reads docs");
    assert_eq!(got["name"], "Viewer");
    let list = json_of(app.admin("GET", "/roles", None).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Unknown role, group or user: 404; deleting the role deletes its grants.
    app.create_user("carol").await;
    assert_problem(app.admin("PUT", "/users/carol/roles/nope", None).await, 404).await;
    assert_problem(app.admin("PUT", "/groups/nope/roles/viewer", None).await, 404).await;
    assert_eq!(app.admin("PUT", "/users/carol/roles/viewer", None).await.status(), 204);
    assert_eq!(check(&app, "carol", "docs.read").await["held"], true);
    assert_eq!(app.admin("DELETE", "/roles/viewer", None).await.status(), 204);
    assert_eq!(check(&app, "carol", "docs.read").await["held"], false);
    assert_problem(app.admin("GET", "/roles/viewer", None).await, 404).await;
    // A read-only token may read, not write.
    let reader = app.token_with(&[scimitar::auth::Scope::AdminRead]).await;
    assert_eq!(app.admin_as(&reader, "GET", "/roles", None).await.status(), 200);
    assert_problem(
        app.admin_as(&reader, "POST", "/roles", Some(json!({"name": "r"})))
            .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn who_holds_a_role_and_how() {
    let app = spawn_app().await;
    let (ann, ben, cal) = (
        app.create_user("ann").await,
        app.create_user("ben").await,
        app.create_user("cal").await,
    );
    let inner = app.create_group("Inner", &[&ben]).await;
    app.create_group("Outer", &[&ann, &inner]).await;
    create_role(&app, "auditor", &["audit.read"]).await;
    for path in [
        "/groups/Outer/roles/auditor",
        "/users/ann/roles/auditor",
        "/users/cal/roles/auditor",
    ] {
        assert_eq!(app.admin("PUT", path, None).await.status(), 204);
    }
    let holders = json_of(app.admin("GET", "/roles/auditor/users", None).await).await;
    let summary: Vec<(String, bool, Vec<String>)> = holders
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["userName"].as_str().unwrap().to_owned(),
                h["direct"].as_bool().unwrap(),
                h["groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| g["display_name"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ann".to_owned(), true, vec!["Outer".to_owned()]),
            ("ben".to_owned(), false, vec!["Outer".to_owned()]),
            ("cal".to_owned(), true, vec![]),
        ]
    );
    let ids: Vec<&str> = holders
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ann.as_str(), ben.as_str(), cal.as_str()]);
    assert_problem(app.admin("GET", "/roles/nobody/users", None).await, 404).await;
}
