//! The console's pages and forms over plain HTTP.
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use super::{csrf, location};
use crate::{
    common::{json_of, spawn_app},
    oidc::{PASSWORD, browser as cookie_client},
};

async fn audit(app: &crate::common::TestApp, action: &str) -> Vec<Value> {
    let page = json_of(app.admin("GET", &format!("/audit?action={action}"), None).await).await;
    page["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn the_setup_link_creates_the_first_administrator_once() {
    let app = spawn_app().await;
    let link = app.setup_link.clone().expect("no administrator yet: a setup link");
    let b = cookie_client();
    let page = b.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<label for=\"user-name\">User name</label>"), "{html}");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let form = |user: &str, p1: &str, p2: &str| {
        vec![
            ("token".to_owned(), token.clone()),
            ("user_name".to_owned(), user.to_owned()),
            ("password".to_owned(), p1.to_owned()),
            ("password_again".to_owned(), p2.to_owned()),
        ]
    };
    let post = |f: Vec<(String, String)>| b.post(app.url("/console/setup")).form(&f).send();
    let res = post(form("root", PASSWORD, "something else")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("The two passwords differ"));
    let res = post(form("root", PASSWORD, PASSWORD)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Administrator created"));
    // Spent: neither the page nor a second submission works.
    assert_eq!(b.get(&link).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let res = post(form("intruder", PASSWORD, PASSWORD)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.admin("GET", "/users/intruder", None).await.status(), 404);
    let held = json_of(app.admin("GET", "/users/root/permissions/iam.key.rotate", None).await).await;
    assert_eq!(held["held"], true, "{held}");
    // The administrator signs in on Scimitar's own login page.
    let (_, html) = app.console_sign_in("root").await;
    assert!(
        html.contains(">New group</button>"),
        "a full administrator may create groups"
    );
}

#[tokio::test]
async fn groups_are_created_filled_and_emptied_with_what_each_user_loses() {
    let app = spawn_app().await;
    app.console_user("root", &["iam.*"]).await;
    for u in ["alice", "bob", "carol"] {
        app.create_user_with_password(u).await;
    }
    let (b, html) = app.console_sign_in("root").await;
    let token = csrf(&html);

    // New group with two users; a duplicate name (any case) is refused inline.
    let res = b
        .post(app.url("/console/groups"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Engineering"),
            ("users", "alice, bob"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let group_url = location(&res);
    let id = group_url.rsplit('/').next().unwrap().to_owned();
    let res = b
        .post(app.url("/console/groups"))
        .form(&[("csrf", token.as_str()), ("name", "engineering"), ("users", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("already exists"), "{html}");
    assert!(html.contains("value=\"engineering\""), "the form keeps what was typed");
    let res = b
        .post(app.url("/console/groups"))
        .form(&[("csrf", token.as_str()), ("name", "Other"), ("users", "nobody-such")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.admin("GET", "/groups/Other", None).await.status(),
        404,
        "nothing created"
    );

    // The list (search-as-you-type rows) shows it with its member count.
    let rows = b
        .get(app.url("/console/groups/rows?q=ENGIN"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(rows.contains(">Engineering</a></td><td>2</td>"), "{rows}");

    // Add users: search, then the checked one.
    let found = b
        .get(app.url(&format!("/console/groups/{id}/candidates?q=car")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let carol = app.user_id_of("carol").await;
    assert!(found.contains(&format!("value=\"{carol}\"")), "{found}");
    let res = b
        .post(app.url(&format!("/console/groups/{id}/add")))
        .form(&[("csrf", token.as_str()), ("user", carol.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = b
        .get(app.url(&location(&res)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Added 1 user."), "{page}");
    for u in ["alice", "bob", "carol"] {
        assert!(page.contains(&format!("aria-label=\"Select {u}\"")), "{u} listed");
    }

    // Roles: wiki-editor through Engineering; bob has it through Docs too.
    let body = json!({"name": "wiki-editor", "permissions": ["wiki.page.edit"]});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
    assert_eq!(
        app.admin("PUT", "/groups/Engineering/roles/wiki-editor", None)
            .await
            .status(),
        204
    );
    let bob = app.user_id_of("bob").await;
    app.create_group("Docs", &[&bob]).await;
    assert_eq!(
        app.admin("PUT", "/groups/Docs/roles/wiki-editor", None).await.status(),
        204
    );

    // Remove alice and bob: the confirmation says alice loses the role, bob nothing.
    let alice = app.user_id_of("alice").await;
    let res = b
        .post(app.url(&format!("/console/groups/{id}/remove")))
        .form(&[
            ("csrf", token.as_str()),
            ("user", alice.as_str()),
            ("user", bob.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let confirm = res.text().await.unwrap();
    let row = |name: &str| {
        let start = confirm
            .find(&format!("{name}</td>"))
            .unwrap_or_else(|| panic!("{name}: {confirm}"));
        let end = confirm[start..].find("</tr>").unwrap() + start;
        confirm[start..end].to_owned()
    };
    assert!(row("alice").contains("<li>wiki-editor</li>") && row("alice").contains("<li>wiki.page.edit</li>"));
    assert!(
        !row("bob").contains("wiki"),
        "bob keeps it through Docs: {}",
        row("bob")
    );
    assert_eq!(
        json_of(app.admin("GET", "/groups/Engineering/users", None).await).await["items"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "nothing removed before the confirmation"
    );
    let res = b
        .post(app.url(&format!("/console/groups/{id}/remove/confirm")))
        .form(&[
            ("csrf", token.as_str()),
            ("user", alice.as_str()),
            ("user", bob.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let members = json_of(app.admin("GET", "/groups/Engineering/users", None).await).await;
    assert_eq!(members["items"][0]["user_name"], "carol");
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
    let bob_holds = json_of(app.admin("GET", "/users/bob/permissions/wiki.page.edit", None).await).await;
    assert_eq!(bob_holds["held"], true);

    // Audited as the administrator, from the console; the Activity tab shows it.
    let removed = audit(&app, "member.remove").await;
    assert_eq!(removed.len(), 2);
    assert!(removed.iter().all(|e| e["source"] == "console"));
    assert!(
        removed[0]["actor"].as_str().unwrap().starts_with("user:root#"),
        "{removed:?}"
    );
    let activity = b
        .get(app.url(&format!("/console/groups/{id}?tab=activity")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(activity.contains("<td>member.remove</td><td>alice</td>"), "{activity}");
    assert!(activity.contains("<td>group.create</td>"));
    let roles = b
        .get(app.url(&format!("/console/groups/{id}?tab=roles")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(roles.contains("<td>wiki-editor</td><td>always</td>"), "{roles}");
}

#[tokio::test]
async fn a_read_only_administrator_sees_no_write_controls_and_cannot_post() {
    let app = spawn_app().await;
    app.console_user("auditor", &["iam.group.read", "iam.audit.read"]).await;
    let carol = app.create_user_with_password("carol").await;
    let group = app.create_group("Engineering", &[&carol]).await;
    let (b, html) = app.console_sign_in("auditor").await;
    assert!(!html.contains("New group"), "no write controls: {html}");
    let page = b
        .get(app.url(&format!("/console/groups/{group}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<td>carol"), "{page}");
    for control in ["Add users", "Remove users", "type=\"checkbox\""] {
        assert!(!page.contains(control), "{control} shown to a reader");
    }
    // A forged POST with a valid session and CSRF token is still refused, and changes nothing.
    let token = csrf(&html);
    let res = b
        .post(app.url(&format!("/console/groups/{group}/remove/confirm")))
        .form(&[("csrf", token.as_str()), ("user", carol.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("iam.group.write"));
    let res = b
        .post(app.url("/console/groups"))
        .form(&[("csrf", token.as_str()), ("name", "Sneaky")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let members = json_of(app.admin("GET", "/groups/Engineering/users", None).await).await;
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.admin("GET", "/groups/Sneaky", None).await.status(), 404);
}

#[tokio::test]
async fn forms_need_the_csrf_token_and_pages_carry_strict_headers() {
    let app = spawn_app().await;
    app.console_user("root", &["iam.*"]).await;
    let plain = app.create_user_with_password("plain").await;
    let (b, _) = app.console_sign_in("root").await;
    for token in ["", "wrong"] {
        let res = b
            .post(app.url("/console/groups"))
            .form(&[("csrf", token), ("name", "NoToken")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.admin("GET", "/groups/NoToken", None).await.status(), 404);
    let res = b.get(app.url("/console/groups")).send().await.unwrap();
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(res.headers()[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    // The assets come from the binary.
    let htmx = b
        .get(app.url("/console/assets/htmx-2.0.11.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(htmx.status(), StatusCode::OK);
    assert!(htmx.text().await.unwrap().contains("htmx"));
    // Bad ids and unknown pages are pages, not panics.
    for path in ["/console/groups/not-a-uuid", "/console/nothing-here"] {
        let res = b.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let res = b
        .post(app.url("/console/groups/00000000-0000-0000-0000-000000000000/add"))
        .form(&[("csrf", "x"), ("user", "not-a-uuid")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "CSRF first");
    // Someone whose roles carry no console permission is told so.
    let _ = plain;
    let (nobody, _) = {
        let b = cookie_client();
        let res = b.get(app.url("/console/login")).send().await.unwrap();
        let res = app.login(&b, &app.url(&location(&res)), "plain", PASSWORD).await;
        let res = b.get(location(&res)).send().await.unwrap();
        (b, res)
    };
    let res = nobody.get(app.url("/console/groups")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("no console permission"));
    // Signing out ends the session.
    let html = b
        .get(app.url("/console/groups"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = b
        .post(app.url("/console/logout"))
        .form(&[("csrf", csrf(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = b.get(app.url("/console/groups")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}
