//! **Roles**: list with permissions and holders, **New role**, edit a role's description and
//! permissions, delete it; and, on a group's **Roles** tab, grant a role (always, or on a
//! schedule: time zone, days, hours) and revoke it. As on the admin API, an administrator may
//! put Scimitar's own permissions (`iam.…`) into a role, or grant a role carrying them, only
//! when their own roles carry them.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use uuid::Uuid;

use super::{
    Admin, ConsoleError,
    forms::field,
    groups::ShowQuery,
    page::{self, Chrome},
};
use crate::{
    AppState,
    access::{
        Builtin, Permission,
        schedule::{Schedule, ScheduleSpec, WindowSpec},
    },
    store::{StoreError, roles::Grantee},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/roles", web::get().to(list))
        .route("/roles", web::post().to(create))
        .route("/roles/{id}", web::get().to(show))
        .route("/roles/{id}", web::post().to(update))
        .route("/roles/{id}/delete", web::post().to(delete))
        .route("/groups/{id}/roles", web::post().to(grant))
        .route("/groups/{id}/roles/{role}/revoke", web::post().to(revoke));
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The permissions typed in a text area: one per line (or separated by commas or spaces).
fn permissions(text: &str) -> Result<Vec<String>, String> {
    text.split(['\n', ',', ' ', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            Permission::parse(p)
                .map(|p| p.as_str().to_owned())
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// The first of Scimitar's own permissions in `perms` the administrator does not hold.
fn beyond(admin: &Admin, perms: &[String]) -> Option<String> {
    perms
        .iter()
        .filter_map(|p| Permission::parse(p).ok())
        .find(|p| p.is_scimitars() && !admin.permissions.iter().any(|h| h.covers(p)))
        .map(|p| p.as_str().to_owned())
}

pub struct RoleRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: String,
}

#[derive(Template)]
#[template(path = "console/roles.html")]
struct RolesPage {
    c: Chrome,
    roles: Vec<RoleRow>,
    can_write: bool,
    name: String,
    description: String,
    permissions: String,
    error: Option<String>,
}

async fn render_list(
    admin: &Admin,
    state: &AppState,
    form: (String, String, String),
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let readable = admin.can(Builtin::RoleRead);
    let roles = state
        .store
        .roles()
        .list()
        .await?
        .into_iter()
        .filter(|_| readable)
        .map(|r| RoleRow {
            id: r.id,
            name: r.name,
            description: r.description,
            permissions: r.permissions.join(" "),
        })
        .collect();
    let page = RolesPage {
        c: Chrome::new(admin, "Roles"),
        roles,
        can_write: admin.can(Builtin::RoleWrite),
        name: form.0,
        description: form.1,
        permissions: form.2,
        error,
    };
    Ok(page::html(status, page.render()))
}

async fn list(admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::RoleRead)?;
    render_list(&admin, &state, Default::default(), None, StatusCode::OK).await
}

/// **New role**.
async fn create(admin: Admin, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::RoleWrite)?;
    let form = (
        field(&f, "name").trim().to_owned(),
        field(&f, "description").trim().to_owned(),
        field(&f, "permissions").to_owned(),
    );
    let checked = match permissions(&form.2) {
        _ if form.0.is_empty() || form.0.chars().count() > 200 => {
            Err("A role name has 1 to 200 characters.".to_owned())
        }
        Err(e) => Err(e),
        Ok(perms) => match beyond(&admin, &perms) {
            Some(p) => Err(format!("You cannot put {p} into a role: your roles do not carry it.")),
            None => Ok(perms),
        },
    };
    let perms = match checked {
        Ok(p) => p,
        Err(e) => return render_list(&admin, &state, form, Some(e), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match state
        .store
        .roles()
        .create(&admin.actor(), &form.0, &form.1, &perms)
        .await
    {
        Ok(r) => Ok(page::see_other(&format!("/console/roles/{}", r.id))),
        Err(StoreError::Conflict(why)) => render_list(&admin, &state, form, Some(why), StatusCode::CONFLICT).await,
        Err(e) => Err(e.into()),
    }
}

pub struct Holder {
    pub id: Uuid,
    pub user_name: String,
    pub how: String,
}

#[derive(Template)]
#[template(path = "console/role.html")]
struct RolePage {
    c: Chrome,
    id: Uuid,
    name: String,
    description: String,
    permissions: String,
    holders: Vec<Holder>,
    can_write: bool,
    error: Option<String>,
}

async fn render_role(
    admin: &Admin,
    state: &AppState,
    id: Uuid,
    edit: Option<(String, String)>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let role = state.store.roles().get(id).await?;
    let mut holders: Vec<Holder> = vec![];
    let who = if admin.can(Builtin::RoleRead) {
        state.store.roles().holders(id).await?
    } else {
        vec![]
    };
    for (user, user_name, via) in who {
        let how = via.map_or_else(|| "directly".to_owned(), |(_, g)| format!("through {g}"));
        match holders.last_mut() {
            Some(h) if h.id == user => h.how = format!("{}, {how}", h.how),
            _ => holders.push(Holder {
                id: user,
                user_name,
                how,
            }),
        }
    }
    let (description, permissions) = edit.unwrap_or((role.description, role.permissions.join("\n")));
    let page = RolePage {
        c: Chrome::new(admin, "Roles"),
        id,
        name: role.name,
        description,
        permissions,
        holders,
        can_write: admin.can(Builtin::RoleWrite),
        error,
    };
    Ok(page::html(status, page.render()))
}

fn role_id(raw: &str) -> Result<Uuid, ConsoleError> {
    Uuid::parse_str(raw).map_err(|_| ConsoleError::NotFound)
}

async fn show(admin: Admin, state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::RoleRead)?;
    render_role(&admin, &state, role_id(&path)?, None, None, StatusCode::OK).await
}

/// Saves a role's description and permissions.
async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::RoleWrite)?;
    let id = role_id(&path)?;
    let (description, text) = (
        field(&f, "description").trim().to_owned(),
        field(&f, "permissions").to_owned(),
    );
    let perms = match permissions(&text) {
        Ok(p) => p,
        Err(e) => {
            return render_role(
                &admin,
                &state,
                id,
                Some((description, text)),
                Some(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let current = state.store.roles().get(id).await?;
    if let Some(p) = beyond(&admin, &perms).or_else(|| beyond(&admin, &current.permissions)) {
        let why = format!("You cannot change a role to or from carrying {p}: your roles do not carry it.");
        return render_role(
            &admin,
            &state,
            id,
            Some((description, text)),
            Some(why),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    state
        .store
        .roles()
        .update(&admin.actor(), id, None, Some(&description), Some(&perms))
        .await?;
    Ok(page::see_other(&format!("/console/roles/{id}")))
}

async fn delete(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::RoleWrite)?;
    let id = role_id(&path)?;
    // Deleting a role that makes administrators is for those who hold what it carries.
    if let Some(p) = beyond(&admin, &state.store.roles().get(id).await?.permissions) {
        return Err(ConsoleError::Refused(format!(
            "This role carries {p}, which your roles do not: it is not yours to delete."
        )));
    }
    state.store.roles().delete(&admin.actor(), id).await?;
    Ok(page::see_other("/console/roles"))
}

/// The schedule a grant form describes, if its time zone is filled in.
/// Weekly windows the grant form offers.
pub const WINDOWS: usize = 3;

fn schedule_of(f: &[(String, String)]) -> Result<Option<ScheduleSpec>, String> {
    let tz = field(f, "time_zone").trim();
    if tz.is_empty() {
        return Ok(None);
    }
    // Up to WINDOWS weekly windows: fields `day`, `from`, `to`, then `day2`, `from2`, `to2`…
    // The first is always read (so a schedule without days is reported); a later one only
    // when any of its fields is filled in.
    let mut weekly = vec![];
    for n in 1..=WINDOWS {
        let suffix = if n == 1 { String::new() } else { n.to_string() };
        let days: Vec<String> = f
            .iter()
            .filter(|(k, v)| *k == format!("day{suffix}") && DAYS.contains(&v.as_str()))
            .map(|(_, v)| v.clone())
            .collect();
        let from = field(f, &format!("from{suffix}")).trim().to_owned();
        let to = field(f, &format!("to{suffix}")).trim().to_owned();
        if n == 1 || !days.is_empty() || !from.is_empty() || !to.is_empty() {
            weekly.push(WindowSpec { days, from, to });
        }
    }
    let spec = ScheduleSpec {
        time_zone: tz.to_owned(),
        weekly,
        from_date: Some(field(f, "from_date").trim().to_owned()).filter(|d| !d.is_empty()),
        until_date: Some(field(f, "until_date").trim().to_owned()).filter(|d| !d.is_empty()),
    };
    Schedule::parse(&spec).map_err(|e| e.to_string())?;
    Ok(Some(spec))
}

/// Grants a role to the group, always or on the schedule the form describes.
async fn grant(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::RoleWrite)?;
    // The answer is the group's page.
    admin.require(Builtin::GroupRead)?;
    let group = Uuid::parse_str(&path).map_err(|_| ConsoleError::NotFound)?;
    state.store.groups().get(group).await?;
    let role = role_id(field(&f, "role")).map_err(|_| ConsoleError::BadRequest("Choose a role.".into()))?;
    let refuse = |why: String, status: StatusCode| {
        let q = ShowQuery {
            tab: Some("roles".into()),
            ..Default::default()
        };
        super::groups::render(&admin, &state, group, q, Some(why), status)
    };
    let schedule = match schedule_of(&f) {
        Ok(s) => s,
        Err(why) => return refuse(why, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let r = state.store.roles().get(role).await?;
    if let Some(p) = beyond(&admin, &r.permissions) {
        let why = format!("You cannot grant {}: it carries {p}, which your roles do not.", r.name);
        return refuse(why, StatusCode::FORBIDDEN).await;
    }
    state
        .store
        .roles()
        .grant(&admin.actor(), Grantee::Group(group), role, schedule.as_ref())
        .await?;
    Ok(page::see_other(&format!("/console/groups/{group}?tab=roles&granted=1")))
}

async fn revoke(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::RoleWrite)?;
    let group = Uuid::parse_str(&path.0).map_err(|_| ConsoleError::NotFound)?;
    let role = role_id(&path.1)?;
    if let Some(p) = beyond(&admin, &state.store.roles().get(role).await?.permissions) {
        return Err(ConsoleError::Refused(format!(
            "This role carries {p}, which your roles do not: it is not yours to revoke."
        )));
    }
    state
        .store
        .roles()
        .revoke(&admin.actor(), Grantee::Group(group), role)
        .await?;
    Ok(page::see_other(&format!("/console/groups/{group}?tab=roles&revoked=1")))
}
