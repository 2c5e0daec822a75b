//! Microsoft's SCIM Postman collection: its endpoint, user, group, complex-attribute and
//! "garbage" folders, one test per request.
use serde_json::{Value, json};
use uuid::Uuid;

use super::{create, fetch, list, patch_group};
use crate::common::{
    ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, assert_scim_error, json_of, patch_ops, spawn_app, user_json,
};

/// The collection's user.
fn postman_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "active": true,
        "displayName": "BobIsAmazing",
        "externalId": Uuid::new_v4().to_string(),
        "name": {"formatted": "Ryan Leenay", "familyName": "Leenay", "givenName": "Ryan"},
        "emails": [
            {"primary": true, "type": "work", "value": format!("work.{user_name}@contoso.com")},
            {"primary": false, "type": "home", "value": format!("home.{user_name}@contoso.com")}
        ]
    })
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---------------------------------------------------------------- endpoints

/// "ResourceTypes": `/ResourceTypes` lists the `/Users` (and `/Groups`) endpoints.
#[tokio::test]
async fn postman_endpoints_resource_types() {
    let app = spawn_app().await;
    let body = fetch(&app, "/ResourceTypes").await;
    let endpoints: Vec<&str> = body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["endpoint"].as_str().unwrap())
        .collect();
    assert!(endpoints.contains(&"/Users"), "{body}");
    assert!(endpoints.contains(&"/Groups"), "{body}");
}

/// "ServiceProviderConfig": `patch.supported` is true.
#[tokio::test]
async fn postman_endpoints_service_provider_config() {
    let app = spawn_app().await;
    let body = fetch(&app, "/ServiceProviderConfig").await;
    assert_eq!(body["patch"]["supported"], true);
    assert_eq!(body["filter"]["supported"], true);
}

// ---------------------------------------------------------------- users

/// "Create User": 201 with the user, read back the same.
#[tokio::test]
async fn postman_users_create_user() {
    let app = spawn_app().await;
    let sent = postman_user("UserName123");
    let res = app.post("/Users", sent.clone()).await;
    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    for key in ["userName", "active", "displayName", "externalId", "name", "emails"] {
        assert_eq!(created[key], sent[key], "attribute {key}");
    }
    let id = created["id"].as_str().unwrap();
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await, created);
}

/// "Create Enterprise User": the enterprise extension round-trips and is named in `schemas`.
#[tokio::test]
async fn postman_users_create_enterprise_user() {
    let app = spawn_app().await;
    let boss = app.create_user("enterprise.boss").await;
    let mut sent = postman_user("EnterpriseUser1");
    sent["schemas"] = json!([USER_SCHEMA, ENTERPRISE]);
    sent[ENTERPRISE] = json!({
        "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
        "division": "Theme Park", "department": "Tour Operations",
        "manager": {"value": boss.as_str()}
    });
    let id = create(&app, "/Users", sent.clone()).await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert!(
        user["schemas"].as_array().unwrap().contains(&json!(ENTERPRISE)),
        "{user}"
    );
    let ext = &user[ENTERPRISE];
    for key in ["employeeNumber", "costCenter", "organization", "division", "department"] {
        assert_eq!(ext[key], sent[ENTERPRISE][key], "enterprise {key}");
    }
    assert_eq!(ext["manager"]["value"], boss.as_str());
}

/// "Get User with attributes=userName,emails": only those (plus id and schemas) come back.
#[tokio::test]
async fn postman_users_get_with_attributes_user_name_and_emails() {
    let app = spawn_app().await;
    let sent = postman_user("AttrUser");
    let id = create(&app, "/Users", sent.clone()).await;
    let user = fetch(&app, &format!("/Users/{id}?attributes=userName,emails")).await;
    let mut keys: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["emails", "id", "schemas", "userName"], "{user}");
    assert_eq!(user["userName"], "AttrUser");
    assert_eq!(user["emails"], sent["emails"]);
    // The same projection on a list.
    let listed = list(&app, "/Users", &[("attributes", "userName,emails")]).await;
    let first = &listed["Resources"][0];
    assert_eq!(first["userName"], "AttrUser");
    assert!(
        first.get("name").is_none() && first.get("displayName").is_none(),
        "{first}"
    );
}

/// "Filter Users by displayName eq": finds exactly the matching user.
#[tokio::test]
async fn postman_users_filter_display_name_eq() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", postman_user("DisplayNameUser")).await;
    let mut other = postman_user("OtherUser");
    other["displayName"] = json!("SomeoneElse");
    create(&app, "/Users", other).await;
    let body = list(&app, "/Users", &[("filter", "displayName eq \"BobIsAmazing\"")]).await;
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["id"], id.as_str());
}

/// "Patch User - userName": replace of `userName`.
#[tokio::test]
async fn postman_users_patch_user_name() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", postman_user("BeforeRename")).await;
    let ops = patch_ops(json!([{"op": "replace", "path": "userName", "value": "AfterRename"}]));
    let res = app.patch(&format!("/Users/{id}"), ops).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["userName"], "AfterRename");
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["userName"], "AfterRename");
    let old = list(&app, "/Users", &[("filter", "userName eq \"BeforeRename\"")]).await;
    assert_eq!(old["totalResults"], 0);
}

/// "Patch User - replace": replace of a filtered email, a name part and (path-less) displayName.
#[tokio::test]
async fn postman_users_patch_replace() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", postman_user("ReplaceUser")).await;
    let ops = patch_ops(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@contoso.com"},
        {"op": "replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "replace", "value": {"displayName": "UpdatedDisplay", "active": false}}
    ]));
    let res = app.patch(&format!("/Users/{id}"), ops).await;
    assert_eq!(res.status(), 200);
    let user = fetch(&app, &format!("/Users/{id}")).await;
    let work = user["emails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "work")
        .unwrap();
    assert_eq!(work["value"], "updatedEmail@contoso.com");
    assert_eq!(user["emails"].as_array().unwrap().len(), 2);
    assert_eq!(user["name"]["familyName"], "updatedFamilyName");
    assert_eq!(user["name"]["givenName"], "Ryan");
    assert_eq!(user["displayName"], "UpdatedDisplay");
    assert_eq!(user["active"], false);
}

/// "Delete User": 204, then 404.
#[tokio::test]
async fn postman_users_delete() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", postman_user("DeleteUser")).await;
    let res = app.delete(&format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert_scim_error(app.get(&format!("/Users/{id}")).await, 404, None).await;
    assert_eq!(list(&app, "/Users", &[]).await["totalResults"], 0);
}

/// Enterprise user, removing the whole extension by its URN: the extension is gone.
#[tokio::test]
async fn postman_users_patch_remove_enterprise_extension() {
    let app = spawn_app().await;
    let mut sent = postman_user("NoMoreEnterprise");
    sent["schemas"] = json!([USER_SCHEMA, ENTERPRISE]);
    sent[ENTERPRISE] = json!({"employeeNumber": "42", "department": "Sales"});
    let id = create(&app, "/Users", sent).await;
    assert_eq!(
        fetch(&app, &format!("/Users/{id}")).await[ENTERPRISE]["department"],
        "Sales"
    );
    let ops = patch_ops(json!([{"op": "remove", "path": ENTERPRISE}]));
    let res = app.patch(&format!("/Users/{id}"), ops).await;
    assert_eq!(res.status(), 200);
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert!(user.get(ENTERPRISE).is_none(), "{user}");
    assert_eq!(user["userName"], "NoMoreEnterprise");
}

// ---------------------------------------------------------------- groups

/// "Create empty Group": 201, no members.
#[tokio::test]
async fn postman_groups_create_empty() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Group1DisplayName", "externalId": "ext-group-1"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    assert_eq!(created["displayName"], "Group1DisplayName");
    assert_eq!(created["externalId"], "ext-group-1");
    let id = created["id"].as_str().unwrap();
    let group = fetch(&app, &format!("/Groups/{id}")).await;
    assert!(group.get("members").is_none_or(|m| m == &json!([])), "{group}");
}

/// "Create Group with member": the member is listed with its id.
#[tokio::test]
async fn postman_groups_create_with_member() {
    let app = spawn_app().await;
    let uid = create(&app, "/Users", postman_user("GroupMember")).await;
    let gid = create(
        &app,
        "/Groups",
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Group2DisplayName", "members": [{"value": uid.as_str()}]}),
    )
    .await;
    let group = fetch(&app, &format!("/Groups/{gid}")).await;
    assert_eq!(group["members"].as_array().unwrap().len(), 1);
    assert_eq!(group["members"][0]["value"], uid.as_str());
    assert_eq!(app.user_group_names(&uid).await, ["Group2DisplayName"]);
}

/// "Put Group with members": PUT replaces the member list.
#[tokio::test]
async fn postman_groups_put_with_members() {
    let app = spawn_app().await;
    let a = app.create_user("put.a").await;
    let b = app.create_user("put.b").await;
    let c = app.create_user("put.c").await;
    let gid = app.create_group("PutGroup", &[a.as_str()]).await;
    let res = app
        .put(
            &format!("/Groups/{gid}"),
            json!({"schemas": [GROUP_SCHEMA], "displayName": "PutGroup",
                   "members": [{"value": b.as_str()}, {"value": c.as_str()}]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.member_ids(&gid).await, sorted(vec![b, c]));
    assert!(app.user_group_names(&a).await.is_empty());
}

/// "Patch Group - add members": one Add with two members; 204, both are members.
#[tokio::test]
async fn postman_groups_patch_add_members() {
    let app = spawn_app().await;
    let a = app.create_user("add.a").await;
    let b = app.create_user("add.b").await;
    let gid = app.create_group("AddGroup", &[]).await;
    patch_group(
        &app,
        &gid,
        json!([{"op": "add", "path": "members", "value": [{"value": a.as_str()}, {"value": b.as_str()}]}]),
    )
    .await;
    assert_eq!(app.member_ids(&gid).await, sorted(vec![a, b]));
}

/// "Patch Group - add members" with `?attributes=members`: 200 with the members in the answer.
#[tokio::test]
async fn postman_groups_patch_add_members_with_attributes_members() {
    let app = spawn_app().await;
    let a = app.create_user("attr.a").await;
    let b = app.create_user("attr.b").await;
    let gid = app.create_group("AttrGroup", &[a.as_str()]).await;
    let ops = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": b.as_str()}]}]));
    let res = app.patch(&format!("/Groups/{gid}?attributes=members"), ops).await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    let mut returned: Vec<String> = body["members"]
        .as_array()
        .expect("members in the answer")
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    returned.sort();
    let expected = sorted(vec![a, b]);
    assert_eq!(returned, expected);
    assert_eq!(app.member_ids(&gid).await, expected);
}

/// "Patch Group - remove all members": `{"op":"remove","path":"members"}` without a value
/// removes every member (and no user).
#[tokio::test]
async fn postman_groups_remove_all_members_without_value() {
    let app = spawn_app().await;
    let a = app.create_user("all.a").await;
    let b = app.create_user("all.b").await;
    let gid = app.create_group("RemoveAllGroup", &[a.as_str(), b.as_str()]).await;
    assert_eq!(app.member_ids(&gid).await.len(), 2);
    patch_group(&app, &gid, json!([{"op": "remove", "path": "members"}])).await;
    assert!(app.member_ids(&gid).await.is_empty());
    assert_eq!(
        fetch(&app, &format!("/Groups/{gid}")).await["displayName"],
        "RemoveAllGroup"
    );
    assert_eq!(app.get(&format!("/Users/{a}")).await.status(), 200);
    assert_eq!(app.get(&format!("/Users/{b}")).await.status(), 200);
}

/// "Delete Group": 204, then 404; the members remain.
#[tokio::test]
async fn postman_groups_delete() {
    let app = spawn_app().await;
    let a = app.create_user("delete.member").await;
    let gid = app.create_group("DeleteGroup", &[a.as_str()]).await;
    let res = app.delete(&format!("/Groups/{gid}")).await;
    assert_eq!(res.status(), 204);
    assert_scim_error(app.get(&format!("/Groups/{gid}")).await, 404, None).await;
    assert_scim_error(app.delete(&format!("/Groups/{gid}")).await, 404, None).await;
    assert_eq!(app.get(&format!("/Users/{a}")).await.status(), 200);
}

// ---------------------------------------------------------------- complex attributes

/// "Complex attributes": `emails[type eq "other"]` as a PATCH path and as a filter.
#[tokio::test]
async fn postman_complex_attributes_emails_type_other() {
    let app = spawn_app().await;
    let mut sent = postman_user("ComplexUser");
    sent["emails"] = json!([
        {"primary": true, "type": "work", "value": "complex.work@contoso.com"},
        {"type": "other", "value": "complex.other@contoso.com"}
    ]);
    let id = create(&app, "/Users", sent).await;
    create(&app, "/Users", postman_user("PlainUser")).await;
    let found = list(&app, "/Users", &[("filter", "emails[type eq \"other\"]")]).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    let ops = patch_ops(json!([
        {"op": "replace", "path": "emails[type eq \"other\"].value", "value": "complex.new@contoso.com"}
    ]));
    assert_eq!(app.patch(&format!("/Users/{id}"), ops).await.status(), 200);
    let user = fetch(&app, &format!("/Users/{id}")).await;
    let emails = user["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2);
    let other = emails.iter().find(|e| e["type"] == "other").unwrap();
    assert_eq!(other["value"], "complex.new@contoso.com");
    let work = emails.iter().find(|e| e["type"] == "work").unwrap();
    assert_eq!(work["value"], "complex.work@contoso.com");
    let by_value = list(
        &app,
        "/Users",
        &[(
            "filter",
            "emails[type eq \"other\" and value eq \"complex.new@contoso.com\"]",
        )],
    )
    .await;
    assert_eq!(by_value["totalResults"], 1);
}

// ---------------------------------------------------------------- garbage

/// "Case preserved": `OMalley@example.com` comes back in the case it was sent, and a lower-case
/// filter still finds it.
#[tokio::test]
async fn postman_garbage_case_preserved() {
    let app = spawn_app().await;
    let mut sent = user_json("OMalley@example.com");
    sent["name"] = json!({"givenName": "Ryan", "familyName": "O'Malley"});
    let res = app.post("/Users", sent).await;
    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    assert_eq!(created["userName"], "OMalley@example.com");
    let id = created["id"].as_str().unwrap();
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user["userName"], "OMalley@example.com");
    assert_eq!(user["name"]["familyName"], "O'Malley");
    let found = list(&app, "/Users", &[("filter", "userName eq \"omalley@example.com\"")]).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["userName"], "OMalley@example.com");
}

/// "True strings": `"active": "True"` and an email's `"primary": "True"` on create, and
/// `"False"`/`"True"` in PATCH, are read back as JSON booleans.
#[tokio::test]
async fn postman_garbage_true_strings() {
    let app = spawn_app().await;
    let mut sent = postman_user("TrueStrings");
    sent["active"] = json!("True");
    sent["emails"] = json!([{"primary": "True", "type": "work", "value": "true.strings@contoso.com"}]);
    let id = create(&app, "/Users", sent).await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user["active"], json!(true), "{user}");
    assert_eq!(user["emails"].as_array().map(Vec::len), Some(1), "{user}");
    assert_eq!(user["emails"][0]["value"], "true.strings@contoso.com");
    assert_eq!(
        user["emails"][0]["primary"],
        json!(true),
        "a boolean, not the string: {user}"
    );
    for (value, expected) in [("False", false), ("True", true)] {
        let ops = patch_ops(json!([{"op": "Replace", "path": "active", "value": value}]));
        let res = app.patch(&format!("/Users/{id}"), ops).await;
        assert_eq!(res.status(), 200);
        assert_eq!(json_of(res).await["active"], expected);
        assert_eq!(fetch(&app, &format!("/Users/{id}")).await["active"], expected);
    }
}

/// "409 then retry": a duplicate userName (in another case) is 409; a retry with a new name is 201.
#[tokio::test]
async fn postman_garbage_conflict_then_retry() {
    let app = spawn_app().await;
    create(&app, "/Users", postman_user("RetryUser")).await;
    let res = app.post("/Users", postman_user("RETRYUSER")).await;
    let error = assert_scim_error(res, 409, Some("uniqueness")).await;
    assert_eq!(error["status"], "409");
    let id = create(&app, "/Users", postman_user("RetryUser2")).await;
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["userName"], "RetryUser2");
    assert_eq!(list(&app, "/Users", &[]).await["totalResults"], 2);
}

/// "Misspelled attribute in PUT": the unknown attribute (`emials`) is ignored: 200, it appears
/// neither in the answer nor in a later GET, and the valid attributes (emails included)
/// round-trip.
#[tokio::test]
async fn postman_garbage_misspelled_attribute_in_put() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", postman_user("TypoUser")).await;
    let mut body = postman_user("TypoUser");
    body["displayName"] = json!("Put Display");
    body["name"] = json!({"givenName": "Put", "familyName": "Name"});
    body["emails"] = json!([
        {"primary": true, "type": "work", "value": "put.work@contoso.com"},
        {"primary": false, "type": "home", "value": "put.home@contoso.com"}
    ]);
    body["emials"] = json!([{"value": "typo@contoso.com", "type": "work"}]);
    let res = app.put(&format!("/Users/{id}"), body.clone()).await;
    let status = res.status().as_u16();
    let answer = json_of(res).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("emials").is_none(), "{answer}");
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert!(user.get("emials").is_none(), "{user}");
    assert_eq!(answer, user, "the PUT answer is the stored user");
    for key in ["userName", "active", "displayName", "externalId", "name", "emails"] {
        assert_eq!(user[key], body[key], "attribute {key}");
    }
    let found = list(&app, "/Users", &[("filter", "emails.value eq \"typo@contoso.com\"")]).await;
    assert_eq!(
        found["totalResults"], 0,
        "the misspelled emails were not stored: {found}"
    );
}

/// "PATCH active": replace of `active` with "False" is 200 and deactivates.
#[tokio::test]
async fn postman_garbage_patch_active() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", postman_user("ActiveUser")).await;
    let ops = patch_ops(json!([{"op": "replace", "path": "active", "value": "False"}]));
    let res = app.patch(&format!("/Users/{id}"), ops).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["active"], false);
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["active"], false);
}

/// "PATCH remove active": removing `active` is refused with 400 and changes nothing.
#[tokio::test]
async fn postman_garbage_patch_remove_active() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", postman_user("KeepActive")).await;
    let ops = patch_ops(json!([{"op": "remove", "path": "active"}]));
    let res = app.patch(&format!("/Users/{id}"), ops).await;
    assert_eq!(res.status(), 400);
    let error = json_of(res).await;
    assert_eq!(error["status"], "400", "{error}");
    assert!(error["detail"].as_str().is_some_and(|d| !d.is_empty()), "{error}");
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["active"], true);
}

/// "Paging": `startIndex`/`count` pages cover every user exactly once.
#[tokio::test]
async fn postman_garbage_paging() {
    let app = spawn_app().await;
    let mut all = vec![];
    for i in 0..5 {
        all.push(app.create_user(&format!("pager{i}")).await);
    }
    let mut seen = vec![];
    for (start, expected_len) in [("1", 2), ("3", 2), ("5", 1)] {
        let page = list(&app, "/Users", &[("startIndex", start), ("count", "2")]).await;
        assert_eq!(page["totalResults"], 5);
        assert_eq!(page["startIndex"].to_string(), start);
        let resources = page["Resources"].as_array().unwrap();
        assert_eq!(resources.len(), expected_len, "page at {start}");
        seen.extend(resources.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
    }
    all.sort();
    seen.sort();
    assert_eq!(seen, all);
}

/// "Filter eq and (… or …)": a conjunction with a parenthesised disjunction.
#[tokio::test]
async fn postman_garbage_filter_eq_and_or() {
    let app = spawn_app().await;
    let alpha = app.create_user("alpha").await;
    app.create_user("bravo").await;
    let charlie = app.create_user("charlie").await;
    let filter = "name.familyName eq \"Family\" and (userName eq \"alpha\" or emails.value eq \"charlie@example.com\")";
    let body = list(&app, "/Users", &[("filter", filter)]).await;
    assert_eq!(body["totalResults"], 2);
    assert_eq!(ids(&body), sorted(vec![alpha, charlie]));
    let none = list(
        &app,
        "/Users",
        &[(
            "filter",
            "name.familyName eq \"Other\" and (userName eq \"alpha\" or userName eq \"bravo\")",
        )],
    )
    .await;
    assert_eq!(none["totalResults"], 0);
}

/// "Filter sw": `userName sw` matches the prefix, ignoring case.
#[tokio::test]
async fn postman_garbage_filter_sw() {
    let app = spawn_app().await;
    let one = app.create_user("pm.one").await;
    let two = app.create_user("PM.two").await;
    app.create_user("other.pm").await;
    let body = list(&app, "/Users", &[("filter", "userName sw \"pm.\"")]).await;
    assert_eq!(body["totalResults"], 2);
    assert_eq!(ids(&body), sorted(vec![one, two]));
}

/// "Filter gt": `meta.lastModified gt` a past instant finds every user, a future one none; a
/// user's own `meta.lastModified` is not `gt` itself but is `ge` itself, and an instant one
/// second earlier written with a `+00:00` offset and no fraction is `gt`.
#[tokio::test]
async fn postman_garbage_filter_gt() {
    let app = spawn_app().await;
    let a = app.create_user("gt.a").await;
    let b = app.create_user("gt.b").await;
    let own = fetch(&app, &format!("/Users/{a}")).await["meta"]["lastModified"]
        .as_str()
        .expect("meta.lastModified")
        .to_owned();
    let a_only = |cmp: &str, instant: &str| format!("meta.lastModified {cmp} \"{instant}\" and userName eq \"gt.a\"");
    let not_after_itself = list(&app, "/Users", &[("filter", a_only("gt", own.as_str()).as_str())]).await;
    assert_eq!(not_after_itself["totalResults"], 0, "{own}: {not_after_itself}");
    let all_gt = list(
        &app,
        "/Users",
        &[("filter", format!("meta.lastModified gt \"{own}\"").as_str())],
    )
    .await;
    assert!(!ids(&all_gt).contains(&a), "gt its own lastModified {own}: {all_gt}");
    let ge = list(&app, "/Users", &[("filter", a_only("ge", own.as_str()).as_str())]).await;
    assert_eq!(ge["totalResults"], 1, "{own}: {ge}");
    assert_eq!(ge["Resources"][0]["id"], a.as_str());
    let earlier = (chrono::DateTime::parse_from_rfc3339(&own).expect("RFC 3339 lastModified")
        - chrono::Duration::seconds(1))
    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    assert!(earlier.ends_with("+00:00"), "{earlier}");
    let after_earlier = list(&app, "/Users", &[("filter", a_only("gt", earlier.as_str()).as_str())]).await;
    assert_eq!(after_earlier["totalResults"], 1, "{earlier}: {after_earlier}");
    assert_eq!(after_earlier["Resources"][0]["id"], a.as_str());
    let past = list(
        &app,
        "/Users",
        &[("filter", "meta.lastModified gt \"2000-01-01T00:00:00Z\"")],
    )
    .await;
    assert_eq!(past["totalResults"], 2);
    assert_eq!(ids(&past), sorted(vec![a, b]));
    let future = list(
        &app,
        "/Users",
        &[("filter", "meta.lastModified gt \"2999-01-01T00:00:00Z\"")],
    )
    .await;
    assert_eq!(future["totalResults"], 0);
    let created = list(
        &app,
        "/Users",
        &[(
            "filter",
            "meta.created gt \"2000-01-01T00:00:00Z\" and userName eq \"gt.a\"",
        )],
    )
    .await;
    assert_eq!(created["totalResults"], 1);
}
