//! Who is in which group: add, add many, remove, list members, list a user's groups.
//! Every change goes through `groups().modify`: locked, versioned and audited (source `admin`).
use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    authz::{self, Allowed},
    directory::{self, UserOut},
    ident,
    openapi::Problems,
    paging::{self, Paged},
    problem::Problem,
};
use crate::{
    AppState,
    auth::Principal,
    store::{audit::Source, groups::MemberOp},
};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(put_member)
        .service(delete_member)
        .service(add_members)
        .service(list_members)
        .service(user_groups);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupUser {
    /// Group id, or its display name (case-insensitive).
    pub group: String,
    /// User id, userName (case-insensitive) or email.
    pub user: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupPath {
    /// Group id, or its display name (case-insensitive).
    pub group: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// User id, userName (case-insensitive) or email.
    pub user: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A group a user belongs to.
#[derive(Serialize, ToSchema)]
pub struct UserGroupOut {
    id: Uuid,
    display_name: String,
    /// `direct`, or `indirect` when through a nested group.
    #[serde(rename = "type")]
    #[schema(example = "direct")]
    kind: &'static str,
}

/// Applies one member operation to a group as this caller.
async fn change(state: &AppState, caller: &Principal, group: Uuid, op: MemberOp) -> Result<HttpResponse, Problem> {
    let actor = caller.actor(Source::Admin);
    state
        .store
        .groups()
        .modify(&actor, group, None, |_| Ok::<_, Problem>((None, vec![op])))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a user to a group; adding a member again is a 204 too (and writes nothing, so the
/// group's version and ETag stay).
#[utoipa::path(tag = "membership", params(GroupUser), responses((status = 204, description = "The user is a member"), Problems), security(("bearer" = ["iam.group.write"])))]
#[put("/groups/{group}/users/{user}")]
async fn put_member(
    caller: Allowed<authz::GroupWrite>,
    state: State,
    path: web::Path<GroupUser>,
) -> Result<HttpResponse, Problem> {
    let group = ident::group(&state.store, &path.group).await?;
    let user = ident::user(&state.store, &path.user).await?;
    if state.store.groups().has_member(group, user).await? {
        return Ok(HttpResponse::NoContent().finish());
    }
    change(&state, &caller, group, MemberOp::Add(vec![user])).await
}

/// Removes a user from a group. The user and their other memberships stay; removing a
/// non-member is a 204 too.
#[utoipa::path(tag = "membership", params(GroupUser), responses((status = 204, description = "The user is not a member"), Problems), security(("bearer" = ["iam.group.write"])))]
#[delete("/groups/{group}/users/{user}")]
async fn delete_member(
    caller: Allowed<authz::GroupWrite>,
    state: State,
    path: web::Path<GroupUser>,
) -> Result<HttpResponse, Problem> {
    let group = ident::group(&state.store, &path.group).await?;
    let user = ident::user(&state.store, &path.user).await?;
    if !state.store.groups().has_member(group, user).await? {
        return Ok(HttpResponse::NoContent().finish());
    }
    change(&state, &caller, group, MemberOp::Remove(vec![user])).await
}

/// Adds many users at once, in one transaction: when any identifier is unknown, the 404
/// lists every unknown one (`unknown`) and nobody is added.
#[utoipa::path(
    tag = "membership",
    params(GroupPath),
    request_body(content = Vec<String>, description = "User ids, userNames or emails", example = json!(["alice", "bob@example.com"])),
    responses((status = 204, description = "Every user is a member"), Problems)
, security(("bearer" = ["iam.group.write"])))]
#[post("/groups/{group}/users")]
async fn add_members(
    caller: Allowed<authz::GroupWrite>,
    state: State,
    path: web::Path<GroupPath>,
    body: web::Json<Vec<String>>,
) -> Result<HttpResponse, Problem> {
    let group = ident::group(&state.store, &path.group).await?;
    if body.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    let users = ident::users(&state.store, &body).await?;
    change(&state, &caller, group, MemberOp::Add(users)).await
}

/// The users that are direct members of a group, in id order.
#[utoipa::path(tag = "membership", params(GroupPath, PageQuery), responses((status = 200, description = "A page of the group's user members", body = Paged<UserOut>), Problems), security(("bearer" = ["iam.group.read"])))]
#[get("/groups/{group}/users")]
async fn list_members(
    _caller: Allowed<authz::GroupRead>,
    state: State,
    path: web::Path<GroupPath>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let (limit, after) = (paging::limit(q.limit)?, paging::decode(q.cursor.as_deref())?);
    let group = ident::group(&state.store, &path.group).await?;
    let page = state.store.groups().member_users(group, after, limit).await?;
    Ok(HttpResponse::Ok().json(directory::users_page(&state, page).await?))
}

/// The groups a user is in, directly or through nested groups.
#[utoipa::path(tag = "membership", params(UserPath), responses((status = 200, description = "The user's groups", body = Vec<UserGroupOut>), Problems), security(("bearer" = ["iam.user.read"])))]
#[get("/users/{user}/groups")]
async fn user_groups(
    _caller: Allowed<authz::UserRead>,
    state: State,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, Problem> {
    let user = ident::user(&state.store, &path.user).await?;
    let mut groups = state.store.users().groups_of(&[user]).await?;
    let out: Vec<UserGroupOut> = groups
        .remove(&user)
        .unwrap_or_default()
        .into_iter()
        .map(|g| UserGroupOut {
            id: g.id,
            display_name: g.display_name,
            kind: if g.direct { "direct" } else { "indirect" },
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}
