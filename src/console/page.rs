//! Rendering console pages: the layout every page shares ([`Chrome`]) and the headers every
//! console response carries (no inline script or style, never framed, never cached).
use actix_web::{
    HttpResponse,
    http::{StatusCode, header},
};
use askama::Template;

use super::Admin;
use crate::access::Builtin;

/// The content security policy: only this server's own scripts and styles, no inline ones.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A link of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the layout shows around every page: who is signed in, the sections they may read,
/// and the CSRF token htmx sends with its requests.
pub struct Chrome {
    pub user_name: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

impl Chrome {
    pub fn new(admin: &Admin, section: &str) -> Chrome {
        let sections = [
            ("/console/groups", "Groups", Builtin::GroupRead),
            ("/console/users", "Users", Builtin::UserRead),
            ("/console/roles", "Roles", Builtin::RoleRead),
            ("/console/apps", "Applications", Builtin::ClientRead),
            ("/console/audit", "Audit log", Builtin::AuditRead),
            ("/console/tokens", "API tokens", Builtin::TokenRead),
            ("/console/keys", "Signing keys", Builtin::KeyRead),
        ];
        Chrome {
            user_name: admin.user_name.clone(),
            csrf: admin.csrf.clone(),
            nav: sections
                .into_iter()
                .filter(|(_, _, needs)| admin.can(*needs))
                .map(|(href, label, _)| NavItem {
                    href,
                    label,
                    current: label == section,
                })
                .collect(),
        }
    }
}

/// An instant as the console shows it ("never" for none).
pub fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// An HTML response with the console's headers.
pub fn html(status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            .insert_header((header::REFERRER_POLICY, "same-origin"))
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "console template rendering failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// A redirect after a successful form post (303: the browser follows with a GET).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct Message<'a> {
    title: &'a str,
    text: &'a str,
}

/// A page with a title and a sentence (errors, signed out).
pub fn message(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    html(status, Message { title, text }.render())
}

#[derive(Template)]
#[template(path = "console/reauth.html")]
struct Reauth<'a> {
    link: &'a str,
}

/// "Sign in again": a sensitive action needs a recent sign-in.
pub fn reauth(status: StatusCode, link: &str) -> HttpResponse {
    html(status, Reauth { link }.render())
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct Confirm<'a> {
    c: Chrome,
    title: &'a str,
    lines: &'a [String],
    action: &'a str,
    button: &'a str,
    cancel: &'a str,
}

/// A confirmation page for a destructive action: what it does (`lines`), a button that posts
/// to `action`, and a way back.
pub fn confirm(c: Chrome, title: &str, lines: &[String], action: &str, button: &str, cancel: &str) -> HttpResponse {
    let page = Confirm {
        c,
        title,
        lines,
        action,
        button,
        cancel,
    };
    html(StatusCode::OK, page.render())
}
