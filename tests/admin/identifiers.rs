//! Groups by id or display name, users by id, userName or email: percent-encoded, with
//! spaces, `@`, `+` and non-ASCII characters; an ambiguous email is a 409 naming the
//! candidates (group names are unique, so a name names at most one group).
use serde_json::json;

use crate::common::{assert_problem, json_of, spawn_app};

#[tokio::test]
async fn names_with_spaces_at_plus_and_unicode_work_as_identifiers() {
    let app = spawn_app().await;
    let tyler = app.create_user("T.Durden+soap@fightclub.com").await;
    let zoe = app
        .create_user_with_emails("zoë ångström", &["Zoë+Work@Exämple.org"])
        .await;
    let soap = app.create_group("Paper Street Soap Company", &[]).await;
    let unicode = app.create_group("Équipe Ünïcødé ✓", &[]).await;

    // by userName (case-insensitive) into a group named with spaces, in other case
    assert_eq!(
        app.add_member("paper street soap company", "t.durden+SOAP@fightclub.com")
            .await
            .status(),
        204
    );
    // by a user name with a space and unicode, into a unicode group name
    assert_eq!(app.add_member("équipe ünïcødé ✓", "Zoë Ångström").await.status(), 204);
    // by email, with `+` and unicode
    assert_eq!(app.add_member(&soap, "zoë+work@exämple.org").await.status(), 204);

    assert_eq!(app.member_ids(&unicode).await, std::slice::from_ref(&zoe));
    let mut both = vec![tyler, zoe];
    both.sort();
    assert_eq!(app.member_ids(&soap).await, both);
}

#[tokio::test]
async fn at_and_plus_may_also_be_sent_unencoded() {
    let app = spawn_app().await;
    let tyler = app.create_user("t+d@fightclub.com").await;
    let soap = app.create_group("Soap", &[]).await;

    let res = app.admin("PUT", "/groups/Soap/users/t+d@fightclub.com", None).await;

    assert_eq!(res.status(), 204);
    assert_eq!(app.member_ids(&soap).await, [tyler]);
}

#[tokio::test]
async fn a_user_is_found_by_id_by_user_name_and_by_email() {
    let app = spawn_app().await;
    let alice = app.create_user_with_emails("alice", &["Alice.Work@Corp.Example"]).await;

    for ident in [alice.as_str(), "ALICE", "alice.work@corp.example"] {
        let user = json_of(
            app.admin("GET", &format!("/users/{}", crate::common::seg(ident)), None)
                .await,
        )
        .await;
        assert_eq!(user["id"], json!(alice), "{ident}");
    }
}

#[tokio::test]
async fn two_users_with_the_same_email_are_a_409_naming_both() {
    let app = spawn_app().await;
    let a = app.create_user_with_emails("alice", &["shared@example.com"]).await;
    let b = app.create_user_with_emails("bob", &["Shared@Example.com"]).await;
    let eng = app.create_group("eng", &[]).await;

    let problem = assert_problem(app.add_member(&eng, "shared@example.com").await, 409).await;

    assert_eq!(problem["candidates"].as_array().unwrap().len(), 2, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(&a) && detail.contains(&b), "{detail}");
    let bulk = app
        .admin(
            "POST",
            &format!("/groups/{eng}/users"),
            Some(json!(["shared@example.com"])),
        )
        .await;
    assert_problem(bulk, 409).await;
    assert!(app.member_ids(&eng).await.is_empty());
}
