//! Lists of one resource type (RFC 7644 §3.4.2), index- or cursor-paged (RFC 9865): every
//! filter, sort and page is SQL; `members`/`groups` are read only when they are returned.
use std::collections::HashMap;

use sea_orm::{Condition, Order};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    AppState,
    scim::{
        error::ScimError,
        filter::sql::{self, Compiler},
        query::{self, ListQuery, Paging},
        render,
        resource::Resource,
    },
    store::ListParams,
};

pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// One page of one resource type: (total, rendered resources, id of the last row).
pub(crate) async fn page(
    state: &AppState,
    r: Resource,
    lq: &ListQuery,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<Value>, bool), ScimError> {
    let c = Compiler {
        resource: r,
        backend: state.store.backend(),
        now: state.store.now_us(),
    };
    // `userName eq "…"` from the start, groups returned: at most one user, read by a prebuilt
    // statement (compiling and building one cost more than the read).
    let one_name = match (&lq.filter, &lq.paging) {
        (Some(f), Paging::Index(_)) if offset == 0 && limit > 0 && lq.projection.wants("groups") => {
            sql::user_name_eq(f, c)
        }
        _ => None,
    };
    let filter = match &lq.filter {
        Some(_) if one_name.is_some() => Condition::all(),
        Some(f) => sql::to_condition(f, c)?,
        None => Condition::all(),
    };
    let order_by = lq
        .sort_by
        .as_ref()
        .map(|p| sql::sort_expr(c, p))
        .transpose()?
        .map(|e| (e, if lq.descending { Order::Desc } else { Order::Asc }));
    let after = match lq.paging {
        Paging::Cursor(after) => after,
        Paging::Index(_) => None,
    };
    // Cursor pages read one row more to know whether a next page exists (RFC 9865 §2:
    // `nextCursor` is omitted only on the last page, even when `count=0`).
    let probe = u64::from(matches!(lq.paging, Paging::Cursor(_)));
    let params = ListParams {
        filter,
        order_by,
        offset,
        after,
        limit: limit + probe,
    };
    let proj = &lq.projection;
    let (total, mut resources) = match r {
        Resource::User => {
            if proj.wants("groups") {
                let page = match one_name {
                    Some(name) => state.store.users().by_user_name_with_groups(&name).await?,
                    None => state.store.users().list_with_groups(params).await?,
                };
                let list = page
                    .items
                    .iter()
                    .map(|(m, g)| proj.apply(render::user(state, m, Some(g))));
                (page.total, list.collect::<Vec<_>>())
            } else {
                let page = state.store.users().list(params).await?;
                let list = page.items.iter().map(|m| proj.apply(render::user(state, m, None)));
                (page.total, list.collect::<Vec<_>>())
            }
        }
        Resource::Group => {
            let page = state.store.groups().list(params).await?;
            let (_turn, mut members) = if proj.wants("members") {
                let turn = state.member_list_turn().await;
                let ids: Vec<_> = page.items.iter().map(|g| g.id).collect();
                (Some(turn), Some(state.store.groups().members_of(&ids).await?))
            } else {
                (None, None)
            };
            let list = page.items.iter().map(|m| {
                let list = members.as_mut().map(|all| all.remove(&m.id).unwrap_or_default());
                proj.apply(render::group(state, m, list.as_deref()))
            });
            (page.total, list.collect::<Vec<_>>())
        }
    };
    let more = probe == 1 && resources.len() as u64 > limit;
    resources.truncate(limit as usize);
    Ok((total, resources, more))
}

/// A ListResponse for one resource type.
pub async fn list(state: &AppState, r: Resource, lq: &ListQuery) -> Result<Value, ScimError> {
    match lq.paging {
        Paging::Index(start) => {
            let (total, resources, _) = page(state, r, lq, start - 1, lq.count).await?;
            Ok(render::list_response(total, start, resources))
        }
        Paging::Cursor(after) => {
            let (total, resources, more) = page(state, r, lq, 0, lq.count).await?;
            // The next page starts after the last row of this one; a `count=0` page returned no
            // row, so the next one starts where this one did (nil sorts before every id).
            let next = match resources.last() {
                Some(l) => l["id"].as_str().and_then(|id| id.parse().ok()),
                None => Some(after.unwrap_or(Uuid::nil())),
            };
            let mut body = json!({
                "schemas": [LIST_RESPONSE],
                "totalResults": total,
                "itemsPerPage": resources.len(),
                "Resources": resources,
            });
            if let (true, Some(id)) = (more, next) {
                body["nextCursor"] = query::encode_cursor(id).into();
            }
            Ok(body)
        }
    }
}

/// A list of type `r` for the query parameters `q` (a query string, or a `.search` body).
pub async fn query(state: &AppState, r: Resource, q: &HashMap<String, String>) -> Result<Value, ScimError> {
    let lq = ListQuery::parse(q, state.config.max_page_size, r.core_urn())?;
    list(state, r, &lq).await
}

/// The root search (`POST /.search`): both resource types, users first. A filter on an attribute that only one
/// type has matches nothing of the other type.
pub async fn search_all(state: &AppState, q: &HashMap<String, String>) -> Result<Value, ScimError> {
    let mut out = vec![];
    let mut total = 0;
    let mut errors = vec![];
    let mut start = None;
    let mut remaining = 0;
    let mut skip = 0;
    for r in [Resource::User, Resource::Group] {
        let lq = ListQuery::parse(q, state.config.max_page_size, r.core_urn())?;
        let Paging::Index(s) = lq.paging else {
            return Err(ScimError::invalid_value(
                "cursor paging is not offered on the root search",
            ));
        };
        if start.is_none() {
            start = Some(s);
            remaining = lq.count;
            skip = s - 1;
        }
        match page(state, r, &lq, skip, remaining).await {
            Ok((n, resources, _)) => {
                total += n;
                skip = skip.saturating_sub(n);
                remaining -= resources.len() as u64;
                out.extend(resources);
            }
            Err(e) if e.scim_type == Some("invalidFilter") => errors.push(e),
            Err(e) => return Err(e),
        }
    }
    if errors.len() == 2 {
        return Err(errors.remove(0));
    }
    Ok(render::list_response(total, start.unwrap_or(1), out))
}
