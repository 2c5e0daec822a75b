//! The first administrator. While no user holds `iam.*`, `serve` prints a one-time setup
//! link (`/console/setup?token=…`; only its hash is stored, each start replaces it, and it
//! expires after a day): the page creates a user with a password and grants it the role
//! `administrator` (`iam.*`; created if missing — an existing role of that name that does not
//! carry `iam.*` is left alone and `scimitar-administrator` is used instead). The link stops
//! working once used, and as soon as anyone is an administrator however they became one;
//! later administrators are made by granting roles.
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

/// The role the first administrator gets, and the one used when a role of that name exists
/// for something else.
pub const ADMIN_ROLE: &str = "administrator";
const FALLBACK_ROLE: &str = "scimitar-administrator";

/// How long a setup link works.
const SETUP_TTL_US: i64 = 24 * 3600 * 1_000_000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup", web::get().to(form))
        .route("/setup", web::post().to(submit));
}

/// At start-up: while nobody is an administrator, a fresh one-time setup secret (returned,
/// to be printed as a link).
pub async fn open_if_needed(store: &Store) -> Result<Option<String>, StoreError> {
    let sessions = store.console_sessions();
    if sessions.administrator_exists().await? {
        // A link printed earlier must not outlive the need for it.
        sessions.close_setup().await?;
        return Ok(None);
    }
    let secret = random_secret();
    sessions
        .begin_setup(&tokens::hash(&secret), store.now_us() + SETUP_TTL_US)
        .await?;
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

/// Is `token` the live setup link, while nobody is an administrator yet?
async fn valid(state: &AppState, token: &str) -> Result<bool, ConsoleError> {
    let sessions = state.store.console_sessions();
    let stored = sessions.setup_hash().await?;
    if token.is_empty() || !stored.is_some_and(|h| ct_eq(&h, &tokens::hash(token))) {
        return Ok(false);
    }
    if sessions.administrator_exists().await? {
        sessions.close_setup().await?;
        return Ok(false);
    }
    Ok(true)
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
            sessions.begin_setup(&hash, state.store.now_us() + SETUP_TTL_US).await?;
            if e.status.is_server_error() {
                return Err(ConsoleError::Store(StoreError::Invalid(
                    "the user could not be created".into(),
                )));
            }
            return Ok(again(&e.detail, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let role = admin_role(&state, &actor).await?;
    state
        .store
        .roles()
        .grant(&actor, Grantee::User(user.id), role.0, None)
        .await?;
    Ok(page::message(
        StatusCode::OK,
        "Administrator created",
        &format!(
            "{} is an administrator (role {}). Sign in at /console with that user name and password.",
            user.user_name, role.1
        ),
    ))
}

/// The role to make the first administrator with: `administrator` if it carries `iam.*` (or
/// does not exist yet), else `scimitar-administrator`. An existing role is never changed: it
/// may be granted to others, who would all become administrators.
async fn admin_role(state: &AppState, actor: &Actor) -> Result<(uuid::Uuid, &'static str), ConsoleError> {
    let roles = state.store.roles();
    for name in [ADMIN_ROLE, FALLBACK_ROLE] {
        match roles.resolve(name).await? {
            Some(id) => {
                let r = roles.get(id).await?;
                if r.permissions.iter().any(|p| p == "iam.*" || p == "*") {
                    return Ok((id, name));
                }
            }
            None => {
                let r = roles
                    .create(
                        actor,
                        name,
                        "Every console and admin API permission",
                        &["iam.*".to_owned()],
                    )
                    .await?;
                return Ok((r.id, name));
            }
        }
    }
    Err(ConsoleError::Refused(format!(
        "Roles named {ADMIN_ROLE} and {FALLBACK_ROLE} exist without iam.*; grant an administrator role with the admin API instead."
    )))
}
