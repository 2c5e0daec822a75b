//! Scale-out: two `scimitar serve` processes on one PostgreSQL database behave as one server.
//! PostgreSQL only: `#[ignore]`d under plain `cargo test` (reported as ignored); CI runs them
//! with `SCIMITAR_TEST_DATABASE_URL` and `--include-ignored`.
use std::time::Duration;

use futures_util::future::join_all;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
use serde_json::{Value, json};

use super::process::{Server, run_cli};
use crate::common::{GROUP_SCHEMA, SCIM, fresh_postgres_database, patch_ops, require_postgres, user_json};

/// Both replicas sit behind one public URL, so they must share the issuer.
const ISSUER: &str = "http://idp.scimitar.test";

struct Pair {
    a: Server,
    b: Server,
    token: String,
    url: String,
}

async fn two_replicas() -> Pair {
    let admin_url = require_postgres();
    let url = fresh_postgres_database(&admin_url).await;
    let token = scimitar::auth::tokens::generate();
    let env = [("SCIMITAR_ISSUER", ISSUER), ("SCIMITAR_KEYS_RELOAD_SECONDS", "1")];
    // One after the other: the first runs the migrations and creates the signing key.
    let a = Server::start(&url, &token, &env).await;
    let b = Server::start(&url, &token, &env).await;
    Pair { a, b, token, url }
}

async fn scim(s: &Server, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = s
        .client
        .request(method.parse().expect("method"), s.url(&format!("/scim/v2{path}")))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.header("content-type", SCIM).body(b.to_string());
    }
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn add(user: &str) -> Value {
    patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": user}]}]))
}

#[tokio::test]
#[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
async fn replicas_on_postgres_see_each_others_users_and_memberships() {
    let p = two_replicas().await;
    let (status, user) = scim(&p.a, &p.token, "POST", "/Users", Some(user_json("shared"))).await;
    assert_eq!(status, 201);
    let user = user["id"].as_str().expect("id").to_owned();
    let body = json!({"schemas": [GROUP_SCHEMA], "displayName": "everyone"});
    let (status, group) = scim(&p.b, &p.token, "POST", "/Groups", Some(body)).await;
    assert_eq!(status, 201);
    let group = group["id"].as_str().expect("id").to_owned();

    let (status, _) = scim(&p.a, &p.token, "PATCH", &format!("/Groups/{group}"), Some(add(&user))).await;
    assert_eq!(status, 204);

    let (status, read) = scim(&p.b, &p.token, "GET", &format!("/Users/{user}"), None).await;
    assert_eq!((status, read["userName"].clone()), (200, json!("shared")));
    assert_eq!(read["groups"][0]["value"], json!(group));
    let (_, read) = scim(&p.b, &p.token, "GET", &format!("/Groups/{group}"), None).await;
    assert_eq!(member_ids(&read), [user]);
}

#[tokio::test]
#[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
async fn replicas_on_postgres_lose_no_membership_write_split_across_both() {
    let p = two_replicas().await;
    let body = json!({"schemas": [GROUP_SCHEMA], "displayName": "split"});
    let (_, group) = scim(&p.a, &p.token, "POST", "/Groups", Some(body)).await;
    let group = group["id"].as_str().expect("id").to_owned();
    let mut users = vec![];
    for i in 0..100 {
        let server = if i % 2 == 0 { &p.a } else { &p.b };
        let (status, u) = scim(
            server,
            &p.token,
            "POST",
            "/Users",
            Some(user_json(&format!("split{i:03}"))),
        )
        .await;
        assert_eq!(status, 201);
        users.push(u["id"].as_str().expect("id").to_owned());
    }

    let token = p.token.as_str();
    let writes = users.iter().enumerate().map(|(i, u)| {
        let server = if i % 2 == 0 { &p.a } else { &p.b };
        let path = format!("/Groups/{group}");
        async move { scim(server, token, "PATCH", &path, Some(add(u))).await.0 }
    });
    let statuses = join_all(writes).await;

    assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
    users.sort();
    for server in [&p.a, &p.b] {
        let (_, read) = scim(server, &p.token, "GET", &format!("/Groups/{group}"), None).await;
        assert_eq!(member_ids(&read), users);
    }
}

/// Registers a client_credentials client through `server`; returns (client_id, secret).
async fn register(server: &Server, token: &str) -> (String, String) {
    let body = json!({"client_name": "svc", "redirect_uris": ["http://127.0.0.1:9/cb"], "grant_types": ["client_credentials"]});
    let res = server
        .client
        .post(server.url("/oauth2/register"))
        .bearer_auth(token)
        .json(&body);
    let v: Value = res.send().await.expect("register").json().await.expect("json");
    let id = v["client_id"].as_str().expect("client_id").to_owned();
    (id, v["client_secret"].as_str().expect("secret").to_owned())
}

async fn access_token(server: &Server, client: &(String, String)) -> String {
    let res = server
        .client
        .post(server.url("/oauth2/token"))
        .basic_auth(&client.0, Some(&client.1));
    let res = res
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    v["access_token"].as_str().expect("access_token").to_owned()
}

async fn jwks(server: &Server) -> JwkSet {
    let res = server
        .client
        .get(server.url("/oauth2/jwks"))
        .send()
        .await
        .expect("jwks");
    res.json().await.expect("a JWK set")
}

async fn introspect(server: &Server, client: &(String, String), token: &str) -> Value {
    let res = server
        .client
        .post(server.url("/oauth2/introspect"))
        .basic_auth(&client.0, Some(&client.1));
    let res = res.form(&[("token", token)]).send().await.expect("introspect");
    res.json().await.expect("json")
}

/// Verifies `token` with the key its `kid` names in `set`; returns the claims.
fn verify(set: &JwkSet, token: &str) -> Value {
    let header = decode_header(token).expect("JWT header");
    let kid = header.kid.expect("kid");
    let jwk = set.find(&kid).unwrap_or_else(|| panic!("kid {kid} not in the JWKS"));
    let key = DecodingKey::from_jwk(jwk).expect("decoding key");
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[ISSUER]);
    v.validate_aud = false;
    decode::<Value>(token, &key, &v).expect("signature verifies").claims
}

#[tokio::test]
#[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
async fn replicas_on_postgres_verify_each_others_tokens_and_follow_key_rotation() {
    let p = two_replicas().await;
    scimitar::oidc::keys::install_crypto_provider();
    let client = register(&p.a, &p.token).await;

    // A token from A verifies against B's JWKS and is active at B.
    let token = access_token(&p.a, &client).await;
    assert_eq!(verify(&jwks(&p.b).await, &token)["client_id"], json!(client.0));
    assert_eq!(introspect(&p.b, &client, &token).await["active"], true);
    let old_kid = decode_header(&token).expect("header").kid;

    // Rotate through the CLI; both replicas reload within SCIMITAR_KEYS_RELOAD_SECONDS.
    let out = run_cli(&p.url, &["keys", "rotate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (from_a, from_b) = (access_token(&p.a, &client).await, access_token(&p.b, &client).await);
    let (kid_a, kid_b) = (decode_header(&from_a).unwrap().kid, decode_header(&from_b).unwrap().kid);
    assert_ne!(kid_a, old_kid, "A still signs with the old key");
    assert_eq!(kid_a, kid_b, "A and B sign with different keys");
    for server in [&p.a, &p.b] {
        let set = jwks(server).await;
        verify(&set, &from_a);
        verify(&set, &token); // the retired key stays published
        assert_eq!(introspect(server, &client, &from_b).await["active"], true);
        assert_eq!(introspect(server, &client, &token).await["active"], true);
    }
}
