//! Cursor paging: `limit` plus an opaque `cursor` (the last id of the previous page).
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::Problem;
use crate::store::lookup::KeysetPage;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

/// One page of a list.
#[derive(Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Every match, across pages.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    pub fn from_page<M>(page: KeysetPage<M>, f: impl FnMut(M) -> T) -> Self {
        Paged {
            items: page.items.into_iter().map(f).collect(),
            total: page.total,
            next_cursor: page.next.map(encode),
        }
    }

    /// The same page with each item mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next_cursor: self.next_cursor,
        }
    }
}

/// `limit` within 1..=500, 50 when absent.
pub fn limit(raw: Option<u64>) -> Result<u64, Problem> {
    match raw.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(n),
        n => Err(Problem::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}, not {n}"
        ))),
    }
}

pub fn encode(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// The id inside a cursor from `next_cursor`; anything else is a 400.
pub fn decode(cursor: Option<&str>) -> Result<Option<Uuid>, Problem> {
    let Some(c) = cursor else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .map(Some)
        .ok_or_else(|| Problem::bad_request(format!("invalid cursor {c:?}: pass a next_cursor value unchanged")))
}
