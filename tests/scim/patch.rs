//! PATCH on users, including what Entra ID and Okta really send.
use serde_json::json;

use crate::common::{ENTERPRISE, USER_SCHEMA, assert_scim_error, json_of, patch_ops, spawn_app, user_json};

#[tokio::test]
async fn entra_default_patch_shapes_apply() {
    let app = spawn_app().await;
    let id = app.create_user("entra").await;
    let ops = patch_ops(json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "nickName", "value": "Babs"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@y.com"},
        {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "Eqpj"}
    ]));
    let res = app.patch(&format!("/Users/{id}"), ops).await;
    assert_eq!(res.status(), 200);
    let user = json_of(res).await;
    assert_eq!(user["active"], false);
    assert_eq!(user["nickName"], "Babs");
    assert_eq!(user["emails"][0]["value"], "x@y.com");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Eqpj");
    assert!(user["schemas"].as_array().unwrap().contains(&json!(ENTERPRISE)));
}

#[tokio::test]
async fn entra_pathless_replace_with_dotted_and_urn_keys() {
    let app = spawn_app().await;
    let id = app.create_user("dotted").await;
    let ops = patch_ops(json!([{"op": "replace", "value": {
        "displayName": "Bjfe", "name.givenName": "Kkom", format!("{ENTERPRISE}:employeeNumber"): "Aklq"
    }}]));
    let user = json_of(app.patch(&format!("/Users/{id}"), ops).await).await;
    assert_eq!(user["displayName"], "Bjfe");
    assert_eq!(user["name"], json!({"givenName": "Kkom", "familyName": "Family"}));
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "Aklq");
}

#[tokio::test]
async fn add_on_a_filtered_path_creates_the_missing_element() {
    let app = spawn_app().await;
    let id = app.create_user("filtered").await;
    let ops = patch_ops(json!([{"op": "add", "path": "emails[type eq \"home\"].value", "value": "home@example.com"}]));
    let user = json_of(app.patch(&format!("/Users/{id}"), ops).await).await;
    let emails = user["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2);
    assert!(emails.contains(&json!({"type": "home", "value": "home@example.com"})));
    // The new address is searchable at once.
    let res = app
        .get("/Users?filter=emails.value%20eq%20%22home@example.com%22")
        .await;
    assert_eq!(json_of(res).await["totalResults"], 1);
}

#[tokio::test]
async fn okta_deactivates_with_a_pathless_replace() {
    let app = spawn_app().await;
    let id = app.create_user("okta").await;
    let ops = patch_ops(json!([{"op": "replace", "value": {"active": false}}]));
    let user = json_of(app.patch(&format!("/Users/{id}"), ops).await).await;
    assert_eq!(user["active"], false);
    assert_eq!(user["meta"]["version"], "W/\"2\"");
}

#[tokio::test]
async fn remove_clears_an_attribute_and_a_value_filtered_element() {
    let app = spawn_app().await;
    let id = app.create_user("rm").await;
    let ops = patch_ops(json!([
        {"op": "add", "path": "emails", "value": [{"value": "second@example.com", "type": "home"}]},
        {"op": "remove", "path": "name.givenName"},
        {"op": "remove", "path": "emails[type eq \"work\"]"}
    ]));
    let user = json_of(app.patch(&format!("/Users/{id}"), ops).await).await;
    assert_eq!(user["emails"], json!([{"value": "second@example.com", "type": "home"}]));
    assert_eq!(user["name"], json!({"familyName": "Family"}));
}

#[tokio::test]
async fn a_password_change_by_patch_is_hashed_and_never_returned() {
    let app = spawn_app().await;
    let id = app.create_user("pw").await;
    let ops = patch_ops(json!([{"op": "replace", "path": "password", "value": "n3w-Secret!"}]));
    let user = json_of(app.patch(&format!("/Users/{id}"), ops).await).await;
    assert!(user.get("password").is_none());
    let row = app.store.users().get(id.parse().unwrap()).await.unwrap();
    assert!(scimitar::auth::password::verify("n3w-Secret!".into(), row.password_hash.unwrap()).await);
    assert!(row.doc.get("password").is_none());
}

#[tokio::test]
async fn renaming_onto_a_taken_user_name_by_patch_is_409() {
    let app = spawn_app().await;
    app.create_user("taken").await;
    let id = app.create_user("free").await;
    let ops = patch_ops(json!([{"op": "replace", "path": "userName", "value": "TAKEN"}]));
    assert_scim_error(app.patch(&format!("/Users/{id}"), ops).await, 409, Some("uniqueness")).await;
}

#[tokio::test]
async fn invalid_patches_are_rejected_and_change_nothing() {
    let app = spawn_app().await;
    let id = app.create_user("bad").await;
    let cases = [
        (
            patch_ops(json!([{"op": "jump", "path": "nickName", "value": "x"}])),
            Some("invalidSyntax"),
        ),
        (
            patch_ops(json!([{"op": "add", "path": "nickName[", "value": "x"}])),
            Some("invalidPath"),
        ),
        (
            patch_ops(json!([{"op": "add", "path": "noSuchAttribute", "value": "x"}])),
            Some("invalidPath"),
        ),
        (patch_ops(json!([{"op": "remove"}])), Some("noTarget")),
        (
            patch_ops(json!([{"op": "replace", "path": "groups", "value": []}])),
            Some("mutability"),
        ),
        (
            patch_ops(json!([{"op": "remove", "path": "userName"}])),
            Some("mutability"),
        ),
        (
            patch_ops(
                json!([{"op": "add", "path": "nickName", "value": "ok"}, {"op": "replace", "path": "active", "value": "perhaps"}]),
            ),
            Some("invalidValue"),
        ),
        (json!({"Operations": "nope"}), Some("invalidSyntax")),
    ];
    for (body, scim_type) in cases {
        assert_scim_error(app.patch(&format!("/Users/{id}"), body.clone()).await, 400, scim_type).await;
    }
    let user = json_of(app.get(&format!("/Users/{id}")).await).await;
    assert_eq!(user["meta"]["version"], "W/\"1\"");
    assert!(user.get("nickName").is_none());
}

#[tokio::test]
async fn external_id_is_writable_by_every_patch_form_on_users_and_groups() {
    let app = spawn_app().await;
    let user = app.create_user("ext-user").await;
    let group = app.create_group("ext-group", &[]).await;
    for (path, core) in [
        (format!("/Users/{user}"), "urn:ietf:params:scim:schemas:core:2.0:User"),
        (
            format!("/Groups/{group}"),
            "urn:ietf:params:scim:schemas:core:2.0:Group",
        ),
    ] {
        let forms = [
            (
                json!([{"op": "replace", "path": "externalId", "value": "a"}]),
                Some("a"),
            ),
            (json!([{"op": "Replace", "value": {"externalId": "b"}}]), Some("b")),
            (
                json!([{"op": "add", "path": format!("{core}:externalId"), "value": "c"}]),
                Some("c"),
            ),
            (
                json!([{"op": "Add", "value": {"externalId": "d", "id": "ignored"}}]),
                Some("d"),
            ),
            (json!([{"op": "remove", "path": "externalId"}]), None),
            (json!([{"op": "add", "path": "EXTERNALID", "value": "e"}]), Some("e")),
        ];
        for (ops, want) in forms {
            let res = app.patch(&path, patch_ops(ops.clone())).await;
            assert!(res.status().is_success(), "{path} {ops}: {}", res.status());
            let now = json_of(app.get(&path).await).await;
            assert_eq!(now["externalId"].as_str(), want, "{path} {ops}");
        }
        // And it is what a filter finds.
        let endpoint = path.split('/').nth(1).unwrap();
        let found = json_of(app.get(&format!("/{endpoint}?filter=externalId%20eq%20%22e%22")).await).await;
        assert_eq!(found["totalResults"], 1, "{path}");
        // `id` and `meta` stay read-only (RFC 7644 §3.5.2).
        for ops in [
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            json!([{"op": "replace", "path": "meta.version", "value": "x"}]),
        ] {
            assert_scim_error(app.patch(&path, patch_ops(ops)).await, 400, Some("mutability")).await;
        }
    }
}

#[tokio::test]
async fn a_patch_that_cannot_do_what_it_says_fails_and_changes_nothing() {
    let app = spawn_app().await;
    let id = app.create_user("half-done").await;
    let path = format!("/Users/{id}");
    // Removing `active` would read back as true: refused, with the other operation undone.
    let ops = patch_ops(json!([
        {"op": "replace", "path": "nickName", "value": "lost?"},
        {"op": "remove", "path": "active"}
    ]));
    assert_scim_error(app.patch(&path, ops).await, 400, Some("mutability")).await;
    let ops = patch_ops(json!([{"op": "replace", "path": "active", "value": null}]));
    assert_scim_error(app.patch(&path, ops).await, 400, Some("mutability")).await;
    let now = json_of(app.get(&path).await).await;
    assert_eq!(now["meta"]["version"], "W/\"1\"");
    assert!(now.get("nickName").is_none());
    assert_eq!(now["active"], true);
}

#[tokio::test]
async fn removing_the_enterprise_extension_by_its_urn_removes_it() {
    let app = spawn_app().await;
    let mut body = user_json("ext-remove");
    body["schemas"] = json!([USER_SCHEMA, ENTERPRISE]);
    body[ENTERPRISE] = json!({"department": "D", "manager": {"value": "m"}});
    let id = json_of(app.post("/Users", body).await).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/Users/{id}");
    let res = app
        .patch(&path, patch_ops(json!([{"op": "remove", "path": ENTERPRISE}])))
        .await;
    assert_eq!(res.status(), 200);
    let now = json_of(app.get(&path).await).await;
    assert!(now.get(ENTERPRISE).is_none(), "{now}");
    assert_eq!(now["schemas"], json!([USER_SCHEMA]));
    // Added back as a whole object by its URN.
    let add = patch_ops(json!([{"op": "add", "path": ENTERPRISE, "value": {"costCenter": "7"}}]));
    assert_eq!(app.patch(&path, add).await.status(), 200);
    let now = json_of(app.get(&path).await).await;
    assert_eq!(now[ENTERPRISE], json!({"costCenter": "7"}));
    assert_eq!(now["schemas"], json!([USER_SCHEMA, ENTERPRISE]));
}

#[tokio::test]
async fn an_empty_password_is_refused_on_every_write_path() {
    let app = spawn_app().await;
    let mut body = user_json("no-empty-password");
    body["password"] = json!("");
    assert_scim_error(app.post("/Users", body.clone()).await, 400, Some("invalidValue")).await;
    body["password"] = json!("long enough");
    let id = json_of(app.post("/Users", body.clone()).await).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/Users/{id}");
    body["password"] = json!("");
    assert_scim_error(app.put(&path, body).await, 400, Some("invalidValue")).await;
    for ops in [
        json!([{"op": "replace", "path": "password", "value": ""}]),
        json!([{"op": "Replace", "value": {"password": ""}}]),
    ] {
        assert_scim_error(app.patch(&path, patch_ops(ops)).await, 400, Some("invalidValue")).await;
    }
    // Shorter than the configured minimum (8 by default): refused the same way.
    let short = patch_ops(json!([{"op": "replace", "path": "password", "value": "seven77"}]));
    let body = assert_scim_error(app.patch(&path, short).await, 400, Some("invalidValue")).await;
    assert!(body["detail"].as_str().unwrap().contains('8'), "{body}");
    assert_eq!(json_of(app.get(&path).await).await["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn put_with_active_null_keeps_a_deactivated_user_deactivated() {
    let app = spawn_app().await;
    let id = app.create_user("stay-off").await;
    let path = format!("/Users/{id}");
    let off = patch_ops(json!([{"op": "replace", "path": "active", "value": false}]));
    assert_eq!(app.patch(&path, off).await.status(), 200);
    let mut body = user_json("stay-off");
    body["active"] = serde_json::Value::Null;
    assert_eq!(app.put(&path, body).await.status(), 200);
    assert_eq!(json_of(app.get(&path).await).await["active"], false);
}
