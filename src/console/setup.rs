//! The first administrator. While no user holds `iam.*`, `serve` prints a one-time setup
//! link (`/console/setup?token=…`; only its hash is stored, and each start replaces it): the
//! page creates a user with a password and grants it the role `administrator` (`iam.*`,
//! created if missing). The link then stops working; later administrators are made by
//! granting roles, in the console or the admin API.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use super::{ConsoleError, page};
use crate::{
    AppState,
    auth::tokens,
    oidc::{ct_eq, random_secret},
    store::{
        Store, StoreError,
        audit::{Actor, Source},
        roles::Grantee,
    },
};

/// The role the first administrator gets.
pub const ADMIN_ROLE: &str = "administrator";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup", web::get().to(form))
        .route("/setup", web::post().to(submit));
}

/// At start-up: while nobody is an administrator, a fresh one-time setup secret (returned,
/// to be printed as a link).
pub async fn open_if_needed(store: &Store) -> Result<Option<String>, StoreError> {
    let sessions = store.console_sessions();
    if sessions.administrator_exists().await? {
        return Ok(None);
    }
    let secret = random_secret();
    sessions.begin_setup(&tokens::hash(&secret)).await?;
    Ok(Some(secret))
}

#[derive(Template)]
#[template(path = "console/setup.html")]
struct SetupPage<'a> {
    token: &'a str,
    user_name: &'a str,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn valid(state: &AppState, token: &str) -> Result<bool, ConsoleError> {
    let stored = state.store.console_sessions().setup_hash().await?;
    Ok(!token.is_empty() && stored.is_some_and(|h| ct_eq(&h, &tokens::hash(token))))
}

fn spent() -> HttpResponse {
    page::message(
        StatusCode::NOT_FOUND,
        "This setup link is not valid",
        "It was used already, or the server has restarted since (each start prints a new link while \
         there is no administrator). Sign in at /console, or restart the server for a new link.",
    )
}

async fn form(state: web::Data<AppState>, q: web::Query<TokenQuery>) -> Result<HttpResponse, ConsoleError> {
    if !valid(&state, &q.token).await? {
        return Ok(spent());
    }
    let page = SetupPage {
        token: &q.token,
        user_name: "",
        error: None,
    };
    Ok(page::html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    user_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

async fn submit(state: web::Data<AppState>, f: web::Form<SetupForm>) -> Result<HttpResponse, ConsoleError> {
    if !valid(&state, &f.token).await? {
        return Ok(spent());
    }
    let again = |error: &str, status: StatusCode| {
        let page = SetupPage {
            token: &f.token,
            user_name: f.user_name.trim(),
            error: Some(error),
        };
        page::html(status, page.render())
    };
    if f.user_name.trim().is_empty() {
        return Ok(again("Enter a user name.", StatusCode::UNPROCESSABLE_ENTITY));
    }
    if f.password != f.password_again {
        return Ok(again("The two passwords differ.", StatusCode::UNPROCESSABLE_ENTITY));
    }
    let sessions = state.store.console_sessions();
    let hash = tokens::hash(&f.token);
    // One submission wins the link; a failure below gives it back.
    if !sessions.finish_setup(&hash).await? {
        return Ok(spent());
    }
    let actor = Actor::new("system:setup", Source::Console);
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f.user_name.trim(),
        "password": f.password,
        "active": true,
    });
    let user = match crate::scim::service::users::create(&state, &actor, body).await {
        Ok(u) => u,
        Err(e) => {
            sessions.begin_setup(&hash).await?;
            if e.status.is_server_error() {
                return Err(ConsoleError::Store(StoreError::Invalid(
                    "the user could not be created".into(),
                )));
            }
            return Ok(again(&e.detail, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let roles = state.store.roles();
    let role = match roles.resolve(ADMIN_ROLE).await? {
        Some(id) => {
            // An existing role of that name must carry everything, or it would not be one.
            let r = roles.get(id).await?;
            if !r.permissions.iter().any(|p| p == "iam.*" || p == "*") {
                let mut ps = r.permissions.clone();
                ps.push("iam.*".into());
                roles.update(&actor, id, None, None, Some(&ps)).await?;
            }
            id
        }
        None => {
            roles
                .create(
                    &actor,
                    ADMIN_ROLE,
                    "Every console and admin API permission",
                    &["iam.*".to_owned()],
                )
                .await?
                .id
        }
    };
    roles.grant(&actor, Grantee::User(user.id), role, None).await?;
    Ok(page::message(
        StatusCode::OK,
        "Administrator created",
        &format!(
            "{} is an administrator (role {ADMIN_ROLE}). Sign in at /console with that user name and password.",
            user.user_name
        ),
    ))
}
