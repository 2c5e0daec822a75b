//! The request sequences real provisioning clients send (../shared/CLIENTS.md), replayed
//! end to end, with the answers those clients need.
use reqwest::Response;
use serde_json::{Value, json};

use crate::common::{ENTERPRISE, GROUP_SCHEMA, TestApp, USER_SCHEMA, json_of, patch_ops, spawn_app};

async fn get_q(app: &TestApp, path: &str, query: &[(&str, &str)]) -> Response {
    app.client
        .get(app.url(&format!("/scim/v2{path}")))
        .query(query)
        .bearer_auth(&app.token)
        .header("user-agent", "Okta SCIM Client 1.0.0")
        .send()
        .await
        .unwrap()
}

async fn ok_json(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/scim+json"), "{ct}");
    json_of(res).await
}

fn is_integer(v: &Value) -> bool {
    v.is_u64()
}

#[tokio::test]
async fn microsoft_entra_id_provisioning_cycle() {
    let app = spawn_app().await;
    // 1. Test connection: a random userName must give 200 and an empty list.
    let probe = ok_json(
        get_q(
            &app,
            "/Users",
            &[("filter", "userName eq \"2d1a8f3c-7c3e-4a8b-9f1d-0e6b5c4a3b2f\"")],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(probe["totalResults"], 0);
    // 2. Match on userName, then on the work email; no match, so create.
    let matched = ok_json(
        get_q(
            &app,
            "/Users",
            &[("filter", "userName eq \"Test_User_ab6490ee@contoso.com\"")],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(matched["totalResults"], 0);
    let created = ok_json(
        app.post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE], "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": "Test_User_ab6490ee@contoso.com", "active": true, "displayName": "Test User",
                "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@contoso.com"}],
                "meta": {"resourceType": "User"},
                "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
                "roles": [], ENTERPRISE: {"department": "Sales"}
            }),
        )
        .await,
        201,
    )
    .await;
    let uid = created["id"].as_str().unwrap().to_owned();
    let by_email = ok_json(
        get_q(
            &app,
            "/Users",
            &[(
                "filter",
                "emails[type eq \"work\"].value eq \"Test_User_fd0ea19b@contoso.com\"",
            )],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(by_email["Resources"][0]["id"], uid.as_str());
    let by_external = ok_json(
        get_q(
            &app,
            "/Users",
            &[("filter", "externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(by_external["totalResults"], 1, "unquoted values, as in Entra's docs");
    // 3. Updates use the cached id, in the default (non-flag) PATCH shapes.
    let patched = ok_json(
        app.patch(
            &format!("/Users/{uid}"),
            patch_ops(json!([
                {"op": "Replace", "path": "displayName", "value": "Updated Name"},
                {"op": "Add", "path": "nickName", "value": "Babs"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.com"},
                {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "Eqpj"},
                {"op": "Replace", "path": "name.familyName", "value": "Jensen"}
            ])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["emails"][0]["value"], "updated@contoso.com");
    assert_eq!(
        patched[ENTERPRISE],
        json!({"department": "Sales", "employeeNumber": "Eqpj"})
    );
    // 4. Groups: look up by name without members, create with an empty member list, then PATCH members.
    let none = ok_json(
        get_q(
            &app,
            "/Groups",
            &[
                ("excludedAttributes", "members"),
                ("filter", "displayName eq \"Group1DisplayName\""),
            ],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(none["totalResults"], 0);
    let group = ok_json(
        app.post("/Groups", json!({"schemas": [GROUP_SCHEMA], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Group1DisplayName", "meta": {"resourceType": "Group"}, "members": []})).await,
        201,
    )
    .await;
    let gid = group["id"].as_str().unwrap().to_owned();
    let add = patch_ops(json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": uid}]}]));
    assert!(app.patch(&format!("/Groups/{gid}"), add).await.status().is_success());
    // 5. Membership check.
    let check = format!("id eq \"{gid}\" and members[value eq \"{uid}\"]");
    let found = ok_json(
        get_q(
            &app,
            "/Groups",
            &[("excludedAttributes", "members"), ("filter", &check)],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none());
    // Removal, legacy shape and then the aadOptscim062020 shape (re-added in between).
    let remove = patch_ops(json!([{"op": "Remove", "path": "members", "value": [{"value": uid}]}]));
    assert!(app.patch(&format!("/Groups/{gid}"), remove).await.status().is_success());
    assert!(app.member_ids(&gid).await.is_empty());
    let add = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]));
    app.patch(&format!("/Groups/{gid}"), add).await;
    let remove = patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]));
    assert!(app.patch(&format!("/Groups/{gid}"), remove).await.status().is_success());
    assert!(app.member_ids(&gid).await.is_empty());
    // 6. Deprovision: soft delete, still returned while inactive, then hard delete.
    let soft = patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    assert_eq!(
        ok_json(app.patch(&format!("/Users/{uid}"), soft).await, 200).await["active"],
        false
    );
    assert_eq!(
        ok_json(app.get(&format!("/Users/{uid}")).await, 200).await["active"],
        false
    );
    assert_eq!(app.delete(&format!("/Users/{uid}")).await.status(), 204);
    assert_eq!(app.get(&format!("/Users/{uid}")).await.status(), 404);
}

#[tokio::test]
async fn okta_provisioning_import_and_group_push() {
    let app = spawn_app().await;
    // Create: lookup with paging parameters, then POST with password, groups and externalId.
    let lookup = ok_json(
        get_q(
            &app,
            "/Users",
            &[
                ("filter", "userName eq \"jane.doe@okta.local\""),
                ("startIndex", "1"),
                ("count", "100"),
            ],
        )
        .await,
        200,
    )
    .await;
    assert!(
        is_integer(&lookup["totalResults"]) && is_integer(&lookup["startIndex"]) && is_integer(&lookup["itemsPerPage"])
    );
    let body = json!({
        "schemas": [USER_SCHEMA], "userName": "jane.doe@okta.local", "externalId": "00u1abcd",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": "jane.doe@okta.local", "type": "work"}],
        "displayName": "Jane Doe", "locale": "en-US", "password": "1mz050nq", "groups": [], "active": true
    });
    let created = ok_json(app.post("/Users", body.clone()).await, 201).await;
    let uid = created["id"].as_str().unwrap().to_owned();
    assert!(created.get("password").is_none());
    // Duplicate → 409 with a SCIM error body.
    let dup = app.post("/Users", body).await;
    assert_eq!(dup.status(), 409);
    assert_eq!(json_of(dup).await["scimType"], "uniqueness");
    // Username case-sensitivity check: uppercased lookup still finds the user.
    let upper = ok_json(
        get_q(&app, "/Users", &[("filter", "userName eq \"JANE.DOE@OKTA.LOCAL\"")]).await,
        200,
    )
    .await;
    assert_eq!(upper["totalResults"], 1);
    // AIW update: GET, then full PUT; deactivation inside the PUT.
    let mut current = ok_json(app.get(&format!("/Users/{uid}")).await, 200).await;
    current["name"]["familyName"] = json!("Doe-Smith");
    current["active"] = json!(false);
    let put = ok_json(app.put(&format!("/Users/{uid}"), current).await, 200).await;
    assert_eq!(
        (put["name"]["familyName"].as_str(), put["active"].as_bool()),
        (Some("Doe-Smith"), Some(false))
    );
    // OIN reactivation: a path-less replace.
    let act = ok_json(
        app.patch(
            &format!("/Users/{uid}"),
            patch_ops(json!([{"op": "replace", "value": {"active": true}}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(act["active"], true);
    // Import pages of 2 with a stable order.
    for i in 0..3 {
        app.create_user(&format!("import{i}@okta.local")).await;
    }
    let mut seen = vec![];
    for start in ["1", "3"] {
        let page = ok_json(
            get_q(&app, "/Users", &[("startIndex", start), ("count", "2")]).await,
            200,
        )
        .await;
        assert_eq!(page["totalResults"], 4);
        seen.extend(page["Resources"].as_array().unwrap().iter().map(|r| r["id"].clone()));
    }
    // Each user exactly once across the pages: compare with every id, both sorted.
    let all = ok_json(get_q(&app, "/Users", &[("count", "100")]).await, 200).await;
    let mut every: Vec<Value> = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    every.sort_by_key(|v| v.to_string());
    seen.sort_by_key(|v| v.to_string());
    assert_eq!(every.len(), 4);
    assert_eq!(seen, every);
    // Group push: create, rename + remove + add in one PATCH, full replace, unlink with DELETE.
    let other = app.create_user("push@okta.local").await;
    let gid = app.create_group("Push Group", &[&uid]).await;
    let push = patch_ops(json!([
        {"op": "replace", "value": {"id": gid, "displayName": "Push Group Renamed"}},
        {"op": "remove", "path": format!("members[value eq \"{uid}\"]")},
        {"op": "add", "path": "members", "value": [{"value": other, "display": "push@okta.local"}]}
    ]));
    let pushed = app.patch(&format!("/Groups/{gid}"), push).await;
    assert!(pushed.status() == 200 || pushed.status() == 204);
    assert_eq!(app.member_ids(&gid).await, vec![other.clone()]);
    let full = patch_ops(
        json!([{"op": "replace", "path": "members", "value": [{"value": uid, "display": "jane"}, {"value": other}]}]),
    );
    assert!(app.patch(&format!("/Groups/{gid}"), full).await.status().is_success());
    assert_eq!(app.member_ids(&gid).await.len(), 2);
    assert_eq!(app.delete(&format!("/Groups/{gid}")).await.status(), 204);
    assert_eq!(
        app.get(&format!("/Users/{uid}")).await.status(),
        200,
        "users survive a group unlink"
    );
}

#[tokio::test]
async fn onelogin_sends_a_single_email_object_without_primary() {
    let app = spawn_app().await;
    let created = ok_json(
        app.post("/Users", json!({"schemas": [USER_SCHEMA], "userName": "ol@example.com", "emails": {"value": "ol@example.com", "type": "work"}})).await,
        201,
    )
    .await;
    assert_eq!(created["emails"], json!([{"value": "ol@example.com", "type": "work"}]));
    let found = ok_json(
        get_q(&app, "/Users", &[("filter", "emails.value eq \"ol@example.com\"")]).await,
        200,
    )
    .await;
    assert_eq!(found["totalResults"], 1);
}

#[tokio::test]
async fn jumpcloud_activation_per_attribute_replaces_and_member_changes() {
    let app = spawn_app().await;
    // Activate: GET /Users with no users must be a valid 200.
    let empty = ok_json(app.get("/Users").await, 200).await;
    assert_eq!(empty["totalResults"], 0);
    let uid = app.create_user("jc@example.com").await;
    let ops = patch_ops(json!([
        {"op": "replace", "path": "name.givenName", "value": "Jay"},
        {"op": "replace", "path": "title", "value": "Engineer"},
        {"op": "replace", "path": "active", "value": false}
    ]));
    let user = ok_json(app.patch(&format!("/Users/{uid}"), ops).await, 200).await;
    assert_eq!(
        (
            user["name"]["givenName"].as_str(),
            user["title"].as_str(),
            user["active"].as_bool()
        ),
        (Some("Jay"), Some("Engineer"), Some(false))
    );
    let gid = app.create_group("jc", &[]).await;
    let add = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]));
    assert!(app.patch(&format!("/Groups/{gid}"), add).await.status().is_success());
    let remove = patch_ops(json!([{"op": "remove", "path": "members", "value": [{"value": uid}]}]));
    assert!(app.patch(&format!("/Groups/{gid}"), remove).await.status().is_success());
    assert!(app.member_ids(&gid).await.is_empty());
}
