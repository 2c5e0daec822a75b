//! /Bulk (RFC 7644 §3.7).
use serde_json::{Value, json};

use crate::common::{GROUP_SCHEMA, assert_scim_error, json_of, patch_ops, spawn_app, user_json};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn bulk(ops: Value) -> Value {
    json!({"schemas": [BULK], "Operations": ops})
}

#[tokio::test]
async fn a_user_and_a_group_containing_it_are_created_in_one_request() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/Bulk",
            bulk(json!([
                {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user_json("bulk.user")},
                {"method": "POST", "path": "/Groups", "bulkId": "g1",
                 "data": {"schemas": [GROUP_SCHEMA], "displayName": "Bulk", "members": [{"value": "bulkId:u1"}]}}
            ])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    let ops = body["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["status"], "201");
    assert_eq!(ops[0]["bulkId"], "u1");
    assert_eq!(ops[0]["version"], "W/\"1\"");
    let user_id = ops[0]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let group_id = ops[1]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.member_ids(&group_id).await, vec![user_id.clone()]);
    assert_eq!(app.user_group_names(&user_id).await, ["Bulk"]);
}

#[tokio::test]
async fn bulk_ids_also_resolve_in_paths_and_errors_are_reported_per_operation() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/Bulk",
            bulk(json!([
                {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_json("a")},
                {"method": "PATCH", "path": "/Users/bulkId:a",
                 "data": patch_ops(json!([{"op": "replace", "path": "nickName", "value": "A"}]))},
                {"method": "POST", "path": "/Users", "bulkId": "dup", "data": user_json("A")},
                {"method": "PUT", "path": "/Users/bulkId:a", "version": "W/\"9\"", "data": user_json("a")},
                {"method": "DELETE", "path": "/Users/bulkId:nope"}
            ])),
        )
        .await;
    let body = json_of(res).await;
    let statuses: Vec<&str> = body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "200", "409", "412", "400"]);
    assert_eq!(body["Operations"][2]["response"]["scimType"], "uniqueness");
    let a = body["Operations"][0]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(json_of(app.get(&format!("/Users/{a}")).await).await["nickName"], "A");
}

#[tokio::test]
async fn fail_on_errors_stops_processing() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/Bulk",
            json!({"schemas": [BULK], "failOnErrors": 1, "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "x", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}},
                {"method": "POST", "path": "/Users", "bulkId": "y", "data": user_json("never")}
            ]}),
        )
        .await;
    let body = json_of(res).await;
    assert_eq!(body["Operations"].as_array().unwrap().len(), 1);
    assert_eq!(body["Operations"][0]["status"], "400");
    assert_eq!(json_of(app.get("/Users").await).await["totalResults"], 0);
}

#[tokio::test]
async fn too_many_operations_is_413_and_nothing_runs() {
    let app = spawn_app().await;
    let ops: Vec<Value> = (0..1001)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    assert_scim_error(app.post("/Bulk", bulk(json!(ops))).await, 413, None).await;
}

#[tokio::test]
async fn bulk_changes_are_audited_as_bulk() {
    let app = spawn_app().await;
    app.post(
        "/Bulk",
        bulk(json!([{"method": "POST", "path": "/Users", "bulkId": "u", "data": user_json("audited")}])),
    )
    .await;
    let events = app
        .store
        .audit()
        .list(&scimitar::store::audit::AuditQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    // Besides the start-up's creation of the bootstrap token: the one user.
    let events: Vec<_> = events.iter().filter(|e| e.action != "token.create").collect();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].action.as_str(), events[0].source.as_str()),
        ("user.create", "bulk")
    );
}

#[tokio::test]
async fn service_provider_config_advertises_bulk_limits() {
    let app = spawn_app().await;
    let spc = json_of(app.get("/ServiceProviderConfig").await).await;
    assert_eq!(
        spc["bulk"],
        json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 65536})
    );
}
