//! Users and groups as the admin API shows them: search, cursor paging, one by identifier.
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use entity::{group, user};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    authz::{self, Allowed},
    ident,
    membership::{GroupPath, UserPath},
    openapi::Problems,
    paging::{self, Paged},
    problem::Problem,
};
use crate::{AppState, store::lookup::KeysetPage};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(get_user)
        .service(list_groups)
        .service(get_group);
}

/// A user.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    id: Uuid,
    user_name: String,
    display_name: Option<String>,
    emails: Vec<String>,
    active: bool,
    created: DateTime<Utc>,
    last_modified: DateTime<Utc>,
    /// The last successful sign-in, if any.
    last_login: Option<DateTime<Utc>>,
}

/// A group (its members are at `/api/v1/groups/{group}/users`).
#[derive(Serialize, ToSchema)]
pub struct GroupOut {
    id: Uuid,
    display_name: String,
    external_id: Option<String>,
    created: DateTime<Utc>,
    last_modified: DateTime<Utc>,
}

impl UserOut {
    pub fn id(&self) -> Uuid {
        self.id
    }
}

pub fn user_out(u: user::Model, emails: Vec<String>) -> UserOut {
    UserOut {
        id: u.id,
        user_name: u.user_name,
        display_name: u.display_name,
        emails,
        active: u.active,
        created: u.created,
        last_modified: u.last_modified,
        last_login: u.last_login,
    }
}

fn group_out(g: group::Model) -> GroupOut {
    GroupOut {
        id: g.id,
        display_name: g.display_name,
        external_id: g.external_id,
        created: g.created,
        last_modified: g.last_modified,
    }
}

/// Renders a page of users with their emails (one query for the page).
pub async fn users_page(state: &AppState, page: KeysetPage<user::Model>) -> Result<Paged<UserOut>, Problem> {
    let ids: Vec<Uuid> = page.items.iter().map(|u| u.id).collect();
    let mut emails = state.store.users().emails_of(&ids).await?;
    Ok(Paged::from_page(page, |u| {
        let e = emails.remove(&u.id).unwrap_or_default();
        user_out(u, e)
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Case-insensitive substring of userName, displayName or an email (users), or of displayName (groups).
    q: Option<String>,
    /// Page size, 1–500 (default 50).
    limit: Option<u64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl SearchQuery {
    fn parts(&self) -> Result<(Option<&str>, Option<Uuid>, u64), Problem> {
        Ok((
            self.q.as_deref(),
            paging::decode(self.cursor.as_deref())?,
            paging::limit(self.limit)?,
        ))
    }
}

/// Users, in id order, optionally filtered by `q`.
#[utoipa::path(tag = "directory", params(SearchQuery), responses((status = 200, description = "A page of users", body = Paged<UserOut>), Problems), security(("bearer" = ["iam.user.read"])))]
#[get("/users")]
async fn list_users(
    _caller: Allowed<authz::UserRead>,
    state: State,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, Problem> {
    let (q, after, limit) = query.parts()?;
    let page = state.store.users().search(q, after, limit).await?;
    Ok(HttpResponse::Ok().json(users_page(&state, page).await?))
}

/// One user, by id, userName or email.
#[utoipa::path(tag = "directory", params(UserPath), responses((status = 200, description = "The user", body = UserOut), Problems), security(("bearer" = ["iam.user.read"])))]
#[get("/users/{user}")]
async fn get_user(
    _caller: Allowed<authz::UserRead>,
    state: State,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, Problem> {
    let id = ident::user(&state.store, &path.user).await?;
    let user = state.store.users().get(id).await?;
    let emails = state.store.users().emails_of(&[id]).await?.remove(&id);
    Ok(HttpResponse::Ok().json(user_out(user, emails.unwrap_or_default())))
}

/// Groups, in id order, optionally filtered by `q`.
#[utoipa::path(tag = "directory", params(SearchQuery), responses((status = 200, description = "A page of groups", body = Paged<GroupOut>), Problems), security(("bearer" = ["iam.group.read"])))]
#[get("/groups")]
async fn list_groups(
    _caller: Allowed<authz::GroupRead>,
    state: State,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, Problem> {
    let (q, after, limit) = query.parts()?;
    let page = state.store.groups().search(q, after, limit).await?;
    Ok(HttpResponse::Ok().json(Paged::from_page(page, group_out)))
}

/// One group, by id or display name.
#[utoipa::path(tag = "directory", params(GroupPath), responses((status = 200, description = "The group", body = GroupOut), Problems), security(("bearer" = ["iam.group.read"])))]
#[get("/groups/{group}")]
async fn get_group(
    _caller: Allowed<authz::GroupRead>,
    state: State,
    path: web::Path<GroupPath>,
) -> Result<HttpResponse, Problem> {
    let id = ident::group(&state.store, &path.group).await?;
    Ok(HttpResponse::Ok().json(group_out(state.store.groups().get(id).await?)))
}
