use serde_json::Value;

use crate::common::{json_of, spawn_app};

#[tokio::test]
async fn service_provider_config_tells_what_is_supported() {
    let app = spawn_app().await;
    let res = app.get("/ServiceProviderConfig").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/scim+json")
    );
    let body = json_of(res).await;
    assert_eq!(body["patch"]["supported"], true);
    assert_eq!(body["filter"]["supported"], true);
    assert_eq!(body["etag"]["supported"], true);
    assert_eq!(body["filter"]["maxResults"], 1000);
    assert_eq!(body["authenticationSchemes"][0]["type"], "oauthbearertoken");
}

#[tokio::test]
async fn resource_types_list_users_with_the_enterprise_extension_and_groups() {
    let app = spawn_app().await;
    let body = json_of(app.get("/ResourceTypes").await).await;
    assert_eq!(body["totalResults"], 2);
    let user = json_of(app.get("/ResourceTypes/User").await).await;
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(
        user["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    let group = json_of(app.get("/ResourceTypes/Group").await).await;
    assert_eq!(group["schema"], "urn:ietf:params:scim:schemas:core:2.0:Group");
    assert_eq!(app.get("/ResourceTypes/Nope").await.status(), 404);
}

/// RFC 7643 §7: each attribute and sub-attribute carries every characteristic, with a value
/// from the RFC's domain.
fn check_attribute(a: &Value, at: &str) {
    let name = a["name"].as_str().unwrap_or_else(|| panic!("{at}: no name in {a}"));
    let at = format!("{at}.{name}");
    let one_of = |key: &str, allowed: &[&str]| {
        let v = a[key].as_str().unwrap_or_else(|| panic!("{at}: {key} missing"));
        assert!(allowed.contains(&v), "{at}: {key} = {v}");
    };
    one_of(
        "type",
        &[
            "string",
            "boolean",
            "decimal",
            "integer",
            "dateTime",
            "reference",
            "complex",
            "binary",
        ],
    );
    one_of("mutability", &["readOnly", "readWrite", "immutable", "writeOnly"]);
    one_of("returned", &["always", "never", "default", "request"]);
    for key in ["multiValued", "required", "caseExact"] {
        assert!(a[key].is_boolean(), "{at}: {key} = {}", a[key]);
    }
    assert!(a["description"].is_string(), "{at}: description");
    if a["type"] != "complex" {
        one_of("uniqueness", &["none", "server", "global"]);
    }
    if a["type"] == "reference" {
        assert!(
            a["referenceTypes"].as_array().is_some_and(|r| !r.is_empty()),
            "{at}: referenceTypes"
        );
    }
    if a["type"] == "complex" {
        let subs = a["subAttributes"]
            .as_array()
            .unwrap_or_else(|| panic!("{at}: subAttributes"));
        assert!(!subs.is_empty(), "{at}: no subAttributes");
        for sub in subs {
            check_attribute(sub, &at);
        }
    }
}

fn names(schema: &Value) -> Vec<&str> {
    let mut n: Vec<&str> = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn schemas_describe_every_attribute_with_every_characteristic() {
    let app = spawn_app().await;
    let body = json_of(app.get("/Schemas").await).await;
    assert_eq!(body["totalResults"], 3);
    for schema in body["Resources"].as_array().unwrap() {
        let id = schema["id"].as_str().unwrap();
        for a in schema["attributes"].as_array().unwrap() {
            check_attribute(a, id);
        }
        // Each is also served on its own.
        assert_eq!(&json_of(app.get(&format!("/Schemas/{id}")).await).await, schema);
        assert!(
            schema["meta"]["location"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/Schemas/{id}"))
        );
    }
    // The attribute sets of RFC 7643 §4.1, §4.2 and §4.3, nothing missing, nothing extra.
    let get = async |id: &str| json_of(app.get(&format!("/Schemas/{id}")).await).await;
    let user = get("urn:ietf:params:scim:schemas:core:2.0:User").await;
    assert_eq!(
        names(&user),
        [
            "active",
            "addresses",
            "displayName",
            "emails",
            "entitlements",
            "groups",
            "ims",
            "locale",
            "name",
            "nickName",
            "password",
            "phoneNumbers",
            "photos",
            "preferredLanguage",
            "profileUrl",
            "roles",
            "timezone",
            "title",
            "userName",
            "userType",
            "x509Certificates"
        ]
    );
    let group = get("urn:ietf:params:scim:schemas:core:2.0:Group").await;
    assert_eq!(names(&group), ["displayName", "members"]);
    let ent = get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").await;
    assert_eq!(
        names(&ent),
        [
            "costCenter",
            "department",
            "division",
            "employeeNumber",
            "manager",
            "organization"
        ]
    );
    // The characteristics the server acts on.
    let attr = |s: &Value, n: &str| {
        s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(attr(&user, "userName")["uniqueness"], "server");
    assert_eq!(attr(&user, "userName")["caseExact"], false);
    assert_eq!(attr(&user, "password")["returned"], "never");
    assert_eq!(attr(&user, "password")["mutability"], "writeOnly");
    assert_eq!(attr(&user, "groups")["mutability"], "readOnly");
    assert_eq!(attr(&group, "displayName")["required"], true);
    assert_eq!(attr(&group, "displayName")["uniqueness"], "server");
}

#[tokio::test]
async fn discovery_endpoints_refuse_writes_with_405() {
    let app = spawn_app().await;
    let res = app.post("/ServiceProviderConfig", serde_json::json!({})).await;
    crate::common::assert_scim_error(res, 405, None).await;
}
