//! Users in the console: search by userName, name or email with an active filter, and each
//! user's page — profile; groups, direct and through nesting with the chain; effective
//! permissions with their sources; applications last accessed; **Sign out everywhere**;
//! **Deactivate** / **Reactivate**; **Set password**. Writes go through the SCIM service code
//! (validation, password policy, escalation checks, audit) like the admin API's.
use std::collections::HashMap;

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::DateTime;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    Admin, ConsoleError,
    forms::field,
    page::{self, Chrome, when},
};
use crate::{
    AppState,
    access::{Builtin, effective},
    scim::service::users as scim_users,
    store::sign_ins::SignInKind,
};

type State = web::Data<AppState>;

const PAGE: u64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users/rows", web::get().to(rows))
        .route("/users/{id}", web::get().to(show))
        .route("/users/{id}/sign-out-everywhere", web::post().to(sign_out_everywhere))
        .route("/users/{id}/active", web::post().to(set_active))
        .route("/users/{id}/password", web::post().to(set_password))
        .route("/users/{id}/delete", web::get().to(confirm_delete))
        .route("/users/{id}/delete", web::post().to(delete));
}

fn user_id(raw: &str) -> Result<Uuid, ConsoleError> {
    Uuid::parse_str(raw).map_err(|_| ConsoleError::NotFound)
}

/// The active filter: all users, only active ones, only deactivated ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ActiveFilter {
    All,
    Active,
    Inactive,
}

impl ActiveFilter {
    fn parse(s: &str) -> ActiveFilter {
        match s {
            "active" => ActiveFilter::Active,
            "inactive" => ActiveFilter::Inactive,
            _ => ActiveFilter::All,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ActiveFilter::All => "all",
            ActiveFilter::Active => "active",
            ActiveFilter::Inactive => "inactive",
        }
    }

    fn wanted(self) -> Option<bool> {
        match self {
            ActiveFilter::All => None,
            ActiveFilter::Active => Some(true),
            ActiveFilter::Inactive => Some(false),
        }
    }
}

pub struct UserRow {
    pub id: Uuid,
    pub user_name: String,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "console/user_rows.html")]
struct Rows {
    users: Vec<UserRow>,
    q: String,
    active: &'static str,
    next: Option<String>,
    total: u64,
    counted: bool,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    c: Chrome,
    rows: Rows,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    active: String,
    cursor: Option<Uuid>,
    deleted: Option<u8>,
}

async fn user_rows(state: &AppState, q: &SearchQuery) -> Result<Rows, ConsoleError> {
    let filter = ActiveFilter::parse(&q.active);
    let page = state
        .store
        .users()
        // Counting every substring match would scan the table a second time: the count is
        // shown only for the unfiltered list.
        .search_where(Some(q.q.trim()), filter.wanted(), q.cursor, PAGE, q.q.trim().is_empty())
        .await?;
    let ids: Vec<Uuid> = page.items.iter().map(|u| u.id).collect();
    let mut emails = state.store.users().emails_of(&ids).await?;
    Ok(Rows {
        users: page
            .items
            .into_iter()
            .map(|u| UserRow {
                email: emails
                    .remove(&u.id)
                    .and_then(|e| e.into_iter().next())
                    .unwrap_or_default(),
                id: u.id,
                display_name: u.display_name.unwrap_or_default(),
                active: u.active,
                last_login: when(u.last_login),
                user_name: u.user_name,
            })
            .collect(),
        q: q.q.clone(),
        active: filter.as_str(),
        next: page.next.map(|n| n.to_string()),
        total: page.total,
        counted: q.q.trim().is_empty(),
    })
}

async fn list(admin: Admin, state: State, q: web::Query<SearchQuery>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::UserRead)?;
    let page = UsersPage {
        c: Chrome::new(&admin, "Users"),
        rows: user_rows(&state, &q).await?,
        notice: q.deleted.map(|_| "User deleted."),
    };
    Ok(page::html(StatusCode::OK, page.render()))
}

async fn rows(admin: Admin, state: State, q: web::Query<SearchQuery>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::UserRead)?;
    Ok(page::html(StatusCode::OK, user_rows(&state, &q).await?.render()))
}

pub struct GroupLine {
    pub id: Uuid,
    pub name: String,
    pub direct: bool,
    /// For an inherited group: the groups from the user's own group up to it.
    pub via: String,
}

pub struct PermissionLine {
    pub permission: String,
    pub sources: Vec<String>,
}

pub struct SessionLine {
    pub kind: String,
    pub started: String,
    pub ends: String,
}

pub struct AppLine {
    pub name: String,
    pub last: String,
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage {
    c: Chrome,
    id: Uuid,
    user_name: String,
    display_name: String,
    emails: Vec<String>,
    active: bool,
    created: String,
    last_login: String,
    groups: Vec<GroupLine>,
    permissions: Vec<PermissionLine>,
    apps: Vec<AppLine>,
    sessions: Vec<SessionLine>,
    can_write: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct ShowQuery {
    notice: Option<String>,
}

async fn show(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::UserRead)?;
    let id = user_id(&path)?;
    let notice = match q.notice.as_deref() {
        Some("signed-out") => Some("Signed out everywhere: sessions ended, tokens revoked.".to_owned()),
        Some("deactivated") => Some("Deactivated: the user can no longer sign in.".to_owned()),
        Some("reactivated") => Some("Reactivated.".to_owned()),
        Some("password") => Some("Password set. The user's sessions and tokens were ended.".to_owned()),
        _ => None,
    };
    render(&admin, &state, id, notice, None, StatusCode::OK).await
}

async fn render(
    admin: &Admin,
    state: &AppState,
    id: Uuid,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let store = &state.store;
    let user = store.users().get(id).await?;
    let emails = store.users().emails_of(&[id]).await?.remove(&id).unwrap_or_default();
    let now = store.now_us();
    let m = effective::Memberships::load(store, id, now).await?;
    let chains = m.chains();
    let names: HashMap<Uuid, String> = m.groups.iter().map(|g| (g.id, g.display_name.clone())).collect();
    let mut groups: Vec<GroupLine> = m
        .groups
        .iter()
        .map(|g| GroupLine {
            id: g.id,
            name: g.display_name.clone(),
            direct: g.direct,
            via: chains
                .get(&g.id)
                .map(|c| {
                    c.iter()
                        .take(c.len().saturating_sub(1))
                        .filter_map(|x| names.get(x).cloned())
                        .collect::<Vec<_>>()
                        .join(" \u{2192} ")
                })
                .unwrap_or_default(),
        })
        .collect();
    groups.sort_by_key(|g| (!g.direct, g.name.to_lowercase()));
    let permissions = effective::effective(store, id, now)
        .await?
        .into_iter()
        .map(|h| PermissionLine {
            permission: h.permission,
            sources: h
                .sources
                .into_iter()
                .map(|s| match s.group {
                    None => format!("role {} (granted directly)", s.role),
                    Some(_) => {
                        let chain: Vec<String> = s.chain.into_iter().map(|c| c.display_name).collect();
                        let scheduled = if s.schedule.is_some() { ", on a schedule" } else { "" };
                        format!("role {} through {}{scheduled}", s.role, chain.join(" \u{2192} "))
                    }
                })
                .collect(),
        })
        .collect();
    let clients: HashMap<String, String> = store
        .clients()
        .list()
        .await?
        .into_iter()
        .map(|c| (c.client_id, c.name))
        .collect();
    let mut apps: Vec<AppLine> = store
        .last_access(&[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(client, t)| {
            Some(AppLine {
                name: clients.get(&client)?.clone(),
                last: when(DateTime::from_timestamp_micros(t)),
            })
        })
        .collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    let sessions = store
        .sign_ins(id)
        .await?
        .into_iter()
        .map(|s| SessionLine {
            kind: match s.kind {
                SignInKind::Browser => "Browser sign-in (single sign-on)".into(),
                SignInKind::Console => "Admin console".into(),
                SignInKind::Application => {
                    let client = s.client_id.unwrap_or_default();
                    format!("Application {}", clients.get(&client).unwrap_or(&client))
                }
            },
            started: when(s.auth_time),
            ends: when(s.expires_at),
        })
        .collect();
    let page = UserPage {
        c: Chrome::new(admin, "Users"),
        id,
        user_name: user.user_name,
        display_name: user.display_name.unwrap_or_default(),
        emails,
        active: user.active,
        created: when(Some(user.created)),
        last_login: when(user.last_login),
        groups,
        permissions,
        apps,
        sessions,
        can_write: admin.can(Builtin::UserWrite),
        notice,
        error,
    };
    Ok(page::html(status, page.render()))
}

/// **Sign out everywhere**: login sessions, console sessions, refresh tokens and their access
/// tokens end now.
async fn sign_out_everywhere(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::UserWrite)?;
    let id = user_id(&path)?;
    state.store.users().sign_out_everywhere(&admin.actor(), id).await?;
    Ok(page::see_other(&format!("/console/users/{id}?notice=signed-out")))
}

/// **Deactivate** / **Reactivate** (a SCIM `active` change: deactivation ends the user's
/// sign-ins, as when a provisioning client does it).
async fn set_active(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::UserWrite)?;
    let id = user_id(&path)?;
    let active = match field(&f, "active") {
        "true" => true,
        "false" => false,
        _ => return Err(ConsoleError::BadRequest("Say whether the user is active.".into())),
    };
    patch(
        &admin,
        &state,
        id,
        json!({"op": "replace", "path": "active", "value": active}),
    )
    .await?;
    let notice = if active { "reactivated" } else { "deactivated" };
    Ok(page::see_other(&format!("/console/users/{id}?notice={notice}")))
}

/// **Set password** (the password policy and the escalation rule of the admin API apply; a
/// refusal comes back on the page).
async fn set_password(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::UserWrite)?;
    let id = user_id(&path)?;
    let password = field(&f, "password");
    if password != field(&f, "password_again") {
        return render(
            &admin,
            &state,
            id,
            None,
            Some("The two passwords differ.".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match patch(
        &admin,
        &state,
        id,
        json!({"op": "replace", "path": "password", "value": password}),
    )
    .await
    {
        Ok(()) => Ok(page::see_other(&format!("/console/users/{id}?notice=password"))),
        Err(ConsoleError::BadRequest(why)) => {
            render(&admin, &state, id, None, Some(why), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn patch(admin: &Admin, state: &AppState, id: Uuid, op: serde_json::Value) -> Result<(), ConsoleError> {
    let ops = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [op],
    });
    scim_users::patch(state, &admin.actor(), id, None, ops).await?;
    Ok(())
}

/// **Delete user**, first step: what goes with the user.
async fn confirm_delete(admin: Admin, state: State, path: web::Path<String>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::UserWrite)?;
    let id = user_id(&path)?;
    let user = state.store.users().get(id).await?;
    let lines = [
        format!(
            "{} is deleted with their memberships, their direct role grants, their sessions and their tokens.",
            user.user_name
        ),
        "Provisioning clients get 404 for the user from now on; this cannot be undone.".to_owned(),
        "To keep the account and its history but stop every sign-in, deactivate it instead.".to_owned(),
    ];
    Ok(page::confirm(
        Chrome::new(&admin, "Users"),
        &format!("Delete {}?", user.user_name),
        &lines,
        &format!("/console/users/{id}/delete"),
        "Delete user",
        &format!("/console/users/{id}"),
    ))
}

/// **Delete user**, confirmed (the SCIM DELETE's service code: audited, memberships with it).
/// Administrators do not delete themselves here: another administrator must.
async fn delete(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::UserWrite)?;
    let id = user_id(&path)?;
    if id == admin.user_id {
        return Err(ConsoleError::Refused(
            "You cannot delete your own account: another administrator must.".into(),
        ));
    }
    scim_users::delete(&state, &admin.actor(), id, None).await?;
    Ok(page::see_other("/console/users?deleted=1"))
}
