//! HTML of the authorization endpoint: the login page and message pages (askama, escaped),
//! and the cookies they use.
use actix_web::{
    HttpResponse,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    http::{StatusCode, header},
};
use askama::Template;

pub const SESSION_COOKIE: &str = "scimitar_session";
pub const CSRF_COOKIE: &str = "scimitar_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    client_name: &'a str,
    error: Option<&'a str>,
    username: &'a str,
    csrf: &'a str,
    params: &'a [(&'static str, String)],
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    text: &'a str,
}

#[derive(Template)]
#[template(path = "logout_confirm.html")]
struct LogoutConfirm<'a> {
    client_name: Option<&'a str>,
    params: &'a [(&'static str, String)],
}

/// "Sign out?" with a button that posts the logout request back (`confirm=yes`).
pub fn logout_confirmation(client_name: Option<&str>, params: &[(&'static str, String)]) -> HttpResponse {
    html(StatusCode::OK, LogoutConfirm { client_name, params }.render())
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The login form. `params` are the authorization request, echoed as hidden inputs.
pub fn login(
    status: StatusCode,
    client_name: &str,
    params: &[(&'static str, String)],
    csrf: &str,
    username: &str,
    error: Option<&str>,
    issuer: &str,
) -> HttpResponse {
    let page = LoginPage {
        client_name,
        error,
        username,
        csrf,
        params,
    };
    let mut res = html(status, page.render());
    let _ = res.add_cookie(&secure(cookie(CSRF_COOKIE, csrf.to_owned(), None), issuer));
    res
}

/// A page with a title and one sentence (errors, signed out).
pub fn message(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    html(status, MessagePage { title, text }.render())
}

/// An HttpOnly, SameSite=Lax cookie scoped to `/oauth2`; `Secure` is added by the caller's
/// issuer scheme in [`secure`].
pub fn cookie(name: &'static str, value: String, max_age: Option<CookieDuration>) -> Cookie<'static> {
    let mut c = Cookie::build(name, value)
        .path("/oauth2")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// Marks the cookie `Secure` when the issuer is served over HTTPS.
pub fn secure(mut c: Cookie<'static>, issuer: &str) -> Cookie<'static> {
    c.set_secure(issuer.starts_with("https://"));
    c
}

/// An expired cookie that makes the browser forget `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), None);
    c.make_removal();
    c
}
