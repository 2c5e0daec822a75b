//! The Entra gallery-onboarding checks that speak SCIM directly: null updates, paging with
//! `count=5`, manager set/change/remove, mandatory group support and soft delete.
use serde_json::{Value, json};
use uuid::Uuid;

use super::{create, fetch, list, patch_user};
use crate::common::{ENTERPRISE, GROUP_SCHEMA, TestApp, USER_SCHEMA, json_of, patch_ops, spawn_app};

const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

/// A user as Entra provisions it for the gallery checks (no manager yet).
fn entra_user(user_name: &str) -> Value {
    let local = user_name.split('@').next().unwrap_or(user_name);
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": Uuid::new_v4().to_string(),
        "userName": user_name,
        "active": true,
        "displayName": format!("Gallery {local}"),
        "title": "Analyst",
        "nickName": local,
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Gallery User", "familyName": "User", "givenName": "Gallery"},
        "phoneNumbers": [
            {"type": "work", "value": "+1 206-555-0100"},
            {"type": "mobile", "value": "+1 206-555-0101"},
            {"type": "fax", "value": "+1 206-555-0102"}
        ],
        "roles": [{"primary": "True", "display": "User", "value": "user", "type": "WindowsAzureActiveDirectoryRole"}],
        ENTERPRISE: {"employeeNumber": "G-100", "department": "Finance", "costCenter": "CC-7"}
    })
}

/// The user's manager id, if any.
async fn manager_of(app: &TestApp, id: &str) -> Option<String> {
    let user = fetch(app, &format!("/Users/{id}")).await;
    user[ENTERPRISE]
        .get("manager")
        .map(|m| m["value"].as_str().expect("manager.value is a string").to_owned())
}

/// "Null update": a PATCH that replaces attributes (top-level ones, `name.givenName`, the
/// enterprise department and `emails[type eq "work"].value`) with `""`, and in a second run with
/// `null`, leaves them empty: absent from the user, the work email (whose value was cleared)
/// dropped rather than left without a `value`; the other attributes stay.
#[tokio::test]
async fn entra_gallery_null_update() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("null.update@contoso.com")).await;
    let department = format!("{ENTERPRISE}:department");
    let work_email = "emails[type eq \"work\"].value";
    for cleared in [json!(""), Value::Null] {
        // (Re)fill the attributes, then clear them the way Entra does.
        let filled = patch_user(
            &app,
            &id,
            json!([
                {"op": "Replace", "path": "displayName", "value": "Null Update"},
                {"op": "Replace", "path": "title", "value": "Engineer"},
                {"op": "Replace", "path": "nickName", "value": "Nully"},
                {"op": "Replace", "path": "name.givenName", "value": "Nora"},
                {"op": "Replace", "path": work_email, "value": "null.update@work.contoso.com"},
                {"op": "Replace", "path": department.as_str(), "value": "Research"}
            ]),
        )
        .await;
        assert_eq!(filled["title"], "Engineer");
        assert_eq!(filled["name"]["givenName"], "Nora");
        assert_eq!(filled["emails"].as_array().map(Vec::len), Some(1), "{filled}");
        assert_eq!(filled["emails"][0]["value"], "null.update@work.contoso.com");
        assert_eq!(filled[ENTERPRISE]["department"], "Research");
        let ops: Vec<Value> = [
            "displayName",
            "title",
            "nickName",
            "name.givenName",
            work_email,
            department.as_str(),
        ]
        .iter()
        .map(|path| json!({"op": "Replace", "path": path, "value": cleared.clone()}))
        .collect();
        patch_user(&app, &id, Value::Array(ops)).await;
        let user = fetch(&app, &format!("/Users/{id}")).await;
        for attr in ["displayName", "title", "nickName"] {
            assert!(user.get(attr).is_none(), "{attr} after a {cleared} update: {user}");
        }
        assert!(
            user["name"].get("givenName").is_none(),
            "name.givenName after a {cleared} update: {user}"
        );
        let emails = user
            .get("emails")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        assert!(
            emails
                .iter()
                .all(|e| e["value"].as_str().is_some_and(|v| !v.is_empty())),
            "no email without a value after a {cleared} update: {user}"
        );
        assert!(
            !emails.iter().any(|e| e["type"] == "work"),
            "the work email is dropped after a {cleared} update: {user}"
        );
        assert!(
            user[ENTERPRISE].get("department").is_none(),
            "department after a {cleared} update: {user}"
        );
        assert_eq!(user["userName"], "null.update@contoso.com");
        assert_eq!(user["name"]["familyName"], "User", "the rest of name stays");
        assert_eq!(user["name"]["formatted"], "Gallery User");
        assert_eq!(user["phoneNumbers"].as_array().map(Vec::len), Some(3), "{user}");
        assert_eq!(user["active"], true);
        assert_eq!(user[ENTERPRISE]["employeeNumber"], "G-100", "other attributes stay");
        assert_eq!(user[ENTERPRISE]["costCenter"], "CC-7");
    }
}

/// "Paging": with 12 users (at least 11, as the check requires) and `count=5`, page k starts
/// at `5k+1` and holds exactly `min(5, 12 - 5k)` users (5, 5, then 2), `itemsPerPage` is the
/// number of users on the page, and the pages together hold every user exactly once.
#[tokio::test]
async fn entra_gallery_paging_count_5() {
    const USERS: u64 = 12;
    const COUNT: u64 = 5;
    let app = spawn_app().await;
    let mut ids = vec![];
    for i in 0..USERS {
        ids.push(app.create_user(&format!("gallery.pager{i:02}@contoso.com")).await);
    }
    let count_text = COUNT.to_string();
    let mut seen: Vec<String> = vec![];
    for k in 0..USERS.div_ceil(COUNT) {
        let start = COUNT * k + 1;
        let expected = COUNT.min(USERS - COUNT * k);
        let start_text = start.to_string();
        let page = list(
            &app,
            "/Users",
            &[("startIndex", start_text.as_str()), ("count", count_text.as_str())],
        )
        .await;
        assert_eq!(page["totalResults"], USERS, "{page}");
        assert_eq!(page["startIndex"], start, "{page}");
        let resources = page["Resources"].as_array().unwrap();
        assert_eq!(resources.len() as u64, expected, "page at {start}: {page}");
        assert_eq!(page["itemsPerPage"], json!(resources.len()), "page at {start}: {page}");
        seen.extend(resources.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
    }
    ids.sort();
    seen.sort();
    assert_eq!(seen, ids);
}

/// "Manager set": Add of the manager as a bare id string.
#[tokio::test]
async fn entra_gallery_manager_set() {
    let app = spawn_app().await;
    let boss = create(&app, "/Users", entra_user("gallery.boss@contoso.com")).await;
    let id = create(&app, "/Users", entra_user("gallery.report@contoso.com")).await;
    assert_eq!(manager_of(&app, &id).await, None);
    let patched = patch_user(
        &app,
        &id,
        json!([{"op": "Add", "path": MANAGER, "value": boss.as_str()}]),
    )
    .await;
    assert_eq!(patched[ENTERPRISE]["manager"]["value"], boss.as_str());
    assert_eq!(manager_of(&app, &id).await, Some(boss));
}

/// "Manager change": Replace of the manager with another bare id string.
#[tokio::test]
async fn entra_gallery_manager_change() {
    let app = spawn_app().await;
    let first = create(&app, "/Users", entra_user("first.manager@contoso.com")).await;
    let second = create(&app, "/Users", entra_user("second.manager@contoso.com")).await;
    let id = create(&app, "/Users", entra_user("changing.report@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([{"op": "Add", "path": MANAGER, "value": first.as_str()}]),
    )
    .await;
    assert_eq!(manager_of(&app, &id).await, Some(first));
    patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": MANAGER, "value": second.as_str()}]),
    )
    .await;
    assert_eq!(manager_of(&app, &id).await, Some(second));
}

/// "Manager remove" with `""`: Replace (and Add) of the manager with an empty string removes it.
#[tokio::test]
async fn entra_gallery_manager_remove_with_empty_string() {
    let app = spawn_app().await;
    let boss = create(&app, "/Users", entra_user("empty.boss@contoso.com")).await;
    let id = create(&app, "/Users", entra_user("empty.report@contoso.com")).await;
    for op in ["Replace", "Add"] {
        patch_user(
            &app,
            &id,
            json!([{"op": "Add", "path": MANAGER, "value": boss.as_str()}]),
        )
        .await;
        assert_eq!(manager_of(&app, &id).await, Some(boss.clone()));
        patch_user(&app, &id, json!([{"op": op, "path": MANAGER, "value": ""}])).await;
        assert_eq!(manager_of(&app, &id).await, None, "{op} with \"\"");
    }
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(
        user[ENTERPRISE]["department"], "Finance",
        "the rest of the extension stays"
    );
}

/// "Manager remove" with `null`: Replace of the manager with null removes it.
#[tokio::test]
async fn entra_gallery_manager_remove_with_null() {
    let app = spawn_app().await;
    let boss = create(&app, "/Users", entra_user("null.boss@contoso.com")).await;
    let id = create(&app, "/Users", entra_user("null.report@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([{"op": "Add", "path": MANAGER, "value": boss.as_str()}]),
    )
    .await;
    assert_eq!(manager_of(&app, &id).await, Some(boss));
    patch_user(&app, &id, json!([{"op": "Replace", "path": MANAGER, "value": null}])).await;
    assert_eq!(manager_of(&app, &id).await, None);
    assert_eq!(
        fetch(&app, &format!("/Users/{id}")).await[ENTERPRISE]["employeeNumber"],
        "G-100"
    );
}

/// "Group support is mandatory": a group is created with an empty member list, found by
/// displayName without members, a user is added by PATCH (204) and the membership check finds it.
#[tokio::test]
async fn entra_gallery_group_support() {
    let app = spawn_app().await;
    let uid = create(&app, "/Users", entra_user("gallery.member@contoso.com")).await;
    let none = list(
        &app,
        "/Groups",
        &[
            ("excludedAttributes", "members"),
            ("filter", "displayName eq \"Gallery Group\""),
        ],
    )
    .await;
    assert_eq!(none["totalResults"], 0);
    let res = app
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "externalId": Uuid::new_v4().to_string(),
                   "displayName": "Gallery Group", "meta": {"resourceType": "Group"}, "members": []}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let gid = json_of(res).await["id"].as_str().unwrap().to_owned();
    let found = list(
        &app,
        "/Groups",
        &[
            ("excludedAttributes", "members"),
            ("filter", "displayName eq \"Gallery Group\""),
        ],
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], gid.as_str());
    let add = patch_ops(json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": uid.as_str()}]}]));
    let res = app.patch(&format!("/Groups/{gid}"), add).await;
    assert_eq!(res.status(), 204);
    assert!(res.text().await.unwrap().is_empty());
    assert_eq!(app.member_ids(&gid).await, vec![uid.clone()]);
    assert_eq!(app.user_group_names(&uid).await, ["Gallery Group"]);
    let check = format!("id eq \"{gid}\" and members[value eq \"{uid}\"]");
    let member = list(
        &app,
        "/Groups",
        &[("excludedAttributes", "members"), ("filter", check.as_str())],
    )
    .await;
    assert_eq!(member["totalResults"], 1);
    assert!(member["Resources"][0].get("members").is_none());
}

/// "Soft delete is mandatory": Replace `active` with "False" deactivates the user, who is still
/// returned (inactive) by id and by filter.
#[tokio::test]
async fn entra_gallery_soft_delete() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("soft.deleted@contoso.com")).await;
    let other = create(&app, "/Users", entra_user("still.active@contoso.com")).await;
    let patched = patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .await;
    assert_eq!(patched["active"], false);
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["active"], false);
    let by_name = list(
        &app,
        "/Users",
        &[("filter", "userName eq \"soft.deleted@contoso.com\"")],
    )
    .await;
    assert_eq!(by_name["totalResults"], 1);
    assert_eq!(by_name["Resources"][0]["active"], false);
    let inactive = list(&app, "/Users", &[("filter", "active eq false")]).await;
    assert_eq!(inactive["totalResults"], 1);
    assert_eq!(inactive["Resources"][0]["id"], id.as_str());
    assert_eq!(fetch(&app, &format!("/Users/{other}")).await["active"], true);
}
