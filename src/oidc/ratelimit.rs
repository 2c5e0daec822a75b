//! Budgets for sign-ins and client authentication, counted in the database (`store::limits`)
//! so every replica spends the same budget, and spent on *failures of the caller*:
//!
//! - a sign-in reserves one attempt per (user, source address) and per source address
//!   *before* the password is checked, and gives both back when it succeeds — so forty
//!   parallel guesses evaluate at most the budget, and someone guessing Alice's password from
//!   one address does not lock Alice out elsewhere;
//! - client authentication is free when it succeeds; each failure counts per (client, source
//!   address), so a flood of bad secrets naming a client does not stop that client's own
//!   correct requests.
use std::net::IpAddr;

use crate::{
    AppState,
    store::{StoreError, limits::Budget},
};

/// A reserved sign-in attempt; [`LoginAttempt::give_back`] when the password was right.
#[must_use = "a successful sign-in gives its reservation back"]
pub struct LoginAttempt {
    keys: [String; 2],
}

/// Reserves one attempt to sign in as `user` from `source`: `Err(seconds)` when a budget is
/// already spent (the caller answers 429 with `Retry-After`).
pub async fn reserve_login(
    state: &AppState,
    user: &str,
    source: IpAddr,
) -> Result<Result<LoginAttempt, u64>, StoreError> {
    let limits = state.store.limits();
    let per_user = format!("login:{}:{source}", user.trim().to_lowercase());
    let per_source = format!("login-source:{source}");
    let a = limits.hit(&per_user, state.config.login_attempts_per_minute).await?;
    let b = limits
        .hit(&per_source, state.config.login_failures_per_source_per_minute)
        .await?;
    Ok(match (a, b) {
        (Budget::Within, Budget::Within) => Ok(LoginAttempt {
            keys: [per_user, per_source],
        }),
        (Budget::Exhausted { retry_after }, _) | (_, Budget::Exhausted { retry_after }) => Err(retry_after),
    })
}

impl LoginAttempt {
    /// The attempt did not fail (the password was right, or it was never checked).
    pub async fn give_back(self, state: &AppState) -> Result<(), StoreError> {
        for key in &self.keys {
            state.store.limits().refund(key).await?;
        }
        Ok(())
    }
}

/// Counts a failed authentication of `client_id` from `source`; `Some(seconds)` when that
/// budget is now spent (the caller answers 429 instead of 401).
pub async fn client_failure(state: &AppState, client_id: &str, source: IpAddr) -> Result<Option<u64>, StoreError> {
    let key = format!("client:{client_id}:{source}");
    Ok(
        match state
            .store
            .limits()
            .hit(&key, state.config.client_failures_per_minute)
            .await?
        {
            Budget::Within => None,
            Budget::Exhausted { retry_after } => Some(retry_after),
        },
    )
}
