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
    // Searched again, carol is shown as a member, not selectable.
    let found = b
        .get(app.url(&format!("/console/groups/{id}/candidates?q=car")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains("carol &mdash; already a member"), "{found}");
    assert!(!found.contains(&format!("value=\"{carol}\"")), "{found}");

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
    assert!(roles.contains(">wiki-editor</a></td><td>always</td>"), "{roles}");
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

#[tokio::test]
async fn a_user_page_shows_groups_permissions_and_ends_sign_ins() {
    let app = spawn_app().await;
    app.console_user("root", &["iam.*"]).await;
    let alice = app.create_user_with_password("alice").await;
    app.create_user_with_password("bob").await;
    let engineering = app.create_group("Engineering", &[&alice]).await;
    app.create_group("Company", &[&engineering]).await;
    let body = json!({"name": "wiki-editor", "permissions": ["wiki.page.edit"]});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
    assert_eq!(
        app.admin("PUT", "/groups/Company/roles/wiki-editor", None)
            .await
            .status(),
        204
    );
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid offline_access").await;
    let (b, html) = app.console_sign_in("root").await;
    assert!(html.contains("href=\"/console/users\""), "Users in the navigation");
    let token = csrf(&html);
    let get = |path: String| {
        let b = b.clone();
        let url = app.url(&path);
        async move { b.get(url).send().await.unwrap().text().await.unwrap() }
    };

    // Search by part of a name, and the active filter.
    let rows = get("/console/users/rows?q=LIC".into()).await;
    assert!(
        rows.contains(&format!("href=\"/console/users/{alice}\">alice</a>")),
        "{rows}"
    );
    assert!(!rows.contains(">bob</a>"));
    let inactive = get("/console/users/rows?active=inactive".into()).await;
    assert!(!inactive.contains(">alice</a>"), "{inactive}");

    // The page: groups with the chain, permissions with their source.
    let page = get(format!("/console/users/{alice}")).await;
    assert!(
        page.contains(">Engineering</a></td>\n        <td>direct</td>"),
        "{page}"
    );
    assert!(
        page.contains(">Company</a></td>\n        <td>through Engineering</td>"),
        "{page}"
    );
    assert!(page.contains("<td>wiki.page.edit</td>"), "{page}");
    assert!(
        page.contains("role wiki-editor through Engineering \u{2192} Company"),
        "{page}"
    );

    // Sign out everywhere: alice's refresh token no longer works; audited from the console.
    let res = b
        .post(app.url(&format!("/console/users/{alice}/sign-out-everywhere")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let refreshed = app
        .token_request(
            &rp,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    let ended = audit(&app, "user.signins_end").await;
    assert_eq!(ended[0]["source"], "console");
    assert_eq!(ended[0]["detail"]["reason"], "signed out everywhere");

    // Set password: mismatch and policy refusals come back on the page; a good one is set.
    let set = |p1: &'static str, p2: &'static str| {
        b.post(app.url(&format!("/console/users/{alice}/password")))
            .form(&[("csrf", token.as_str()), ("password", p1), ("password_again", p2)])
            .send()
    };
    let res = set("a long enough passphrase", "something else").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("The two passwords differ"));
    let res = set("short", "short").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("role=\"alert\""));
    let res = set("a long enough passphrase", "a long enough passphrase")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Deactivate, then reactivate.
    for (value, active) in [("false", false), ("true", true)] {
        let res = b
            .post(app.url(&format!("/console/users/{alice}/active")))
            .form(&[("csrf", token.as_str()), ("active", value)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let user = json_of(app.admin("GET", "/users/alice", None).await).await;
        assert_eq!(user["active"], active);
        if !active {
            let inactive = get("/console/users/rows?active=inactive".into()).await;
            assert!(inactive.contains(">alice</a>"), "{inactive}");
        }
    }
}

#[tokio::test]
async fn the_setup_link_dies_once_anyone_is_an_administrator_and_changes_no_existing_role() {
    let app = spawn_app().await;
    let link = app.setup_link.clone().expect("a setup link");
    // A role named "administrator" already exists for an application, granted to a group.
    let body = json!({"name": "administrator", "permissions": ["wiki.admin"]});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
    let carol = app.create_user("carol").await;
    app.create_group("Wiki admins", &[&carol]).await;
    assert_eq!(
        app.admin("PUT", "/groups/Wiki%20admins/roles/administrator", None)
            .await
            .status(),
        204
    );
    let b = cookie_client();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let res = b
        .post(app.url("/console/setup"))
        .form(&[
            ("token", token.as_str()),
            ("user_name", "root"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("scimitar-administrator"));
    let role = json_of(app.admin("GET", "/roles/administrator", None).await).await;
    assert_eq!(role["permissions"], json!(["wiki.admin"]), "left alone");
    let held = json_of(app.admin("GET", "/users/carol/permissions/iam.group.read", None).await).await;
    assert_eq!(held["held"], false, "carol did not become an administrator");

    // Another server: an administrator made through the admin API closes the link.
    let other = spawn_app().await;
    let link = other.setup_link.clone().expect("a setup link");
    other.console_user("root", &["iam.*"]).await;
    assert_eq!(b.get(&link).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_audit_log_filters_and_pages_and_losses_respect_wildcards() {
    let app = spawn_app().await;
    app.console_user("root", &["iam.*"]).await;
    let alice = app.create_user_with_password("alice").await;
    let eng = app.create_group("Engineering", &[&alice]).await;
    app.create_group("Docs", &[&alice]).await;
    for (role, permission, group) in [
        ("page-editor", "wiki.page.edit", "Engineering"),
        ("wiki-admin", "wiki.*", "Docs"),
    ] {
        let body = json!({"name": role, "permissions": [permission]});
        assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
        assert_eq!(
            app.admin("PUT", &format!("/groups/{group}/roles/{role}"), None)
                .await
                .status(),
            204
        );
    }
    for i in 0..60 {
        app.create_group(&format!("team-{i:02}"), &[]).await;
    }
    let (b, html) = app.console_sign_in("root").await;
    assert!(html.contains("href=\"/console/audit\""));
    let get = |path: &str| {
        let b = b.clone();
        let url = app.url(path);
        async move {
            let res = b.get(url).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    // Filtered by group: only Engineering's events.
    let (status, page) = get("/console/audit?group=Engineering").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<td>group.create</td><td>Engineering</td>"), "{page}");
    assert!(!page.contains("team-"), "{page}");
    // By action, paged: 50 of the 60+ group.create events, then the older ones.
    let (_, first) = get("/console/audit?action=group.create").await;
    assert_eq!(first.matches("<td>group.create</td>").count(), 50);
    let older = first
        .split("cursor=")
        .nth(1)
        .expect("an older page")
        .split('"')
        .next()
        .unwrap();
    let (_, second) = get(&format!("/console/audit?action=group.create&cursor={older}")).await;
    assert_eq!(second.matches("<td>group.create</td>").count(), 62 - 50, "{second}");
    // Bad input: a page, not a 500.
    assert_eq!(get("/console/audit?since=yesterday").await.0, StatusCode::BAD_REQUEST);
    let (status, page) = get("/console/audit?group=no-such-group").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("No group by that name"), "{page}");
    assert!(page.contains("No events."));

    // Removing alice from Engineering loses the role, but not wiki.page.edit: wiki.* stays.
    let res = b
        .post(app.url(&format!("/console/groups/{eng}/remove")))
        .form(&[("csrf", csrf(&html)), ("user", alice)])
        .send()
        .await
        .unwrap();
    let confirm = res.text().await.unwrap();
    assert!(confirm.contains("<li>page-editor</li>"), "{confirm}");
    assert!(
        !confirm.contains("<li>wiki.page.edit</li>"),
        "covered by wiki.*: {confirm}"
    );
}

/// Makes every console session's sign-in look `minutes` older.
async fn age_sign_ins(app: &crate::common::TestApp, minutes: i64) {
    use sea_orm::ConnectionTrait;
    let db = app.store.writer();
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE console_sessions SET auth_time_us = auth_time_us - $1",
        vec![(minutes * 60 * 1_000_000).into()],
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn tokens_and_key_rotation_need_a_recent_sign_in_and_hand_out_only_what_is_held() {
    let app = spawn_app().await;
    app.console_user("root", &["iam.*"]).await;
    let (b, html) = app.console_sign_in("root").await;
    let token = csrf(&html);
    let page = b
        .get(app.url("/console/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<label for=\"token-name\">Token name</label>"),
        "recent: the form"
    );

    // Eleven minutes later the form is replaced by a link, and a POST is refused.
    age_sign_ins(&app, 11).await;
    let page = b
        .get(app.url("/console/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("token-name") && page.contains("Sign in again"), "{page}");
    let res = b
        .post(app.url("/console/tokens"))
        .form(&[("csrf", token.as_str()), ("name", "late"), ("scopes", "iam.group.read")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let refusal = res.text().await.unwrap();
    let link = refusal
        .split("href=\"")
        .find(|s| s.starts_with("/console/login?reauth=1"))
        .and_then(|s| s.split('"').next())
        .expect("a link to sign in again")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    // Signing in again asks for the password although a login session exists, then comes back.
    let res = b.get(app.url(&link)).send().await.unwrap();
    let authorize = location(&res);
    assert!(authorize.contains("prompt=login"), "{authorize}");
    let res = app.login(&b, &app.url(&authorize), "root", PASSWORD).await;
    let res = b.get(location(&res)).send().await.unwrap();
    assert_eq!(location(&res), "/console/tokens");
    let html = b
        .get(app.url("/console/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf(&html);

    // Create: the secret is shown once and works on the admin API.
    let res = b
        .post(app.url("/console/tokens"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "reader"),
            ("scopes", "iam.group.read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let secret = page
        .split("<code id=\"new-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the secret, once")
        .to_owned();
    assert_eq!(app.admin_as(&secret, "GET", "/groups", None).await.status(), 200);
    assert_eq!(app.admin_as(&secret, "GET", "/users", None).await.status(), 403);
    let listed = b
        .get(app.url("/console/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains("<td>reader</td>") && !listed.contains(&secret),
        "never shown again"
    );
    let created = audit(&app, "token.create").await;
    assert_eq!(created[0]["source"], "console");
    // Bad scopes come back on the page.
    let res = b
        .post(app.url("/console/tokens"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "typo"),
            ("scopes", "iam.gruop.read, admn"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("role=\"alert\""));

    // Rotate the signing key (recent sign-in): a new key signs.
    let before = json_of(app.admin("GET", "/keys", None).await).await;
    let res = b
        .post(app.url("/console/keys/rotate"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = json_of(app.admin("GET", "/keys", None).await).await;
    assert_eq!(after.as_array().unwrap().len(), before.as_array().unwrap().len() + 1);
    let keys_page = b
        .get(app.url(&location(&res)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(keys_page.contains("signs from now on"), "{keys_page}");

    // Revoke: the secret stops working.
    let id = json_of(app.admin("GET", "/tokens", None).await)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "reader")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = b
        .post(app.url(&format!("/console/tokens/{id}/revoke")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.admin_as(&secret, "GET", "/groups", None).await.status(), 401);
}

#[tokio::test]
async fn an_administrator_cannot_hand_out_more_than_their_roles_carry() {
    let app = spawn_app().await;
    app.console_user("tokens-admin", &["iam.token.*", "iam.group.read"])
        .await;
    let (b, html) = app.console_sign_in("tokens-admin").await;
    let token = csrf(&html);
    for scopes in ["iam.user.read", "admin", "scim"] {
        let res = b
            .post(app.url("/console/tokens"))
            .form(&[("csrf", token.as_str()), ("name", "too-much"), ("scopes", scopes)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{scopes}");
        assert!(res.text().await.unwrap().contains("You cannot hand out"), "{scopes}");
    }
    let res = b
        .post(app.url("/console/tokens"))
        .form(&[("csrf", token.as_str()), ("name", "ok"), ("scopes", "iam.group.read")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The bootstrap token (scim admin) is not theirs to revoke.
    let tokens = json_of(app.admin("GET", "/tokens", None).await).await;
    let boot = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scopes"].to_string().contains("admin"))
        .unwrap();
    let res = b
        .post(app.url(&format!("/console/tokens/{}/revoke", boot["id"].as_str().unwrap())))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.admin("GET", "/groups", None).await.status(), 200, "still works");
    // No key permission: the page is refused, and not in the navigation.
    assert!(!html.contains("/console/keys"));
    assert_eq!(
        b.get(app.url("/console/keys")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn roles_are_created_edited_granted_on_a_schedule_and_revoked() {
    let app = spawn_app().await;
    app.console_user("root", &["iam.*"]).await;
    let alice = app.create_user_with_password("alice").await;
    let group = app.create_group("Payroll", &[&alice]).await;
    let (b, html) = app.console_sign_in("root").await;
    let token = csrf(&html);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let b = b.clone();
        let url = app.url(&path);
        async move { b.post(url).form(&form).send().await.unwrap() }
    };
    let t = || ("csrf", token.clone());

    // New role; a duplicate and a malformed permission come back inline.
    let res = post(
        "/console/roles".into(),
        vec![
            t(),
            ("name", "payroll-clerk".into()),
            ("description", "pays".into()),
            ("permissions", "payroll.read\npayroll.run".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let role_page = location(&res);
    let role_id = role_page.rsplit('/').next().unwrap().to_owned();
    let res = post(
        "/console/roles".into(),
        vec![t(), ("name", "Payroll-Clerk".into()), ("permissions", "".into())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = post(
        "/console/roles".into(),
        vec![t(), ("name", "bad".into()), ("permissions", "payroll..run".into())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("role=\"alert\""));

    // Grant it to the group on Berlin office hours; a bad schedule is refused on the page.
    let grant = |tz: &str| {
        vec![
            t(),
            ("role", role_id.clone()),
            ("time_zone", tz.to_owned()),
            ("day", "mon".into()),
            ("day", "fri".into()),
            ("from", "08:00".into()),
            ("to", "18:00".into()),
            ("day2", "sat".into()),
            ("from2", "10:00".into()),
            ("to2", "12:00".into()),
            ("from3", "".into()),
            ("to3", "".into()),
        ]
    };
    let res = post(format!("/console/groups/{group}/roles"), grant("Mars/Olympus")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("unknown time zone"));
    let res = post(format!("/console/groups/{group}/roles"), grant("Europe/Berlin")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let roles = json_of(app.admin("GET", "/groups/Payroll/roles", None).await).await;
    assert_eq!(roles[0]["name"], "payroll-clerk");
    assert_eq!(roles[0]["schedule"]["time_zone"], "Europe/Berlin");
    assert_eq!(roles[0]["schedule"]["weekly"][0]["days"], json!(["mon", "fri"]));
    assert_eq!(
        roles[0]["schedule"]["weekly"][1],
        json!({"days": ["sat"], "from": "10:00", "to": "12:00"})
    );
    assert_eq!(roles[0]["schedule"]["weekly"].as_array().unwrap().len(), 2);
    let tab = b
        .get(app.url(&format!("/console/groups/{group}?tab=roles")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        tab.contains("Europe/Berlin: mon fri 08:00\u{2013}18:00, sat 10:00\u{2013}12:00"),
        "{tab}"
    );

    // The role page: holders, an edit, then delete.
    let page = b.get(app.url(&role_page)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(">alice</a></td><td>through Payroll</td>"), "{page}");
    let res = post(
        role_page.clone(),
        vec![
            t(),
            ("description", "pays people".into()),
            ("permissions", "payroll.*".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let role = json_of(app.admin("GET", "/roles/payroll-clerk", None).await).await;
    assert_eq!(role["permissions"], json!(["payroll.*"]));
    let res = post(format!("/console/groups/{group}/roles/{role_id}/revoke"), vec![t()]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        json_of(app.admin("GET", "/groups/Payroll/roles", None).await).await,
        json!([])
    );
    let res = post(format!("{role_page}/delete"), vec![t()]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.admin("GET", "/roles/payroll-clerk", None).await.status(), 404);
    let events = audit(&app, "role.grant").await;
    assert_eq!(events[0]["source"], "console");
}

#[tokio::test]
async fn a_role_administrator_cannot_make_administrators() {
    let app = spawn_app().await;
    app.console_user("roles-admin", &["iam.role.*", "iam.group.read"]).await;
    let body = json!({"name": "everything", "permissions": ["iam.*"]});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
    let everything = json_of(app.admin("GET", "/roles/everything", None).await).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let group = app.create_group("Staff", &[]).await;
    let (b, html) = app.console_sign_in("roles-admin").await;
    let token = csrf(&html);
    let res = b
        .post(app.url("/console/roles"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "sneaky"),
            ("permissions", "iam.user.write"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("You cannot put iam.user.write"));
    let res = b
        .post(app.url(&format!("/console/groups/{group}/roles")))
        .form(&[("csrf", token.as_str()), ("role", everything.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_of(app.admin("GET", "/groups/Staff/roles", None).await).await,
        json!([])
    );

    // Nor strip, revoke or delete what makes the administrators.
    assert_eq!(
        app.admin("PUT", "/groups/Staff/roles/everything", None).await.status(),
        204
    );
    let refused = [
        (
            format!("/console/roles/{everything}"),
            vec![("description", ""), ("permissions", "wiki.read")],
        ),
        (format!("/console/roles/{everything}/delete"), vec![]),
        (format!("/console/groups/{group}/roles/{everything}/revoke"), vec![]),
    ];
    for (path, extra) in refused {
        let mut form = vec![("csrf", token.as_str())];
        form.extend(extra);
        let res = b.post(app.url(&path)).form(&form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let role = json_of(app.admin("GET", "/roles/everything", None).await).await;
    assert_eq!(role["permissions"], json!(["iam.*"]));
    assert_eq!(
        json_of(app.admin("GET", "/groups/Staff/roles", None).await).await[0]["name"],
        "everything"
    );
    // The admin API holds the same line.
    let narrow = json_of(
        app.admin(
            "POST",
            "/tokens",
            Some(json!({"name": "roles", "permissions": ["iam.role.*"]})),
        )
        .await,
    )
    .await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for (method, path, body) in [
        ("DELETE", "/roles/everything", None),
        ("DELETE", "/groups/Staff/roles/everything", None),
        (
            "PATCH",
            "/roles/everything",
            Some(json!({"permissions": ["wiki.read"]})),
        ),
    ] {
        let res = app.admin_as(&narrow, method, path, body).await;
        assert_eq!(res.status(), 403, "{method} {path}");
    }
}

#[tokio::test]
async fn applications_are_created_with_a_secret_shown_once_edited_rotated_and_deleted() {
    let app = spawn_app().await;
    app.console_user("root", &["iam.*"]).await;
    let (b, html) = app.console_sign_in("root").await;
    let token = csrf(&html);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let b = b.clone();
        let url = app.url(&path);
        async move { b.post(url).form(&form).send().await.unwrap() }
    };
    let t = || ("csrf", token.clone());
    let list = b
        .get(app.url("/console/apps"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains("/console/apps/scimitar-console"),
        "the console's own client is not listed"
    );

    // A bad redirect URI comes back inline; a good one creates it, secret shown once.
    let res = post(
        "/console/apps".into(),
        vec![
            t(),
            ("name", "Wiki".into()),
            ("redirect_uris", "http://wiki.example.com/cb".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("https"));
    let res = post(
        "/console/apps".into(),
        vec![
            t(),
            ("name", "Wiki".into()),
            ("redirect_uris", "https://wiki.example.com/cb".into()),
            ("groups_prefix", "wiki-".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let secret = page
        .split("<code id=\"app-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the secret, once")
        .to_owned();
    let client_id = page
        .split("<code id=\"app-client-id\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    // The secret works at the token endpoint (client_credentials).
    let cc = app
        .client
        .post(app.url("/oauth2/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(cc.status(), StatusCode::OK);
    let shown = b
        .get(app.url(&format!("/console/apps/{client_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!shown.contains(&secret), "never shown again");

    // Settings: redirect URIs and the groups filter, audited.
    let res = post(
        format!("/console/apps/{client_id}"),
        vec![
            t(),
            (
                "redirect_uris",
                "https://wiki.example.com/cb\nhttps://wiki.example.com/cb2".into(),
            ),
            ("groups_prefix", "".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let clients = json_of(app.admin("GET", "/clients", None).await).await;
    let wiki = clients
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == client_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(wiki["redirect_uris"].as_array().unwrap().len(), 2, "{wiki}");
    assert_eq!(audit(&app, "client.update").await[0]["source"], "console");

    // Changing where codes go needs a recent sign-in too.
    age_sign_ins(&app, 11).await;
    let res = post(
        format!("/console/apps/{client_id}"),
        vec![t(), ("redirect_uris", "https://evil.example/cb".into())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    age_sign_ins(&app, -11).await;

    // Rotate: the new secret works, the old one does not.
    let res = post(format!("/console/apps/{client_id}/secret"), vec![t()]).await;
    let page = res.text().await.unwrap();
    let fresh = page
        .split("<code id=\"app-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    for (s, ok) in [(&secret, false), (&fresh, true)] {
        let res = app
            .client
            .post(app.url("/oauth2/token"))
            .basic_auth(&client_id, Some(s))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().is_success(), ok);
    }
    // Delete; the console's own client cannot be deleted, here or on the admin API.
    let res = post(format!("/console/apps/{client_id}/delete"), vec![t()]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post("/console/apps/scimitar-console/delete".into(), vec![t()]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.admin("DELETE", "/clients/scimitar-console", None).await.status(),
        400
    );
    assert_eq!(
        b.get(app.url("/console/groups")).send().await.unwrap().status(),
        StatusCode::OK
    );
}
