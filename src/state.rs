//! State shared by every handler: one cheap-to-clone value.
use std::sync::Arc;

use crate::{
    config::Config,
    metrics::Metrics,
    oidc::{keys::KeyRing, ratelimit::RateLimiter},
    store::Store,
};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Public base URL without a trailing slash.
    pub issuer: Arc<str>,
    /// OIDC signing keys (shared by replicas through the database).
    pub keys: Arc<KeyRing>,
    /// Login and client request counters (in memory, per process).
    pub limits: Arc<RateLimiter>,
    /// Prometheus metrics of this process (`GET /metrics`).
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Absolute URL of a SCIM resource, e.g. `scim_url("Users", id)`.
    pub fn scim_url(&self, kind: &str, id: impl std::fmt::Display) -> String {
        format!("{}/scim/v2/{kind}/{id}", self.issuer)
    }
}
