//! Request extractors shared by the SCIM handlers, in place of the opening every handler
//! used to repeat: which resource the path names, which version the client holds, who is
//! calling, and what the response should contain.
use std::collections::HashMap;

use actix_web::{
    FromRequest, HttpMessage, HttpRequest,
    dev::Payload,
    http::{StatusCode, header},
};
use futures_util::future::{Ready, ready};
use uuid::Uuid;

use super::{error::ScimError, projection::Projection, query, render, resource::Resource};
use crate::{
    auth::Principal,
    store::audit::{Actor, Source},
};

/// The resource type a route serves, registered with the route as `app_data`.
#[derive(Clone, Copy, Debug)]
pub struct Kind(pub Resource);

fn kind(req: &HttpRequest) -> Result<Resource, ScimError> {
    req.app_data::<Kind>()
        .map(|k| k.0)
        .ok_or_else(|| ScimError::internal(&"a SCIM route was registered without its resource type"))
}

/// Marks `/Me` (RFC 7644 §3.11): the resource is the user the bearer token belongs to.
#[derive(Clone, Copy, Debug)]
pub struct MeRoute;

/// The resource a request is about: the `{id}` of the path, a UUID (anything else names no
/// resource: 404); on `/Me`, the token's own user (501 for tokens that act for no user, as
/// the RFC allows). `/Users/{id}` and `/Me` thus share every handler.
#[derive(Clone, Copy, Debug)]
pub struct ResourceId(pub Uuid);

impl FromRequest for ResourceId {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if req.app_data::<MeRoute>().is_some() {
            return ready(principal(req).and_then(|p| {
                p.user_id.map(ResourceId).ok_or_else(|| {
                    ScimError::new(
                        StatusCode::NOT_IMPLEMENTED,
                        None,
                        "this token does not belong to a user, so /Me has no subject",
                    )
                })
            }));
        }
        ready(kind(req).and_then(|r| {
            let raw = req.match_info().get("id").unwrap_or_default();
            Uuid::parse_str(raw)
                .map(ResourceId)
                .map_err(|_| ScimError::not_found(format!("{} {raw:?} not found", r.noun())))
        }))
    }
}

/// `If-Match` and `If-None-Match` (RFC 7644 §3.14), with versions as in `meta.version`.
#[derive(Clone, Debug, Default)]
pub struct Preconditions {
    /// The version `If-Match` names; `None` when absent or `*`.
    pub if_match: Option<i64>,
    /// `If-None-Match`: each listed version, `None` for `*`.
    if_none_match: Vec<Option<i64>>,
}

impl Preconditions {
    /// Does `If-None-Match` name `version` (a GET answers 304)?
    pub fn not_modified(&self, version: i64) -> bool {
        self.if_none_match.iter().any(|e| e.is_none_or(|v| v == version))
    }
}

impl FromRequest for Preconditions {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        ready(Ok(Preconditions {
            if_match: value(header::IF_MATCH).and_then(render::parse_etag).flatten(),
            if_none_match: value(header::IF_NONE_MATCH)
                .map(|v| v.split(',').filter_map(render::parse_etag).collect())
                .unwrap_or_default(),
        }))
    }
}

/// The caller, as the audit log records SCIM changes.
pub struct Caller(pub Actor);

fn principal(req: &HttpRequest) -> Result<Principal, ScimError> {
    req.extensions()
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| ScimError::unauthorized("a bearer token is required"))
}

impl FromRequest for Caller {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(principal(req).map(|p| Caller(p.actor(Source::Scim))))
    }
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.9) for the route's resource type.
pub struct Proj {
    pub projection: Projection,
    /// Did the request name either parameter? (A group PATCH then answers 200 with a body.)
    pub requested: bool,
}

impl FromRequest for Proj {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(kind(req).and_then(|r| {
            let q = query_map(req)?;
            let requested = q
                .keys()
                .any(|k| k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes"));
            Ok(Proj {
                projection: query::projection(&q, r.core_urn())?,
                requested,
            })
        }))
    }
}

/// The query string as name → value (the last of repeated names).
pub fn query_map(req: &HttpRequest) -> Result<HashMap<String, String>, ScimError> {
    serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ScimError::invalid_value(format!("invalid query string: {e}")))
}

/// The query string of a list request.
pub struct ListParams(pub HashMap<String, String>);

impl FromRequest for ListParams {
    type Error = ScimError;
    type Future = Ready<Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(query_map(req).map(ListParams))
    }
}
