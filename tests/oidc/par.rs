//! Pushed Authorization Requests (RFC 9126): push, sign in with the `request_uri`, redeem the
//! code; clients (or the server) that require pushing refuse plain requests.
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::common::{json_of, spawn_app, spawn_app_with};

/// POSTs the authorization request to the PAR endpoint as `rp`.
async fn push(app: &TestApp, rp: &Rp, params: &[(&str, &str)]) -> Response {
    let mut req = app.client.post(app.url("/oauth2/par"));
    let mut form: Vec<(&str, &str)> = params.to_vec();
    match &rp.secret {
        Some(s) => req = req.basic_auth(&rp.client_id, Some(s)),
        None => form.push(("client_id", rp.client_id.as_str())),
    }
    req.form(&form).send().await.expect("PAR request")
}

fn request(challenge: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("redirect_uri", REDIRECT.into()),
        ("scope", "openid".into()),
        ("state", "pushed-state".into()),
        ("nonce", "pushed-nonce".into()),
        ("code_challenge", challenge.into()),
        ("code_challenge_method", "S256".into()),
    ]
}

fn as_pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn authorize_with(app: &TestApp, rp: &Rp, request_uri: &str) -> String {
    let q = serde_urlencoded::to_string([("client_id", rp.client_id.as_str()), ("request_uri", request_uri)]).unwrap();
    app.url(&format!("/oauth2/authorize?{q}"))
}

#[tokio::test]
async fn a_pushed_request_signs_in_and_its_code_redeems_once() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app
        .register_client(json!({"require_pushed_authorization_requests": true}))
        .await;
    let discovery = app.discovery().await;
    assert_eq!(
        discovery["pushed_authorization_request_endpoint"],
        app.url("/oauth2/par")
    );
    let (verifier, challenge) = pkce();
    let res = push(&app, &rp, &as_pairs(&request(&challenge))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body = json_of(res).await;
    let request_uri = body["request_uri"].as_str().unwrap().to_owned();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"), "{body}");
    assert!((1..=600).contains(&body["expires_in"].as_i64().unwrap()));
    // The browser carries only client_id and request_uri.
    let b = browser();
    let res = app
        .login(&b, &authorize_with(&app, &rp, &request_uri), "alice", PASSWORD)
        .await;
    let code = query_param(&res, "code").expect("code");
    assert_eq!(query_param(&res, "state").as_deref(), Some("pushed-state"));
    let res = app.redeem(&rp, &code, &verifier).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: Value = json_of(res).await;
    assert_eq!(
        jwt_payload(tokens["id_token"].as_str().unwrap())["nonce"],
        "pushed-nonce"
    );
    // The request_uri gave its code: it is gone.
    let res = browser()
        .get(authorize_with(&app, &rp, &request_uri))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_par_only_clients_plain_authorization_request_is_refused() {
    let app = spawn_app().await;
    let rp = app
        .register_client(json!({"require_pushed_authorization_requests": true}))
        .await;
    let res = browser()
        .get(app.authorize_url(&rp, "openid", &pkce().1))
        .send()
        .await
        .unwrap();
    let error = query_param(&res, "error");
    assert_eq!(error.as_deref(), Some("invalid_request"));
    // Another client may still send plain requests …
    let plain = app.register_client(json!({})).await;
    let res = browser()
        .get(app.authorize_url(&plain, "openid", &pkce().1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // … unless the server requires pushing for everyone (and says so in discovery).
    let strict = spawn_app_with(|c| c.require_par = true).await;
    let rp = strict.register_client(json!({})).await;
    let res = browser()
        .get(strict.authorize_url(&rp, "openid", &pkce().1))
        .send()
        .await
        .unwrap();
    assert_eq!(query_param(&res, "error").as_deref(), Some("invalid_request"));
    let discovery = strict.discovery().await;
    assert_eq!(discovery["require_pushed_authorization_requests"], true);
}

#[tokio::test]
async fn pushing_checks_the_client_and_the_request() {
    let app = spawn_app().await;
    let rp = app.register_client(json!({})).await;
    let (_, challenge) = pkce();
    let good = request(&challenge);
    // No or wrong client authentication.
    let res = app
        .client
        .post(app.url("/oauth2/par"))
        .form(&as_pairs(&good))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let wrong = Rp {
        client_id: rp.client_id.clone(),
        secret: Some("not it".into()),
    };
    assert_eq!(
        push(&app, &wrong, &as_pairs(&good)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // An invalid request is a JSON error, not a redirect.
    for (key, value, error) in [
        ("redirect_uri", "https://evil.example/cb", "invalid_request"),
        ("scope", "profile", "invalid_scope"),
        ("request_uri", "urn:ietf:params:oauth:request_uri:x", "invalid_request"),
        ("client_id", "someone-else", "invalid_request"),
    ] {
        let mut req = as_pairs(&good);
        req.retain(|(k, _)| *k != key);
        req.push((key, value));
        let res = push(&app, &rp, &req).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{key}");
        assert_eq!(json_of(res).await["error"], error, "{key}");
    }
    // A request_uri is bound to its client and must be known.
    let uri = json_of(push(&app, &rp, &as_pairs(&good)).await).await["request_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.register_client(json!({})).await;
    let res = browser().get(authorize_with(&app, &other, &uri)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());
    let res = browser()
        .get(authorize_with(&app, &rp, "urn:ietf:params:oauth:request_uri:unknown"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // The right client gets the login form for it.
    let res = browser().get(authorize_with(&app, &rp, &uri)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
