//! HTML of the authorization endpoint: the login page and message pages (askama, escaped),
//! and the cookies they use.
use actix_web::{
    HttpResponse,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    http::{StatusCode, header},
};
use askama::Template;

/// The cookies of the sign-in pages. Over `https` they carry the `__Host-` prefix (RFC 6265bis
/// §4.1.3.2): `Secure`, `Path=/`, no `Domain`, so no other host or path can set or shadow
/// them. A plain-`http` issuer (development) gets the bare names, scoped to `/oauth2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Session,
    Csrf,
}

impl Kind {
    pub fn name(self, issuer: &str) -> &'static str {
        match (self, https(issuer)) {
            (Kind::Session, true) => "__Host-scimitar_session",
            (Kind::Session, false) => "scimitar_session",
            (Kind::Csrf, true) => "__Host-scimitar_csrf",
            (Kind::Csrf, false) => "scimitar_csrf",
        }
    }
}

fn https(issuer: &str) -> bool {
    issuer.starts_with("https://")
}

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
    let _ = res.add_cookie(&cookie(Kind::Csrf, csrf.to_owned(), None, issuer));
    res
}

/// A page with a title and one sentence (errors, signed out).
pub fn message(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    html(status, MessagePage { title, text }.render())
}

/// An HttpOnly, SameSite=Lax cookie of `kind` for `issuer` (see [`Kind`]).
pub fn cookie(kind: Kind, value: String, max_age: Option<CookieDuration>, issuer: &str) -> Cookie<'static> {
    let secure = https(issuer);
    let mut c = Cookie::build(kind.name(issuer), value)
        .path(if secure { "/" } else { "/oauth2" })
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// An expired cookie that makes the browser forget the cookie of `kind`.
pub fn removal(kind: Kind, issuer: &str) -> Cookie<'static> {
    let mut c = cookie(kind, String::new(), None, issuer);
    c.make_removal();
    c
}
