//! Groups in the console (seeds 000, 001, 002): search-as-you-type list with member counts,
//! **New group** (a duplicate name is reported inline), and each group's page with the tabs
//! **Users** (members with last sign-in and last access per application; **Add users** in a
//! dialog with search and check boxes; **Remove users** after a confirmation of what each
//! user loses), **Roles**, **Nested groups** and **Activity**.
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::DateTime;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Admin, ConsoleError,
    forms::{checked_users, field, local_instant},
    page::{self, Chrome, when},
};
use crate::{
    AppState,
    access::{Builtin, effective},
    store::{
        StoreError,
        audit::AuditQuery,
        groups::{GroupData, MemberOp},
        members::Window,
    },
};

type State = web::Data<AppState>;

/// Rows per page of a list.
const PAGE: u64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/groups", web::get().to(list))
        .route("/groups", web::post().to(create))
        .route("/groups/rows", web::get().to(rows))
        .route("/groups/{id}", web::get().to(show))
        .route("/groups/{id}/candidates", web::get().to(candidates))
        .route("/groups/{id}/add", web::post().to(add))
        .route("/groups/{id}/window", web::post().to(set_end))
        .route("/groups/{id}/nested", web::post().to(nest))
        .route("/groups/{id}/nested/remove", web::post().to(unnest))
        .route("/groups/{id}/delete", web::get().to(confirm_delete))
        .route("/groups/{id}/delete", web::post().to(delete))
        .route("/groups/{id}/remove", web::post().to(confirm_remove))
        .route("/groups/{id}/remove/confirm", web::post().to(remove));
}

fn group_id(raw: &str) -> Result<Uuid, ConsoleError> {
    Uuid::parse_str(raw).map_err(|_| ConsoleError::NotFound)
}

fn when_us(us: Option<i64>) -> String {
    when(us.and_then(DateTime::from_timestamp_micros))
}

pub struct GroupRow {
    pub id: Uuid,
    pub name: String,
    pub members: i64,
}

#[derive(Template)]
#[template(path = "console/group_rows.html")]
struct Rows {
    groups: Vec<GroupRow>,
    q: String,
    next: Option<String>,
    total: u64,
}

#[derive(Template)]
#[template(path = "console/groups.html")]
struct GroupsPage {
    c: Chrome,
    rows: Rows,
    can_write: bool,
    new_name: String,
    new_users: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    cursor: Option<Uuid>,
    deleted: Option<u8>,
}

async fn group_rows(state: &AppState, q: &str, after: Option<Uuid>) -> Result<Rows, ConsoleError> {
    let page = state.store.groups().search(Some(q.trim()), after, PAGE).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|g| g.id).collect();
    let counts = state.store.groups().member_counts(&ids).await?;
    Ok(Rows {
        groups: page
            .items
            .into_iter()
            .map(|g| GroupRow {
                members: counts.get(&g.id).copied().unwrap_or(0),
                id: g.id,
                name: g.display_name,
            })
            .collect(),
        q: q.to_owned(),
        next: page.next.map(|n| n.to_string()),
        total: page.total,
    })
}

/// **Groups**: the first page, the search box and (for writers) **New group**.
async fn list(admin: Admin, state: State, q: web::Query<SearchQuery>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::GroupRead)?;
    let rows = group_rows(&state, &q.q, q.cursor).await?;
    let page = GroupsPage {
        c: Chrome::new(&admin, "Groups"),
        rows,
        can_write: admin.can(Builtin::GroupWrite),
        new_name: String::new(),
        new_users: String::new(),
        error: None,
        notice: q.deleted.map(|_| "Group deleted."),
    };
    Ok(page::html(StatusCode::OK, page.render()))
}

/// The rows alone, for search-as-you-type (htmx) and the next page.
async fn rows(admin: Admin, state: State, q: web::Query<SearchQuery>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::GroupRead)?;
    let rows = group_rows(&state, &q.q, q.cursor).await?;
    Ok(page::html(StatusCode::OK, rows.render()))
}

/// **New group**: a unique **Group name** and optional **Add users** (user names, emails or
/// ids, separated by commas or new lines). A taken name or an unknown user comes back inline.
async fn create(admin: Admin, state: State, body: web::Bytes) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::GroupWrite)?;
    let name = field(&f, "name").trim().to_owned();
    let users_text = field(&f, "users").to_owned();
    let wanted: Vec<String> = users_text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let result = async {
        if name.is_empty() {
            return Err(ConsoleError::BadRequest("Enter a group name.".into()));
        }
        if name.chars().count() > 256 {
            return Err(ConsoleError::BadRequest(
                "A group name has at most 256 characters.".into(),
            ));
        }
        let mut ids = vec![];
        for w in &wanted {
            ids.push(resolve_user(&state, w).await?);
        }
        let data = GroupData {
            display_name: name.clone(),
            external_id: None,
            doc: serde_json::json!({}),
        };
        Ok(state.store.groups().create(&admin.actor(), data, &ids).await?)
    };
    match result.await {
        Ok(group) => Ok(page::see_other(&format!("/console/groups/{}", group.id))),
        Err(
            e @ (ConsoleError::BadRequest(_)
            | ConsoleError::Store(StoreError::Conflict(_) | StoreError::Forbidden { .. })),
        ) => {
            let status = match &e {
                ConsoleError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
                ConsoleError::Store(StoreError::Forbidden { .. }) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let message = match &e {
                ConsoleError::Store(StoreError::Conflict(_)) => {
                    format!(
                        "A group named \u{201c}{name}\u{201d} already exists. Group names are unique (ignoring case)."
                    )
                }
                other => other.to_string(),
            };
            let page = GroupsPage {
                c: Chrome::new(&admin, "Groups"),
                rows: group_rows(&state, "", None).await?,
                can_write: true,
                new_name: name,
                new_users: users_text,
                error: Some(message),
                notice: None,
            };
            Ok(page::html(status, page.render()))
        }
        Err(e) => Err(e),
    }
}

async fn resolve_user(state: &AppState, ident: &str) -> Result<Uuid, ConsoleError> {
    crate::admin::ident::user(&state.store, ident)
        .await
        .map_err(|_| ConsoleError::BadRequest(format!("No user \u{201c}{ident}\u{201d}.")))
}

/// One member on the **Users** tab.
pub struct MemberRow {
    pub id: Uuid,
    pub user_name: String,
    pub display_name: String,
    pub active: bool,
    pub last_login: String,
    pub expires: Option<String>,
    /// Last token per application, in the order of `apps`.
    pub access: Vec<String>,
}

pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct RoleRow {
    pub id: Uuid,
    pub name: String,
    pub schedule: Option<String>,
}

pub struct NestedRow {
    pub id: Uuid,
    pub name: String,
}

pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub member: String,
}

#[derive(Template)]
#[template(path = "console/group.html")]
struct GroupPage {
    c: Chrome,
    id: Uuid,
    name: String,
    tab: &'static str,
    tabs: Vec<Tab>,
    can_write: bool,
    can_read_users: bool,
    can_grant: bool,
    notice: Option<String>,
    error: Option<String>,
    all_roles: Vec<(Uuid, String)>,
    days: [&'static str; 7],
    /// The grant form's weekly windows: number, field-name suffix.
    windows: Vec<(usize, String)>,
    // Users
    members: Vec<MemberRow>,
    apps: Vec<String>,
    total: u64,
    next: Option<String>,
    // Roles
    roles: Vec<RoleRow>,
    // Nested groups
    children: Vec<NestedRow>,
    parents: Vec<NestedRow>,
    // Activity
    events: Vec<EventRow>,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    pub tab: Option<String>,
    pub cursor: Option<Uuid>,
    pub added: Option<u32>,
    pub removed: Option<u32>,
    pub granted: Option<u32>,
    pub revoked: Option<u32>,
    pub changed: Option<u32>,
    pub nested: Option<u8>,
    pub unnested: Option<u8>,
}

/// The tabs, each with the permission that reading it needs (as on the admin API).
const TABS: [(&str, &str, Builtin); 4] = [
    ("users", "Users", Builtin::GroupRead),
    ("roles", "Roles", Builtin::RoleRead),
    ("nested", "Nested groups", Builtin::GroupRead),
    ("activity", "Activity", Builtin::AuditRead),
];

/// A group's page, one tab at a time.
async fn show(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::GroupRead)?;
    let id = group_id(&path)?;
    render(&admin, &state, id, q.into_inner(), None, StatusCode::OK).await
}

/// A group's page: one tab (`q.tab`), with a notice or an error above it.
pub async fn render(
    admin: &Admin,
    state: &AppState,
    id: Uuid,
    q: ShowQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let group = state.store.groups().get(id).await?;
    let tabs: Vec<(&'static str, &'static str)> = TABS
        .iter()
        .filter(|(_, _, needs)| admin.can(*needs))
        .map(|(k, l, _)| (*k, *l))
        .collect();
    let tab = tabs
        .iter()
        .find(|(k, _)| Some(*k) == q.tab.as_deref())
        .map_or("users", |(k, _)| *k);
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    let notice = match (q.added, q.removed, q.granted, q.revoked, q.changed) {
        (Some(n), ..) => Some(format!("Added {n} user{}.", plural(n))),
        (_, Some(n), ..) => Some(format!("Removed {n} user{}.", plural(n))),
        (_, _, Some(_), ..) => Some("Role granted.".to_owned()),
        (_, _, _, Some(_), _) => Some("Role revoked.".to_owned()),
        (.., Some(n)) => Some(format!("Changed the membership end of {n} user{}.", plural(n))),
        _ if q.nested.is_some() => Some("Group added to this group.".to_owned()),
        _ if q.unnested.is_some() => Some("Group removed from this group.".to_owned()),
        _ => None,
    };
    let mut page = GroupPage {
        c: Chrome::new(admin, "Groups"),
        id,
        name: group.display_name.clone(),
        tab,
        tabs: tabs
            .iter()
            .map(|(key, label)| Tab {
                key,
                label,
                current: *key == tab,
            })
            .collect(),
        can_write: admin.can(Builtin::GroupWrite),
        can_read_users: admin.can(Builtin::UserRead),
        can_grant: admin.can(Builtin::RoleWrite),
        notice,
        error,
        all_roles: vec![],
        days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        windows: (1..=super::roles::WINDOWS)
            .map(|n| (n, if n == 1 { String::new() } else { n.to_string() }))
            .collect(),
        members: vec![],
        apps: vec![],
        total: 0,
        next: None,
        roles: vec![],
        children: vec![],
        parents: vec![],
        events: vec![],
    };
    match tab {
        "users" => {
            let apps: Vec<(String, String)> = state
                .store
                .clients()
                .list()
                .await?
                .into_iter()
                .filter(|c| c.client_id != super::signin::CLIENT_ID)
                .filter(|c| {
                    c.groups_prefix
                        .as_deref()
                        .is_none_or(|p| group.display_name.starts_with(p))
                })
                .map(|c| (c.client_id, c.name))
                .collect();
            let found = state.store.groups().member_users(id, q.cursor, PAGE).await?;
            let ids: Vec<Uuid> = found.items.iter().map(|u| u.id).collect();
            let windows = state.store.groups().windows(id, &ids).await?;
            let mut last = state.store.last_access(&ids).await?;
            page.total = found.total;
            page.next = found.next.map(|n| n.to_string());
            page.members = found
                .items
                .into_iter()
                .map(|u| {
                    let seen = last.remove(&u.id).unwrap_or_default();
                    MemberRow {
                        id: u.id,
                        display_name: u.display_name.unwrap_or_default(),
                        active: u.active,
                        last_login: when(u.last_login),
                        expires: windows
                            .get(&u.id)
                            .and_then(|w| w.expires_at_us)
                            .map(|t| when_us(Some(t))),
                        access: apps
                            .iter()
                            .map(|(client, _)| when_us(seen.iter().find(|(c, _)| c == client).map(|(_, t)| *t)))
                            .collect(),
                        user_name: u.user_name,
                    }
                })
                .collect();
            page.apps = apps.into_iter().map(|(_, name)| name).collect();
        }
        "roles" => {
            if page.can_grant {
                page.all_roles = state
                    .store
                    .roles()
                    .list()
                    .await?
                    .into_iter()
                    .map(|r| (r.id, r.name))
                    .collect();
            }
            page.roles = state
                .store
                .roles()
                .of_group(id)
                .await?
                .into_iter()
                .map(|g| RoleRow {
                    id: g.role,
                    name: g.role_name,
                    schedule: g.schedule.map(|s| schedule_text(&s)),
                })
                .collect();
        }
        "nested" => {
            let members = state.store.groups().members(id).await?;
            page.children = members
                .into_iter()
                .filter(|m| m.member_type == "Group")
                .map(|m| NestedRow {
                    id: m.member_id,
                    name: m.display.unwrap_or_default(),
                })
                .collect();
            let of = state.store.groups().groups_of_group(id).await?;
            page.parents = of.into_iter().map(|(id, name)| NestedRow { id, name }).collect();
        }
        _ => {
            let events = state
                .store
                .audit()
                .list(&AuditQuery {
                    group_id: Some(id),
                    member_id: None,
                    action: None,
                    since: None,
                    before: None,
                    limit: 100,
                })
                .await?;
            let names = user_names(state, events.iter().filter_map(|e| e.member_id)).await?;
            page.events = events
                .into_iter()
                .map(|e| EventRow {
                    at: when(Some(e.at)),
                    actor: e.actor,
                    member: e
                        .member_id
                        .map(|m| names.get(&m).cloned().unwrap_or_else(|| m.to_string()))
                        .unwrap_or_default(),
                    action: e.action,
                })
                .collect();
        }
    }
    Ok(page::html(status, page.render()))
}

/// A schedule in one line: "Europe/Berlin: mon tue 08:00–18:00".
fn schedule_text(s: &serde_json::Value) -> String {
    let windows: Vec<String> = s["weekly"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            let days: Vec<&str> = w["days"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str())
                .collect();
            format!(
                "{} {}\u{2013}{}",
                days.join(" "),
                w["from"].as_str().unwrap_or(""),
                w["to"].as_str().unwrap_or("")
            )
        })
        .collect();
    let mut text = format!("{}: {}", s["time_zone"].as_str().unwrap_or("?"), windows.join(", "));
    if let Some(d) = s["from_date"].as_str() {
        text.push_str(&format!(", from {d}"));
    }
    if let Some(d) = s["until_date"].as_str() {
        text.push_str(&format!(", until {d}"));
    }
    text
}

async fn user_names(state: &AppState, ids: impl Iterator<Item = Uuid>) -> Result<HashMap<Uuid, String>, ConsoleError> {
    let ids: Vec<Uuid> = ids.collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    Ok(state.store.users().names_of(&ids).await?)
}

pub struct Candidate {
    pub id: Uuid,
    pub user_name: String,
    pub display_name: String,
    pub email: String,
    pub member: bool,
}

#[derive(Template)]
#[template(path = "console/candidates.html")]
struct Candidates {
    users: Vec<Candidate>,
    q: String,
}

#[derive(Deserialize)]
struct CandidateQuery {
    #[serde(default)]
    q: String,
}

/// The **Add users** dialog's search: users whose userName, name or email contains the text,
/// each with a check box (members already in the group are shown, not selectable).
async fn candidates(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    q: web::Query<CandidateQuery>,
) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::GroupWrite)?;
    // Searching users shows their names and emails: what iam.user.read allows.
    admin.require(Builtin::UserRead)?;
    let id = group_id(&path)?;
    let text = q.q.trim();
    let users = if text.is_empty() {
        vec![]
    } else {
        let found = state.store.users().search(Some(text), None, 20).await?;
        let ids: Vec<Uuid> = found.items.iter().map(|u| u.id).collect();
        let mut emails = state.store.users().emails_of(&ids).await?;
        let members = state.store.groups().members_among(id, &ids).await?;
        found
            .items
            .into_iter()
            .map(|u| Candidate {
                member: members.contains(&u.id),
                id: u.id,
                email: emails
                    .remove(&u.id)
                    .and_then(|e| e.into_iter().next())
                    .unwrap_or_default(),
                display_name: u.display_name.unwrap_or_default(),
                user_name: u.user_name,
            })
            .collect()
    };
    let page = Candidates {
        users,
        q: text.to_owned(),
    };
    Ok(page::html(StatusCode::OK, page.render()))
}

/// Adds the checked users.
async fn add(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    let users = checked_users(&f)?;
    if users.is_empty() {
        return Ok(page::see_other(&format!("/console/groups/{id}")));
    }
    // Only users: a group id posted as a user would nest a group.
    let known = state.store.users().names_of(&users).await?;
    if users.iter().any(|u| !known.contains_key(u)) {
        return Err(ConsoleError::BadRequest(
            "A selected user does not exist (any more).".into(),
        ));
    }
    let window = match membership_end(&state, &f) {
        Ok(w) => w,
        Err(why) => return refuse(&admin, &state, id, why).await,
    };
    let n = users.len();
    let ops = if window.is_always() {
        vec![MemberOp::Add(users)]
    } else {
        users.into_iter().map(|u| MemberOp::Put(u, window)).collect()
    };
    state
        .store
        .groups()
        .modify(&admin.actor(), id, None, |_| Ok::<_, StoreError>((None, ops)))
        .await?;
    Ok(page::see_other(&format!("/console/groups/{id}?added={n}")))
}

/// The membership window a form asks for: until its `expires` (local date and time in
/// `expires_zone`), or for good when that is empty. An end already past is refused.
fn membership_end(state: &AppState, f: &[(String, String)]) -> Result<Window, String> {
    let end = local_instant(field(f, "expires"), field(f, "expires_zone"))?;
    if end.is_some_and(|t| t <= state.store.now_us()) {
        return Err("The membership end must be in the future.".into());
    }
    Ok(Window {
        valid_from_us: None,
        expires_at_us: end,
    })
}

/// The group's **Users** tab again, with why a form was refused.
async fn refuse(admin: &Admin, state: &AppState, id: Uuid, why: String) -> Result<HttpResponse, ConsoleError> {
    render(
        admin,
        state,
        id,
        ShowQuery::default(),
        Some(why),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// **Set membership end** for the checked members: until the date given, or permanent when
/// it is empty. Users who are not members are left alone (the form only offers members).
async fn set_end(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    let window = match membership_end(&state, &f) {
        Ok(w) => w,
        Err(why) => return refuse(&admin, &state, id, why).await,
    };
    let users = checked_users(&f)?;
    let current = state.store.groups().memberships(id, &users).await?;
    let ops: Vec<MemberOp> = users
        .into_iter()
        .filter(|u| current.get(u).is_some_and(|w| *w != window))
        .map(|u| MemberOp::Put(u, window))
        .collect();
    let n = ops.len();
    if n > 0 {
        state
            .store
            .groups()
            .modify(&admin.actor(), id, None, |_| Ok::<_, StoreError>((None, ops)))
            .await?;
    }
    Ok(page::see_other(&format!("/console/groups/{id}?changed={n}")))
}

pub struct Loss {
    pub id: Uuid,
    pub user_name: String,
    /// Whether the administrator may see what the user holds.
    pub known: bool,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/remove_confirm.html")]
struct ConfirmRemove {
    c: Chrome,
    id: Uuid,
    name: String,
    losses: Vec<Loss>,
}

/// **Remove users**, first step: what each checked user would lose — the roles and
/// permissions that reach them only through this group — and a button to confirm.
async fn confirm_remove(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    let group = state.store.groups().get(id).await?;
    let users = checked_users(&f)?;
    if users.is_empty() {
        return Ok(page::see_other(&format!("/console/groups/{id}")));
    }
    let names = state.store.users().names_of(&users).await?;
    let now = state.store.now_us();
    // What a user holds is iam.user.read's to see (as `/users/{u}/permissions`).
    let show_losses = admin.can(Builtin::UserRead);
    let mut losses = vec![];
    for u in users {
        let Some(user_name) = names.get(&u) else { continue };
        let lost = if show_losses {
            Some(effective::lost_without(&state.store, u, id, now).await?)
        } else {
            None
        };
        losses.push(Loss {
            id: u,
            user_name: user_name.clone(),
            known: lost.is_some(),
            roles: lost.as_ref().map(|l| l.roles.clone()).unwrap_or_default(),
            permissions: lost.map(|l| l.permissions).unwrap_or_default(),
        });
    }
    let page = ConfirmRemove {
        c: Chrome::new(&admin, "Groups"),
        id,
        name: group.display_name,
        losses,
    };
    Ok(page::html(StatusCode::OK, page.render()))
}

/// **Remove users**, confirmed.
async fn remove(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
    _req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    let users = checked_users(&f)?;
    let n = users.len();
    if n > 0 {
        state
            .store
            .groups()
            .modify(&admin.actor(), id, None, |_| {
                Ok::<_, StoreError>((None, vec![MemberOp::Remove(users)]))
            })
            .await?;
    }
    Ok(page::see_other(&format!("/console/groups/{id}?removed={n}")))
}

/// The nested-groups tab again, with why a form was refused.
async fn refuse_nested(admin: &Admin, state: &AppState, id: Uuid, why: String) -> Result<HttpResponse, ConsoleError> {
    let q = ShowQuery {
        tab: Some("nested".into()),
        ..Default::default()
    };
    render(admin, state, id, q, Some(why), StatusCode::UNPROCESSABLE_ENTITY).await
}

/// **Add group**: makes another group (by name or id) a member of this one, so its members
/// are this group's members too. The escalation rule applies as to users: nesting into a
/// group whose roles carry Scimitar's permissions needs them.
async fn nest(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    state.store.groups().get(id).await?;
    let name = field(&f, "group").trim();
    let child = match state.store.groups().resolve(name).await?.as_slice() {
        [child] => *child,
        [] => return refuse_nested(&admin, &state, id, format!("No group \u{201c}{name}\u{201d}.")).await,
        _ => {
            let why = format!("More than one group is called \u{201c}{name}\u{201d}: use its id.");
            return refuse_nested(&admin, &state, id, why).await;
        }
    };
    let added = state
        .store
        .groups()
        .modify(&admin.actor(), id, None, |_| {
            Ok::<_, StoreError>((None, vec![MemberOp::Add(vec![child])]))
        })
        .await;
    match added {
        Ok(_) => Ok(page::see_other(&format!("/console/groups/{id}?tab=nested&nested=1"))),
        Err(StoreError::Invalid(why)) => refuse_nested(&admin, &state, id, why).await,
        Err(e) => Err(e.into()),
    }
}

/// **Remove** a nested group from this one (the group itself stays).
async fn unnest(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    let child = group_id(field(&f, "group"))?;
    state
        .store
        .groups()
        .modify(&admin.actor(), id, None, |_| {
            Ok::<_, StoreError>((None, vec![MemberOp::Remove(vec![child])]))
        })
        .await?;
    Ok(page::see_other(&format!("/console/groups/{id}?tab=nested&unnested=1")))
}

/// **Delete group**, first step: what goes with it.
async fn confirm_delete(admin: Admin, state: State, path: web::Path<String>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    let group = state.store.groups().get(id).await?;
    let members = state.store.groups().member_users(id, None, 1).await?.total;
    let roles: Vec<String> = state
        .store
        .roles()
        .of_group(id)
        .await?
        .into_iter()
        .map(|g| g.role_name)
        .collect();
    let mut lines = vec![format!(
        "Its {members} direct member{} stay users but are no longer in {}.",
        if members == 1 { "" } else { "s" },
        group.display_name
    )];
    if !roles.is_empty() {
        lines.push(format!(
            "What it grants ends for everyone who is in it, directly or through nested groups: {}.",
            roles.join(", ")
        ));
    }
    lines.push("Groups nested in it stay; groups it is in no longer contain it.".into());
    lines.push("Provisioning clients get 404 for the group from now on; this cannot be undone.".into());
    Ok(page::confirm(
        Chrome::new(&admin, "Groups"),
        &format!("Delete {}?", group.display_name),
        &lines,
        &format!("/console/groups/{id}/delete"),
        "Delete group",
        &format!("/console/groups/{id}"),
    ))
}

/// **Delete group**, confirmed (the SCIM DELETE's service code: audited, memberships with it).
async fn delete(
    admin: Admin,
    state: State,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::GroupWrite)?;
    let id = group_id(&path)?;
    crate::scim::service::groups::delete(&state, &admin.actor(), id, None).await?;
    Ok(page::see_other("/console/groups?deleted=1"))
}
