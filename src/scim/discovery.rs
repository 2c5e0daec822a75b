//! Discovery endpoints (RFC 7644 §4): what this server really supports.
use actix_web::{HttpResponse, http::StatusCode, web};
use serde_json::{Value, json};

use super::{error::ScimError, method_not_allowed, resource::Resource, respond, schema};
use crate::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    for (path, handler) in [
        ("/ServiceProviderConfig", web::get().to(service_provider_config)),
        ("/ResourceTypes", web::get().to(resource_types)),
        ("/ResourceTypes/{id}", web::get().to(resource_type)),
        ("/Schemas", web::get().to(schemas)),
        ("/Schemas/{id}", web::get().to(schema_by_id)),
    ] {
        cfg.service(
            web::resource(path)
                .route(handler)
                .default_service(web::to(method_not_allowed)),
        );
    }
}

fn base(state: &AppState) -> String {
    format!("{}/scim/v2", state.issuer)
}

/// `GET /ServiceProviderConfig`: RFC 7643 §5.
async fn service_provider_config(state: web::Data<AppState>) -> HttpResponse {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": format!("{}/README.md", state.issuer),
        "patch": {"supported": true},
        "bulk": {
            "supported": true,
            "maxOperations": super::BULK_MAX_OPERATIONS,
            "maxPayloadSize": state.config.max_body_bytes,
        },
        "filter": {"supported": true, "maxResults": state.config.max_page_size},
        "changePassword": {"supported": true},
        "sort": {"supported": true},
        // RFC 9865 §4. Cursors are keyset positions that never expire, so `cursorTimeout`
        // (a positive integer when present) is omitted: "no value … no cursor timeout".
        "pagination": {
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": state.config.max_page_size,
            "maxPageSize": state.config.max_page_size,
        },
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token (scope \"scim\") in the Authorization header",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base(&state)),
        },
    });
    respond(StatusCode::OK, None, body)
}

fn resource_type_json(state: &AppState, r: Resource) -> Value {
    let extensions: Vec<Value> = r
        .extensions()
        .iter()
        .map(|e| json!({"schema": e.id, "required": false}))
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": r.name(),
        "name": r.name(),
        "endpoint": format!("/{}", r.endpoint()),
        "description": format!("{} resources", r.name()),
        "schema": r.core_urn(),
        "schemaExtensions": extensions,
        "meta": {"resourceType": "ResourceType", "location": format!("{}/ResourceTypes/{}", base(state), r.name())},
    })
}

fn list(resources: Vec<Value>) -> Value {
    super::render::list_response(resources.len() as u64, 1, resources)
}

/// `GET /ResourceTypes`: RFC 7644 §4.
async fn resource_types(state: web::Data<AppState>) -> HttpResponse {
    let all = Resource::ALL.iter().map(|r| resource_type_json(&state, *r)).collect();
    respond(StatusCode::OK, None, list(all))
}

async fn resource_type(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ScimError> {
    let r = Resource::from_name(&id).ok_or_else(|| ScimError::not_found(format!("resource type {id:?} not found")))?;
    let body = resource_type_json(&state, r);
    Ok(respond(StatusCode::OK, None, body))
}

/// `GET /Schemas`: RFC 7643 §7.
async fn schemas(state: web::Data<AppState>) -> HttpResponse {
    let all = schema::all().iter().map(|s| s.to_json(&base(&state))).collect();
    respond(StatusCode::OK, None, list(all))
}

async fn schema_by_id(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ScimError> {
    let s = schema::by_id(&id).ok_or_else(|| ScimError::not_found(format!("schema {id:?} not found")))?;
    Ok(respond(StatusCode::OK, None, s.to_json(&base(&state))))
}
