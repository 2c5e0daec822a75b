use serde_json::json;

use crate::common::{json_of, patch_ops, spawn_app};

#[tokio::test]
async fn patch_add_then_remove_a_member_shows_in_group_members_and_user_groups() {
    // Arrange
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let eng = app.create_group("eng", &[]).await;
    // Act
    let add = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]));
    let res = app.patch(&format!("/Groups/{eng}"), add).await;
    // Assert
    assert_eq!(res.status(), 204);
    assert_eq!(app.member_ids(&eng).await, vec![alice.clone()]);
    assert_eq!(app.user_group_names(&alice).await, ["eng"]);

    let remove = patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]));
    assert_eq!(app.patch(&format!("/Groups/{eng}"), remove).await.status(), 204);
    assert!(app.member_ids(&eng).await.is_empty());
    assert!(app.user_group_names(&alice).await.is_empty());
}

#[tokio::test]
async fn patch_remove_member_keeps_the_users_other_groups() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let eng = app.create_group("eng", &[&alice, &bob]).await;
    let ops = app.create_group("ops", &[&alice]).await;
    let remove = patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]));
    assert_eq!(app.patch(&format!("/Groups/{eng}"), remove).await.status(), 204);
    assert_eq!(app.user_group_names(&alice).await, ["ops"]);
    assert_eq!(app.member_ids(&eng).await, vec![bob]);
    assert_eq!(app.member_ids(&ops).await, vec![alice.clone()]);
    assert_eq!(app.get(&format!("/Users/{alice}")).await.status(), 200);
}

#[tokio::test]
async fn entra_legacy_remove_with_members_in_value_removes_only_those() {
    let app = spawn_app().await;
    let (a, b, c) = (
        app.create_user("a").await,
        app.create_user("b").await,
        app.create_user("c").await,
    );
    let g = app.create_group("g", &[&a, &b, &c]).await;
    let ops = patch_ops(json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}]));
    assert_eq!(app.patch(&format!("/Groups/{g}"), ops).await.status(), 204);
    let mut want = vec![b, c];
    want.sort();
    assert_eq!(app.member_ids(&g).await, want);
}

#[tokio::test]
async fn adding_an_existing_member_and_removing_an_absent_one_succeed() {
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g = app.create_group("g", &[&a]).await;
    let ops = patch_ops(json!([
        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}]},
        {"op": "remove", "path": format!("members[value eq \"{b}\"]")}
    ]));
    assert_eq!(app.patch(&format!("/Groups/{g}"), ops).await.status(), 204);
    assert_eq!(app.member_ids(&g).await, vec![a]);
}

#[tokio::test]
async fn okta_group_push_removes_and_adds_in_one_request_and_renames() {
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g = app.create_group("g", &[&a]).await;
    let ops = patch_ops(json!([
        {"op": "replace", "value": {"id": g, "displayName": "g renamed"}},
        {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
        {"op": "add", "path": "members", "value": [{"value": b, "display": "b@okta.local"}]}
    ]));
    assert_eq!(app.patch(&format!("/Groups/{g}"), ops).await.status(), 204);
    let body = json_of(app.get(&format!("/Groups/{g}")).await).await;
    assert_eq!(body["displayName"], "g renamed");
    assert_eq!(app.member_ids(&g).await, vec![b]);
}

#[tokio::test]
async fn replace_members_sets_the_whole_list() {
    let app = spawn_app().await;
    let (a, b, c) = (
        app.create_user("a").await,
        app.create_user("b").await,
        app.create_user("c").await,
    );
    let g = app.create_group("g", &[&a, &b]).await;
    let ops = patch_ops(json!([{"op": "replace", "path": "members", "value": [{"value": c}]}]));
    assert_eq!(app.patch(&format!("/Groups/{g}"), ops).await.status(), 204);
    assert_eq!(app.member_ids(&g).await, vec![c]);
}

#[tokio::test]
async fn a_patch_with_an_unknown_member_changes_nothing() {
    let app = spawn_app().await;
    let a = app.create_user("a").await;
    let g = app.create_group("g", &[]).await;
    let ops = patch_ops(json!([
        {"op": "add", "path": "members", "value": [{"value": a}]},
        {"op": "add", "path": "members", "value": [{"value": "2819c223-7f76-453a-919d-413861904646"}]}
    ]));
    crate::common::assert_scim_error(app.patch(&format!("/Groups/{g}"), ops).await, 400, Some("invalidValue")).await;
    assert!(app.member_ids(&g).await.is_empty());
    let group = json_of(app.get(&format!("/Groups/{g}")).await).await;
    assert_eq!(group["meta"]["version"], "W/\"1\"", "the failed PATCH left no trace");
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_every_group() {
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g1 = app.create_group("g1", &[&a, &b]).await;
    let g2 = app.create_group("g2", &[&a]).await;
    assert_eq!(app.delete(&format!("/Users/{a}")).await.status(), 204);
    assert_eq!(app.member_ids(&g1).await, vec![b]);
    assert!(app.member_ids(&g2).await.is_empty());
    let g2_json = json_of(app.get(&format!("/Groups/{g2}")).await).await;
    assert_eq!(
        g2_json["meta"]["version"], "W/\"2\"",
        "the group's version moved with its membership"
    );
}

#[tokio::test]
async fn patch_answers_204_unless_attributes_are_named_then_200_with_the_entire_group() {
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g = app.create_group("g", &[&a]).await;
    let add = |id: &str| patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]));
    // RFC 7644 §3.5.2: 204, or 200 with the *entire* resource; never a partial 200.
    let res = app.patch(&format!("/Groups/{g}"), add(&b)).await;
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["etag"], "W/\"2\"");
    assert_eq!(res.text().await.unwrap(), "");
    // `attributes` asks for a body: 200 with what it names, members included.
    let res = app.patch(&format!("/Groups/{g}?attributes=members"), add(&b)).await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    let mut members: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort();
    assert_eq!(members, want);
    // `excludedAttributes=members`: 200 with the rest of the group.
    let res = app
        .patch(&format!("/Groups/{g}?excludedAttributes=members"), add(&a))
        .await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert!(body.get("members").is_none(), "{body}");
    assert_eq!(body["displayName"], "g");
    assert_eq!(body["meta"]["version"], "W/\"4\"");
}

#[tokio::test]
async fn concurrent_member_adds_are_all_kept() {
    let app = spawn_app().await;
    let g = app.create_group("busy", &[]).await;
    let mut users = vec![];
    for i in 0..20 {
        users.push(app.create_user(&format!("u{i}")).await);
    }
    let path = format!("/Groups/{g}");
    let requests = users.iter().map(|u| {
        let ops = patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": u}]}]));
        app.patch(&path, ops)
    });
    for res in futures_util::future::join_all(requests).await {
        assert_eq!(res.status(), 204);
    }
    users.sort();
    assert_eq!(app.member_ids(&g).await, users);
    let group = json_of(app.get(&format!("/Groups/{g}")).await).await;
    assert_eq!(group["meta"]["version"], "W/\"21\"");
}

#[tokio::test]
async fn every_change_is_in_the_audit_log_with_its_actor() {
    use scimitar::store::audit::AuditQuery;
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g = app.create_group("g", &[&a]).await;
    let ops = patch_ops(json!([
        {"op": "add", "path": "members", "value": [{"value": a}, {"value": b}]},
        {"op": "remove", "path": format!("members[value eq \"{a}\"]")}
    ]));
    assert_eq!(app.patch(&format!("/Groups/{g}"), ops).await.status(), 204);
    let deactivate = patch_ops(json!([{"op": "replace", "path": "active", "value": false}]));
    assert_eq!(app.patch(&format!("/Users/{b}"), deactivate).await.status(), 200);
    assert_eq!(app.delete(&format!("/Users/{b}")).await.status(), 204);

    let events = app
        .store
        .audit()
        .list(&AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    // The start-up's creation of the bootstrap token is not a SCIM change.
    let events: Vec<_> = events.into_iter().filter(|e| e.action != "token.create").collect();
    let actions: Vec<(String, Option<String>)> = events
        .iter()
        .rev()
        .map(|e| (e.action.clone(), e.member_id.map(|m| m.to_string())))
        .collect();
    let (a, b) = (Some(a), Some(b));
    assert_eq!(
        actions,
        vec![
            ("user.create".into(), a.clone()),
            ("user.create".into(), b.clone()),
            ("group.create".into(), None),
            ("member.add".into(), a.clone()),
            // Adding `a` again changed nothing, so it is not logged.
            ("member.add".into(), b.clone()),
            ("member.remove".into(), a.clone()),
            ("user.deactivate".into(), b.clone()),
            ("member.remove".into(), b.clone()),
            ("user.delete".into(), b.clone()),
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e.source == "scim" && e.actor.starts_with("token:bootstrap#"))
    );
}

#[tokio::test]
async fn operations_of_one_patch_apply_in_order_to_the_same_member() {
    let app = spawn_app().await;
    let (a, b) = (app.create_user("a").await, app.create_user("b").await);
    let g = app.create_group("g", &[&b]).await;
    let ops = patch_ops(json!([
        {"op": "add", "path": "members", "value": [{"value": a}]},
        {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
        {"op": "remove", "path": format!("members[value eq \"{b}\"]")},
        {"op": "add", "path": "members", "value": [{"value": b}]}
    ]));
    assert_eq!(app.patch(&format!("/Groups/{g}"), ops).await.status(), 204);
    assert_eq!(app.member_ids(&g).await, vec![b.clone()]);
    assert!(app.user_group_names(&a).await.is_empty());
    assert_eq!(app.user_group_names(&b).await, ["g"]);
}
