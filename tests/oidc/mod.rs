//! OpenID Connect provider: the code flow driven by the `openidconnect` crate, plus raw
//! HTTP for the negative cases.
mod authorize;
mod code_flow;
mod deprovision;
mod dpop;
mod errors;
mod expiry;
mod keys_at_rest;
mod last_access;
mod par;
mod roles;
mod schedule;
mod throttle;
mod tokens;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{Client, Response, StatusCode, redirect::Policy};
use serde_json::{Value, json};

use crate::common::{TestApp, USER_SCHEMA, json_of};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const PASSWORD: &str = "correct horse battery staple";

/// A registered relying party.
pub struct Rp {
    pub client_id: String,
    pub secret: Option<String>,
}

/// A browser: keeps cookies, never follows redirects.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// The `openidconnect` HTTP client: one request over reqwest, no redirects.
pub async fn http_client(req: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let client = Client::builder().redirect(Policy::none()).build()?;
    let (parts, body) = req.into_parts();
    let mut r = client.request(parts.method, parts.uri.to_string()).body(body);
    for (k, v) in &parts.headers {
        r = r.header(k, v);
    }
    let res = r.send().await?;
    let mut out = http::Response::builder().status(res.status());
    for (k, v) in res.headers() {
        out = out.header(k, v);
    }
    Ok(out.body(res.bytes().await?.to_vec()).expect("response"))
}

impl TestApp {
    /// Registers a client through RFC 7591 with the admin token; `extra` is merged in.
    pub async fn register_client(&self, extra: Value) -> Rp {
        let mut body = json!({"client_name": "Test RP", "redirect_uris": [REDIRECT]});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let res = self
            .client
            .post(self.url("/oauth2/register"))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("register");
        assert_eq!(res.status(), StatusCode::CREATED);
        let v = json_of(res).await;
        Rp {
            client_id: v["client_id"].as_str().expect("client_id").to_owned(),
            secret: v["client_secret"].as_str().map(str::to_owned),
        }
    }

    /// A user with a password (set through SCIM); returns its id.
    pub async fn create_user_with_password(&self, user_name: &str) -> String {
        let body = json!({
            "schemas": [USER_SCHEMA], "userName": user_name, "password": PASSWORD,
            "name": {"givenName": "Alice", "familyName": "Liddell"},
            "emails": [{"value": format!("{user_name}@example.com"), "primary": true}],
            "active": true
        });
        let res = self.post("/Users", body).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        json_of(res).await["id"].as_str().expect("id").to_owned()
    }

    /// Submits the login form found at `authorize_url` and returns the response to the POST.
    pub async fn login(&self, browser: &Client, authorize_url: &str, user: &str, password: &str) -> Response {
        let page = browser.get(authorize_url).send().await.expect("GET authorize");
        assert_eq!(page.status(), StatusCode::OK, "login page");
        let html = page.text().await.expect("html");
        let mut form = hidden_inputs(&html);
        form.push(("username".into(), user.into()));
        form.push(("password".into(), password.into()));
        browser
            .post(self.url("/oauth2/authorize"))
            .form(&form)
            .send()
            .await
            .expect("POST authorize")
    }

    /// A token-endpoint request with client_secret_basic.
    pub async fn token_request(&self, rp: &Rp, form: &[(&str, &str)]) -> Response {
        let mut req = self.client.post(self.url("/oauth2/token")).form(form);
        req = match &rp.secret {
            Some(s) => req.basic_auth(&rp.client_id, Some(s)),
            None => req.form(&[form, &[("client_id", rp.client_id.as_str())]].concat()),
        };
        req.send().await.expect("token request")
    }

    /// RFC 7662 introspection by a confidential client.
    pub async fn introspect(&self, rp: &Rp, token: &str) -> Value {
        let res = self
            .client
            .post(self.url("/oauth2/introspect"))
            .basic_auth(&rp.client_id, rp.secret.as_deref())
            .form(&[("token", token)])
            .send()
            .await
            .expect("introspect");
        assert_eq!(res.status(), StatusCode::OK);
        json_of(res).await
    }

    /// RFC 7009 revocation by the client the token was issued to.
    pub async fn revoke(&self, rp: &Rp, token: &str) -> Response {
        self.client
            .post(self.url("/oauth2/revoke"))
            .basic_auth(&rp.client_id, rp.secret.as_deref())
            .form(&[("token", token)])
            .send()
            .await
            .expect("revoke")
    }

    /// `GET userinfo` with a bearer access token.
    pub async fn userinfo(&self, access_token: &str) -> Response {
        self.client
            .get(self.url("/oauth2/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userinfo")
    }

    /// The discovery document.
    pub async fn discovery(&self) -> Value {
        let res = self
            .client
            .get(self.url("/.well-known/openid-configuration"))
            .send()
            .await
            .expect("discovery");
        json_of(res).await
    }

    /// Runs the whole code flow (PKCE S256) for a confidential client; returns the token response.
    pub async fn tokens_for(&self, rp: &Rp, user: &str, scope: &str) -> Value {
        self.tokens_in(&browser(), rp, user, PASSWORD, scope).await
    }

    /// The code flow in browser `b` (which keeps the login session) with `password`.
    pub async fn tokens_in(&self, b: &Client, rp: &Rp, user: &str, password: &str, scope: &str) -> Value {
        let (verifier, challenge) = pkce();
        let url = self.authorize_url(rp, scope, &challenge);
        let res = self.login(b, &url, user, password).await;
        let code = query_param(&res, "code").expect("code");
        let res = self.redeem(rp, &code, &verifier).await;
        assert_eq!(res.status(), StatusCode::OK);
        json_of(res).await
    }

    /// Redeems an authorization code at the token endpoint (PKCE verifier, the test redirect).
    pub async fn redeem(&self, rp: &Rp, code: &str, verifier: &str) -> Response {
        self.token_request(
            rp,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ],
        )
        .await
    }

    pub fn authorize_url(&self, rp: &Rp, scope: &str, challenge: &str) -> String {
        let q = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", rp.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st4te"),
            ("nonce", "n0nce"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .expect("query");
        self.url(&format!("/oauth2/authorize?{q}"))
    }
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes()) + "-verifier-padding-to-43-chars";
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    (verifier, URL_SAFE_NO_PAD.encode(digest))
}

/// A query parameter of the redirect in `res`'s Location header.
pub fn query_param(res: &Response, name: &str) -> Option<String> {
    assert_eq!(res.status(), StatusCode::FOUND, "expected a redirect");
    let loc = res.headers().get("location")?.to_str().ok()?;
    let url = url::Url::parse(loc).ok()?;
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The JSON payload of a JWT (not verified: for reading claims in assertions).
pub fn jwt_payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64")).expect("json")
}

/// `name`/`value` of every hidden input, HTML entities decoded.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input ")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value")?)))
        .collect()
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}
