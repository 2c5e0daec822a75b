//! `GET /api/v1/audit`: the audit log, newest first, filtered and cursor-paged.
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use entity::audit_event;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    authz::{self, Allowed},
    ident,
    openapi::Problems,
    paging,
    problem::Problem,
};
use crate::{AppState, store::audit::AuditQuery};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Events about this group (id or display name; a deleted group's id works too).
    group: Option<String>,
    /// Events about this user or their memberships (id, userName or email; or a deleted user's id).
    user: Option<String>,
    /// Only events at or after this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// e.g. `member.add`, `member.remove`, `user.create`, `group.delete`.
    action: Option<String>,
    /// Page size, 1–500 (default 50).
    limit: Option<u64>,
    /// The `next_cursor` of the previous page: the id of its last (oldest) event.
    cursor: Option<Uuid>,
}

/// One change.
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    id: Uuid,
    at: DateTime<Utc>,
    /// `token:<name>` for API tokens.
    actor: String,
    /// `scim`, `bulk`, `admin`, `cli`, `oidc` or `system` (the server's own upkeep).
    source: String,
    action: String,
    target_type: String,
    target_id: Uuid,
    group_id: Option<Uuid>,
    member_id: Option<Uuid>,
    #[schema(value_type = Option<Object>)]
    detail: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<EventOut>,
    /// Pass as `cursor` for older events; absent on the last page.
    next_cursor: Option<Uuid>,
}

fn event_out(e: audit_event::Model) -> EventOut {
    EventOut {
        id: e.id,
        at: e.at,
        actor: e.actor,
        source: e.source,
        action: e.action,
        target_type: e.target_type,
        target_id: e.target_id,
        group_id: e.group_id,
        member_id: e.member_id,
        detail: e.detail,
    }
}

/// A filter identifier: any UUID as is (history outlives deletion), else resolved by name.
async fn target<'a, F>(raw: Option<&'a str>, resolve: impl FnOnce(&'a str) -> F) -> Result<Option<Uuid>, Problem>
where
    F: Future<Output = Result<Uuid, Problem>>,
{
    match raw {
        None => Ok(None),
        Some(raw) => match Uuid::parse_str(raw) {
            Ok(id) => Ok(Some(id)),
            Err(_) => resolve(raw).await.map(Some),
        },
    }
}

/// Audit events, newest first.
#[utoipa::path(tag = "audit", params(AuditParams), responses((status = 200, description = "Events, newest first", body = AuditPage), Problems), security(("bearer" = ["iam.audit.read"])))]
#[get("/audit")]
async fn list_audit(
    _caller: Allowed<authz::AuditRead>,
    state: web::Data<AppState>,
    p: web::Query<AuditParams>,
) -> Result<HttpResponse, Problem> {
    let store = &state.store;
    let limit = paging::limit(p.limit)?;
    let query = AuditQuery {
        group_id: target(p.group.as_deref(), |g| ident::group(store, g)).await?,
        member_id: target(p.user.as_deref(), |u| ident::user(store, u)).await?,
        action: p.action.clone(),
        since: p.since,
        before: p.cursor,
        limit: limit + 1,
    };
    let mut events = store.audit().list(&query).await?;
    let more = events.len() as u64 > limit;
    events.truncate(limit as usize);
    let next_cursor = events.last().filter(|_| more).map(|e| e.id);
    let items = events.into_iter().map(event_out).collect();
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}
