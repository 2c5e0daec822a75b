//! SCIM 2.0 (RFC 7643 / RFC 7644) under `/scim/v2`.
pub mod bulk;
pub mod discovery;
pub mod error;
pub mod extract;
pub mod filter;
#[cfg(test)]
mod fuzz;
pub mod group_stream;
pub mod groups;
pub mod ingest;
pub mod member_cache;
pub mod patch;
pub mod projection;
pub mod query;
pub mod render;
pub mod resource;
pub mod schema;
pub mod search;
pub mod service;
pub mod users;

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest, HttpResponse,
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{StatusCode, header},
    middleware::{Next, from_fn},
    web,
};
use futures_util::{StreamExt, future::LocalBoxFuture};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    AppState,
    auth::{self, AuthError},
};
use error::ScimError;

pub const SCIM_JSON: &str = "application/scim+json";

/// Most operations in one `/Bulk` request (advertised in ServiceProviderConfig).
pub const BULK_MAX_OPERATIONS: usize = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2")
            .wrap(from_fn(require_scim))
            .configure(bulk::configure)
            .configure(search::configure)
            .configure(users::configure)
            .configure(groups::configure)
            .configure(discovery::configure)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ScimError::not_found("no such SCIM endpoint"))
            })),
    );
}

/// Every SCIM request needs a bearer token with scope `scim`. A refusal is answered here (a
/// response, not an `Err`), so the app-wide response headers apply to it.
async fn require_scim(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let refused = match auth::authenticate(&state.store, req.headers()).await {
        Ok(p) if p.scim() => {
            req.extensions_mut().insert(p);
            return next.call(req).await.map(ServiceResponse::map_into_left_body);
        }
        Ok(_) => ScimError::forbidden("this token lacks the \"scim\" scope"),
        Err(AuthError::Missing) => ScimError::unauthorized("a bearer token is required"),
        Err(AuthError::Invalid) => ScimError::unauthorized("the bearer token is not valid"),
        Err(AuthError::Store(e)) => ScimError::from(e),
    };
    Ok(req.error_response(refused).map_into_right_body())
}

/// A JSON request body: `application/scim+json` or `application/json`, size-limited (413),
/// parsed with serde's recursion limit (deeply nested JSON is a 400, not a crash).
pub struct ScimBody(pub Value);

impl FromRequest for ScimBody {
    type Error = ScimError;
    type Future = LocalBoxFuture<'static, Result<Self, ScimError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(1 << 20, |s| s.config.max_body_bytes);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if let Some(ct) = content_type {
                let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                if mime != SCIM_JSON && mime != "application/json" {
                    return Err(ScimError::new(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        None,
                        format!("content type {mime:?} is not supported; use {SCIM_JSON}"),
                    ));
                }
            }
            let too_large = || {
                ScimError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    None,
                    format!("the request body exceeds {limit} bytes"),
                )
            };
            if declared_len.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ScimError::invalid_syntax(format!("could not read the body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            if body.is_empty() {
                return Err(ScimError::invalid_syntax("the request body is empty"));
            }
            serde_json::from_slice(&body)
                .map(ScimBody)
                .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))
        })
    }
}

/// A SCIM JSON response with an optional ETag.
pub fn respond(status: StatusCode, version: Option<i64>, body: Value) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type(SCIM_JSON);
    if let Some(v) = version {
        res.insert_header((header::ETAG, render::etag(v)));
    }
    res.body(body.to_string())
}

/// 304 for a GET whose `If-None-Match` names the current version.
pub fn not_modified(version: i64) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((header::ETAG, render::etag(version)))
        .finish()
}

/// 201 with `Location` (RFC 7644 §3.3) for a new resource of type `r`.
pub fn created(state: &AppState, r: resource::Resource, id: Uuid, version: i64, body: Value) -> HttpResponse {
    let mut res = respond(StatusCode::CREATED, Some(version), body);
    if let Ok(location) = header::HeaderValue::from_str(&state.scim_url(r.endpoint(), id)) {
        res.headers_mut().insert(header::LOCATION, location);
    }
    res
}

pub async fn method_not_allowed() -> Result<HttpResponse, ScimError> {
    Err(ScimError::method_not_allowed())
}
