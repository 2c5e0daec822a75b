use serde_json::{Value, json};

use crate::common::{json_of, seg, spawn_app};

async fn names(app: &crate::common::TestApp, path: &str, field: &str) -> (Vec<String>, Value) {
    let page = json_of(app.admin("GET", path, None).await).await;
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u[field].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    (names, page["total"].clone())
}

#[tokio::test]
async fn users_are_searched_by_user_name_display_name_or_email() {
    let app = spawn_app().await;
    app.create_user_with_emails("alice", &["a.smith@corp.example"]).await;
    app.create_user_with_emails("bob", &["bob@home.example"]).await;
    let mut carol = crate::common::user_json("carol");
    carol["displayName"] = json!("Carol Alison");
    app.post("/Users", carol).await;

    assert_eq!(
        names(&app, "/users?q=ALI", "user_name").await,
        (vec!["alice".into(), "carol".into()], json!(2))
    );
    assert_eq!(names(&app, "/users?q=corp.example", "user_name").await.0, ["alice"]);
    assert_eq!(names(&app, "/users?q=%25", "user_name").await.0, Vec::<String>::new());
    assert_eq!(names(&app, "/users", "user_name").await.1, json!(3));
}

#[tokio::test]
async fn groups_are_searched_by_display_name_and_paged() {
    let app = spawn_app().await;
    for name in ["Engineering", "Eng Managers", "Sales", "Ünïcødé Eng"] {
        app.create_group(name, &[]).await;
    }

    let (found, total) = names(&app, &format!("/groups?q={}", seg("ENG")), "display_name").await;
    let first = json_of(app.admin("GET", "/groups?q=eng&limit=2", None).await).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(
        app.admin("GET", &format!("/groups?q=eng&limit=2&cursor={cursor}"), None)
            .await,
    )
    .await;

    assert_eq!(found, ["Eng Managers", "Engineering", "Ünïcødé Eng"]);
    assert_eq!(total, 3);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["total"], 3);
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn one_user_or_group_is_shown_by_identifier() {
    let app = spawn_app().await;
    let alice = app.create_user("alice").await;
    let eng = app.create_group("Engineering", &[]).await;

    let user = json_of(app.admin("GET", "/users/Alice", None).await).await;
    let group = json_of(app.admin("GET", "/groups/engineering", None).await).await;

    assert_eq!(user["id"], json!(alice));
    assert_eq!(user["user_name"], "alice");
    assert_eq!(user["emails"], json!(["alice@example.com"]));
    assert_eq!(user["active"], true);
    assert!(user.get("password_hash").is_none());
    assert_eq!(group["id"], json!(eng));
    assert_eq!(group["display_name"], "Engineering");
}
