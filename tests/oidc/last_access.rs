//! "Last accessed": when each member last got a token from each application that receives the
//! group, and per user from every application — recorded at issuance, written in batches.
use chrono::{DateTime, Duration, Utc};
use scimitar::clock::Clock;
use serde_json::{Value, json};

use crate::common::{json_of, spawn_app_with};

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("not a time: {v}")).parse().unwrap()
}

#[tokio::test]
async fn sign_ins_to_two_applications_show_per_member_and_per_user() {
    let app = spawn_app_with(|c| c.clock = Clock::manual(Utc::now())).await;
    let clock = app.store.clock().clone();
    let alice = app.create_user_with_password("alice").await;
    let bob = app.create_user("bob").await;
    app.create_group("wiki-editors", &[&alice, &bob]).await;
    let wiki = app.register_client(json!({"client_name": "Wiki"})).await;
    // The CRM receives only groups named crm-…: not wiki-editors.
    let crm = app
        .register_client(json!({"client_name": "CRM", "groups_prefix": "crm-"}))
        .await;

    let t1 = clock.now();
    let tokens = app.tokens_for(&wiki, "alice", "openid groups offline_access").await;
    clock.advance(Duration::hours(1));
    let t2 = clock.now();
    app.tokens_for(&crm, "alice", "openid").await;

    // Not written yet: the figures lag until the next flush.
    let user = json_of(app.admin("GET", "/users/alice/access", None).await).await;
    assert_eq!(user["applications"], json!([]));
    assert_eq!(app.store.flush_access().await.unwrap(), 2);

    let user = json_of(app.admin("GET", "/users/alice/access", None).await).await;
    let apps = user["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 2, "{user}");
    assert_eq!(apps[0]["client_id"], crm.client_id.as_str(), "latest first");
    assert_eq!(apps[0]["name"], "CRM");
    assert_eq!(
        time(&apps[0]["last_token_at"]).timestamp_micros(),
        t2.timestamp_micros()
    );
    assert_eq!(
        time(&apps[1]["last_token_at"]).timestamp_micros(),
        t1.timestamp_micros()
    );
    assert!(user["last_login"].is_string());

    let group = json_of(app.admin("GET", "/groups/wiki-editors/access", None).await).await;
    let items = group["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{group}");
    for m in items {
        let apps = m["applications"].as_array().unwrap();
        assert_eq!(apps.len(), 1, "only the application that receives the group: {m}");
        assert_eq!(apps[0]["client_id"], wiki.client_id.as_str());
        if m["id"] == alice.as_str() {
            assert_eq!(
                time(&apps[0]["last_token_at"]).timestamp_micros(),
                t1.timestamp_micros()
            );
            assert!(m["last_login"].is_string());
        } else {
            assert_eq!(m["id"], bob.as_str());
            assert_eq!(apps[0]["last_token_at"], Value::Null, "bob never signed in");
            assert_eq!(m["last_login"], Value::Null);
        }
    }

    // A refresh is a token too; the later time is kept.
    clock.advance(Duration::hours(1));
    let t3 = clock.now();
    let res = app
        .token_request(
            &wiki,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    app.store.flush_access().await.unwrap();
    let user = json_of(app.admin("GET", "/users/alice/access", None).await).await;
    assert_eq!(user["applications"][0]["client_id"], wiki.client_id.as_str());
    assert_eq!(
        time(&user["applications"][0]["last_token_at"]).timestamp_micros(),
        t3.timestamp_micros()
    );
    // Deleting the application drops its figures.
    let res = app.admin("DELETE", &format!("/clients/{}", wiki.client_id), None).await;
    assert_eq!(res.status(), 204);
    let user = json_of(app.admin("GET", "/users/alice/access", None).await).await;
    assert_eq!(user["applications"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn with_recording_off_nothing_is_noted() {
    let app = spawn_app_with(|c| c.record_access = false).await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    app.tokens_for(&rp, "alice", "openid").await;
    assert_eq!(app.store.flush_access().await.unwrap(), 0);
    let user = json_of(app.admin("GET", "/users/alice/access", None).await).await;
    assert_eq!(user["applications"], json!([]));
}
