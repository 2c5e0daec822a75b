//! **Audit log**: every event, newest first, filtered by group, user, action and time, with
//! cursor paging (the same query as `GET /api/v1/audit`).
use std::collections::{BTreeSet, HashMap};

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Admin, ConsoleError,
    page::{self, Chrome},
};
use crate::{AppState, access::Builtin, admin::ident, store::audit::AuditQuery};

const PAGE: u64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list));
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    group: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    /// A day (`YYYY-MM-DD`, UTC): events from its start on.
    #[serde(default)]
    since: String,
    cursor: Option<Uuid>,
}

pub struct EventRow {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub source: String,
    pub target: String,
    pub group: String,
    pub member: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    c: Chrome,
    group: String,
    user: String,
    action: String,
    since: String,
    events: Vec<EventRow>,
    next: Option<String>,
    error: Option<String>,
}

async fn list(admin: Admin, state: web::Data<AppState>, f: web::Query<Filter>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::AuditRead)?;
    let store = &state.store;
    let mut error = None;
    let mut unknown = |what: &str| {
        error = Some(format!("No {what} by that name: showing nothing."));
    };
    let group_id = match f.group.trim() {
        "" => None,
        g => match ident::group(store, g).await {
            Ok(id) => Some(id),
            Err(_) => {
                unknown("group");
                Some(Uuid::nil())
            }
        },
    };
    let member_id = match f.user.trim() {
        "" => None,
        u => match ident::user(store, u).await {
            Ok(id) => Some(id),
            Err(_) => {
                unknown("user");
                Some(Uuid::nil())
            }
        },
    };
    let since = match f.since.trim() {
        "" => None,
        d => match d.parse::<NaiveDate>() {
            Ok(day) => Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))),
            Err(_) => return Err(ConsoleError::BadRequest("\"Since\" is a day: YYYY-MM-DD.".into())),
        },
    };
    let query = AuditQuery {
        group_id,
        member_id,
        action: Some(f.action.trim().to_owned()).filter(|a| !a.is_empty()),
        since,
        before: f.cursor,
        limit: PAGE + 1,
    };
    let mut events = store.audit().list(&query).await?;
    let more = events.len() as u64 > PAGE;
    events.truncate(PAGE as usize);
    let next = more.then(|| events.last().map(|e| e.id.to_string())).flatten();
    // Names for the ids the events mention.
    let users: Vec<Uuid> = events
        .iter()
        .flat_map(|e| [e.member_id, (e.target_type == "User").then_some(e.target_id)])
        .flatten()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let user_names = store.users().names_of(&users).await?;
    let groups: BTreeSet<Uuid> = events
        .iter()
        .flat_map(|e| [e.group_id, (e.target_type == "Group").then_some(e.target_id)])
        .flatten()
        .collect();
    let mut group_names: HashMap<Uuid, String> = HashMap::new();
    for g in groups {
        if let Ok(group) = store.groups().get(g).await {
            group_names.insert(g, group.display_name);
        }
    }
    let name = |id: Option<Uuid>, names: &HashMap<Uuid, String>| {
        id.map(|i| names.get(&i).cloned().unwrap_or_else(|| i.to_string()))
            .unwrap_or_default()
    };
    let rows = events
        .into_iter()
        .map(|e| EventRow {
            at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            target: match e.target_type.as_str() {
                "User" => name(Some(e.target_id), &user_names),
                "Group" => name(Some(e.target_id), &group_names),
                other => format!("{other} {}", e.target_id),
            },
            group: name(e.group_id, &group_names),
            member: name(e.member_id, &user_names),
            action: e.action,
            actor: e.actor,
            source: e.source,
        })
        .collect();
    let page = AuditPage {
        c: Chrome::new(&admin, "Audit log"),
        group: f.group.clone(),
        user: f.user.clone(),
        action: f.action.clone(),
        since: f.since.clone(),
        events: rows,
        next,
        error,
    };
    Ok(page::html(StatusCode::OK, page.render()))
}
