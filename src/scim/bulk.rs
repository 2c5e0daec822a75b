//! `/Bulk` (RFC 7644 §3.7): many operations in one request, each run through the same code
//! as its single-resource endpoint. `bulkId:` references (in paths and in data) name
//! resources created earlier in the same request; `failOnErrors` stops after that many errors.
use std::collections::HashMap;

use actix_web::{HttpResponse, http::StatusCode, web};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    BULK_MAX_OPERATIONS, ScimBody,
    error::ScimError,
    method_not_allowed, render,
    resource::Resource,
    respond,
    service::{groups, users},
};
use crate::{
    AppState,
    auth::Principal,
    store::audit::{Actor, Source},
};

pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Bulk")
            .route(web::post().to(bulk))
            .default_service(web::to(method_not_allowed)),
    );
}

fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// `POST /Bulk`.
async fn bulk(
    state: web::Data<AppState>,
    caller: web::ReqData<Principal>,
    body: ScimBody,
) -> Result<HttpResponse, ScimError> {
    let Value::Object(req) = body.0 else {
        return Err(ScimError::invalid_syntax("the bulk request must be a JSON object"));
    };
    let schema_ok = field(&req, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|s| s.as_str() == Some(BULK_REQUEST)));
    if !schema_ok {
        return Err(ScimError::invalid_syntax(format!(
            "\"schemas\" must contain \"{BULK_REQUEST}\""
        )));
    }
    let Some(Value::Array(ops)) = field(&req, "Operations") else {
        return Err(ScimError::invalid_syntax("\"Operations\" must be an array"));
    };
    if ops.len() > BULK_MAX_OPERATIONS {
        return Err(ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!(
                "at most {BULK_MAX_OPERATIONS} operations are accepted in one request, not {}",
                ops.len()
            ),
        ));
    }
    let fail_on_errors = match field(&req, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| *n > 0)
                .ok_or_else(|| ScimError::invalid_value("\"failOnErrors\" must be a positive integer"))?,
        ),
    };
    let actor = caller.actor(Source::Bulk);
    let mut created: HashMap<String, Uuid> = HashMap::new();
    let mut errors = 0;
    let mut results = vec![];
    for op in ops {
        if fail_on_errors.is_some_and(|n| errors >= n) {
            break;
        }
        let method = op
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_uppercase();
        let bulk_id = op.get("bulkId").and_then(Value::as_str).map(str::to_owned);
        let mut result = json!({"method": method});
        if let Some(b) = &bulk_id {
            result["bulkId"] = b.clone().into();
        }
        match run(&state, &actor, op, &method, bulk_id.as_deref(), &created).await {
            Ok(done) => {
                if let (Some(b), Some(id)) = (&bulk_id, done.created) {
                    created.insert(b.clone(), id);
                }
                result["status"] = done.status.as_u16().to_string().into();
                if let Some(l) = done.location {
                    result["location"] = l.into();
                }
                if let Some(v) = done.version {
                    result["version"] = render::etag(v).into();
                }
            }
            Err(e) => {
                errors += 1;
                result["status"] = e.status.as_u16().to_string().into();
                result["response"] = e.body();
            }
        }
        results.push(result);
    }
    Ok(respond(
        StatusCode::OK,
        None,
        json!({"schemas": [BULK_RESPONSE], "Operations": results}),
    ))
}

struct Done {
    status: StatusCode,
    location: Option<String>,
    version: Option<i64>,
    created: Option<Uuid>,
}

/// Replaces `bulkId:<id>` strings with the ids of resources created earlier in the request.
fn resolve_refs(v: &mut Value, created: &HashMap<String, Uuid>) -> Result<(), ScimError> {
    match v {
        Value::String(s) => {
            if let Some(b) = s.strip_prefix("bulkId:") {
                let id = created.get(b).ok_or_else(|| {
                    ScimError::invalid_value(format!("bulkId {b:?} does not name a resource created earlier"))
                })?;
                *s = id.to_string();
            }
        }
        Value::Array(items) => items.iter_mut().try_for_each(|i| resolve_refs(i, created))?,
        Value::Object(m) => m.values_mut().try_for_each(|i| resolve_refs(i, created))?,
        _ => {}
    }
    Ok(())
}

async fn run(
    state: &AppState,
    actor: &Actor,
    op: &Value,
    method: &str,
    bulk_id: Option<&str>,
    created: &HashMap<String, Uuid>,
) -> Result<Done, ScimError> {
    let path = op
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_syntax("\"path\" is required"))?;
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let first = segments.next().unwrap_or_default();
    let kind = Resource::from_endpoint(first)
        .ok_or_else(|| ScimError::invalid_value(format!("unknown resource type {first:?}")))?;
    let id = match segments.next().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            let mut v = Value::String(raw.to_owned());
            resolve_refs(&mut v, created)?;
            let raw = v.as_str().unwrap_or_default();
            Some(Uuid::parse_str(raw).map_err(|_| ScimError::not_found(format!("{} {raw:?} not found", kind.noun())))?)
        }
    };
    let if_match = op
        .get("version")
        .and_then(Value::as_str)
        .and_then(render::parse_etag)
        .flatten();
    let mut data = op.get("data").cloned().unwrap_or(Value::Null);
    resolve_refs(&mut data, created)?;
    let done = |status, id: Uuid, version| Done {
        status,
        location: Some(state.scim_url(kind.endpoint(), id)),
        version: Some(version),
        created: None,
    };
    let users = kind == Resource::User;
    Ok(match (method, id) {
        ("POST", None) => {
            if bulk_id.is_none_or(str::is_empty) {
                return Err(ScimError::invalid_syntax("POST operations need a \"bulkId\""));
            }
            let (id, version) = if users {
                let m = users::create(state, actor, data).await?;
                (m.id, m.version)
            } else {
                let m = groups::create(state, actor, data).await?;
                (m.id, m.version)
            };
            Done {
                created: Some(id),
                ..done(StatusCode::CREATED, id, version)
            }
        }
        ("PUT", Some(id)) => {
            let version = if users {
                users::replace(state, actor, id, if_match, data).await?.version
            } else {
                groups::replace(state, actor, id, if_match, data).await?.version
            };
            done(StatusCode::OK, id, version)
        }
        ("PATCH", Some(id)) => {
            let version = if users {
                users::patch(state, actor, id, if_match, data).await?.version
            } else {
                groups::patch(state, actor, id, if_match, data).await?.version
            };
            done(StatusCode::OK, id, version)
        }
        ("DELETE", Some(id)) => {
            if users {
                users::delete(state, actor, id, if_match).await?;
            } else {
                groups::delete(state, actor, id, if_match).await?;
            }
            Done {
                status: StatusCode::NO_CONTENT,
                location: Some(state.scim_url(kind.endpoint(), id)),
                version: None,
                created: None,
            }
        }
        (m, _) => {
            return Err(ScimError::invalid_value(format!(
                "{m:?} is not a bulk operation for {path:?}"
            )));
        }
    })
}
