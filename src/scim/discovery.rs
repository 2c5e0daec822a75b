//! Discovery endpoints (RFC 7644 §4): what this server really supports.
use actix_web::{HttpResponse, http::StatusCode, web};
use serde_json::{Value, json};

use super::{error::ScimError, method_not_allowed, respond, schema};
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
            "maxOperations": super::bulk::MAX_OPERATIONS,
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

fn resource_type_json(state: &AppState, id: &str) -> Option<Value> {
    let (endpoint, schema, extensions) = match id {
        "User" => (
            "/Users",
            schema::USER_SCHEMA,
            vec![json!({"schema": schema::ENTERPRISE_USER_SCHEMA, "required": false})],
        ),
        "Group" => ("/Groups", schema::GROUP_SCHEMA, vec![]),
        _ => return None,
    };
    Some(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": id,
        "name": id,
        "endpoint": endpoint,
        "description": format!("{id} resources"),
        "schema": schema,
        "schemaExtensions": extensions,
        "meta": {"resourceType": "ResourceType", "location": format!("{}/ResourceTypes/{id}", base(state))},
    }))
}

fn list(resources: Vec<Value>) -> Value {
    super::render::list_response(resources.len() as u64, 1, resources)
}

/// `GET /ResourceTypes`: RFC 7644 §4.
async fn resource_types(state: web::Data<AppState>) -> HttpResponse {
    let all = ["User", "Group"]
        .iter()
        .filter_map(|id| resource_type_json(&state, id))
        .collect();
    respond(StatusCode::OK, None, list(all))
}

async fn resource_type(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ScimError> {
    let body = resource_type_json(&state, &id)
        .ok_or_else(|| ScimError::not_found(format!("resource type {id:?} not found")))?;
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
