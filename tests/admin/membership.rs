use futures_util::future::join_all;
use serde_json::json;

use crate::common::{assert_problem, json_of, spawn_app};

#[tokio::test]
async fn put_adds_a_user_to_a_group_and_is_idempotent() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);

    let first = app.add_member(&eng, &alice).await;
    let again = app.add_member(&eng, &alice).await;

    assert_eq!(first.status(), 204);
    assert_eq!(again.status(), 204);
    assert_eq!(app.member_ids(&eng).await, [alice]);
}

#[tokio::test]
async fn repeating_a_put_or_a_delete_changes_nothing_not_even_the_group_version() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);
    let version = |g: serde_json::Value| g["meta"]["version"].clone();

    app.add_member(&eng, &alice).await;
    let after_add = version(json_of(app.get(&format!("/Groups/{eng}")).await).await);
    app.add_member(&eng, &alice).await;
    let after_repeat = version(json_of(app.get(&format!("/Groups/{eng}")).await).await);
    app.remove_member(&eng, &alice).await;
    let after_remove = version(json_of(app.get(&format!("/Groups/{eng}")).await).await);
    app.remove_member(&eng, &alice).await;
    let after_second_remove = version(json_of(app.get(&format!("/Groups/{eng}")).await).await);

    assert_eq!(after_add, after_repeat);
    assert_ne!(after_repeat, after_remove);
    assert_eq!(after_remove, after_second_remove);
    let adds = json_of(
        app.admin("GET", &format!("/audit?group={eng}&action=member.add"), None)
            .await,
    )
    .await;
    assert_eq!(adds["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn delete_removes_the_user_from_one_group_and_keeps_the_user_and_their_other_groups() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let (eng, ops) = (
        app.create_group("eng", &[&alice]).await,
        app.create_group("ops", &[&alice]).await,
    );

    let res = app.remove_member(&eng, &alice).await;

    assert_eq!(res.status(), 204);
    assert_eq!(app.user_group_names(&alice).await, ["ops"]);
    assert_eq!(app.member_ids(&ops).await, std::slice::from_ref(&alice));
    assert_eq!(app.get(&format!("/Users/{alice}")).await.status(), 200);
}

#[tokio::test]
async fn removing_a_user_who_is_not_a_member_is_204() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);

    assert_eq!(app.remove_member(&eng, &alice).await.status(), 204);
    assert_eq!(app.remove_member("eng", "alice").await.status(), 204);
}

#[tokio::test]
async fn an_unknown_group_or_user_is_a_404_problem() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);
    let ghost = uuid::Uuid::new_v4().to_string();

    assert_problem(app.add_member(&ghost, &alice).await, 404).await;
    assert_problem(app.add_member("no such group", &alice).await, 404).await;
    assert_problem(app.add_member(&eng, &ghost).await, 404).await;
    assert_problem(app.add_member(&eng, "nobody").await, 404).await;
    assert_problem(app.remove_member(&ghost, &alice).await, 404).await;
    assert_problem(app.remove_member(&eng, "nobody@example.com").await, 404).await;
}

#[tokio::test]
async fn bulk_add_adds_every_user_by_id_user_name_or_email() {
    let app = spawn_app().await;
    let (alice, bob, carol) = (
        app.create_user("alice").await,
        app.create_user("bob").await,
        app.create_user("carol").await,
    );
    let eng = app.create_group("eng", &[&alice]).await;

    let body = json!(["ALICE", "bob@example.com", carol]);
    let res = app.admin("POST", &format!("/groups/{eng}/users"), Some(body)).await;

    assert_eq!(res.status(), 204);
    let mut expected = vec![alice, bob, carol];
    expected.sort();
    assert_eq!(app.member_ids(&eng).await, expected);
}

#[tokio::test]
async fn bulk_add_with_unknown_identifiers_adds_nobody_and_lists_every_unknown_one() {
    let app = spawn_app().await;
    app.create_user("alice").await;
    let eng = app.create_group("eng", &[]).await;
    let ghost = uuid::Uuid::new_v4().to_string();

    let body = json!(["alice", "ghost", ghost, "nobody@example.com"]);
    let res = app.admin("POST", &format!("/groups/{eng}/users"), Some(body)).await;

    let problem = assert_problem(res, 404).await;
    assert_eq!(problem["unknown"], json!(["ghost", ghost, "nobody@example.com"]));
    for unknown in ["ghost", &ghost, "nobody@example.com"] {
        assert!(problem["detail"].as_str().unwrap().contains(unknown), "{problem}");
    }
    assert!(app.member_ids(&eng).await.is_empty());
}

#[tokio::test]
async fn members_are_listed_in_pages_with_a_cursor_and_a_total() {
    let app = spawn_app().await;
    let mut ids = vec![];
    for name in ["u1", "u2", "u3", "u4", "u5"] {
        ids.push(app.create_user(name).await);
    }
    let outsider = app.create_user("outsider").await;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let eng = app.create_group("eng", &refs).await;
    app.create_group("other", &[&outsider]).await;

    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    for expected_len in [2, 2, 1] {
        let query = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = json_of(
            app.admin("GET", &format!("/groups/{eng}/users?limit=2{query}"), None)
                .await,
        )
        .await;
        assert_eq!(page["total"], 5);
        assert_eq!(page["items"].as_array().unwrap().len(), expected_len, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }

    assert_eq!(cursor, None);
    ids.sort();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn a_users_groups_are_listed_as_direct_or_indirect() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let eng = app.create_group("eng", &[&alice]).await;
    let staff = app.create_group("staff", &[&eng]).await;

    let groups = json_of(app.admin("GET", "/users/alice/groups", None).await).await;

    let mut got: Vec<(String, String, String)> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().into(),
                g["display_name"].as_str().unwrap().into(),
                g["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    got.sort();
    let mut expected = vec![
        (eng, "eng".into(), "direct".into()),
        (staff, "staff".into(), "indirect".into()),
    ];
    expected.sort();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn fifty_concurrent_puts_of_different_users_into_one_group_all_land() {
    let app = spawn_app().await;
    let eng = app.create_group("eng", &[]).await;
    let mut users = vec![];
    for i in 0..50 {
        users.push(app.create_user(&format!("user{i:02}")).await);
    }

    let results = join_all(users.iter().map(|u| app.add_member(&eng, u))).await;

    assert!(
        results.iter().all(|r| r.status() == 204),
        "{:?}",
        results.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    users.sort();
    assert_eq!(app.member_ids(&eng).await, users);
    let page = json_of(app.admin("GET", &format!("/groups/{eng}/users?limit=1"), None).await).await;
    assert_eq!(page["total"], 50);
}
