//! No escalation through memberships or passwords: Scimitar's own permissions reach users
//! through group roles, so adding someone to a group whose roles (or whose enclosing groups'
//! roles) carry `iam.…` permissions, or setting the password of a user who holds them, needs
//! the caller to hold them — on the admin API and on SCIM, whose provisioning tokens hold none.
use serde_json::{Value, json};

use crate::common::{SCIM, TestApp, assert_problem, assert_scim_error, json_of, patch_ops, spawn_app};

async fn role(app: &TestApp, name: &str, permissions: &[&str]) {
    let body = json!({"name": name, "description": "", "permissions": permissions});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
}

async fn grant(app: &TestApp, path: &str) {
    assert_eq!(app.admin("PUT", path, None).await.status(), 204, "{path}");
}

async fn scim_as(app: &TestApp, token: &str, method: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .request(method.parse().unwrap(), app.url(&format!("/scim/v2{path}")))
        .bearer_auth(token)
        .header("content-type", SCIM)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

fn add(member: &str) -> Value {
    patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": member}]}]))
}

/// admins ⊃ helpdesk; admins' role carries iam.user.read and iam.group.*; wiki's role only an
/// application's permission.
async fn directory(app: &TestApp) -> (String, String, String, String) {
    let alice = app.create_user("alice").await;
    let helpdesk = app.create_group("helpdesk", &[]).await;
    let admins = app.create_group("admins", &[&helpdesk]).await;
    let wiki = app.create_group("wiki", &[]).await;
    role(
        app,
        "directory-admin",
        &["iam.user.read", "iam.group.*", "wiki.page.read"],
    )
    .await;
    role(app, "wiki-editor", &["wiki.page.edit"]).await;
    grant(app, "/groups/admins/roles/directory-admin").await;
    grant(app, "/groups/wiki/roles/wiki-editor").await;
    (alice, helpdesk, admins, wiki)
}

#[tokio::test]
async fn a_group_writer_cannot_add_members_to_a_group_that_makes_administrators() {
    let app = spawn_app().await;
    let (alice, _, _, _) = directory(&app).await;
    let writer = app.token_granting("iam.group.write").await;
    let before = json_of(app.admin("GET", "/audit", None).await).await;

    // Directly, and through the nested group: both would hand over iam.user.read.
    for group in ["admins", "helpdesk"] {
        let res = app
            .admin_as(&writer, "PUT", &format!("/groups/{group}/users/alice"), None)
            .await;
        let problem = assert_problem(res, 403).await;
        // The first (in order) of what the group confers that the writer lacks.
        assert_eq!(problem["required_permission"], "iam.group.*", "{group}");
        assert!(
            problem["detail"].as_str().unwrap().contains("adding members"),
            "{problem}"
        );
    }
    assert!(app.user_group_names(&alice).await.is_empty(), "nothing was added");
    let after = json_of(app.admin("GET", "/audit", None).await).await;
    assert!(before["items"].as_array().is_some_and(|e| !e.is_empty()), "{before}");
    assert_eq!(
        before["items"], after["items"],
        "a refused change leaves no audit event"
    );

    // Groups that grant applications' permissions are the writer's to fill.
    let res = app.admin_as(&writer, "PUT", "/groups/wiki/users/alice", None).await;
    assert_eq!(res.status(), 204);
    // A token holding what the group confers may add to it.
    let holder = app.token_granting("iam.group.* iam.user.read").await;
    let res = app.admin_as(&holder, "PUT", "/groups/helpdesk/users/alice", None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.user_group_names(&alice).await, ["admins", "helpdesk", "wiki"]);
    // Removing needs no such thing.
    let res = app
        .admin_as(&writer, "DELETE", "/groups/helpdesk/users/alice", None)
        .await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn a_scim_provisioning_token_cannot_make_administrators_by_any_membership_write() {
    let app = spawn_app().await;
    let (alice, helpdesk, admins, wiki) = directory(&app).await;
    let scim = app.token_granting("scim").await;

    // PATCH add, into the group and into the group nested in it.
    for group in [&admins, &helpdesk] {
        let res = scim_as(&app, &scim, "PATCH", &format!("/Groups/{group}"), add(&alice)).await;
        let err = assert_scim_error(res, 403, None).await;
        assert!(err["detail"].as_str().unwrap().contains("\"iam.group.*\""), "{err}");
    }
    // A group made a member of admins.
    let team = app.create_group("team", &[&alice]).await;
    let res = scim_as(&app, &scim, "PATCH", &format!("/Groups/{admins}"), add(&team)).await;
    assert_scim_error(res, 403, None).await;
    // PUT with the whole member list.
    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "admins",
                     "members": [{"value": helpdesk}, {"value": alice}]});
    let res = scim_as(&app, &scim, "PUT", &format!("/Groups/{admins}"), put).await;
    assert_scim_error(res, 403, None).await;
    // Bulk: that operation fails, the others stand.
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "PATCH", "path": format!("/Groups/{admins}"), "data": add(&alice)},
        {"method": "PATCH", "path": format!("/Groups/{wiki}"), "data": add(&alice)},
    ]});
    let res = scim_as(&app, &scim, "POST", "/Bulk", bulk).await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(body["Operations"][0]["status"], "403", "{body}");
    assert_eq!(body["Operations"][1]["status"], "200", "{body}");

    assert_eq!(app.user_group_names(&alice).await, ["team", "wiki"]);
    assert_eq!(app.member_ids(&admins).await, vec![helpdesk]);
    // Creating a group does not confer roles (it has none yet): allowed.
    let create = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "new",
                        "members": [{"value": alice}]});
    assert_eq!(scim_as(&app, &scim, "POST", "/Groups", create).await.status(), 201);
}

#[tokio::test]
async fn setting_the_password_of_a_user_holding_iam_permissions_needs_them() {
    let app = spawn_app().await;
    let (_, _, _, _) = directory(&app).await;
    let bob = app.create_user("bob").await;
    let alice_password = json!({"password": "a new long passphrase 1"});
    assert_eq!(app.add_member("helpdesk", "alice").await.status(), 204);

    let writer = app.token_granting("iam.user.write").await;
    // bob holds nothing of Scimitar's: his password is the writer's to set.
    let res = app
        .admin_as(&writer, "PUT", "/users/bob/password", Some(alice_password.clone()))
        .await;
    assert_eq!(res.status(), 204);
    // alice holds iam.user.read and iam.group.* through helpdesk ⊂ admins.
    let res = app
        .admin_as(&writer, "PUT", "/users/alice/password", Some(alice_password.clone()))
        .await;
    let problem = assert_problem(res, 403).await;
    assert_eq!(problem["required_permission"], "iam.group.*");
    // Through SCIM too, by PATCH and by PUT.
    let scim = app.token_granting("scim").await;
    let alice = json_of(app.get("/Users?filter=userName%20eq%20%22alice%22").await).await["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let patch = patch_ops(json!([{"op": "replace", "path": "password", "value": "another passphrase 2"}]));
    let res = scim_as(&app, &scim, "PATCH", &format!("/Users/{alice}"), patch.clone()).await;
    assert_scim_error(res, 403, None).await;
    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice",
                     "password": "another passphrase 2"});
    let res = scim_as(&app, &scim, "PUT", &format!("/Users/{alice}"), put).await;
    assert_scim_error(res, 403, None).await;
    // … while other changes to alice are the provisioning client's to make.
    let rename = patch_ops(json!([{"op": "replace", "path": "displayName", "value": "Alice"}]));
    assert_eq!(
        scim_as(&app, &scim, "PATCH", &format!("/Users/{alice}"), rename)
            .await
            .status(),
        200
    );
    let res = scim_as(&app, &scim, "PATCH", &format!("/Users/{bob}"), patch).await;
    assert_eq!(res.status(), 200);
    // A token holding all of it may.
    let admin = app.token_granting("iam.user.write iam.user.read iam.group.*").await;
    let res = app
        .admin_as(&admin, "PUT", "/users/alice/password", Some(alice_password))
        .await;
    assert_eq!(res.status(), 204);
}

/// A membership due to start later is authority to come: it counts as held for both checks.
#[tokio::test]
async fn a_pending_membership_in_an_admin_group_counts_as_held() {
    let app = spawn_app().await;
    let (_, _, _, _) = directory(&app).await;
    let bob = app.create_user("bob").await;
    let start = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let res = app
        .admin("PUT", "/groups/admins/users/bob", Some(json!({"valid_from": start})))
        .await;
    assert_eq!(res.status(), 204);
    let scim = app.token_granting("scim").await;
    let patch = patch_ops(json!([{"op": "replace", "path": "password", "value": "takeover passphrase 9"}]));
    let res = scim_as(&app, &scim, "PATCH", &format!("/Users/{bob}"), patch).await;
    assert_scim_error(res, 403, None).await;
}
