//! State shared by every handler: one cheap-to-clone value.
use std::sync::Arc;

use crate::{config::Config, metrics::Metrics, oidc::keys::KeyRing, store::Store};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Public base URL without a trailing slash.
    pub issuer: Arc<str>,
    /// OIDC signing keys (shared by replicas through the database).
    pub keys: Arc<KeyRing>,
    /// Turns to verify a password (argon2id, ~19 MiB each): bounds a flood of sign-ins.
    pub verifications: Arc<tokio::sync::Semaphore>,
    /// Makes and checks DPoP nonces (a key every replica shares).
    pub dpop_nonces: Arc<crate::oidc::dpop::Nonces>,
    /// Prometheus metrics of this process (`GET /metrics`).
    pub metrics: Arc<Metrics>,
    /// Turns to load and render full member lists (see [`AppState::member_list_turn`]).
    pub member_lists: Arc<tokio::sync::Semaphore>,
    /// Rendered member lists of unchanged groups (see [`crate::scim::member_cache`]).
    pub member_cache: Arc<crate::scim::member_cache::MemberCache>,
}

/// How many full member lists are loaded and rendered at once. A 10,000-member group is
/// about 8 MB while it is built; without a bound, 32 concurrent readers of large groups held
/// 180 MB. The work is CPU-bound, so queueing costs no throughput on a few cores.
pub const CONCURRENT_MEMBER_LISTS: usize = 4;

impl AppState {
    /// Waits for a turn to load and render full member lists; held until dropped.
    pub async fn member_list_turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.member_lists
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }

    /// Absolute URL of a SCIM resource, e.g. `scim_url("Users", id)`.
    pub fn scim_url(&self, kind: &str, id: impl std::fmt::Display) -> String {
        format!("{}/scim/v2/{kind}/{id}", self.issuer)
    }
}
