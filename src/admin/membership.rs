//! Who is in which group: add, add many, remove, list members, list a user's groups.
//! Every change goes through `groups().modify`: locked, versioned and audited (source `admin`).
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
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
    store::{audit::Source, groups::MemberOp, members::Window},
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

impl PageQuery {
    /// The page size and the id to continue after.
    pub fn parts(&self) -> Result<(u64, Option<Uuid>), Problem> {
        Ok((paging::limit(self.limit)?, paging::decode(self.cursor.as_deref())?))
    }
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
    /// A direct membership's end, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
}

/// The optional body of `PUT /groups/{group}/users/{user}`: when the membership is in effect.
/// Without a body (or with neither field) it is in effect from now, for good.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MembershipWindow {
    /// When the membership starts (RFC 3339); absent: now. Until then it grants nothing and
    /// shows nowhere.
    #[schema(example = "2026-12-01T09:00:00Z")]
    valid_from: Option<DateTime<Utc>>,
    /// When it ends (RFC 3339), which must be in the future; absent: never. At that instant the
    /// user is out of the group everywhere: tokens, SCIM, effective permissions.
    #[schema(example = "2026-12-31T18:00:00+01:00")]
    expires_at: Option<DateTime<Utc>>,
}

impl MembershipWindow {
    /// Parses the optional body; checks the bounds against `now`.
    fn parse(body: &[u8], now: DateTime<Utc>) -> Result<Window, Problem> {
        let w: MembershipWindow = if body.iter().all(u8::is_ascii_whitespace) {
            MembershipWindow::default()
        } else {
            serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("the membership body: {e}")))?
        };
        if let Some(end) = w.expires_at {
            if end <= now {
                return Err(Problem::bad_request("\"expires_at\" must be in the future"));
            }
            if w.valid_from.is_some_and(|start| start >= end) {
                return Err(Problem::bad_request("\"valid_from\" must be before \"expires_at\""));
            }
        }
        Ok(Window {
            // A start already passed is the same as none.
            valid_from_us: w.valid_from.filter(|t| *t > now).map(|t| t.timestamp_micros()),
            expires_at_us: w.expires_at.map(|t| t.timestamp_micros()),
        })
    }
}

/// A user member of a group: the user, and the membership's window when it has one.
#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    #[serde(flatten)]
    user: UserOut,
    /// When the membership ends, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
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

/// Makes a user a member of a group — for good, or within the window the optional body
/// gives (`expires_at`, `valid_from`). A PUT: the membership then has exactly that window (no
/// body on a time-bound membership makes it permanent). Putting what is already there is a
/// 204 too (and writes nothing, so the group's version and ETag stay).
#[utoipa::path(tag = "membership", params(GroupUser), request_body(content = Option<MembershipWindow>, content_type = "application/json"), responses((status = 204, description = "The user is a member"), Problems), security(("bearer" = ["iam.group.write"])))]
#[put("/groups/{group}/users/{user}")]
async fn put_member(
    caller: Allowed<authz::GroupWrite>,
    state: State,
    path: web::Path<GroupUser>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let window = MembershipWindow::parse(&body, state.store.clock().now())?;
    let group = ident::group(&state.store, &path.group).await?;
    let user = ident::user(&state.store, &path.user).await?;
    if state.store.groups().membership(group, user).await? == Some(window) {
        return Ok(HttpResponse::NoContent().finish());
    }
    change(&state, &caller, group, MemberOp::Put(user, window)).await
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

/// The users that are direct members of a group now, in id order, each with the end of its
/// membership when it has one.
#[utoipa::path(tag = "membership", params(GroupPath, PageQuery), responses((status = 200, description = "A page of the group's user members", body = Paged<MemberOut>), Problems), security(("bearer" = ["iam.group.read"])))]
#[get("/groups/{group}/users")]
async fn list_members(
    _caller: Allowed<authz::GroupRead>,
    state: State,
    path: web::Path<GroupPath>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, Problem> {
    let (limit, after) = q.parts()?;
    let group = ident::group(&state.store, &path.group).await?;
    let page = state.store.groups().member_users(group, after, limit).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|u| u.id).collect();
    let mut windows = state.store.groups().windows(group, &ids).await?;
    let users = directory::users_page(&state, page).await?;
    Ok(HttpResponse::Ok().json(users.map(|u| MemberOut {
        expires_at: windows.remove(&u.id()).and_then(|w| w.expires_at()),
        user: u,
    })))
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
    let ends = state.store.users().direct_ends(user).await?;
    let out: Vec<UserGroupOut> = groups
        .remove(&user)
        .unwrap_or_default()
        .into_iter()
        .map(|g| UserGroupOut {
            id: g.id,
            display_name: g.display_name,
            kind: if g.direct { "direct" } else { "indirect" },
            expires_at: ends.get(&g.id).copied().filter(|_| g.direct),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}
