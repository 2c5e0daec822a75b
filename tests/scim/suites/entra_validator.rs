//! The Microsoft Entra SCIM Validator (scimvalidator.microsoft.com): its mandatory and preview
//! tests, one test per step, with the payloads the validator really sends (capitalised ops,
//! "True"/"False" strings, roles with a string `primary`, a manager id that names no user).
use serde_json::{Value, json};
use uuid::Uuid;

use super::{assert_no_content, create, fetch, list, patch_group, patch_user};
use crate::common::{ENTERPRISE, GROUP_SCHEMA, TestApp, USER_SCHEMA, assert_scim_error, json_of, patch_ops, spawn_app};

const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
/// The validator's generated manager id: it names no user on the server.
const ABSENT_MANAGER: &str = "5d9ab2e1-0c4f-4e36-a8d1-7f2c9b3e6a10";

/// A user as the validator creates it.
fn entra_user(user_name: &str) -> Value {
    let local = user_name.split('@').next().unwrap_or(user_name);
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": Uuid::new_v4().to_string(),
        "userName": user_name,
        "active": true,
        "displayName": "HFRCKTKDNHVB",
        "title": "OSOZPIFNIKXK",
        "nickName": "LEIKAQPQPJHZ",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "profileUrl": format!("https://contoso.example/profiles/{local}"),
        "userType": "Member",
        "emails": [{"primary": true, "type": "work", "value": format!("{local}@work.contoso.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Bradford Eugenia", "familyName": "Eugenia", "givenName": "Bradford"},
        "addresses": [{
            "type": "work", "formatted": "1 Microsoft Way Redmond WA 98052 US",
            "streetAddress": "1 Microsoft Way", "locality": "Redmond", "region": "WA",
            "postalCode": "98052", "country": "US"
        }],
        "phoneNumbers": [
            {"type": "work", "value": "+1 425-555-0100"},
            {"type": "mobile", "value": "+1 425-555-0101"},
            {"type": "fax", "value": "+1 425-555-0102"}
        ],
        "roles": [{"primary": "True", "display": "SNRTYKWIBCHS", "value": "HVQMKBYMRTUX", "type": "WindowsAzureActiveDirectoryRole"}],
        ENTERPRISE: {
            "employeeNumber": "RYQZTFQC", "department": "NHPBKCHNUQSK", "costCenter": "KXNGHRSE",
            "organization": "Contoso", "division": "JGTWPLVQ",
            "manager": {"value": ABSENT_MANAGER}
        }
    })
}

/// The same user without a manager.
fn entra_user_without_manager(user_name: &str) -> Value {
    let mut body = entra_user(user_name);
    body[ENTERPRISE].as_object_mut().unwrap().remove("manager");
    body
}

/// A group as the validator creates it: always with an empty member list.
fn entra_group(display_name: &str) -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "externalId": Uuid::new_v4().to_string(),
        "displayName": display_name,
        "meta": {"resourceType": "Group"},
        "members": []
    })
}

async fn group_ids(app: &TestApp, filter: &str) -> Vec<String> {
    let body = list(app, "/Groups", &[("excludedAttributes", "members"), ("filter", filter)]).await;
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect()
}

fn element<'a>(user: &'a Value, attr: &str, ty: &str) -> &'a Value {
    user[attr]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["type"] == ty))
        .unwrap_or_else(|| panic!("no {attr} of type {ty} in {user}"))
}

// ---------------------------------------------------------------- mandatory: users

/// "Create a new User": POST of a full user (addresses, three phone numbers, roles with a string
/// `primary`, a manager that does not exist) is 201, echoes the user (the role's "True" read
/// back as the boolean `true`) and reads back the same.
#[tokio::test]
async fn entra_validator_mandatory_create_user() {
    let app = spawn_app().await;
    let sent = entra_user("Test_User_ab6490ee@contoso.com");
    let res = app.post("/Users", sent.clone()).await;
    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    let id = created["id"].as_str().unwrap();
    assert!(!id.is_empty());
    for key in [
        "userName",
        "externalId",
        "displayName",
        "title",
        "nickName",
        "preferredLanguage",
        "locale",
        "timezone",
        "profileUrl",
        "userType",
        "emails",
        "name",
        "addresses",
        "phoneNumbers",
    ] {
        assert_eq!(created[key], sent[key], "attribute {key}");
    }
    assert_eq!(created["active"], true);
    assert_eq!(created["meta"]["resourceType"], "User");
    assert_eq!(created["roles"].as_array().unwrap().len(), 1, "{created}");
    let role = &created["roles"][0];
    assert_eq!(
        role["primary"],
        json!(true),
        "the string \"True\" is stored as a boolean"
    );
    assert_eq!(role["display"], "SNRTYKWIBCHS");
    assert_eq!(role["value"], "HVQMKBYMRTUX");
    assert_eq!(role["type"], "WindowsAzureActiveDirectoryRole");
    let ext = &created[ENTERPRISE];
    for key in ["employeeNumber", "department", "costCenter", "organization", "division"] {
        assert_eq!(ext[key], sent[ENTERPRISE][key], "enterprise {key}");
    }
    assert_eq!(ext["manager"]["value"], ABSENT_MANAGER);
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await, created);
}

/// "Create a duplicate User": the same POST again is 409 `uniqueness`.
#[tokio::test]
async fn entra_validator_mandatory_create_duplicate_user() {
    let app = spawn_app().await;
    let body = entra_user("duplicate.user@contoso.com");
    create(&app, "/Users", body.clone()).await;
    let res = app.post("/Users", body).await;
    let error = assert_scim_error(res, 409, Some("uniqueness")).await;
    assert_eq!(error["status"], "409");
    assert_eq!(list(&app, "/Users", &[]).await["totalResults"], 1);
}

/// "Filter for an existing user": `userName eq` finds exactly that user.
#[tokio::test]
async fn entra_validator_mandatory_filter_existing_user() {
    let app = spawn_app().await;
    let sent = entra_user("filter.me@contoso.com");
    let id = create(&app, "/Users", sent.clone()).await;
    create(&app, "/Users", entra_user("someone.else@contoso.com")).await;
    let body = list(&app, "/Users", &[("filter", "userName eq \"filter.me@contoso.com\"")]).await;
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(body["totalResults"], 1);
    let found = &body["Resources"][0];
    assert_eq!(found["id"], id.as_str());
    assert_eq!(found["userName"], "filter.me@contoso.com");
    assert_eq!(found["externalId"], sent["externalId"]);
    assert_eq!(found["emails"], sent["emails"]);
    assert_eq!(found["active"], true);
}

/// "Filter for a non-existing user": `userName eq` an unknown name is 200 with no resources,
/// while the same filter on the user that exists finds exactly it.
#[tokio::test]
async fn entra_validator_mandatory_filter_non_existing_user() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("exists@contoso.com")).await;
    let filter = format!("userName eq \"{}\"", Uuid::new_v4());
    let body = list(&app, "/Users", &[("filter", filter.as_str())]).await;
    assert_eq!(body["totalResults"], 0);
    assert!(body.get("Resources").is_none_or(|r| r == &json!([])), "{body}");
    let found = list(&app, "/Users", &[("filter", "userName eq \"exists@contoso.com\"")]).await;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], id.as_str());
}

/// "Filter for an existing user with a different case": userName matching ignores case.
#[tokio::test]
async fn entra_validator_mandatory_filter_existing_user_different_case() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("Mixed.Case@Contoso.com")).await;
    for filter in [
        "userName eq \"mixed.case@contoso.com\"",
        "userName eq \"MIXED.CASE@CONTOSO.COM\"",
    ] {
        let body = list(&app, "/Users", &[("filter", filter)]).await;
        assert_eq!(body["totalResults"], 1, "{filter}");
        assert_eq!(body["Resources"][0]["id"], id.as_str());
        assert_eq!(body["Resources"][0]["userName"], "Mixed.Case@Contoso.com");
    }
}

/// "Patch User - Replace Attributes (verbose)": one Replace per attribute, with filtered paths
/// into emails, addresses, phone numbers and roles, and enterprise URN paths.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_replace_attributes_verbose() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("verbose.replace@contoso.com")).await;
    let patched = patch_user(
        &app,
        &id,
        json!([
            {"op": "Replace", "path": "displayName", "value": "KKOMBJFEAKLQ"},
            {"op": "Replace", "path": "title", "value": "UJCQOTNDRVXA"},
            {"op": "Replace", "path": "nickName", "value": "WMPUHKQE"},
            {"op": "Replace", "path": "preferredLanguage", "value": "fr-FR"},
            {"op": "Replace", "path": "timezone", "value": "Europe/Paris"},
            {"op": "Replace", "path": "name.givenName", "value": "Sandy"},
            {"op": "Replace", "path": "name.familyName", "value": "Nia"},
            {"op": "Replace", "path": "name.formatted", "value": "Sandy Nia"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "sandy.nia@work.contoso.com"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Bellevue"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].postalCode", "value": "98004"},
            {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 425-555-0200"},
            {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425-555-0201"},
            {"op": "Replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+1 425-555-0202"},
            {"op": "Replace", "path": "roles[primary eq \"True\"].display", "value": "Writer"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Research"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "EQPJ"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:costCenter"), "value": "CC-42"}
        ]),
    )
    .await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(patched, user, "the PATCH answer is the stored user");
    assert_eq!(user["displayName"], "KKOMBJFEAKLQ");
    assert_eq!(user["title"], "UJCQOTNDRVXA");
    assert_eq!(user["nickName"], "WMPUHKQE");
    assert_eq!(user["preferredLanguage"], "fr-FR");
    assert_eq!(user["timezone"], "Europe/Paris");
    assert_eq!(
        user["name"],
        json!({"formatted": "Sandy Nia", "familyName": "Nia", "givenName": "Sandy"})
    );
    assert_eq!(user["emails"].as_array().unwrap().len(), 1);
    assert_eq!(element(&user, "emails", "work")["value"], "sandy.nia@work.contoso.com");
    let address = element(&user, "addresses", "work");
    assert_eq!(address["locality"], "Bellevue");
    assert_eq!(address["postalCode"], "98004");
    assert_eq!(
        address["streetAddress"], "1 Microsoft Way",
        "untouched sub-attributes stay"
    );
    assert_eq!(user["phoneNumbers"].as_array().unwrap().len(), 3);
    assert_eq!(element(&user, "phoneNumbers", "work")["value"], "+1 425-555-0200");
    assert_eq!(element(&user, "phoneNumbers", "mobile")["value"], "+1 425-555-0201");
    assert_eq!(element(&user, "phoneNumbers", "fax")["value"], "+1 425-555-0202");
    assert_eq!(user["roles"].as_array().unwrap().len(), 1);
    assert_eq!(user["roles"][0]["display"], "Writer");
    assert_eq!(user["roles"][0]["value"], "HVQMKBYMRTUX");
    assert_eq!(user[ENTERPRISE]["department"], "Research");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "EQPJ");
    assert_eq!(user[ENTERPRISE]["costCenter"], "CC-42");
    assert_eq!(user[ENTERPRISE]["organization"], "Contoso");
}

/// "Patch User - Update userName": Replace of `userName`; the old name no longer matches.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_update_user_name() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("old.name@contoso.com")).await;
    let patched = patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": "userName", "value": "new.name@contoso.com"}]),
    )
    .await;
    assert_eq!(patched["userName"], "new.name@contoso.com");
    assert_eq!(
        fetch(&app, &format!("/Users/{id}")).await["userName"],
        "new.name@contoso.com"
    );
    let new = list(&app, "/Users", &[("filter", "userName eq \"new.name@contoso.com\"")]).await;
    assert_eq!(new["totalResults"], 1);
    assert_eq!(new["Resources"][0]["id"], id.as_str());
    let old = list(&app, "/Users", &[("filter", "userName eq \"old.name@contoso.com\"")]).await;
    assert_eq!(old["totalResults"], 0);
}

/// "Patch User - Disable User": Replace `active` with the string "False"; a GET and a filter
/// both show `active: false`.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_disable_user() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("disable.me@contoso.com")).await;
    let patched = patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .await;
    assert_eq!(patched["active"], false);
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["active"], false);
    let found = list(&app, "/Users", &[("filter", "userName eq \"disable.me@contoso.com\"")]).await;
    assert_eq!(found["totalResults"], 1, "a disabled user is still returned");
    assert_eq!(found["Resources"][0]["active"], false);
}

/// "Patch User - Add Manager": Add on the enterprise `manager` with a bare id string.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_add_manager() {
    let app = spawn_app().await;
    let boss = create(&app, "/Users", entra_user("boss@contoso.com")).await;
    let id = create(&app, "/Users", entra_user_without_manager("report@contoso.com")).await;
    assert!(
        fetch(&app, &format!("/Users/{id}")).await[ENTERPRISE]
            .get("manager")
            .is_none()
    );
    let patched = patch_user(
        &app,
        &id,
        json!([{"op": "Add", "path": MANAGER, "value": boss.as_str()}]),
    )
    .await;
    assert_eq!(patched[ENTERPRISE]["manager"]["value"], boss.as_str());
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user[ENTERPRISE]["manager"]["value"], boss.as_str());
    assert_eq!(
        user[ENTERPRISE]["department"], "NHPBKCHNUQSK",
        "the rest of the extension stays"
    );
}

/// "Patch User - Replace Manager": Replace of the manager with another bare id.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_replace_manager() {
    let app = spawn_app().await;
    let first = create(&app, "/Users", entra_user("first.boss@contoso.com")).await;
    let second = create(&app, "/Users", entra_user("second.boss@contoso.com")).await;
    let mut body = entra_user("managed@contoso.com");
    body[ENTERPRISE]["manager"] = json!({"value": first.as_str()});
    let id = create(&app, "/Users", body).await;
    assert_eq!(
        fetch(&app, &format!("/Users/{id}")).await[ENTERPRISE]["manager"]["value"],
        first.as_str()
    );
    patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": MANAGER, "value": second.as_str()}]),
    )
    .await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user[ENTERPRISE]["manager"]["value"], second.as_str());
}

/// "Patch User - Replace Manager", object form: `{"value": "<id>"}` works as well as the bare id.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_replace_manager_object_form() {
    let app = spawn_app().await;
    let boss = create(&app, "/Users", entra_user("object.boss@contoso.com")).await;
    let id = create(&app, "/Users", entra_user("object.report@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": MANAGER, "value": {"value": boss.as_str()}}]),
    )
    .await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user[ENTERPRISE]["manager"]["value"], boss.as_str());
}

/// "Patch User - Remove Manager": Remove of the manager path; the manager is gone.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_remove_manager() {
    let app = spawn_app().await;
    let boss = create(&app, "/Users", entra_user("leaving.boss@contoso.com")).await;
    let id = create(&app, "/Users", entra_user_without_manager("orphan@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([{"op": "Add", "path": MANAGER, "value": boss.as_str()}]),
    )
    .await;
    assert_eq!(
        fetch(&app, &format!("/Users/{id}")).await[ENTERPRISE]["manager"]["value"],
        boss.as_str()
    );
    patch_user(&app, &id, json!([{"op": "Remove", "path": MANAGER}])).await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert!(user[ENTERPRISE].get("manager").is_none(), "{user}");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "RYQZTFQC");
}

/// "Delete a User": DELETE is 204; the user is then neither fetched nor found by a filter.
#[tokio::test]
async fn entra_validator_mandatory_delete_user() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("delete.me@contoso.com")).await;
    assert_no_content(app.delete(&format!("/Users/{id}")).await).await;
    assert_scim_error(app.get(&format!("/Users/{id}")).await, 404, None).await;
    let found = list(&app, "/Users", &[("filter", "userName eq \"delete.me@contoso.com\"")]).await;
    assert_eq!(found["totalResults"], 0);
}

/// "Patch User - Update externalId": Replace of `externalId`; the new value is filterable.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_update_external_id() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("external.id@contoso.com")).await;
    let new = Uuid::new_v4().to_string();
    let patched = patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": "externalId", "value": new.as_str()}]),
    )
    .await;
    assert_eq!(patched["externalId"], new.as_str());
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["externalId"], new.as_str());
    let filter = format!("externalId eq \"{new}\"");
    let found = list(&app, "/Users", &[("filter", filter.as_str())]).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
}

/// "Patch User - Update externalId" with the URN-qualified path.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_update_external_id_urn_path() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("external.urn@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "path": format!("{USER_SCHEMA}:externalId"), "value": "ext-urn-1"}]),
    )
    .await;
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["externalId"], "ext-urn-1");
}

/// "Patch User - Update externalId" as a path-less Replace: `{"value": {"externalId": …}}`.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_update_external_id_pathless() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("external.pathless@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([{"op": "Replace", "value": {"externalId": "ext-pathless-1"}}]),
    )
    .await;
    assert_eq!(
        fetch(&app, &format!("/Users/{id}")).await["externalId"],
        "ext-pathless-1"
    );
    let found = list(&app, "/Users", &[("filter", "externalId eq \"ext-pathless-1\"")]).await;
    assert_eq!(found["totalResults"], 1);
}

/// "Patch User - Update externalId" with Add on a user that has none, then Remove.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_update_external_id_add_and_remove() {
    let app = spawn_app().await;
    let mut body = entra_user("external.add@contoso.com");
    body.as_object_mut().unwrap().remove("externalId");
    let id = create(&app, "/Users", body).await;
    assert!(fetch(&app, &format!("/Users/{id}")).await.get("externalId").is_none());
    patch_user(
        &app,
        &id,
        json!([{"op": "Add", "path": "externalId", "value": "ext-added-1"}]),
    )
    .await;
    assert_eq!(fetch(&app, &format!("/Users/{id}")).await["externalId"], "ext-added-1");
    patch_user(&app, &id, json!([{"op": "Remove", "path": "externalId"}])).await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert!(user.get("externalId").is_none(), "{user}");
    let found = list(&app, "/Users", &[("filter", "externalId eq \"ext-added-1\"")]).await;
    assert_eq!(found["totalResults"], 0);
}

/// "Patch User - Add Attributes (verbose)": one Add per attribute on a user that has none of
/// them; Adds on filtered paths (`addresses[type eq "work"].locality`,
/// `roles[primary eq "True"].display`, …) create the missing elements (the role with the
/// boolean `primary: true`).
#[tokio::test]
async fn entra_validator_mandatory_patch_user_add_attributes_verbose() {
    let app = spawn_app().await;
    let id = create(
        &app,
        "/Users",
        json!({
            "schemas": [USER_SCHEMA], "externalId": Uuid::new_v4().to_string(),
            "userName": "verbose.add@contoso.com", "active": true,
            "meta": {"resourceType": "User"}
        }),
    )
    .await;
    patch_user(
        &app,
        &id,
        json!([
            {"op": "Add", "path": "displayName", "value": "VRBSADDNAME"},
            {"op": "Add", "path": "title", "value": "VRBSTITLE"},
            {"op": "Add", "path": "nickName", "value": "VRBS"},
            {"op": "Add", "path": "preferredLanguage", "value": "de-DE"},
            {"op": "Add", "path": "name.givenName", "value": "Vera"},
            {"op": "Add", "path": "name.familyName", "value": "Bose"},
            {"op": "Add", "path": "name.formatted", "value": "Vera Bose"},
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "vera.bose@work.contoso.com"},
            {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "2 Main St"},
            {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Berlin"},
            {"op": "Add", "path": "addresses[type eq \"work\"].country", "value": "DE"},
            {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+49 30 555 0100"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+49 30 555 0101"},
            {"op": "Add", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+49 30 555 0102"},
            {"op": "Add", "path": "roles[primary eq \"True\"].display", "value": "Approver"},
            {"op": "Add", "path": "roles[primary eq \"True\"].value", "value": "approver"},
            {"op": "Add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "VB-1"},
            {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Audit"}
        ]),
    )
    .await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user["displayName"], "VRBSADDNAME");
    assert_eq!(user["title"], "VRBSTITLE");
    assert_eq!(user["nickName"], "VRBS");
    assert_eq!(user["preferredLanguage"], "de-DE");
    assert_eq!(user["name"]["givenName"], "Vera");
    assert_eq!(user["name"]["familyName"], "Bose");
    assert_eq!(user["name"]["formatted"], "Vera Bose");
    assert_eq!(element(&user, "emails", "work")["value"], "vera.bose@work.contoso.com");
    let addresses = user["addresses"].as_array().unwrap();
    assert_eq!(addresses.len(), 1, "one work address, filled in by three Adds: {user}");
    assert_eq!(addresses[0]["streetAddress"], "2 Main St");
    assert_eq!(addresses[0]["locality"], "Berlin");
    assert_eq!(addresses[0]["country"], "DE");
    assert_eq!(user["phoneNumbers"].as_array().unwrap().len(), 3);
    assert_eq!(element(&user, "phoneNumbers", "work")["value"], "+49 30 555 0100");
    assert_eq!(element(&user, "phoneNumbers", "mobile")["value"], "+49 30 555 0101");
    assert_eq!(element(&user, "phoneNumbers", "fax")["value"], "+49 30 555 0102");
    let roles = user["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1, "{user}");
    assert_eq!(roles[0]["display"], "Approver");
    assert_eq!(roles[0]["value"], "approver");
    assert_eq!(
        roles[0]["primary"],
        json!(true),
        "the filter's \"True\" becomes a boolean: {user}"
    );
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "VB-1");
    assert_eq!(user[ENTERPRISE]["department"], "Audit");
}

/// The validator's `roles[primary eq "True"].display` Add on a user with no roles at all creates
/// the role element, with the boolean `primary: true`.
#[tokio::test]
async fn entra_validator_mandatory_patch_user_add_role_display_without_roles() {
    let app = spawn_app().await;
    let id = app.create_user("no.roles@contoso.com").await;
    assert!(fetch(&app, &format!("/Users/{id}")).await.get("roles").is_none());
    patch_user(
        &app,
        &id,
        json!([{"op": "Add", "path": "roles[primary eq \"True\"].display", "value": "x"}]),
    )
    .await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    let roles = user["roles"].as_array().expect("roles created");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["display"], "x");
    assert_eq!(
        roles[0]["primary"],
        json!(true),
        "the filter's \"True\" becomes a boolean: {user}"
    );
}

/// The validator may send an empty `Operations` array: RFC 7644 §3.5.2 requires one or more
/// operations, so it is 400 `invalidSyntax` and the user is unchanged (still version 1).
#[tokio::test]
async fn entra_validator_mandatory_patch_user_empty_operations() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("empty.ops@contoso.com")).await;
    let before = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(before["meta"]["version"], "W/\"1\"");
    let res = app.patch(&format!("/Users/{id}"), patch_ops(json!([]))).await;
    assert_scim_error(res, 400, Some("invalidSyntax")).await;
    let after = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(after["meta"]["version"], "W/\"1\"", "the rejected PATCH left no trace");
    assert_eq!(after, before);
}

// ---------------------------------------------------------------- mandatory: groups

/// "Get group by id excluding members": `GET /Groups/{id}?excludedAttributes=members` is 200
/// without a `members` key.
#[tokio::test]
async fn entra_validator_mandatory_get_group_by_id_excluding_members() {
    let app = spawn_app().await;
    let member = create(&app, "/Users", entra_user("member@contoso.com")).await;
    let id = app.create_group("Excluded Members", &[member.as_str()]).await;
    let group = fetch(&app, &format!("/Groups/{id}?excludedAttributes=members")).await;
    assert_eq!(group["id"], id.as_str());
    assert_eq!(group["displayName"], "Excluded Members");
    assert!(group.get("members").is_none(), "{group}");
    // Without the exclusion the member is there.
    assert_eq!(app.member_ids(&id).await, vec![member]);
}

/// "Filter for an existing group with excluded members": `displayName eq` with
/// `excludedAttributes=members` finds the group without its members.
#[tokio::test]
async fn entra_validator_mandatory_filter_existing_group_excluding_members() {
    let app = spawn_app().await;
    let member = create(&app, "/Users", entra_user("grouped@contoso.com")).await;
    let id = app.create_group("Group1DisplayName", &[member.as_str()]).await;
    app.create_group("Group2DisplayName", &[]).await;
    let body = list(
        &app,
        "/Groups",
        &[
            ("excludedAttributes", "members"),
            ("filter", "displayName eq \"Group1DisplayName\""),
        ],
    )
    .await;
    assert_eq!(body["totalResults"], 1);
    let group = &body["Resources"][0];
    assert_eq!(group["id"], id.as_str());
    assert_eq!(group["displayName"], "Group1DisplayName");
    assert!(group.get("members").is_none(), "{body}");
}

/// "Filter for an existing group": `displayName eq` finds the group, members included.
#[tokio::test]
async fn entra_validator_mandatory_filter_existing_group() {
    let app = spawn_app().await;
    let member = create(&app, "/Users", entra_user("listed.member@contoso.com")).await;
    let id = app.create_group("Finance", &[member.as_str()]).await;
    app.create_group("Legal", &[]).await;
    let body = list(&app, "/Groups", &[("filter", "displayName eq \"Finance\"")]).await;
    assert_eq!(body["totalResults"], 1);
    let group = &body["Resources"][0];
    assert_eq!(group["id"], id.as_str());
    assert_eq!(group["members"][0]["value"], member.as_str());
}

/// "Filter for a non-existing group": 200 with no resources, while the same filter on the group
/// that exists finds exactly it.
#[tokio::test]
async fn entra_validator_mandatory_filter_non_existing_group() {
    let app = spawn_app().await;
    let id = app.create_group("Present", &[]).await;
    let filter = format!("displayName eq \"{}\"", Uuid::new_v4());
    let body = list(
        &app,
        "/Groups",
        &[("excludedAttributes", "members"), ("filter", filter.as_str())],
    )
    .await;
    assert_eq!(body["totalResults"], 0);
    assert!(body.get("Resources").is_none_or(|r| r == &json!([])), "{body}");
    let found = list(
        &app,
        "/Groups",
        &[
            ("excludedAttributes", "members"),
            ("filter", "displayName eq \"Present\""),
        ],
    )
    .await;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], id.as_str());
}

/// "Filter for an existing group with a different case": displayName matching ignores case.
#[tokio::test]
async fn entra_validator_mandatory_filter_existing_group_different_case() {
    let app = spawn_app().await;
    let id = app.create_group("MixedCaseGroup", &[]).await;
    for filter in ["displayName eq \"mixedcasegroup\"", "displayName eq \"MIXEDCASEGROUP\""] {
        assert_eq!(group_ids(&app, filter).await, vec![id.clone()], "{filter}");
    }
}

/// "Create a new Group": POST with an empty member list is 201 and reads back the same.
#[tokio::test]
async fn entra_validator_mandatory_create_group() {
    let app = spawn_app().await;
    let sent = entra_group("New Entra Group");
    let res = app.post("/Groups", sent.clone()).await;
    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["displayName"], "New Entra Group");
    assert_eq!(created["externalId"], sent["externalId"]);
    assert_eq!(created["meta"]["resourceType"], "Group");
    assert!(created.get("members").is_none_or(|m| m == &json!([])), "{created}");
    assert_eq!(fetch(&app, &format!("/Groups/{id}")).await, created);
}

/// "Create a duplicate group": the same POST again is 409 `uniqueness`.
#[tokio::test]
async fn entra_validator_mandatory_create_duplicate_group() {
    let app = spawn_app().await;
    let body = entra_group("Duplicate Group");
    create(&app, "/Groups", body.clone()).await;
    let error = assert_scim_error(app.post("/Groups", body).await, 409, Some("uniqueness")).await;
    assert_eq!(error["status"], "409");
    assert_eq!(list(&app, "/Groups", &[]).await["totalResults"], 1);
}

/// "Create a duplicate group" with the name in another case: still 409 `uniqueness`.
#[tokio::test]
async fn entra_validator_mandatory_create_duplicate_group_different_case() {
    let app = spawn_app().await;
    create(&app, "/Groups", entra_group("Case Group")).await;
    let res = app.post("/Groups", entra_group("CASE group")).await;
    assert_scim_error(res, 409, Some("uniqueness")).await;
    assert_eq!(list(&app, "/Groups", &[]).await["totalResults"], 1);
}

/// "Patch Group - Replace Attributes": a path-less Replace of displayName and externalId is 204.
#[tokio::test]
async fn entra_validator_mandatory_patch_group_replace_attributes() {
    let app = spawn_app().await;
    let id = create(&app, "/Groups", entra_group("Before Replace")).await;
    let external = Uuid::new_v4().to_string();
    patch_group(
        &app,
        &id,
        json!([{"op": "Replace", "value": {"displayName": "After Replace", "externalId": external.as_str()}}]),
    )
    .await;
    let group = fetch(&app, &format!("/Groups/{id}")).await;
    assert_eq!(group["displayName"], "After Replace");
    assert_eq!(group["externalId"], external.as_str());
    assert_eq!(
        group_ids(&app, "displayName eq \"After Replace\"").await,
        vec![id.clone()]
    );
    assert!(group_ids(&app, "displayName eq \"Before Replace\"").await.is_empty());
}

/// "Patch Group - Update displayName": Replace of `displayName` is 204.
#[tokio::test]
async fn entra_validator_mandatory_patch_group_update_display_name() {
    let app = spawn_app().await;
    let id = create(&app, "/Groups", entra_group("Old Group Name")).await;
    patch_group(
        &app,
        &id,
        json!([{"op": "Replace", "path": "displayName", "value": "New Group Name"}]),
    )
    .await;
    assert_eq!(
        fetch(&app, &format!("/Groups/{id}")).await["displayName"],
        "New Group Name"
    );
}

/// "Patch Group - Update displayName" sent with `?excludedAttributes=members`: 200 with the
/// group, without members.
#[tokio::test]
async fn entra_validator_mandatory_patch_group_update_display_name_excluding_members() {
    let app = spawn_app().await;
    let member = app.create_user("kept.member@contoso.com").await;
    let id = app.create_group("Projected Group", &[member.as_str()]).await;
    let ops = patch_ops(json!([{"op": "Replace", "path": "displayName", "value": "Projected Renamed"}]));
    let res = app
        .patch(&format!("/Groups/{id}?excludedAttributes=members"), ops)
        .await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["displayName"], "Projected Renamed");
    assert!(body.get("members").is_none(), "{body}");
    assert_eq!(app.member_ids(&id).await, vec![member]);
}

/// "Patch Group - Add Member": Add on `members` is 204 and the user is a member.
#[tokio::test]
async fn entra_validator_mandatory_patch_group_add_member() {
    let app = spawn_app().await;
    let uid = create(&app, "/Users", entra_user("new.member@contoso.com")).await;
    let gid = create(&app, "/Groups", entra_group("Add Member Group")).await;
    patch_group(
        &app,
        &gid,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": uid.as_str()}]}]),
    )
    .await;
    assert_eq!(app.member_ids(&gid).await, vec![uid.clone()]);
    assert_eq!(app.user_group_names(&uid).await, ["Add Member Group"]);
    let check = format!("id eq \"{gid}\" and members[value eq \"{uid}\"]");
    assert_eq!(group_ids(&app, &check).await, vec![gid.clone()]);
}

/// "Patch Group - Remove Member": Remove on `members` with a value list (the validator's form)
/// removes only that member.
#[tokio::test]
async fn entra_validator_mandatory_patch_group_remove_member() {
    let app = spawn_app().await;
    let leaving = create(&app, "/Users", entra_user("leaving@contoso.com")).await;
    let staying = create(&app, "/Users", entra_user("staying@contoso.com")).await;
    let gid = app
        .create_group("Remove Member Group", &[leaving.as_str(), staying.as_str()])
        .await;
    patch_group(
        &app,
        &gid,
        json!([{"op": "Remove", "path": "members", "value": [{"value": leaving.as_str()}]}]),
    )
    .await;
    assert_eq!(app.member_ids(&gid).await, vec![staying]);
    assert!(app.user_group_names(&leaving).await.is_empty());
}

/// "Patch Group - Remove Member" with the `members[value eq "…"]` path (aadOptscim062020).
#[tokio::test]
async fn entra_validator_mandatory_patch_group_remove_member_filter_form() {
    let app = spawn_app().await;
    let leaving = app.create_user("leaving.filter@contoso.com").await;
    let staying = app.create_user("staying.filter@contoso.com").await;
    let gid = app
        .create_group("Filter Remove Group", &[leaving.as_str(), staying.as_str()])
        .await;
    patch_group(
        &app,
        &gid,
        json!([{"op": "remove", "path": format!("members[value eq \"{leaving}\"]")}]),
    )
    .await;
    assert_eq!(app.member_ids(&gid).await, vec![staying]);
}

/// "Delete a group": DELETE is 204; the group is then neither fetched nor found by a filter.
#[tokio::test]
async fn entra_validator_mandatory_delete_group() {
    let app = spawn_app().await;
    let member = app.create_user("survivor@contoso.com").await;
    let gid = app.create_group("Doomed Group", &[member.as_str()]).await;
    assert_no_content(app.delete(&format!("/Groups/{gid}")).await).await;
    assert_scim_error(app.get(&format!("/Groups/{gid}")).await, 404, None).await;
    assert!(group_ids(&app, "displayName eq \"Doomed Group\"").await.is_empty());
    assert_eq!(app.get(&format!("/Users/{member}")).await.status(), 200);
}

// ---------------------------------------------------------------- preview

/// "Patch User - Multiple Ops on different attributes": one request, several attributes.
#[tokio::test]
async fn entra_validator_preview_patch_user_multiple_ops_on_different_attributes() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("multi.ops@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([
            {"op": "Replace", "path": "displayName", "value": "MULTIOPS"},
            {"op": "Add", "path": "nickName", "value": "Multi"},
            {"op": "Replace", "path": "name.familyName", "value": "Opsworth"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "multi.ops@work.contoso.com"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Operations"},
            {"op": "Replace", "path": "active", "value": "False"}
        ]),
    )
    .await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user["displayName"], "MULTIOPS");
    assert_eq!(user["nickName"], "Multi");
    assert_eq!(user["name"]["familyName"], "Opsworth");
    assert_eq!(user["name"]["givenName"], "Bradford");
    assert_eq!(element(&user, "emails", "work")["value"], "multi.ops@work.contoso.com");
    assert_eq!(user[ENTERPRISE]["department"], "Operations");
    assert_eq!(user["active"], false);
}

/// "Patch User - Multiple Ops on same attribute": the operations apply in order, the last wins.
#[tokio::test]
async fn entra_validator_preview_patch_user_multiple_ops_on_same_attribute() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("same.attr@contoso.com")).await;
    patch_user(
        &app,
        &id,
        json!([
            {"op": "Replace", "path": "displayName", "value": "FIRST"},
            {"op": "Replace", "path": "displayName", "value": "SECOND"},
            {"op": "Remove", "path": "nickName"},
            {"op": "Add", "path": "nickName", "value": "Readded"},
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "one@work.contoso.com"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "two@work.contoso.com"}
        ]),
    )
    .await;
    let user = fetch(&app, &format!("/Users/{id}")).await;
    assert_eq!(user["displayName"], "SECOND");
    assert_eq!(user["nickName"], "Readded");
    assert_eq!(user["emails"].as_array().unwrap().len(), 1, "{user}");
    assert_eq!(element(&user, "emails", "work")["value"], "two@work.contoso.com");
}

/// "Delete a non-existent user": 404.
#[tokio::test]
async fn entra_validator_preview_delete_non_existent_user() {
    let app = spawn_app().await;
    create(&app, "/Users", entra_user("bystander@contoso.com")).await;
    let res = app.delete(&format!("/Users/{}", Uuid::new_v4())).await;
    assert_scim_error(res, 404, None).await;
    assert_eq!(list(&app, "/Users", &[]).await["totalResults"], 1);
}

/// "Delete the same user twice": 204, then 404.
#[tokio::test]
async fn entra_validator_preview_delete_same_user_twice() {
    let app = spawn_app().await;
    let id = create(&app, "/Users", entra_user("twice.deleted@contoso.com")).await;
    assert_no_content(app.delete(&format!("/Users/{id}")).await).await;
    assert_scim_error(app.delete(&format!("/Users/{id}")).await, 404, None).await;
    assert_scim_error(app.get(&format!("/Users/{id}")).await, 404, None).await;
}

/// "Patch Group - Multiple Ops on Group": rename, add two members and remove one in one request.
#[tokio::test]
async fn entra_validator_preview_patch_group_multiple_ops() {
    let app = spawn_app().await;
    let a = create(&app, "/Users", entra_user("multi.a@contoso.com")).await;
    let b = create(&app, "/Users", entra_user("multi.b@contoso.com")).await;
    let gid = create(&app, "/Groups", entra_group("Multi Ops Group")).await;
    patch_group(
        &app,
        &gid,
        json!([
            {"op": "Replace", "path": "displayName", "value": "Multi Ops Renamed"},
            {"op": "Add", "path": "members", "value": [{"value": a.as_str()}, {"value": b.as_str()}]},
            {"op": "Remove", "path": "members", "value": [{"value": a.as_str()}]}
        ]),
    )
    .await;
    let group = fetch(&app, &format!("/Groups/{gid}")).await;
    assert_eq!(group["displayName"], "Multi Ops Renamed");
    assert_eq!(app.member_ids(&gid).await, vec![b]);
}

/// "Delete a non-existent group": 404.
#[tokio::test]
async fn entra_validator_preview_delete_non_existent_group() {
    let app = spawn_app().await;
    app.create_group("Standing", &[]).await;
    let res = app.delete(&format!("/Groups/{}", Uuid::new_v4())).await;
    assert_scim_error(res, 404, None).await;
    assert_eq!(list(&app, "/Groups", &[]).await["totalResults"], 1);
}

/// "Delete the same group twice": 204, then 404.
#[tokio::test]
async fn entra_validator_preview_delete_same_group_twice() {
    let app = spawn_app().await;
    let gid = create(&app, "/Groups", entra_group("Twice Deleted Group")).await;
    assert_no_content(app.delete(&format!("/Groups/{gid}")).await).await;
    assert_scim_error(app.delete(&format!("/Groups/{gid}")).await, 404, None).await;
    assert_scim_error(app.get(&format!("/Groups/{gid}")).await, 404, None).await;
}
