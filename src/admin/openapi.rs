//! The OpenAPI 3 document of the admin API, collected from the `#[utoipa::path]` handlers
//! that are actually mounted (utoipa-actix-web), so it cannot drift from the routes.
use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use utoipa::{
    IntoResponses, Modify, OpenApi,
    openapi::{
        ContentBuilder, Ref, RefOr, ResponseBuilder,
        response::Response,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_actix_web::OpenApiFactory;

use super::problem::{PROBLEM_JSON, ProblemBody};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Scimitar admin API",
        description = "Group membership, users and groups, API tokens and the audit log. \
                       Reads need scope `admin:read` (or `admin`), writes need `admin`. \
                       Errors are RFC 9457 `application/problem+json`."
    ),
    modifiers(&BearerAuth),
    components(schemas(ProblemBody)),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scheme = SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", scheme);
    }
}

/// The document for the handlers mounted on `api`.
pub fn document(api: &impl OpenApiFactory) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.paths.merge(api.paths());
    let mut schemas = vec![];
    api.schemas(&mut schemas);
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
    doc
}

/// The error responses every endpoint may give, as problem documents.
pub struct Problems;

impl IntoResponses for Problems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("400", "Malformed request: bad JSON, query, cursor or scope"),
            (
                "401",
                "Missing or invalid bearer token (with `WWW-Authenticate: Bearer`)",
            ),
            (
                "403",
                "The token lacks the scope this endpoint needs; `detail` names it",
            ),
            ("404", "Unknown group, user, token or endpoint"),
            (
                "409",
                "An identifier names several groups or users; `candidates` lists their ids",
            ),
        ]
        .into_iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let res = ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, content)
                .build();
            (status.to_owned(), RefOr::T(res))
        })
        .collect()
    }
}

/// `GET /api/v1/openapi.json`: this document (public).
#[utoipa::path(
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}
