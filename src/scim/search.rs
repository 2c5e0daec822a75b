//! `POST /.search` at the root and per resource type (RFC 7644 §3.4.3): the query travels in
//! the body instead of the query string; the lists are `service::list`'s.
use actix_web::{HttpResponse, http::StatusCode, web};

use super::{ScimBody, error::ScimError, method_not_allowed, query, resource::Resource, respond, service};
use crate::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/.search")
            .route(web::post().to(search_root))
            .default_service(web::to(method_not_allowed)),
    );
    for r in Resource::ALL {
        cfg.service(
            web::resource(format!("/{}/.search", r.endpoint()))
                .route(web::post().to(move |s, b| search_one(s, b, r)))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

/// `POST /Users/.search`, `POST /Groups/.search`.
async fn search_one(state: web::Data<AppState>, body: ScimBody, r: Resource) -> Result<HttpResponse, ScimError> {
    let q = query::from_search_body(body.0)?;
    Ok(respond(
        StatusCode::OK,
        None,
        service::list::query(&state, r, &q).await?,
    ))
}

/// `POST /.search`: both resource types, users first.
async fn search_root(state: web::Data<AppState>, body: ScimBody) -> Result<HttpResponse, ScimError> {
    let q = query::from_search_body(body.0)?;
    Ok(respond(
        StatusCode::OK,
        None,
        service::list::search_all(&state, &q).await?,
    ))
}
