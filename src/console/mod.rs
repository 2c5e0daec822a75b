//! The admin console at `/console`: server-rendered HTML (askama) with htmx, vendored and
//! served from the binary (`assets.rs`), for search-as-you-type. Every write is a plain HTML
//! form (it works without JavaScript), goes through the same store code as the admin API and
//! is audited with the signed-in administrator as actor (source `console`).
//!
//! Administrators are Scimitar users: they sign in on Scimitar's own login page — the console
//! is an OIDC client of its own server (`signin.rs`) — and may do what the `iam.*`
//! permissions of their roles allow, checked on every request ([`Admin`]); pages show only
//! the controls those permissions allow.
mod api_tokens;
mod apps;
pub mod assets;
mod audit;
mod error;
mod forms;
mod groups;
mod keys;
mod page;
mod roles;
pub mod setup;
pub mod signin;
mod users;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

pub use error::ConsoleError;

use crate::{
    AppState,
    access::{Builtin, Permission, permission},
    auth::tokens,
    oidc::ct_eq,
    store::audit::{Actor, Source},
};

/// How recent a sign-in sensitive actions need: ten minutes.
pub const RECENT_US: i64 = 10 * 60 * 1_000_000;

/// Mounts `/console`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .configure(assets::configure)
            .configure(signin::configure)
            .configure(setup::configure)
            .configure(groups::configure)
            .configure(users::configure)
            .configure(roles::configure)
            .configure(apps::configure)
            .configure(audit::configure)
            .configure(api_tokens::configure)
            .configure(keys::configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ConsoleError::NotFound)
            })),
    );
}

/// The signed-in administrator of a console request, with the permissions their roles carry
/// now (Scimitar's own `iam.…` ones; the same cache as tokens, so a revoked role counts from
/// the next request on, on every replica).
pub struct Admin {
    pub user_id: Uuid,
    pub user_name: String,
    pub permissions: Vec<Permission>,
    pub csrf: String,
    /// When they last entered their password (microseconds).
    pub auth_time_us: i64,
}

impl Admin {
    pub fn can(&self, wanted: Builtin) -> bool {
        let wanted = wanted.permission();
        self.permissions.iter().any(|p| p.covers(&wanted))
    }

    /// `Err(403)` unless the administrator holds `wanted`.
    pub fn require(&self, wanted: Builtin) -> Result<(), ConsoleError> {
        if self.can(wanted) {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden(wanted.as_str()))
        }
    }

    /// The actor console changes are audited as.
    pub fn actor(&self) -> Actor {
        Actor::new(format!("user:{}#{}", self.user_name, self.user_id), Source::Console)
            .holding(self.permissions.clone())
    }

    /// Did the administrator enter their password in the last [`RECENT_US`]? Creating API
    /// tokens, rotating keys and showing client secrets need it.
    pub fn recent(&self, now_us: i64) -> bool {
        now_us - self.auth_time_us <= RECENT_US
    }

    /// `Err` (a page with a link to sign in again and come back to `back`) unless the
    /// sign-in is recent.
    pub fn require_recent(&self, now_us: i64, back: &str) -> Result<(), ConsoleError> {
        if self.recent(now_us) {
            Ok(())
        } else {
            Err(ConsoleError::Reauth(signin::reauth_link(back)))
        }
    }

    /// Checks the CSRF token a form or htmx request echoed.
    pub fn check_csrf(&self, sent: &str) -> Result<(), ConsoleError> {
        if !sent.is_empty() && ct_eq(sent, &self.csrf) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }
}

impl FromRequest for Admin {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .expect("AppState is registered")
                .clone();
            let Some(cookie) = req.cookie(signin::session_cookie_name(&state.issuer)) else {
                return Err(ConsoleError::SignIn);
            };
            let sessions = state.store.console_sessions();
            let Some(session) = sessions.get(&tokens::hash(cookie.value())).await? else {
                return Err(ConsoleError::SignIn);
            };
            let Some(subject) = state.store.users().for_tokens(session.user_id, true).await? else {
                return Err(ConsoleError::SignIn);
            };
            if !subject.user.active {
                return Err(ConsoleError::SignIn);
            }
            let permissions: Vec<Permission> = subject
                .held
                .iter()
                .flat_map(|h| h.permissions.iter())
                .filter(|p| permission::is_scimitars(p))
                .filter_map(|p| Permission::parse(p).ok())
                .collect();
            let admin = Admin {
                user_id: session.user_id,
                user_name: subject.user.user_name,
                permissions,
                csrf: session.csrf,
                auth_time_us: session.auth_time_us,
            };
            // Someone without any console permission gets one page saying so.
            if !Builtin::ALL.into_iter().any(|b| b.is_read() && admin.can(b)) {
                return Err(ConsoleError::NoConsoleAccess(admin.user_name));
            }
            Ok(admin)
        })
    }
}
