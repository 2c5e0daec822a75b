//! The OpenAPI document is generated from the mounted handlers: every route the admin API
//! serves is in it with its method, and everything in it is served.
use serde_json::Value;

use crate::common::{json_of, spawn_app};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// The contract of DESIGN.md §5 and issue 5, as (method, path).
const CONTRACT: &[(&str, &str)] = &[
    ("put", "/api/v1/groups/{group}/users/{user}"),
    ("delete", "/api/v1/groups/{group}/users/{user}"),
    ("post", "/api/v1/groups/{group}/users"),
    ("get", "/api/v1/groups/{group}/users"),
    ("get", "/api/v1/users/{user}/groups"),
    ("get", "/api/v1/groups/{group}/access"),
    ("get", "/api/v1/users/{user}/access"),
    ("get", "/api/v1/groups"),
    ("get", "/api/v1/groups/{group}"),
    ("get", "/api/v1/users"),
    ("get", "/api/v1/users/{user}"),
    ("post", "/api/v1/users"),
    ("put", "/api/v1/users/{user}/password"),
    ("post", "/api/v1/tokens"),
    ("get", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/clients"),
    ("delete", "/api/v1/clients/{client_id}"),
    ("post", "/api/v1/clients/{client_id}/secret"),
    ("get", "/api/v1/roles"),
    ("post", "/api/v1/roles"),
    ("get", "/api/v1/roles/{role}"),
    ("patch", "/api/v1/roles/{role}"),
    ("delete", "/api/v1/roles/{role}"),
    ("get", "/api/v1/groups/{group}/roles"),
    ("put", "/api/v1/groups/{group}/roles/{role}"),
    ("delete", "/api/v1/groups/{group}/roles/{role}"),
    ("put", "/api/v1/users/{user}/roles/{role}"),
    ("delete", "/api/v1/users/{user}/roles/{role}"),
    ("get", "/api/v1/roles/{role}/users"),
    ("get", "/api/v1/users/{user}/permissions"),
    ("get", "/api/v1/users/{user}/permissions/{permission}"),
    ("get", "/api/v1/keys"),
    ("post", "/api/v1/keys/rotate"),
    ("get", "/api/v1/openapi.json"),
];

async fn document() -> (crate::common::TestApp, Value) {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let doc = json_of(res).await;
    (app, doc)
}

#[tokio::test]
async fn the_openapi_document_is_public_and_describes_the_api() {
    let (_app, doc) = document().await;

    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    assert_eq!(doc["info"]["title"], "Scimitar admin API");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // OpenAPI 3 requires a description on every response
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, res) in op["responses"].as_object().unwrap() {
                assert!(
                    res["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_contract_route_is_in_the_openapi_document_with_its_method() {
    let (_app, doc) = document().await;

    for (method, path) in CONTRACT {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing");
    }
}

#[tokio::test]
async fn every_route_served_under_api_v1_is_in_the_document_and_nothing_else() {
    let (app, doc) = document().await;
    let paths = doc["paths"].as_object().unwrap();

    for (path, item) in paths {
        let url = path
            .replace("{group}", "g")
            .replace("{user}", "u")
            .replace("{id}", "i")
            .replace("{client_id}", "c")
            .replace("{role}", "r")
            .replace("{permission}", "p");
        for method in METHODS {
            let res = app
                .client
                .request(method.to_uppercase().parse().unwrap(), app.url(&url))
                .bearer_auth(&app.token)
                .send()
                .await
                .unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            let served = !body.contains("urn:scimitar:problem:no-such-endpoint");
            assert_eq!(served, item[method].is_object(), "{method} {path}: {status} {body}");
        }
    }
    assert_eq!(
        paths
            .values()
            .map(|i| METHODS.iter().filter(|m| i[**m].is_object()).count())
            .sum::<usize>(),
        CONTRACT.len()
    );
}
