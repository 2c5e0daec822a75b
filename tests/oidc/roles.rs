//! Scope `roles`: `roles` in the ID token and userinfo, `roles` and `entitlements` (RFC 9068
//! §2.2.3.1) in access tokens and introspection — filtered per client, Scimitar's own `iam.*`
//! only for clients registered to see them, and as fresh as the groups claim.
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
};
use serde_json::{Value, json};

use super::*;
use crate::common::{TestApp, json_of, spawn_app, spawn_app_with};

async fn role(app: &TestApp, name: &str, permissions: &[&str]) {
    let body = json!({"name": name, "description": "", "permissions": permissions});
    assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
}

async fn grant(app: &TestApp, path: &str) {
    assert_eq!(app.admin("PUT", path, None).await.status(), 204, "{path}");
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// Seed 001 through tokens, with a real OIDC client library: a permission held directly and
/// through groups A and B stays through each removal but the last, and the next refresh,
/// userinfo and introspection follow every step.
#[tokio::test]
async fn openidconnect_client_sees_roles_and_entitlements_follow_each_removal() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    app.create_group("A", &[]).await;
    app.create_group("B", &[]).await;
    role(&app, "editor", &["wiki.page.edit"]).await;
    role(&app, "reader", &["wiki.page.read", "doors.lobby.open"]).await;
    role(&app, "group-admins", &["iam.group.*"]).await;
    for p in [
        "/groups/A/roles/editor",
        "/groups/B/roles/editor",
        "/users/alice/roles/editor",
        "/groups/A/roles/reader",
        "/groups/A/roles/group-admins",
    ] {
        grant(&app, p).await;
    }
    assert_eq!(app.add_member("A", "alice").await.status(), 204);
    assert_eq!(app.add_member("B", "alice").await.status(), 204);
    let rp = app.register_client(json!({"permissions_prefix": "wiki."})).await;

    let http = http_client;
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(app.address.clone()).unwrap(), &http)
        .await
        .expect("discovery");
    assert!(
        meta.scopes_supported()
            .is_some_and(|s| s.iter().any(|s| s.as_str() == "roles")),
        "discovery advertises the roles scope"
    );
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(rp.client_id.clone()),
        rp.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("roles".into()))
        .set_pkce_challenge(challenge)
        .url();
    let res = app.login(&browser(), auth_url.as_str(), "alice", PASSWORD).await;
    let code = query_param(&res, "code").expect("code");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("token exchange");
    let id_verifier = client.id_token_verifier();
    let id_token = tokens.id_token().expect("id_token");
    id_token.claims(&id_verifier, &nonce).expect("a valid ID token");
    let id = jwt_payload(&id_token.to_string());
    assert_eq!(strings(&id["roles"]), ["editor", "group-admins", "reader"]);
    assert!(id.get("entitlements").is_none(), "permissions go to access tokens");
    let at = jwt_payload(tokens.access_token().secret());
    assert_eq!(strings(&at["roles"]), ["editor", "group-admins", "reader"]);
    // Only the client's prefix: no doors.*, and no iam.* (it is not registered for them).
    assert_eq!(strings(&at["entitlements"]), ["wiki.page.edit", "wiki.page.read"]);

    // Each step, then a refresh: the library verifies the new ID token, the claims follow.
    let mut refresh = tokens.refresh_token().expect("refresh token").clone();
    let steps: [(&str, &str, &[&str], &[&str]); 3] = [
        // Out of A: reader and group-admins came only through A; editor stays (direct, B).
        ("DELETE", "/groups/A/users/alice", &["editor"], &["wiki.page.edit"]),
        // Direct grant revoked: editor still through B.
        ("DELETE", "/users/alice/roles/editor", &["editor"], &["wiki.page.edit"]),
        // Out of B: nothing left.
        ("DELETE", "/groups/B/users/alice", &[], &[]),
    ];
    for (method, path, roles, entitlements) in steps {
        assert_eq!(app.admin(method, path, None).await.status(), 204, "{path}");
        let refreshed = client
            .exchange_refresh_token(&refresh)
            .unwrap()
            .request_async(&http)
            .await
            .expect("refresh");
        let id_token = refreshed.id_token().expect("id_token after refresh");
        id_token
            .claims(&id_verifier, |_: Option<&Nonce>| Ok(()))
            .expect("a valid refreshed ID token");
        assert_eq!(
            strings(&jwt_payload(&id_token.to_string())["roles"]),
            roles,
            "after {path}"
        );
        let access = refreshed.access_token().secret();
        let at = jwt_payload(access);
        assert_eq!(strings(&at["roles"]), roles, "after {path}");
        assert_eq!(strings(&at["entitlements"]), entitlements, "after {path}");
        let info = json_of(app.userinfo(access).await).await;
        assert_eq!(strings(&info["roles"]), roles, "userinfo after {path}");
        let intro = app.introspect(&rp, access).await;
        assert_eq!(intro["active"], true);
        assert_eq!(strings(&intro["roles"]), roles, "introspection after {path}");
        assert_eq!(
            strings(&intro["entitlements"]),
            entitlements,
            "introspection after {path}"
        );
        refresh = refreshed.refresh_token().expect("rotated refresh token").clone();
    }
}

#[tokio::test]
async fn iam_permissions_reach_only_clients_registered_for_them() {
    let app = spawn_app().await;
    let alice = app.create_user_with_password("alice").await;
    // The role reaches alice through a nested group: ops ⊃ ops-team ∋ alice.
    let team = app.create_group("ops-team", &[&alice]).await;
    app.create_group("ops", &[&team]).await;
    role(&app, "operator", &["iam.group.*", "doors.lobby.open"]).await;
    // `admin` stands for `iam.*`, which does not cover `*`: only a `*` token may make this role.
    let everything = app.token_granting("*").await;
    let root = json!({"name": "root", "description": "", "permissions": ["*"]});
    assert_eq!(app.admin("POST", "/roles", Some(root.clone())).await.status(), 403);
    assert_eq!(
        app.admin_as(&everything, "POST", "/roles", Some(root)).await.status(),
        201
    );
    grant(&app, "/groups/ops/roles/operator").await;
    let res = app.admin_as(&everything, "PUT", "/users/alice/roles/root", None).await;
    assert_eq!(res.status(), 204);
    let plain = app.register_client(json!({})).await;
    let console = app.register_client(json!({"iam_permissions": true})).await;

    let t = app.tokens_for(&plain, "alice", "openid roles").await;
    let at = jwt_payload(t["access_token"].as_str().unwrap());
    // `*` covers iam.*: hidden too.
    assert_eq!(strings(&at["entitlements"]), ["doors.lobby.open"]);
    assert_eq!(strings(&at["roles"]), ["operator", "root"]);
    let t = app.tokens_for(&console, "alice", "openid roles").await;
    let at = jwt_payload(t["access_token"].as_str().unwrap());
    assert_eq!(strings(&at["entitlements"]), ["*", "doors.lobby.open", "iam.group.*"]);

    // Without the scope: no roles anywhere.
    let t = app.tokens_for(&console, "alice", "openid").await;
    for token in ["access_token", "id_token"] {
        let claims = jwt_payload(t[token].as_str().unwrap());
        assert!(
            claims.get("roles").is_none() && claims.get("entitlements").is_none(),
            "{token}"
        );
    }
    let info = json_of(app.userinfo(t["access_token"].as_str().unwrap()).await).await;
    assert!(info.get("roles").is_none());
}

#[tokio::test]
async fn over_the_claim_limit_tokens_say_overage_and_userinfo_and_introspection_have_all() {
    let app = spawn_app_with(|c| c.groups_claim_limit = 2).await;
    app.create_user_with_password("alice").await;
    for name in ["r1", "r2", "r3"] {
        role(&app, name, &[&format!("app.{name}")]).await;
        grant(&app, &format!("/users/alice/roles/{name}")).await;
    }
    let rp = app.register_client(json!({})).await;
    let t = app.tokens_for(&rp, "alice", "openid roles").await;
    let id = jwt_payload(t["id_token"].as_str().unwrap());
    assert!(id.get("roles").is_none());
    assert_eq!(id["roles_overage"], true);
    assert_eq!(id["_claim_names"]["roles"], "roles");
    assert_eq!(
        id["_claim_sources"]["roles"]["endpoint"],
        json!(app.url("/oauth2/userinfo"))
    );
    let at = jwt_payload(t["access_token"].as_str().unwrap());
    assert_eq!(at["roles_overage"], true);
    assert_eq!(at["entitlements_overage"], true);
    assert!(at.get("entitlements").is_none());
    let access = t["access_token"].as_str().unwrap();
    let info = json_of(app.userinfo(access).await).await;
    assert_eq!(strings(&info["roles"]), ["r1", "r2", "r3"]);
    let intro = app.introspect(&rp, access).await;
    assert_eq!(strings(&intro["entitlements"]), ["app.r1", "app.r2", "app.r3"]);
}

#[tokio::test]
async fn a_bad_permissions_prefix_is_refused_at_registration() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/oauth2/register"))
        .bearer_auth(&app.token)
        .json(&json!({"redirect_uris": [REDIRECT], "permissions_prefix": "wiki pages"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json_of(res).await["error"], "invalid_client_metadata");
    let res = app
        .client
        .post(app.url("/oauth2/register"))
        .bearer_auth(&app.token)
        .json(&json!({"redirect_uris": [REDIRECT], "permissions_prefix": "Wiki.", "iam_permissions": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body = json_of(res).await;
    assert_eq!(body["permissions_prefix"], "wiki.");
    assert_eq!(body["iam_permissions"], true);
}

/// Each server caches what a user holds under the database's access epoch: a change made
/// through another server on the same database — a role's permissions, its name, a nested
/// membership, a direct grant, the role's deletion — shows in this server's next refresh.
#[tokio::test]
async fn changes_made_through_another_server_reach_the_next_refresh() {
    let b = spawn_app().await;
    let url = b.database_url.clone();
    let a = spawn_app_with(|c| c.database_url = url).await;
    let alice = b.create_user_with_password("alice").await;
    let inner = b.create_group("inner", &[&alice]).await;
    let outer = b.create_group("outer", &[&inner]).await;
    role(&b, "editor", &["wiki.page.edit"]).await;
    grant(&b, "/groups/outer/roles/editor").await;
    let rp = b.register_client(json!({})).await;
    let first = b.tokens_for(&rp, "alice", "openid roles offline_access").await;
    let mut refresh_token = first["refresh_token"].as_str().expect("refresh token").to_owned();
    let mut next = async |expect_roles: &[&str], expect_permissions: &[&str], step: &str| {
        // Twice: the first refresh may compute, the second is served from the cache.
        for _ in 0..2 {
            let res = b
                .token_request(
                    &rp,
                    &[("grant_type", "refresh_token"), ("refresh_token", &refresh_token)],
                )
                .await;
            assert_eq!(res.status(), 200, "{step}");
            let body = json_of(res).await;
            refresh_token = body["refresh_token"].as_str().expect("rotated").to_owned();
            let at = jwt_payload(body["access_token"].as_str().unwrap());
            assert_eq!(strings(&at["roles"]), expect_roles, "{step}");
            assert_eq!(strings(&at["entitlements"]), expect_permissions, "{step}");
            let info = json_of(b.userinfo(body["access_token"].as_str().unwrap()).await).await;
            assert_eq!(strings(&info["roles"]), expect_roles, "userinfo, {step}");
        }
    };
    next(&["editor"], &["wiki.page.edit"], "start").await;

    let change = json!({"permissions": ["wiki.page.edit", "wiki.page.delete"]});
    assert_eq!(a.admin("PATCH", "/roles/editor", Some(change)).await.status(), 200);
    next(
        &["editor"],
        &["wiki.page.delete", "wiki.page.edit"],
        "permissions changed",
    )
    .await;

    let rename = json!({"name": "writer"});
    assert_eq!(a.admin("PATCH", "/roles/editor", Some(rename)).await.status(), 200);
    next(&["writer"], &["wiki.page.delete", "wiki.page.edit"], "renamed").await;

    // SCIM, through the other server: inner leaves outer; alice keeps inner but not the role.
    let remove = crate::common::patch_ops(json!([
        {"op": "remove", "path": format!("members[value eq \"{inner}\"]")}
    ]));
    assert_eq!(a.patch(&format!("/Groups/{outer}"), remove).await.status(), 204);
    next(&[], &[], "nested membership ended").await;

    grant(&a, "/users/alice/roles/writer").await;
    next(&["writer"], &["wiki.page.delete", "wiki.page.edit"], "granted directly").await;

    assert_eq!(a.admin("DELETE", "/roles/writer", None).await.status(), 204);
    next(&[], &[], "role deleted").await;
}
