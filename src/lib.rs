//! Scimitar: an identity provider speaking SCIM 2.0 and OpenID Connect.
//!
//! Dependencies point one way: HTTP surfaces (`scim`, `oidc`, `admin`, `ops`) → `store` → `entity`.
pub mod access; // permissions, roles and what a user effectively holds
pub mod admin; // admin API under /api/v1 (membership, tokens, audit, OpenAPI)
pub mod auth; // bearer tokens, scopes, password hashing
pub mod cli; // the remote administration commands (admin API client)
pub mod clock; // the server's clock (injectable for tests)
pub mod config; // `Config`, from flags and `SCIMITAR_*` / `DATABASE_URL`
pub mod console; // the admin console under /console (HTML, htmx)
pub mod db; // connection set-up for SQLite and PostgreSQL
pub mod metrics; // Prometheus metrics and the request-tracking middleware
pub mod oidc; // OpenID Connect provider under /oauth2 and /.well-known
pub mod ops; // /healthz, /readyz
pub mod scim; // SCIM 2.0 protocol under /scim/v2
pub mod startup; // `Application`: build, bind, run
pub mod state; // `AppState`, shared by every handler
pub mod store; // all database access
pub mod telemetry; // tracing subscriber

pub use config::Config;
pub use startup::Application;
pub use state::AppState;
