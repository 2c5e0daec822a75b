use serde_json::json;

use crate::common::{GROUP_SCHEMA, json_of, spawn_app};

#[tokio::test]
async fn a_group_is_created_with_members_and_read_back() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let res = app
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Engineering", "externalId": "eng-1",
                                "members": [{"value": alice, "display": "ignored"}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().contains_key("location"));
    let created = json_of(res).await;
    assert_eq!(created["displayName"], "Engineering");
    assert_eq!(created["externalId"], "eng-1");
    assert_eq!(created["meta"]["resourceType"], "Group");
    let member = &created["members"][0];
    assert_eq!(member["value"], alice.as_str());
    assert_eq!(member["type"], "User");
    assert_eq!(member["display"], "alice");
    assert_eq!(member["$ref"], format!("{}/scim/v2/Users/{alice}", app.address));
    let id = created["id"].as_str().unwrap();
    assert_eq!(json_of(app.get(&format!("/Groups/{id}")).await).await, created);
}

#[tokio::test]
async fn entra_creates_groups_with_empty_members_and_finds_them_by_display_name() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": []}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = json_of(res).await["id"].as_str().unwrap().to_owned();
    app.create_group("Other", &[]).await;
    let res = app
        .get("/Groups?excludedAttributes=members&filter=displayName%20eq%20%22sales%22")
        .await;
    let body = json_of(res).await;
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["id"], id.as_str());
    assert!(body["Resources"][0].get("members").is_none());
}

#[tokio::test]
async fn entra_membership_check_filter() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group("G", &[&alice]).await;
    for (user, expected) in [(&alice, 1), (&bob, 0)] {
        let filter = format!("id eq \"{group}\" and members[value eq \"{user}\"]");
        let res = app
            .client
            .get(app.url("/scim/v2/Groups"))
            .query(&[("excludedAttributes", "members"), ("filter", filter.as_str())])
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(res).await["totalResults"], expected);
    }
}

#[tokio::test]
async fn a_group_with_an_unknown_member_is_refused_and_not_created() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Bad",
                                "members": [{"value": "2819c223-7f76-453a-919d-413861904646"}]}),
        )
        .await;
    crate::common::assert_scim_error(res, 400, Some("invalidValue")).await;
    assert_eq!(json_of(app.get("/Groups").await).await["totalResults"], 0);
}

#[tokio::test]
async fn put_replaces_attributes_and_members() {
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g = app.create_group("Old", &[&a]).await;
    let res = app
        .put(
            &format!("/Groups/{g}"),
            json!({"schemas": [GROUP_SCHEMA], "displayName": "New", "members": [{"value": b}]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(body["displayName"], "New");
    assert_eq!(app.member_ids(&g).await, vec![b]);
}

#[tokio::test]
async fn deleting_a_group_keeps_its_members() {
    let app = spawn_app().await;
    let a = app.create_user("a").await;
    let g = app.create_group("G", &[&a]).await;
    assert_eq!(app.delete(&format!("/Groups/{g}")).await.status(), 204);
    assert_eq!(app.get(&format!("/Groups/{g}")).await.status(), 404);
    assert_eq!(app.get(&format!("/Users/{a}")).await.status(), 200);
    assert!(app.user_group_names(&a).await.is_empty());
}

#[tokio::test]
async fn groups_can_be_nested_and_users_see_indirect_groups() {
    let app = spawn_app().await;
    let a = app.create_user("a").await;
    let inner = app.create_group("Inner", &[&a]).await;
    let outer = app.create_group("Outer", &[&inner]).await;
    let user = json_of(app.get(&format!("/Users/{a}")).await).await;
    let groups = user["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    let find = |id: &str| groups.iter().find(|g| g["value"] == id).unwrap().clone();
    assert_eq!(find(&inner)["type"], "direct");
    assert_eq!(find(&outer)["type"], "indirect");
    assert_eq!(find(&outer)["display"], "Outer");
    let outer_json = json_of(app.get(&format!("/Groups/{outer}")).await).await;
    assert_eq!(outer_json["members"][0]["type"], "Group");

    // A list shows the same groups, in display-name order; a user in no group has none.
    app.create_user("b").await;
    let list = json_of(app.get("/Users?sortBy=userName").await).await;
    assert_eq!(list["Resources"][0]["groups"], user["groups"]);
    let names: Vec<&str> = groups.iter().map(|g| g["display"].as_str().unwrap()).collect();
    assert_eq!(names, ["Inner", "Outer"]);
    assert!(list["Resources"][1].get("groups").is_none_or(|g| g == &json!([])));
}

#[tokio::test]
async fn cyclic_nesting_does_not_hang() {
    let app = spawn_app().await;
    let a = app.create_user("a").await;
    let g1 = app.create_group("G1", &[&a]).await;
    let g2 = app.create_group("G2", &[&g1]).await;
    let ops = crate::common::patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": g2}]}]));
    assert_eq!(app.patch(&format!("/Groups/{g1}"), ops).await.status(), 204);
    assert_eq!(app.user_group_names(&a).await, ["G1", "G2"]);
}
