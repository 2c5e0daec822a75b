//! Roles and what they grant: create/read/update/delete roles, grant them to groups and
//! directly to users, and ask what a user holds and why (`/users/{user}/permissions`).
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    authz::{self, Allowed},
    ident,
    openapi::Problems,
    problem::Problem,
};
use crate::{
    AppState,
    access::{
        Permission,
        effective::{self, Held, Source},
        schedule::ScheduleSpec,
    },
    auth::Principal,
    store::{
        audit::Source as AuditSource,
        roles::{Grantee, Role},
    },
};

type State = web::Data<AppState>;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_roles)
        .service(group_roles)
        .service(create_role)
        .service(get_role)
        .service(update_role)
        .service(delete_role)
        .service(grant_group)
        .service(revoke_group)
        .service(grant_user)
        .service(revoke_user)
        .service(role_holders)
        .service(user_permissions)
        .service(user_permission);
}

/// A role: a named set of permissions.
#[derive(Serialize, ToSchema)]
pub struct RoleOut {
    id: Uuid,
    name: String,
    description: String,
    /// Dot-separated permissions; a last segment `*` covers everything below it.
    #[schema(example = json!(["wiki.page.edit", "wiki.*"]))]
    permissions: Vec<String>,
}

impl From<Role> for RoleOut {
    fn from(r: Role) -> Self {
        RoleOut {
            id: r.id,
            name: r.name,
            description: r.description,
            permissions: r.permissions,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewRole {
    /// Unique, ignoring case.
    #[schema(example = "editor")]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    permissions: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RoleChange {
    name: Option<String>,
    description: Option<String>,
    /// Replaces the role's permissions.
    permissions: Option<Vec<String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RolePath {
    /// Role id, or its name (case-insensitive).
    role: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupRolePath {
    /// Group id, or its display name (case-insensitive).
    group: String,
    /// Role id, or its name (case-insensitive).
    role: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserRolePath {
    /// User id, userName (case-insensitive) or email.
    user: String,
    /// Role id, or its name (case-insensitive).
    role: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupPath {
    /// Group id, or its display name (case-insensitive).
    group: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// User id, userName (case-insensitive) or email.
    user: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPermissionPath {
    /// User id, userName (case-insensitive) or email.
    user: String,
    /// A permission, e.g. `wiki.page.edit`.
    permission: String,
}

/// The instant a question is about.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtQuery {
    /// RFC 3339; absent: now. Memberships in effect and scheduled grants active at that
    /// instant count (memberships as they are stored now: one already expired and swept is
    /// not brought back for a past instant).
    #[param(example = "2026-12-07T09:30:00+01:00")]
    at: Option<DateTime<Utc>>,
}

impl AtQuery {
    fn micros(&self, state: &AppState) -> i64 {
        self.at.map_or_else(|| state.store.now_us(), |t| t.timestamp_micros())
    }
}

/// An optional body of a grant: when the role applies.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// Only for a grant to a group: the role applies while the schedule is active (evaluated
    /// at each token, refresh, userinfo and introspection). Absent: always. Granting again
    /// replaces the schedule (or removes it).
    schedule: Option<ScheduleSpec>,
}

impl GrantBody {
    fn parse(body: &[u8]) -> Result<GrantBody, Problem> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(GrantBody::default());
        }
        serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("the grant body: {e}")))
    }
}

/// A role granted to a group.
#[derive(Serialize, ToSchema)]
pub struct GroupRoleOut {
    id: Uuid,
    name: String,
    /// When it applies, if only at times.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ScheduleSpec>)]
    schedule: Option<serde_json::Value>,
}

/// Everything a user holds.
#[derive(Serialize, ToSchema)]
pub struct PermissionsOut {
    permissions: Vec<Held>,
}

/// Whether a user holds one permission, and through what.
#[derive(Serialize, ToSchema)]
pub struct PermissionCheck {
    permission: String,
    held: bool,
    sources: Vec<Source>,
}

async fn role(state: &AppState, ident: &str) -> Result<Uuid, Problem> {
    state
        .store
        .roles()
        .resolve(ident)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no role with id or name {ident:?}")))
}

fn permissions(list: &[String]) -> Result<Vec<String>, Problem> {
    list.iter()
        .map(|p| {
            Permission::parse(p)
                .map(|p| p.as_str().to_owned())
                .map_err(|e| Problem::bad_request(e.to_string()))
        })
        .collect()
}

/// No escalation through roles: a caller may put Scimitar's own permissions (`iam.…`, `*`)
/// into a role, or grant a role carrying them, only when it holds them itself. (Other
/// permissions belong to applications; Scimitar's tokens do not hold them.)
fn within_caller(caller: &Principal, perms: &[String], doing: &str) -> Result<(), Problem> {
    for p in perms {
        let Ok(parsed) = Permission::parse(p) else { continue };
        if parsed.is_scimitars() && !caller.grants.allows(&parsed) {
            return Err(Problem::missing_permission(parsed.as_str(), doing));
        }
    }
    Ok(())
}

fn role_name(name: &str) -> Result<&str, Problem> {
    let n = name.trim();
    if n.is_empty() || n.len() > 200 {
        return Err(Problem::bad_request("\"name\" must be 1 to 200 characters"));
    }
    Ok(n)
}

/// Every role.
#[utoipa::path(tag = "roles", responses((status = 200, description = "Every role", body = Vec<RoleOut>), Problems), security(("bearer" = ["iam.role.read"])))]
#[get("/roles")]
async fn list_roles(_caller: Allowed<authz::RoleRead>, state: State) -> Result<HttpResponse, Problem> {
    let roles: Vec<RoleOut> = state.store.roles().list().await?.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(roles))
}

/// Creates a role.
#[utoipa::path(tag = "roles", request_body = NewRole, responses((status = 201, description = "The role", body = RoleOut), Problems), security(("bearer" = ["iam.role.write"])))]
#[post("/roles")]
async fn create_role(
    caller: Allowed<authz::RoleWrite>,
    state: State,
    body: web::Json<NewRole>,
) -> Result<HttpResponse, Problem> {
    let name = role_name(&body.name)?;
    let perms = permissions(&body.permissions)?;
    within_caller(&caller, &perms, "creating a role that carries it")?;
    let actor = caller.actor(AuditSource::Admin);
    let r = state
        .store
        .roles()
        .create(&actor, name, &body.description, &perms)
        .await?;
    Ok(HttpResponse::Created().json(RoleOut::from(r)))
}

/// One role.
#[utoipa::path(tag = "roles", params(RolePath), responses((status = 200, description = "The role", body = RoleOut), Problems), security(("bearer" = ["iam.role.read"])))]
#[get("/roles/{role}")]
async fn get_role(
    _caller: Allowed<authz::RoleRead>,
    state: State,
    path: web::Path<RolePath>,
) -> Result<HttpResponse, Problem> {
    let id = role(&state, &path.role).await?;
    Ok(HttpResponse::Ok().json(RoleOut::from(state.store.roles().get(id).await?)))
}

/// Changes a role's name, description or permissions (the ones given).
#[utoipa::path(tag = "roles", params(RolePath), request_body = RoleChange, responses((status = 200, description = "The role", body = RoleOut), Problems), security(("bearer" = ["iam.role.write"])))]
#[patch("/roles/{role}")]
async fn update_role(
    caller: Allowed<authz::RoleWrite>,
    state: State,
    path: web::Path<RolePath>,
    body: web::Json<RoleChange>,
) -> Result<HttpResponse, Problem> {
    let id = role(&state, &path.role).await?;
    let name = body.name.as_deref().map(role_name).transpose()?;
    let perms = body.permissions.as_deref().map(permissions).transpose()?;
    if let Some(perms) = &perms {
        within_caller(&caller, perms, "giving a role")?;
        // Taking Scimitar's permissions out of a role is for those who hold them too: a
        // narrow caller must not be able to strip the administrators.
        within_caller(
            &caller,
            &state.store.roles().get(id).await?.permissions,
            "changing a role that carries it",
        )?;
    }
    let actor = caller.actor(AuditSource::Admin);
    let r = state
        .store
        .roles()
        .update(&actor, id, name, body.description.as_deref(), perms.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(RoleOut::from(r)))
}

/// Deletes a role and every grant of it.
#[utoipa::path(tag = "roles", params(RolePath), responses((status = 204, description = "Deleted"), Problems), security(("bearer" = ["iam.role.write"])))]
#[delete("/roles/{role}")]
async fn delete_role(
    caller: Allowed<authz::RoleWrite>,
    state: State,
    path: web::Path<RolePath>,
) -> Result<HttpResponse, Problem> {
    let id = role(&state, &path.role).await?;
    within_caller(
        &caller,
        &state.store.roles().get(id).await?.permissions,
        "deleting a role that carries it",
    )?;
    state
        .store
        .roles()
        .delete(&caller.actor(AuditSource::Admin), id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A change to a grant.
enum Change {
    Grant(Option<ScheduleSpec>),
    Revoke,
}

async fn change(
    state: &AppState,
    caller: &Principal,
    to: Grantee,
    role: Uuid,
    change: Change,
) -> Result<HttpResponse, Problem> {
    let actor = caller.actor(AuditSource::Admin);
    let roles = state.store.roles();
    match change {
        Change::Grant(schedule) => {
            within_caller(
                caller,
                &roles.get(role).await?.permissions,
                "granting a role that carries it",
            )?;
            roles.grant(&actor, to, role, schedule.as_ref()).await?;
        }
        Change::Revoke => {
            within_caller(
                caller,
                &roles.get(role).await?.permissions,
                "revoking a role that carries it",
            )?;
            roles.revoke(&actor, to, role).await?;
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The roles granted to a group (not those of enclosing groups), with their schedules.
#[utoipa::path(tag = "roles", params(GroupPath), responses((status = 200, description = "The group's roles, by name", body = Vec<GroupRoleOut>), Problems), security(("bearer" = ["iam.role.read"])))]
#[get("/groups/{group}/roles")]
async fn group_roles(
    _caller: Allowed<authz::RoleRead>,
    state: State,
    path: web::Path<GroupPath>,
) -> Result<HttpResponse, Problem> {
    let group = ident::group(&state.store, &path.group).await?;
    let out: Vec<GroupRoleOut> = state
        .store
        .roles()
        .of_group(group)
        .await?
        .into_iter()
        .map(|g| GroupRoleOut {
            id: g.role,
            name: g.role_name,
            schedule: g.schedule,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Grants a role to a group: its members, direct and nested, hold its permissions — always,
/// or while the body's schedule is active.
#[utoipa::path(tag = "roles", params(GroupRolePath), request_body(content = Option<GrantBody>, content_type = "application/json"), responses((status = 204, description = "Granted (again: 204 too)"), Problems), security(("bearer" = ["iam.role.write"])))]
#[put("/groups/{group}/roles/{role}")]
async fn grant_group(
    caller: Allowed<authz::RoleWrite>,
    state: State,
    path: web::Path<GroupRolePath>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let body = GrantBody::parse(&body)?;
    let group = ident::group(&state.store, &path.group).await?;
    let r = role(&state, &path.role).await?;
    change(&state, &caller, Grantee::Group(group), r, Change::Grant(body.schedule)).await
}

/// Takes a role from a group.
#[utoipa::path(tag = "roles", params(GroupRolePath), responses((status = 204, description = "Not granted (any more)"), Problems), security(("bearer" = ["iam.role.write"])))]
#[delete("/groups/{group}/roles/{role}")]
async fn revoke_group(
    caller: Allowed<authz::RoleWrite>,
    state: State,
    path: web::Path<GroupRolePath>,
) -> Result<HttpResponse, Problem> {
    let group = ident::group(&state.store, &path.group).await?;
    let r = role(&state, &path.role).await?;
    change(&state, &caller, Grantee::Group(group), r, Change::Revoke).await
}

/// Grants a role directly to a user.
#[utoipa::path(tag = "roles", params(UserRolePath), request_body(content = Option<GrantBody>, content_type = "application/json", description = "No schedule: schedules go with group grants"), responses((status = 204, description = "Granted (again: 204 too)"), Problems), security(("bearer" = ["iam.role.write"])))]
#[put("/users/{user}/roles/{role}")]
async fn grant_user(
    caller: Allowed<authz::RoleWrite>,
    state: State,
    path: web::Path<UserRolePath>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    // A body is only accepted to say plainly that schedules go with group grants.
    let body = GrantBody::parse(&body)?;
    let user = ident::user(&state.store, &path.user).await?;
    let r = role(&state, &path.role).await?;
    change(&state, &caller, Grantee::User(user), r, Change::Grant(body.schedule)).await
}

/// Takes a directly granted role from a user (roles held through groups stay).
#[utoipa::path(tag = "roles", params(UserRolePath), responses((status = 204, description = "Not granted directly (any more)"), Problems), security(("bearer" = ["iam.role.write"])))]
#[delete("/users/{user}/roles/{role}")]
async fn revoke_user(
    caller: Allowed<authz::RoleWrite>,
    state: State,
    path: web::Path<UserRolePath>,
) -> Result<HttpResponse, Problem> {
    let user = ident::user(&state.store, &path.user).await?;
    let r = role(&state, &path.role).await?;
    change(&state, &caller, Grantee::User(user), r, Change::Revoke).await
}

/// A user who holds a role, and how: directly and/or through groups it is granted to.
#[derive(Serialize, ToSchema)]
pub struct Holder {
    id: Uuid,
    #[serde(rename = "userName")]
    user_name: String,
    /// Granted to the user directly.
    direct: bool,
    /// The groups the role is granted to that the user is in (directly or nested).
    groups: Vec<effective::GroupRef>,
}

/// Who holds a role, and how.
#[utoipa::path(tag = "roles", params(RolePath), responses((status = 200, description = "The role's holders", body = Vec<Holder>), Problems), security(("bearer" = ["iam.role.read"])))]
#[get("/roles/{role}/users")]
async fn role_holders(
    _caller: Allowed<authz::RoleRead>,
    state: State,
    path: web::Path<RolePath>,
) -> Result<HttpResponse, Problem> {
    let id = role(&state, &path.role).await?;
    let mut out: Vec<Holder> = vec![];
    for (user, user_name, via) in state.store.roles().holders(id).await? {
        if out.last().is_none_or(|h| h.id != user) {
            out.push(Holder {
                id: user,
                user_name,
                direct: false,
                groups: vec![],
            });
        }
        let h = out.last_mut().expect("just pushed");
        match via {
            None => h.direct = true,
            Some((id, display_name)) => h.groups.push(effective::GroupRef { id, display_name }),
        }
    }
    Ok(HttpResponse::Ok().json(out))
}

/// Everything a user holds (now, or at `at`), each permission with its sources.
#[utoipa::path(tag = "roles", params(UserPath, AtQuery), responses((status = 200, description = "Effective permissions", body = PermissionsOut), Problems), security(("bearer" = ["iam.user.read"])))]
#[get("/users/{user}/permissions")]
async fn user_permissions(
    _caller: Allowed<authz::UserRead>,
    state: State,
    path: web::Path<UserPath>,
    query: web::Query<AtQuery>,
) -> Result<HttpResponse, Problem> {
    let user = ident::user(&state.store, &path.user).await?;
    let permissions = effective::effective(&state.store, user, query.micros(&state)).await?;
    Ok(HttpResponse::Ok().json(PermissionsOut { permissions }))
}

/// Does the user hold this permission (now, or at `at`), and through what? Wildcard grants
/// count.
#[utoipa::path(tag = "roles", params(UserPermissionPath, AtQuery), responses((status = 200, description = "Held or not, with the sources", body = PermissionCheck), Problems), security(("bearer" = ["iam.user.read"])))]
#[get("/users/{user}/permissions/{permission}")]
async fn user_permission(
    _caller: Allowed<authz::UserRead>,
    state: State,
    path: web::Path<UserPermissionPath>,
    query: web::Query<AtQuery>,
) -> Result<HttpResponse, Problem> {
    let user = ident::user(&state.store, &path.user).await?;
    let wanted = Permission::parse(&path.permission).map_err(|e| Problem::bad_request(e.to_string()))?;
    let sources = effective::check(&state.store, user, &wanted, query.micros(&state)).await?;
    Ok(HttpResponse::Ok().json(PermissionCheck {
        permission: wanted.as_str().to_owned(),
        held: !sources.is_empty(),
        sources,
    }))
}
