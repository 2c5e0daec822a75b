use scimitar::auth::{Scope, tokens};
use serde_json::{Value, json};

use crate::common::{assert_problem, json_of, seg, spawn_app};

async fn events(app: &crate::common::TestApp, query: &str) -> Value {
    let res = app.admin("GET", &format!("/audit{query}"), None).await;
    assert_eq!(res.status(), 200);
    json_of(res).await
}

#[tokio::test]
async fn admin_api_changes_are_recorded_with_source_admin_and_the_token_name() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);
    let (secret, _) = tokens::create(
        &app.store,
        &crate::common::test_actor(),
        "ops-script",
        &scimitar::auth::Grants::from_scopes(&[Scope::Admin]),
        None,
    )
    .await
    .unwrap();

    app.admin_as(&secret, "PUT", &format!("/groups/{eng}/users/{alice}"), None)
        .await;
    app.admin_as(&secret, "DELETE", &format!("/groups/{eng}/users/{alice}"), None)
        .await;

    let page = events(&app, "?group=eng&user=alice").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert_eq!(items[0]["action"], "member.remove");
    assert_eq!(items[1]["action"], "member.add");
    for e in items {
        assert_eq!(e["source"], "admin");
        assert!(e["actor"].as_str().unwrap().starts_with("token:ops-script#"), "{e}");
        assert_eq!(e["group_id"], json!(eng));
        assert_eq!(e["member_id"], json!(alice));
    }
}

#[tokio::test]
async fn the_log_is_filtered_by_group_user_action_and_since() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let (eng, ops) = (app.create_group("eng", &[]).await, app.create_group("ops", &[]).await);
    app.add_member(&eng, &alice).await;
    app.add_member(&ops, &bob).await;
    app.remove_member(&eng, &alice).await;

    let by_group = events(&app, &format!("?group={eng}&action=member.add")).await;
    let by_user = events(&app, &format!("?user={}", seg("bob@example.com"))).await;
    let future = events(&app, &format!("?since={}", seg("2999-01-01T00:00:00+00:00"))).await;
    let recent = events(
        &app,
        &format!("?since={}&action=member.remove", seg("2000-01-01T00:00:00Z")),
    )
    .await;

    assert_eq!(by_group["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_group["items"][0]["member_id"], json!(alice));
    let bob_actions: Vec<&str> = by_user["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(bob_actions, ["member.add", "user.create"]);
    assert!(future["items"].as_array().unwrap().is_empty());
    assert_eq!(recent["items"].as_array().unwrap().len(), 1);
    assert_eq!(recent["items"][0]["group_id"], json!(eng));
}

#[tokio::test]
async fn the_log_pages_newest_first_with_a_cursor() {
    let app = spawn_app().await;
    let eng = app.create_group("eng", &[]).await;
    for name in ["u1", "u2", "u3", "u4", "u5"] {
        app.create_user(name).await;
        app.add_member(&eng, name).await;
    }

    let mut ids: Vec<String> = vec![];
    let mut cursor = String::new();
    loop {
        let page = events(&app, &format!("?action=member.add&limit=2{cursor}")).await;
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }

    assert_eq!(ids.len(), 5);
    let mut newest_first = ids.clone();
    newest_first.sort();
    newest_first.reverse();
    assert_eq!(ids, newest_first);
}

#[tokio::test]
async fn bad_audit_filters_are_a_400_or_404_problem() {
    let app = spawn_app().await;

    assert_problem(app.admin("GET", "/audit?since=yesterday", None).await, 400).await;
    assert_problem(app.admin("GET", "/audit?cursor=nope", None).await, 400).await;
    assert_problem(app.admin("GET", "/audit?limit=0", None).await, 400).await;
    assert_problem(app.admin("GET", "/audit?group=no-such-group", None).await, 404).await;
}

#[tokio::test]
async fn the_last_sign_in_is_recorded_and_shown_in_the_user() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let before = json_of(app.admin("GET", "/users/alice", None).await).await;

    app.store.users().record_login(alice.parse().unwrap()).await.unwrap();

    let after = json_of(app.admin("GET", "/users/alice", None).await).await;
    assert_eq!(before["last_login"], Value::Null);
    assert!(after["last_login"].is_string(), "{after}");
    assert!(app.store.users().record_login(uuid::Uuid::new_v4()).await.is_err());
}

#[tokio::test]
async fn sign_ins_client_registration_and_key_rotation_are_audited() {
    use crate::oidc::{PASSWORD, browser, pkce};
    let app = spawn_app().await;
    let alice = app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({"client_name": "wiki"})).await;
    let url = app.authorize_url(&rp, "openid", &pkce().1);
    assert_eq!(
        app.login(&browser(), &url, "alice", "wrong password").await.status(),
        401
    );
    assert_eq!(app.login(&browser(), &url, "alice", PASSWORD).await.status(), 302);
    scimitar::oidc::keys::rotate(
        &app.store,
        jsonwebtoken::Algorithm::ES256,
        chrono::Duration::hours(1),
        &Default::default(),
        &scimitar::store::audit::Actor::new("cli:ops", scimitar::store::audit::Source::Cli),
    )
    .await
    .unwrap();
    let events = |action: &'static str| {
        let app = &app;
        async move {
            let page = json_of(app.admin("GET", &format!("/audit?action={action}"), None).await).await;
            page["items"].as_array().unwrap().clone()
        }
    };
    let created = events("client.create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["detail"]["client_id"], rp.client_id.as_str());
    assert_eq!(created[0]["detail"]["name"], "wiki");
    assert!(created[0]["actor"].as_str().unwrap().starts_with("token:bootstrap#"));
    let failed = events("signin.failure").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["detail"]["userName"], "alice");
    assert_eq!(failed[0]["actor"], "signin:127.0.0.1");
    let ok = events("signin.success").await;
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0]["target_id"], alice.as_str());
    assert_eq!(ok[0]["source"], "oidc");
    let rotated = events("key.rotate").await;
    assert_eq!(rotated.len(), 1);
    assert_eq!(rotated[0]["actor"], "cli:ops");
    assert!(rotated[0]["detail"]["kid"].is_string());
}
