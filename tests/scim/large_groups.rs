//! `GET /Groups/{id}` of a group larger than one streamed chunk (1,000 members): every
//! member exactly once, a body that parses, the version in the ETag, a 304 for it, and the
//! projections that still build the group in memory (sub-attributes of `members`).
use std::collections::BTreeSet;

use futures_util::future::join_all;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::common::{GROUP_SCHEMA, SCIM, TestApp, json_of, patch_ops, spawn_app};

const MEMBERS: usize = 2_100;

async fn big_group(app: &TestApp) -> (String, BTreeSet<String>) {
    let mut ids = BTreeSet::new();
    for batch in (0..MEMBERS).collect::<Vec<_>>().chunks(100) {
        let names: Vec<String> = batch.iter().map(|i| format!("member{i:05}")).collect();
        let made = join_all(names.iter().map(|n| app.create_user(n))).await;
        ids.extend(made);
    }
    let body = json!({"schemas": [GROUP_SCHEMA], "displayName": "Everyone"});
    let group = json_of(app.post("/Groups", body).await).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let all: Vec<&String> = ids.iter().collect();
    for part in all.chunks(700) {
        let values: Vec<Value> = part.iter().map(|id| json!({"value": id})).collect();
        let ops = patch_ops(json!([{"op": "add", "path": "members", "value": values}]));
        assert_eq!(app.patch(&format!("/Groups/{group}"), ops).await.status(), 204);
    }
    (group, ids)
}

#[tokio::test]
async fn a_group_of_several_chunks_is_streamed_whole_and_exact() {
    let app = spawn_app().await;
    let (group, ids) = big_group(&app).await;
    // A nested group is a member too, with its own type and reference.
    let nested = app.create_group("Nested", &[]).await;
    let ops = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": nested}]}]));
    assert_eq!(app.patch(&format!("/Groups/{group}"), ops).await.status(), 204);

    let res = app.get(&format!("/Groups/{group}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with(SCIM));
    let etag = res.headers()[header::ETAG].to_str().unwrap().to_owned();
    let body: Value = serde_json::from_str(&res.text().await.unwrap()).expect("a complete JSON body");
    assert_eq!(body["displayName"], "Everyone");
    assert_eq!(body["meta"]["version"], etag.as_str());
    let members = body["members"].as_array().unwrap();
    assert_eq!(members.len(), MEMBERS + 1);
    let users: BTreeSet<String> = members
        .iter()
        .filter(|m| m["type"] == "User")
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(users, ids, "every member exactly once");
    let first = members.iter().find(|m| m["type"] == "User").unwrap();
    assert!(
        first["$ref"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/scim/v2/Users/{}", first["value"].as_str().unwrap()))
    );
    assert!(first["display"].as_str().unwrap().starts_with("member"));
    let group_member = members.iter().find(|m| m["type"] == "Group").expect("the nested group");
    assert_eq!(group_member["value"], nested.as_str());
    assert_eq!(group_member["display"], "Nested");

    // The version it was read at: a 304 for it.
    let res = app
        .client
        .get(app.url(&format!("/scim/v2/Groups/{group}")))
        .bearer_auth(&app.token)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // Projections: whole members streamed with only some top-level attributes; a member
    // sub-attribute selected or excluded still works (built in memory).
    let only = json_of(app.get(&format!("/Groups/{group}?attributes=members")).await).await;
    assert_eq!(only["members"].as_array().unwrap().len(), MEMBERS + 1);
    assert!(only.get("displayName").is_none(), "only members (and id, schemas)");
    let values = json_of(app.get(&format!("/Groups/{group}?attributes=members.value")).await).await;
    let first = &values["members"][0];
    assert!(
        first.get("value").is_some() && first.get("display").is_none(),
        "{first}"
    );
    let without = json_of(app.get(&format!("/Groups/{group}?excludedAttributes=members")).await).await;
    assert!(without.get("members").is_none());
    let no_display = json_of(
        app.get(&format!("/Groups/{group}?excludedAttributes=members.display"))
            .await,
    )
    .await;
    assert!(no_display["members"][0].get("display").is_none());
    assert_eq!(no_display["members"].as_array().unwrap().len(), MEMBERS + 1);

    // Unknown group: still the SCIM 404.
    let missing = app.get("/Groups/00000000-0000-7000-8000-000000000000").await;
    crate::common::assert_scim_error(missing, 404, None).await;
}
