//! The admin console over HTTP (the browser tests in `browser.rs` drive the same pages in
//! Chromium): the one-time setup link, sign-in through Scimitar's own login page, the seed
//! flows on groups, what a read-only administrator sees and may do, CSRF and headers.
mod browser;
mod http;
mod lifecycle;

use reqwest::{Client, Response, StatusCode, header};
use serde_json::json;

use crate::{
    common::TestApp,
    oidc::{PASSWORD, browser as cookie_client, hidden_inputs},
};

fn location(res: &Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("a redirect, got {}", res.status()))
        .to_owned()
}

impl TestApp {
    /// A user with a password holding a role with `permissions`; returns its id.
    pub async fn console_user(&self, user_name: &str, permissions: &[&str]) -> String {
        let id = self.create_user_with_password(user_name).await;
        let role = format!("{user_name}-console");
        let body = json!({"name": role, "permissions": permissions});
        assert_eq!(self.admin("POST", "/roles", Some(body)).await.status(), 201);
        let res = self
            .admin("PUT", &format!("/users/{user_name}/roles/{role}"), None)
            .await;
        assert_eq!(res.status(), 204);
        id
    }

    /// The id of the user with this userName.
    pub async fn user_id_of(&self, user_name: &str) -> String {
        let res = self.admin("GET", &format!("/users/{user_name}"), None).await;
        assert_eq!(res.status(), 200, "{user_name}");
        crate::common::json_of(res).await["id"].as_str().expect("id").to_owned()
    }

    /// Signs `user` in to the console through the login page; returns the browser (cookies,
    /// no automatic redirects) and the first page's HTML.
    pub async fn console_sign_in(&self, user: &str) -> (Client, String) {
        let b = cookie_client();
        let res = b.get(self.url("/console/groups")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "not signed in yet");
        assert_eq!(location(&res), "/console/login");
        let res = b.get(self.url("/console/login")).send().await.unwrap();
        let authorize = location(&res);
        assert!(authorize.starts_with("/oauth2/authorize?"), "{authorize}");
        let res = self.login(&b, &self.url(&authorize), user, PASSWORD).await;
        let callback = location(&res);
        assert!(callback.contains("/console/callback?code="), "{callback}");
        let res = b.get(&callback).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/console/groups");
        let page = b.get(self.url("/console/groups")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&format!("<strong>{user}</strong>")),
            "signed in as {user}"
        );
        (b, html)
    }
}

/// The CSRF token of a console page.
fn csrf(html: &str) -> String {
    hidden_inputs(html)
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
        .expect("a csrf field")
}
