//! Scimitar's own authorization by permission: every admin route names the permission it
//! needs in the OpenAPI document and the README, refuses a token lacking exactly that one
//! with a 403 naming it, and lets a token holding only that one through; tokens never hand
//! out more than their creator holds.
use scimitar::access::Builtin;
use serde_json::{Value, json};

use crate::common::{TestApp, assert_problem, json_of, spawn_app};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// (method, path, permission) of every operation but the public document.
async fn operations(app: &TestApp) -> Vec<(String, String, String)> {
    let doc = json_of(app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap()).await;
    let mut out = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) || path == "/api/v1/openapi.json" {
                continue;
            }
            let security = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path}: no security"));
            assert_eq!(security.len(), 1, "{method} {path}: one requirement");
            let perms = security[0]["bearer"].as_array().unwrap();
            assert_eq!(perms.len(), 1, "{method} {path}: exactly one permission");
            out.push((method.clone(), path.clone(), perms[0].as_str().unwrap().to_owned()));
        }
    }
    assert!(out.len() >= 28, "{} operations", out.len());
    out
}

/// Path parameters filled with names that exist nowhere (the check runs before lookups).
fn concrete(path: &str) -> String {
    path.trim_start_matches("/api/v1")
        .replace("{permission}", "wiki.page.edit")
        .split('/')
        .map(|seg| if seg.starts_with('{') { "nobody" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn body_for(method: &str) -> Option<Value> {
    (method == "post" || method == "patch" || method == "put").then(|| json!({}))
}

#[tokio::test]
async fn every_route_refuses_a_token_lacking_its_permission_and_admits_one_holding_only_it() {
    let app = spawn_app().await;
    for (method, path, perm) in operations(&app).await {
        let builtin = Builtin::ALL
            .into_iter()
            .find(|b| b.as_str() == perm)
            .unwrap_or_else(|| panic!("{method} {path} names {perm}, not a built-in permission"));
        let others: Vec<&str> = Builtin::ALL
            .iter()
            .filter(|b| **b != builtin)
            .map(|b| b.as_str())
            .collect();
        let lacking = app.token_granting(&format!("scim {}", others.join(" "))).await;
        let only = app.token_granting(&perm).await;
        let url = concrete(&path);
        let m = method.to_uppercase();

        let res = app.admin_as(&lacking, &m, &url, body_for(&method)).await;
        let challenge = res
            .headers()
            .get("www-authenticate")
            .map(|h| h.to_str().unwrap().to_owned());
        let problem = assert_problem(res, 403).await;
        assert_eq!(problem["required_permission"], json!(perm), "{m} {path}");
        assert!(
            challenge.is_some_and(|c| c.contains(&format!("scope=\"{perm}\""))),
            "{m} {path}"
        );

        let res = app.admin_as(&only, &m, &url, body_for(&method)).await;
        assert!(
            ![401, 403].contains(&res.status().as_u16()),
            "{m} {path} refused a token holding {perm}: {}",
            res.status()
        );
    }
}

#[tokio::test]
async fn the_readme_table_lists_every_route_with_its_permission() {
    let app = spawn_app().await;
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut table: Vec<(String, String, String)> = readme
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let route = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let (method, path) = route.split_once(' ')?;
            if !path.starts_with("/api/v1/") {
                return None;
            }
            let perm = cells.get(2)?.trim_matches('`');
            Some((method.to_lowercase(), path.to_owned(), perm.to_owned()))
        })
        .collect();
    let mut ops = operations(&app).await;
    table.sort();
    ops.sort();
    assert_eq!(table, ops, "README route → permission table vs the OpenAPI document");
}

#[tokio::test]
async fn a_group_reader_reads_groups_but_a_write_is_a_403_naming_iam_group_write() {
    let app = spawn_app().await;
    let (alice, eng) = (app.create_user("alice").await, app.create_group("eng", &[]).await);
    let reader = app.token_granting("iam.group.read").await;
    assert_eq!(
        app.admin_as(&reader, "GET", "/groups/eng/users", None).await.status(),
        200
    );
    let problem = assert_problem(
        app.admin_as(&reader, "PUT", &format!("/groups/{eng}/users/{alice}"), None)
            .await,
        403,
    )
    .await;
    assert_eq!(problem["required_permission"], "iam.group.write");
    assert!(app.member_ids(&eng).await.is_empty(), "nothing changed");
    // A wildcard grant covers both.
    let manager = app.token_granting("iam.group.*").await;
    assert_eq!(
        app.admin_as(&manager, "PUT", &format!("/groups/{eng}/users/{alice}"), None)
            .await
            .status(),
        204
    );
    // But not users.
    let problem = assert_problem(app.admin_as(&manager, "GET", "/users", None).await, 403).await;
    assert_eq!(problem["required_permission"], "iam.user.read");
}

#[tokio::test]
async fn a_token_cannot_create_a_token_holding_more_than_itself() {
    let app = spawn_app().await;
    let creator = app.token_granting("iam.token.write iam.group.*").await;
    for (grants, missing) in [
        (json!({"scopes": ["admin"]}), "iam.*"),
        (json!({"scopes": ["admin:read"]}), "iam.user.read"),
        (json!({"scopes": ["scim"]}), "scim"),
        (
            json!({"permissions": ["iam.group.read", "iam.token.read"]}),
            "iam.token.read",
        ),
        (json!({"permissions": ["*"]}), "*"),
    ] {
        let mut body = grants.clone();
        body["name"] = json!("escalation");
        let problem = assert_problem(app.admin_as(&creator, "POST", "/tokens", Some(body)).await, 403).await;
        assert_eq!(problem["required_permission"], missing, "{grants}");
    }
    let admin_tokens = json_of(app.admin("GET", "/tokens", None).await).await;
    assert!(
        admin_tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["name"] != "escalation"),
        "no refused token was created"
    );
    // Within its own permissions it may: the new token reads groups and nothing else.
    let res = app
        .admin_as(
            &creator,
            "POST",
            "/tokens",
            Some(json!({"name": "reader", "permissions": ["iam.group.read"]})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created = json_of(res).await;
    assert_eq!(created["permissions"], json!(["iam.group.read"]));
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(app.admin_as(secret, "GET", "/groups", None).await.status(), 200);
    assert_eq!(
        assert_problem(app.admin_as(secret, "GET", "/tokens", None).await, 403).await["required_permission"],
        "iam.token.read"
    );
}

#[tokio::test]
async fn a_token_cannot_revoke_a_token_holding_more_than_itself() {
    let app = spawn_app().await;
    let narrow = app.token_granting("iam.token.write iam.token.read").await;
    let tokens = json_of(app.admin("GET", "/tokens", None).await).await;
    let admin_id = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scopes"].as_array().unwrap().contains(&json!("admin")))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let problem = assert_problem(
        app.admin_as(&narrow, "DELETE", &format!("/tokens/{admin_id}"), None)
            .await,
        403,
    )
    .await;
    assert_eq!(problem["required_permission"], "scim");
    assert_eq!(
        app.admin("GET", "/groups", None).await.status(),
        200,
        "the admin token still works"
    );
    // Its own kind it may revoke.
    let peer = app.token_granting("iam.token.read").await;
    let listed = json_of(app.admin("GET", "/tokens", None).await).await;
    let peer_id = listed
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|t| t["scopes"] == json!(["iam.token.read"]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.admin_as(&narrow, "DELETE", &format!("/tokens/{peer_id}"), None)
            .await
            .status(),
        204
    );
    assert_eq!(app.admin_as(&peer, "GET", "/tokens", None).await.status(), 401);
}

#[tokio::test]
async fn unknown_scopes_and_foreign_permissions_are_a_400() {
    let app = spawn_app().await;
    for bad in [
        json!({"name": "t", "scopes": ["admim"]}),
        json!({"name": "t", "permissions": ["wiki.page.edit"]}),
        json!({"name": "t", "permissions": ["iam..group"]}),
        json!({"name": "t"}),
        json!({"name": "t", "scopes": ["scim admin"]}),
    ] {
        assert_problem(app.admin("POST", "/tokens", Some(bad.clone())).await, 400).await;
    }
    // `admin` lists what it stands for.
    let res = app
        .admin("POST", "/tokens", Some(json!({"name": "r", "scopes": ["admin:read"]})))
        .await;
    let created = json_of(res).await;
    let perms: Vec<&str> = created["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        perms.contains(&"iam.audit.read") && perms.iter().all(|p| p.ends_with(".read")),
        "{perms:?}"
    );
}

#[tokio::test]
async fn registration_and_metrics_check_permissions_too() {
    let app = spawn_app().await;
    let reader = app.token_granting("admin:read").await;
    let writer = app.token_granting("iam.client.write").await;
    let register = |token: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/oauth2/register"))
                .bearer_auth(token)
                .json(&json!({"redirect_uris": ["http://127.0.0.1:9/cb"]}))
                .send()
                .await
                .unwrap()
        }
    };
    let res = register(reader.clone()).await;
    assert_eq!(res.status(), 403);
    assert_eq!(json_of(res).await["error"], "insufficient_scope");
    assert_eq!(register(writer.clone()).await.status(), 201);

    let metrics = |token: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/metrics"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(metrics(reader).await, 200);
    assert_eq!(metrics(writer).await, 403);
    assert_eq!(metrics(app.token_granting("iam.metrics.read").await).await, 200);
}

#[tokio::test]
async fn a_role_writer_cannot_put_or_grant_iam_permissions_it_lacks() {
    let app = spawn_app().await;
    app.create_group("eng", &[]).await;
    let writer = app.token_granting("iam.role.write").await;
    let new_role = |name: &str, perms: &[&str]| json!({"name": name, "description": "", "permissions": perms});
    let problem = assert_problem(
        app.admin_as(&writer, "POST", "/roles", Some(new_role("root", &["iam.*"])))
            .await,
        403,
    )
    .await;
    assert_eq!(problem["required_permission"], "iam.*");
    assert_eq!(
        app.admin_as(
            &writer,
            "POST",
            "/roles",
            Some(new_role("editor", &["wiki.*", "iam.role.write"]))
        )
        .await
        .status(),
        201
    );
    let problem = assert_problem(
        app.admin_as(
            &writer,
            "PATCH",
            "/roles/editor",
            Some(json!({"permissions": ["iam.user.write"]})),
        )
        .await,
        403,
    )
    .await;
    assert_eq!(problem["required_permission"], "iam.user.write");
    // A role an admin made with iam.* cannot be granted by the writer …
    assert_eq!(
        app.admin("POST", "/roles", Some(new_role("admins", &["iam.*"])))
            .await
            .status(),
        201
    );
    let problem = assert_problem(
        app.admin_as(&writer, "PUT", "/groups/eng/roles/admins", None).await,
        403,
    )
    .await;
    assert_eq!(problem["required_permission"], "iam.*");
    let held = json_of(app.admin("GET", "/roles/admins/users", None).await).await;
    assert_eq!(held, json!([]));
    // … while its own kind of role can.
    assert_eq!(
        app.admin_as(&writer, "PUT", "/groups/eng/roles/editor", None)
            .await
            .status(),
        204
    );
}
