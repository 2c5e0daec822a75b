//! List query parameters (RFC 7644 §3.4.2): filter, sortBy, sortOrder, startIndex, count,
//! attributes, excludedAttributes. Names are matched case-insensitively.
use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::Value;
use uuid::Uuid;

use super::{error::ScimError, filter, projection::Projection};

/// Index paging (RFC 7644 §3.4.2.4) or cursor paging (RFC 9865 §2).
#[derive(Debug, Clone, PartialEq)]
pub enum Paging {
    /// 1-based `startIndex`.
    Index(u64),
    /// Resume after this id; `None` is the first page (`cursor=` empty).
    Cursor(Option<Uuid>),
}

/// An opaque cursor for the page after `id`.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(s: &str) -> Result<Option<Uuid>, ScimError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .map(Some)
        .ok_or_else(|| ScimError::bad_request("invalidCursor", format!("{s:?} is not a cursor this server issued")))
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<filter::Filter>,
    pub sort_by: Option<filter::AttrPath>,
    pub descending: bool,
    pub paging: Paging,
    /// Capped to the configured maximum; negative values are taken as 0.
    pub count: u64,
    pub projection: Projection,
}

fn get<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn number(q: &HashMap<String, String>, name: &str, scim_type: &'static str) -> Result<Option<i64>, ScimError> {
    get(q, name)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| ScimError::bad_request(scim_type, format!("{name} must be an integer")))
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
        let start_index = number(q, "startIndex", "invalidValue")?.map(|s| s.max(1) as u64);
        let paging = match (get(q, "cursor"), start_index) {
            (Some(_), Some(_)) => return Err(ScimError::invalid_value("use either startIndex or cursor, not both")),
            (Some(_), None) if sort_by.is_some() => {
                return Err(ScimError::invalid_value(
                    "cursor paging follows the server's order; omit sortBy",
                ));
            }
            (Some(c), None) => Paging::Cursor(decode_cursor(c)?),
            (None, s) => Paging::Index(s.unwrap_or(1)),
        };
        // RFC 9865 §2: a negative count is 0; more than the maximum is capped (the server "MAY
        // return fewer"); a count that is not an integer is `invalidCount` (§2.1).
        let count = number(q, "count", "invalidCount")?.map_or(max_count, |c| (c.max(0) as u64).min(max_count));
        let projection = Projection::parse(get(q, "attributes"), get(q, "excludedAttributes"), core_urn)?;
        Ok(ListQuery {
            filter,
            sort_by,
            descending,
            paging,
            count,
            projection,
        })
    }
}

/// The parameters of a `POST …/.search` body (RFC 7644 §3.4.3) in query-string form.
pub fn from_search_body(body: Value) -> Result<HashMap<String, String>, ScimError> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax("the search request must be a JSON object"));
    };
    let mut q = HashMap::new();
    for (k, v) in obj {
        let text = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
            Value::Null => continue,
            _ if k.eq_ignore_ascii_case("schemas") => continue,
            other => return Err(ScimError::invalid_value(format!("\"{k}\" cannot be {other}"))),
        };
        if !k.eq_ignore_ascii_case("schemas") {
            q.insert(k, text);
        }
    }
    Ok(q)
}

/// `attributes` / `excludedAttributes` on single-resource reads and writes.
pub fn projection(q: &HashMap<String, String>, core_urn: &str) -> Result<Projection, ScimError> {
    Projection::parse(get(q, "attributes"), get(q, "excludedAttributes"), core_urn)
}
