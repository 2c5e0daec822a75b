//! List query parameters (RFC 7644 §3.4.2): filter, sortBy, sortOrder, startIndex, count,
//! attributes, excludedAttributes. Names are matched case-insensitively.
use std::collections::HashMap;

use super::{error::ScimError, filter, projection::Projection};

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<filter::Filter>,
    pub sort_by: Option<filter::AttrPath>,
    pub descending: bool,
    /// 1-based; values below 1 are taken as 1.
    pub start_index: u64,
    /// Capped to the configured maximum; negative values are taken as 0.
    pub count: u64,
    pub projection: Projection,
}

fn get<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn number(q: &HashMap<String, String>, name: &str) -> Result<Option<i64>, ScimError> {
    get(q, name)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer")))
        })
        .transpose()
}

impl ListQuery {
    pub fn parse(q: &HashMap<String, String>, max_count: u64, core_urn: &str) -> Result<Self, ScimError> {
        let filter = match get(q, "filter").map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(
                filter::parse(f)
                    .map_err(|e| ScimError::bad_request("invalidFilter", format!("invalid filter: {e}")))?,
            ),
            None => None,
        };
        let sort_by = match get(q, "sortBy").map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                filter::parse_path(s)
                    .ok()
                    .filter(|p| p.filter.is_none() && p.sub.is_none())
                    .map(|p| p.attr)
                    .ok_or_else(|| ScimError::invalid_value(format!("invalid sortBy {s:?}")))?,
            ),
            None => None,
        };
        let descending = match get(q, "sortOrder").map(|s| s.trim().to_ascii_lowercase()) {
            None => false,
            Some(s) if s == "ascending" => false,
            Some(s) if s == "descending" => true,
            Some(s) => {
                return Err(ScimError::invalid_value(format!(
                    "sortOrder must be ascending or descending, not {s:?}"
                )));
            }
        };
        let start_index = number(q, "startIndex")?.unwrap_or(1).max(1) as u64;
        let count = number(q, "count")?.map_or(max_count, |c| (c.max(0) as u64).min(max_count));
        let projection = Projection::parse(get(q, "attributes"), get(q, "excludedAttributes"), core_urn)?;
        Ok(ListQuery {
            filter,
            sort_by,
            descending,
            start_index,
            count,
            projection,
        })
    }
}

/// `attributes` / `excludedAttributes` on single-resource reads and writes.
pub fn projection(q: &HashMap<String, String>, core_urn: &str) -> Result<Projection, ScimError> {
    Projection::parse(get(q, "attributes"), get(q, "excludedAttributes"), core_urn)
}
