//! The authorization endpoint's answers: `iss` on every one (RFC 9207), `max_age` and
//! `prompt` (OIDC Core §3.1.2.1), and headers every response carries.
use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::common::{json_of, spawn_app};

/// The query of a redirect, as pairs.
fn redirect_query(res: &Response) -> Vec<(String, String)> {
    assert_eq!(res.status(), StatusCode::FOUND, "expected a redirect");
    let loc = res.headers()["location"].to_str().unwrap();
    url::Url::parse(loc).unwrap().query_pairs().into_owned().collect()
}

fn get<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn every_authorization_response_carries_iss() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let discovery = app.discovery().await;
    assert_eq!(discovery["authorization_response_iss_parameter_supported"], true);
    let issuer = discovery["issuer"].as_str().unwrap().to_owned();
    let b = browser();
    // Success.
    let res = app
        .login(&b, &app.authorize_url(&rp, "openid", &pkce().1), "alice", PASSWORD)
        .await;
    let q = redirect_query(&res);
    assert!(get(&q, "code").is_some());
    assert_eq!(get(&q, "iss"), Some(issuer.as_str()));
    // Errors: a bad scope, and prompt=none without a session.
    let bad_scope = app.authorize_url(&rp, "profile", &pkce().1);
    let none = format!("{}&prompt=none", app.authorize_url(&rp, "openid", &pkce().1));
    for (url, error) in [(bad_scope, "invalid_scope"), (none, "login_required")] {
        let res = browser().get(&url).send().await.unwrap();
        let q = redirect_query(&res);
        assert_eq!(get(&q, "error"), Some(error), "{q:?}");
        assert_eq!(get(&q, "state"), Some("st4te"));
        assert_eq!(get(&q, "iss"), Some(issuer.as_str()), "{q:?}");
    }
}

#[tokio::test]
async fn max_age_and_prompt_login_ask_for_the_password_again() {
    let app = spawn_app().await;
    app.create_user_with_password("alice").await;
    let rp = app.register_client(json!({})).await;
    let b = browser();
    let url = app.authorize_url(&rp, "openid", &pkce().1);
    assert_eq!(app.login(&b, &url, "alice", PASSWORD).await.status(), StatusCode::FOUND);
    let ask = |extra: &'static str| {
        let b = &b;
        let url = format!("{url}{extra}");
        async move { b.get(&url).send().await.unwrap() }
    };
    // A live session answers at once …
    assert_eq!(ask("").await.status(), StatusCode::FOUND);
    assert_eq!(ask("&max_age=3600").await.status(), StatusCode::FOUND);
    // … but not when the client asks for a fresh sign-in.
    for extra in ["&max_age=0", "&prompt=login"] {
        let res = ask(extra).await;
        assert_eq!(res.status(), StatusCode::OK, "{extra}");
        assert!(
            res.text().await.unwrap().contains("name=\"password\""),
            "{extra}: the login form"
        );
    }
    // Without a form to show, prompt=none says so.
    let q = redirect_query(&ask("&prompt=none&max_age=0").await);
    assert_eq!(get(&q, "error"), Some("login_required"));
    // A max_age that is not a number is the client's error.
    let q = redirect_query(&ask("&max_age=soon").await);
    assert_eq!(get(&q, "error"), Some("invalid_request"));
    // Signing in again through the form gives a code whose ID token has a fresh auth_time.
    let (verifier, challenge) = pkce();
    let again = format!("{}&prompt=login", app.authorize_url(&rp, "openid", &challenge));
    let res = app.login(&b, &again, "alice", PASSWORD).await;
    let code = query_param(&res, "code").expect("code");
    let tokens = json_of(app.redeem(&rp, &code, &verifier).await).await;
    let claims = jwt_payload(tokens["id_token"].as_str().unwrap());
    let now = chrono::Utc::now().timestamp();
    assert!((now - claims["auth_time"].as_i64().unwrap()).abs() <= 5, "{claims}");
}

#[tokio::test]
async fn every_response_forbids_content_sniffing() {
    let app = spawn_app().await;
    for path in [
        "/healthz",
        "/scim/v2/Users",
        "/oauth2/jwks",
        "/api/v1/groups",
        "/nowhere",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers().get("x-content-type-options").map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn behind_an_https_issuer_the_sign_in_cookies_are_host_prefixed_and_secure() {
    let app = crate::common::spawn_app_with(|c| c.issuer = Some("https://idp.example".into())).await;
    let rp = app.register_client(json!({})).await;
    let res = browser()
        .get(app.authorize_url(&rp, "openid", &pkce().1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-scimitar_csrf="))
        .expect("{cookies:?}");
    for part in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(csrf.split("; ").any(|p| p == part), "{part} in {csrf}");
    }
    assert!(!csrf.contains("Domain="), "{csrf}");
    // A plain-http issuer (development) keeps the bare names.
    let dev = spawn_app().await;
    let rp = dev.register_client(json!({})).await;
    let res = browser()
        .get(dev.authorize_url(&rp, "openid", &pkce().1))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("scimitar_csrf=") && !cookie.contains("Secure"),
        "{cookie}"
    );
}
