//! Refresh rotation, deactivation, introspection, revocation, client credentials and the
//! per-client groups claim options.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::common::{json_of, patch_ops, spawn_app};

async fn refresh(app: &TestApp, rp: &Rp, token: &str) -> Response {
    app.token_request(rp, &[("grant_type", "refresh_token"), ("refresh_token", token)])
        .await
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let first = app.tokens_for(&rp, "alice", "openid offline_access").await;
    let r1 = first["refresh_token"].as_str().unwrap();

    let second = json_of(refresh(&app, &rp, r1).await).await;
    let r2 = second["refresh_token"].as_str().unwrap();
    let a2 = second["access_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    assert_eq!(app.introspect(&rp, a2).await["active"], true);

    let reuse = refresh(&app, &rp, r1).await;
    assert_eq!(reuse.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(reuse).await["error"], "invalid_grant");
    assert_eq!(refresh(&app, &rp, r2).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.introspect(&rp, a2).await["active"], false);
    assert_eq!(app.introspect(&rp, r2).await["active"], false);
}

#[tokio::test]
async fn a_deactivated_user_cannot_refresh_introspect_as_active_or_log_in() {
    let app = spawn_app().await;
    let alice = app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&rp, access).await["active"], true);

    let res = app
        .patch(
            &format!("/Users/{alice}"),
            patch_ops(json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert!(res.status().is_success());

    assert_eq!(app.introspect(&rp, access).await["active"], false);
    let res = refresh(&app, &rp, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(res).await["error"], "invalid_grant");
    let res = app.userinfo(access).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let url = app.authorize_url(&rp, "openid", &pkce().1);
    let res = app.login(&browser(), &url, "alice", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn introspection_rejects_alg_none_and_tampered_tokens() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    let parts: Vec<&str> = access.split('.').collect();

    // Same claims, alg none, no signature.
    let mut header = jwt_payload(&format!("x.{}", parts[0]));
    header["alg"] = json!("none");
    let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(header.to_string()), parts[1]);
    // Claims changed (another subject), original signature.
    let mut claims = jwt_payload(access);
    claims["sub"] = json!("someone-else");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );

    for bad in [none.as_str(), tampered.as_str(), "garbage", ""] {
        assert_eq!(app.introspect(&rp, bad).await, json!({"active": false}), "{bad}");
    }
    let ok = app.introspect(&rp, access).await;
    assert_eq!(ok["active"], true);
    assert_eq!(ok["client_id"], json!(rp.client_id));
    assert_eq!(ok["username"], "alice");
}

#[tokio::test]
async fn revocation_ends_access_and_refresh_tokens() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.revoke(&rp, access).await.status(), StatusCode::OK);
    assert_eq!(app.introspect(&rp, access).await["active"], false);

    let r = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(app.revoke(&rp, r).await.status(), StatusCode::OK);
    assert_eq!(refresh(&app, &rp, r).await.status(), StatusCode::BAD_REQUEST);
    // Unknown tokens are fine too (RFC 7009 §2.2).
    assert_eq!(app.revoke(&rp, "nothing").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_the_access_tokens_of_its_grant_only() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let first = app.tokens_for(&rp, "alice", "openid").await;
    let other = app.tokens_for(&rp, "alice", "openid").await;
    let res = app.revoke(&rp, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&rp, access).await["active"], false);
    assert_eq!(app.userinfo(access).await.status(), StatusCode::UNAUTHORIZED);
    // Another sign-in of the same user is another grant.
    let access = other["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&rp, access).await["active"], true);
    assert_eq!(app.userinfo(access).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_id_token_is_not_accepted_as_an_access_token() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(app.introspect(&rp, id_token).await, json!({"active": false}));
    assert_eq!(app.userinfo(id_token).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_revoked_client_credentials_token_is_inactive_and_old_revocations_are_forgotten() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    let issue = || async {
        let res = app.token_request(&rp, &[("grant_type", "client_credentials")]).await;
        json_of(res).await["access_token"].as_str().unwrap().to_owned()
    };
    let (revoked, kept) = (issue().await, issue().await);
    // A revocation whose token has long expired.
    let stale = entity::token_revocation::ActiveModel {
        id: sea_orm::Set(uuid::Uuid::now_v7()),
        expires_at: sea_orm::Set(chrono::Utc::now() - chrono::Duration::hours(1)),
    };
    entity::token_revocation::Entity::insert(stale)
        .exec_without_returning(app.store.writer())
        .await
        .unwrap();

    assert_eq!(app.revoke(&rp, &revoked).await.status(), StatusCode::OK);
    assert_eq!(app.introspect(&rp, &revoked).await["active"], false);
    assert_eq!(app.introspect(&rp, &kept).await["active"], true);
    let rows = entity::token_revocation::Entity::find()
        .all(app.store.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "only the live revocation is kept: {rows:?}");
    let jti = jwt_payload(&revoked)["jti"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    assert_eq!(rows[0].id, jti);
    assert_eq!(
        rows[0].expires_at.timestamp(),
        jwt_payload(&revoked)["exp"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn client_credentials_gives_a_client_token_without_id_or_refresh_token() {
    let app = spawn_app().await;
    let rp = app
        .register_client(json!({"grant_types": ["client_credentials"]}))
        .await;
    let res = app.token_request(&rp, &[("grant_type", "client_credentials")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = json_of(res).await;
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let intro = app.introspect(&rp, body["access_token"].as_str().unwrap()).await;
    assert_eq!(intro["active"], true);
    assert_eq!(intro["sub"], json!(rp.client_id));

    let public = app.register_client(json!({"token_endpoint_auth_method": "none"})).await;
    let res = app
        .token_request(&public, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(res).await["error"], "unauthorized_client");
}

#[tokio::test]
async fn a_public_client_uses_pkce_without_a_secret() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({"token_endpoint_auth_method": "none"})).await;
    assert!(rp.secret.is_none());
    let tokens = app.tokens_for(&rp, "alice", "openid").await;
    assert!(tokens["id_token"].as_str().is_some());
}

#[tokio::test]
async fn groups_claim_can_list_ids_filtered_by_name_prefix() {
    let app = spawn_app().await;
    let alice = app.create_user_with_password("alice").await;
    let admins = app.create_group("app-admins", &[&alice]).await;
    app.create_group("eng", &[&alice]).await;
    let rp = app
        .register_client(json!({"groups_claim": "ids", "groups_prefix": "app-"}))
        .await;
    let tokens = app.tokens_for(&rp, "alice", "openid groups").await;
    let claims = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["groups"], json!([admins]));
    assert!(claims.get("name").is_none(), "no profile scope, no name");
}

#[tokio::test]
async fn signing_in_records_the_last_login_shown_by_the_admin_api() {
    let app = spawn_app().await;
    let rp = app.register_client(json!({})).await;
    app.create_user_with_password("lastlogin").await;
    let before = json_of(app.admin("GET", "/users/lastlogin", None).await).await;
    assert!(before["last_login"].is_null());
    app.tokens_for(&rp, "lastlogin", "openid").await;
    let after = json_of(app.admin("GET", "/users/lastlogin", None).await).await;
    assert!(after["last_login"].is_string(), "{after}");
}

#[tokio::test]
async fn a_code_presented_by_the_wrong_client_or_verifier_is_not_spent() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let thief = app.register_client(json!({})).await;
    let (verifier, challenge) = pkce();
    let res = app
        .login(
            &browser(),
            &app.authorize_url(&rp, "openid", &challenge),
            "alice",
            PASSWORD,
        )
        .await;
    let code = query_param(&res, "code").expect("code");
    let exchange = |who: &Rp, verifier: &str| {
        let form = [
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("code_verifier", verifier.to_owned()),
        ];
        let req = app
            .client
            .post(app.url("/oauth2/token"))
            .basic_auth(&who.client_id, who.secret.as_deref())
            .form(&form);
        async move { req.send().await.unwrap() }
    };
    // Another client, and the right client with a wrong verifier: refused …
    let res = exchange(&thief, &verifier).await;
    assert_eq!(json_of(res).await["error"], "invalid_grant");
    let res = exchange(&rp, &pkce().0).await;
    assert_eq!(json_of(res).await["error"], "invalid_grant");
    // … and the code is still good for its client.
    let res = exchange(&rp, &verifier).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(json_of(res).await["id_token"].is_string());
    // Spent now: a second use is refused.
    assert_eq!(json_of(exchange(&rp, &verifier).await).await["error"], "invalid_grant");
}

#[tokio::test]
async fn introspection_tells_a_token_only_to_its_client_or_a_resource_server() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let stranger = app.register_client(json!({})).await;
    let api = app
        .register_client(json!({"resource_server": true, "grant_types": ["client_credentials"]}))
        .await;
    let tokens = app.tokens_for(&rp, "alice", "openid offline_access").await;
    let (access, refresh) = (
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    );
    // Its own client and a resource server see the access token …
    assert_eq!(app.introspect(&rp, access).await["active"], true);
    let seen = app.introspect(&api, access).await;
    assert_eq!(seen["active"], true);
    assert_eq!(seen["client_id"], rp.client_id.as_str());
    // … another client learns nothing.
    assert_eq!(app.introspect(&stranger, access).await, json!({"active": false}));
    // A refresh token only to the client it was issued to.
    assert_eq!(app.introspect(&rp, refresh).await["active"], true);
    assert_eq!(app.introspect(&api, refresh).await, json!({"active": false}));
    assert_eq!(app.introspect(&stranger, refresh).await, json!({"active": false}));
}

#[tokio::test]
async fn refresh_tokens_end_at_the_absolute_lifetime_however_often_they_are_refreshed() {
    // An absolute lifetime of zero: the sign-in's refresh tokens are already over.
    let app = crate::common::spawn_app_with(|c| c.refresh_token_absolute_ttl = 0).await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid offline_access").await;
    let res = refresh(&app, &rp, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(json_of(res).await["error"], "invalid_grant");
    // With the default, the same flow refreshes.
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let tokens = app.tokens_for(&rp, "alice", "openid offline_access").await;
    assert_eq!(
        refresh(&app, &rp, tokens["refresh_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn no_refresh_token_joins_a_family_once_it_is_revoked() {
    // The insert that follows a redemption checks the revocation list under the family's lock,
    // so a revocation that lands between the two cannot leave a live token behind.
    let app = spawn_app().await;
    let family = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let token = |n: u8| entity::refresh_token::Model {
        token_hash: format!("hash-{n}"),
        family_id: family,
        client_id: "c".into(),
        user_id: None,
        scope: "openid".into(),
        auth_time: now,
        created: now,
        expires_at: now + chrono::Duration::hours(1),
        used: false,
        revoked: false,
        dpop_jkt: None,
    };
    app.store
        .grants()
        .insert_refresh(token(1))
        .await
        .expect("a live family takes tokens");
    app.store
        .grants()
        .revoke_family(family, now + chrono::Duration::minutes(15))
        .await
        .unwrap();
    let err = app
        .store
        .grants()
        .insert_refresh(token(2))
        .await
        .expect_err("revoked family");
    assert!(matches!(err, scimitar::store::StoreError::Invalid(_)), "{err:?}");
    assert!(app.store.grants().get_refresh("hash-2").await.unwrap().is_none());
    assert!(app.store.grants().get_refresh("hash-1").await.unwrap().unwrap().revoked);
}
