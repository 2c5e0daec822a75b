//! The admin API under `/api/v1`: group membership, user and group lookup, API tokens, the
//! audit log, and its own OpenAPI document. Errors are RFC 9457 problems (`problem.rs`).
//!
//! Every route needs a bearer token (checked here) holding the permission the route names
//! (checked by its handler's `authz::Allowed` argument). Only `/api/v1/openapi.json` is public.
pub mod access;
pub mod audit;
pub mod authz;
pub mod clients;
pub mod directory;
pub mod ident;
pub mod keys;
pub mod membership;
pub mod openapi;
pub mod paging;
pub mod problem;
pub mod roles;
pub mod tokens;
pub mod users;

use actix_web::{
    Error, HttpMessage, HttpResponse,
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    middleware::{Next, from_fn},
    web,
};
use utoipa_actix_web::scope;

use crate::{
    AppState,
    auth::{self, AuthError},
};
use problem::Problem;

/// Mounts `/api/v1`; JSON bodies above `max_body` bytes are a 413 problem.
pub fn configure(max_body: usize) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let api = scope::scope("/api/v1")
            .configure(membership::configure)
            .configure(access::configure)
            .configure(directory::configure)
            .configure(users::configure)
            .configure(tokens::configure)
            .configure(clients::configure)
            .configure(keys::configure)
            .configure(roles::configure)
            .configure(audit::configure)
            .service(openapi::openapi_json);
        let doc = openapi::document(&api);
        cfg.service(
            api.app_data(web::Data::new(doc))
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(problem::json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(problem::query_error))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(
                        Problem::not_found("no such admin API endpoint (see /api/v1/openapi.json)")
                            .typed(problem::NO_SUCH_ENDPOINT, "No such endpoint"),
                    )
                }))
                .wrap(from_fn(authenticate)),
        );
    }
}

/// Authenticates the caller; the `Principal` goes into the request extensions, where each
/// handler's `authz::Allowed` checks the permission it needs.
async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if req.path() == "/api/v1/openapi.json" {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    // A refusal is answered here (a response, not an `Err`), so app-wide headers apply to it.
    let refused = match auth::authenticate(&state.store, req.headers()).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            return next.call(req).await.map(ServiceResponse::map_into_left_body);
        }
        Err(AuthError::Missing) => Problem::unauthorized("a bearer token is required"),
        Err(AuthError::Invalid) => Problem::unauthorized("the bearer token is not valid"),
        Err(AuthError::Store(e)) => Problem::from(e),
    };
    Ok(req.error_response(refused).map_into_right_body())
}
