//! Signing keys from the admin API: list them (never a private part) and rotate, as
//! `scimitar keys rotate` does. Rotation is audited (`key.rotate`) with the caller as actor.
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    authz::{self, Allowed},
    openapi::Problems,
    problem::Problem,
};
use crate::{AppState, oidc::keys, store::audit::Source as AuditSource};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_keys).service(rotate_key);
}

/// A signing key, without its private part.
#[derive(Serialize, ToSchema)]
pub struct KeyOut {
    kid: String,
    alg: String,
    created: DateTime<Utc>,
    /// Whether it signs new tokens (the newest key does).
    signing: bool,
    /// When a newer key took over.
    retired_at: Option<DateTime<Utc>>,
    /// When it leaves the JWKS (no token it signed is valid after).
    not_after: Option<DateTime<Utc>>,
}

/// The new signing key.
#[derive(Serialize, ToSchema)]
pub struct Rotated {
    kid: String,
    alg: String,
}

/// Every stored signing key, newest first.
#[utoipa::path(tag = "keys", responses((status = 200, description = "The keys", body = Vec<KeyOut>), Problems), security(("bearer" = ["iam.key.read"])))]
#[get("/keys")]
async fn list_keys(_caller: Allowed<authz::KeyRead>, state: State) -> Result<HttpResponse, Problem> {
    let mut rows = state.store.signing_keys().all().await?;
    rows.sort_by_key(|k| std::cmp::Reverse(k.created));
    let out: Vec<KeyOut> = rows
        .into_iter()
        .map(|k| KeyOut {
            signing: k.retired_at.is_none(),
            kid: k.kid,
            alg: k.alg,
            created: k.created,
            retired_at: k.retired_at,
            not_after: k.not_after,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Makes a new key (`SCIMITAR_SIGNING_ALG`) sign from now on; the previous keys stay in the
/// JWKS for the access/ID token lifetime plus 5 minutes. Other replicas pick the new key up
/// within `SCIMITAR_KEYS_RELOAD_SECONDS` (or at once when they meet its `kid`).
#[utoipa::path(tag = "keys", responses((status = 201, description = "The new signing key", body = Rotated), Problems), security(("bearer" = ["iam.key.rotate"])))]
#[post("/keys/rotate")]
async fn rotate_key(caller: Allowed<authz::KeyRotate>, state: State) -> Result<HttpResponse, Problem> {
    let kid = rotate_now(&state, &caller.actor(AuditSource::Admin))
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(HttpResponse::Created().json(Rotated {
        kid,
        alg: state.config.signing_alg.clone(),
    }))
}

/// Rotates the signing key as `actor` (admin API and console): the new key signs from now
/// on; the previous public keys stay in the JWKS until the tokens they signed have expired.
pub async fn rotate_now(state: &AppState, actor: &crate::store::audit::Actor) -> anyhow::Result<String> {
    let config = &state.config;
    let alg = keys::parse_alg(&config.signing_alg)?;
    let keep = chrono::Duration::seconds(config.access_token_ttl.max(1) + 300);
    let keks = config.keks()?;
    let kid = keys::rotate(&state.store, alg, keep, &keks, actor).await?;
    // The rotation is committed: a failed reload must not make the caller retry (and rotate
    // again); the key ring reloads on its own schedule or on meeting the new kid.
    if let Err(e) = state.keys.reload(&state.store).await {
        tracing::warn!(error = %e, "reloading signing keys after a rotation failed");
    }
    Ok(kid)
}
