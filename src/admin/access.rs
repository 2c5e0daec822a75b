//! "Last accessed": before removing someone from a group, see whether they use what it gives
//! (seed 000: "review its recent service-level activity"). Information only — it never blocks
//! a removal. Token times lag by up to `SCIMITAR_ACCESS_FLUSH_SECONDS` (see the store's
//! access log).
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    authz::{self, Allowed},
    ident,
    membership::{GroupPath, PageQuery, UserPath},
    openapi::Problems,
    paging::Paged,
    problem::Problem,
};
use crate::AppState;

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(group_access).service(user_access);
}

/// An application (OIDC client) and when the user last got a token from it.
#[derive(Serialize, ToSchema)]
pub struct AppAccess {
    client_id: String,
    name: String,
    /// `null`: never (or not yet written: the figures lag by a few seconds).
    last_token_at: Option<DateTime<Utc>>,
}

/// A user's sign-in and the applications they got tokens from.
#[derive(Serialize, ToSchema)]
pub struct UserAccess {
    id: Uuid,
    user_name: String,
    /// The last successful sign-in, if any.
    last_login: Option<DateTime<Utc>>,
    applications: Vec<AppAccess>,
}

fn at(us: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
}

/// For each user member of the group (direct members in effect now, paged like the member
/// list): their last sign-in and, for each application that receives this group in its
/// `groups` claim (every client whose `groups_prefix` the group's name matches), when the
/// member last got a token from it.
#[utoipa::path(tag = "membership", params(GroupPath, PageQuery), responses((status = 200, description = "A page of the group's user members with their last access", body = Paged<UserAccess>), Problems), security(("bearer" = ["iam.group.read"])))]
#[get("/groups/{group}/access")]
async fn group_access(
    _caller: Allowed<authz::GroupRead>,
    state: State,
    path: web::Path<GroupPath>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let (limit, after) = q.parts()?;
    let group_id = ident::group(&state.store, &path.group).await?;
    let group = state.store.groups().get(group_id).await?;
    let apps: Vec<(String, String)> = state
        .store
        .clients()
        .list()
        .await?
        .into_iter()
        // The console is not an application that receives groups.
        .filter(|c| c.client_id != crate::console::signin::CLIENT_ID)
        .filter(|c| {
            c.groups_prefix
                .as_deref()
                .is_none_or(|p| group.display_name.starts_with(p))
        })
        .map(|c| (c.client_id, c.name))
        .collect();
    let page = state.store.groups().member_users(group_id, after, limit).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|u| u.id).collect();
    let mut last = state.store.last_access(&ids).await?;
    Ok(HttpResponse::Ok().json(Paged::from_page(page, |u| {
        let seen = last.remove(&u.id).unwrap_or_default();
        UserAccess {
            id: u.id,
            user_name: u.user_name,
            last_login: u.last_login,
            applications: apps
                .iter()
                .map(|(client_id, name)| AppAccess {
                    client_id: client_id.clone(),
                    name: name.clone(),
                    last_token_at: seen.iter().find(|(c, _)| c == client_id).and_then(|(_, t)| at(*t)),
                })
                .collect(),
        }
    })))
}

/// The user's last sign-in and every application they got tokens from, latest first.
#[utoipa::path(tag = "membership", params(UserPath), responses((status = 200, description = "The user's last access", body = UserAccess), Problems), security(("bearer" = ["iam.user.read"])))]
#[get("/users/{user}/access")]
async fn user_access(
    _caller: Allowed<authz::UserRead>,
    state: State,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, Problem> {
    let user_id = ident::user(&state.store, &path.user).await?;
    let user = state.store.users().get(user_id).await?;
    let names: std::collections::HashMap<String, String> = state
        .store
        .clients()
        .list()
        .await?
        .into_iter()
        .map(|c| (c.client_id, c.name))
        .collect();
    let seen = state
        .store
        .last_access(&[user_id])
        .await?
        .remove(&user_id)
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(UserAccess {
        id: user.id,
        user_name: user.user_name,
        last_login: user.last_login,
        applications: seen
            .into_iter()
            .filter_map(|(client_id, t)| {
                Some(AppAccess {
                    name: names.get(&client_id)?.clone(),
                    client_id,
                    last_token_at: at(t),
                })
            })
            .collect(),
    }))
}
