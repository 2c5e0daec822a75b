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

#[tokio::test]
async fn schemas_describe_every_attribute() {
    let app = spawn_app().await;
    let body = json_of(app.get("/Schemas").await).await;
    assert_eq!(body["totalResults"], 3);
    let user = json_of(app.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").await).await;
    let attrs = user["attributes"].as_array().unwrap();
    let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["caseExact"], false);
    let password = attrs.iter().find(|a| a["name"] == "password").unwrap();
    assert_eq!(password["returned"], "never");
    assert!(
        user["meta"]["location"]
            .as_str()
            .unwrap()
            .ends_with("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
    );
    let names: Vec<&Value> = attrs.iter().map(|a| &a["name"]).collect();
    assert!(names.contains(&&Value::from("groups")));
}

#[tokio::test]
async fn discovery_endpoints_refuse_writes_with_405() {
    let app = spawn_app().await;
    let res = app.post("/ServiceProviderConfig", serde_json::json!({})).await;
    crate::common::assert_scim_error(res, 405, None).await;
}
