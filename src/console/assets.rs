//! The console's static files, compiled into the binary: htmx (vendored, pinned: 2.0.11, BSD
//! Zero-Clause licence in `static/vendor/`), a small script of our own (dialogs, select-all)
//! and the stylesheet. No CDN, nothing to install, works offline.
use actix_web::{HttpResponse, http::header, web};

const HTMX: &[u8] = include_bytes!("../../static/vendor/htmx-2.0.11.min.js");
const SCRIPT: &[u8] = include_bytes!("../../static/console/console.js");
const STYLE: &[u8] = include_bytes!("../../static/console/console.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/assets/htmx-2.0.11.min.js",
        web::get().to(|| async { asset(HTMX, "text/javascript; charset=utf-8", true) }),
    )
    .route(
        "/assets/console.js",
        web::get().to(|| async { asset(SCRIPT, "text/javascript; charset=utf-8", false) }),
    )
    .route(
        "/assets/console.css",
        web::get().to(|| async { asset(STYLE, "text/css; charset=utf-8", false) }),
    );
}

/// A versioned file may be kept for good; our own files are revalidated after an hour.
fn asset(body: &'static [u8], content_type: &'static str, versioned: bool) -> HttpResponse {
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(body)
}
