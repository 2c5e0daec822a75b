//! PATCH on users, including what Entra ID and Okta really send.
use serde_json::json;

use crate::common::{ENTERPRISE, assert_scim_error, json_of, patch_ops, spawn_app};

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
