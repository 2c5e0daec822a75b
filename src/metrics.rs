//! Prometheus metrics for `GET /metrics`: HTTP requests per route pattern, OIDC tokens
//! issued, failed logins, and the database pool.
//!
//! Each `Application` owns its recorder (`PrometheusBuilder::build_recorder`) and records
//! through it directly instead of installing it as the process-global recorder. A global
//! recorder can be installed once per process, and the test binary starts many apps in one
//! process: with one shared recorder, every app's `/metrics` would show every other app's
//! requests. The cost: `metrics::counter!` calls in libraries go to the (absent) global
//! recorder and are not exported; Scimitar's own code records through [`Metrics`].
use std::time::Instant;

use ::metrics::{Key, Label, Level, Metadata, Recorder};
use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::AppState;

const REQUESTS: &str = "scimitar_http_requests_total";
const DURATION: &str = "scimitar_http_request_duration_seconds";
const TOKENS: &str = "scimitar_oidc_tokens_issued_total";
const LOGIN_FAILURES: &str = "scimitar_login_failures_total";
const POOL: &str = "scimitar_db_pool_connections";
const POOL_MAX: &str = "scimitar_db_pool_max_connections";
const LOCAL_READS: &str = "scimitar_sqlite_local_reads_total";
const PG_READS: &str = "scimitar_postgres_direct_reads_total";

/// Latency buckets in seconds, from 0.5 ms to 10 s.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static METADATA: Metadata<'static> = Metadata::new("scimitar", Level::INFO, Some(module_path!()));

/// One application's metrics.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        // Buckets make the latency a Prometheus histogram (the exporter's default is a
        // summary); setting them fails only for an empty slice.
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let handle = recorder.handle();
        Metrics { recorder, handle }
    }

    /// The Prometheus text exposition, with the pool gauges read now.
    pub fn render(&self, store: &crate::store::Store) -> String {
        self.record_pool(store.db());
        let outside_pool = match (store.local(), store.pg_reads()) {
            (Some(local), _) => Some((LOCAL_READS, local.counts())),
            (_, Some(direct)) => Some((PG_READS, direct.counts())),
            _ => None,
        };
        if let Some((name, (answered, handed_on))) = outside_pool {
            for (outcome, n) in [("answered", answered), ("handed_to_pool", handed_on)] {
                let key = Self::key(name, vec![Label::new("outcome", outcome)]);
                self.recorder.register_counter(&key, &METADATA).absolute(n);
            }
        }
        self.handle.render()
    }

    /// Drains histogram samples; `render` does it too, this keeps memory flat without scrapes.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    fn key(name: &'static str, labels: Vec<Label>) -> Key {
        Key::from_parts(name, labels)
    }

    /// One HTTP request: `route` is the matched pattern (e.g. `/scim/v2/Users/{id}`), never the path.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = vec![
            Label::new("method", method.to_owned()),
            Label::new("route", route.to_owned()),
            Label::new("status", status.to_string()),
        ];
        self.recorder
            .register_counter(&Self::key(REQUESTS, labels.clone()), &METADATA)
            .increment(1);
        self.recorder
            .register_histogram(&Self::key(DURATION, labels), &METADATA)
            .record(seconds);
    }

    /// A successful token response at the token endpoint.
    pub fn token_issued(&self, grant_type: &'static str) {
        let labels = vec![Label::new("grant_type", grant_type)];
        self.recorder
            .register_counter(&Self::key(TOKENS, labels), &METADATA)
            .increment(1);
    }

    /// A rejected sign-in: `invalid_credentials` or `rate_limited`.
    pub fn login_failure(&self, reason: &'static str) {
        let labels = vec![Label::new("reason", reason)];
        self.recorder
            .register_counter(&Self::key(LOGIN_FAILURES, labels), &METADATA)
            .increment(1);
    }

    fn record_pool(&self, db: &DatabaseConnection) {
        let (size, idle, max) = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let p = db.get_sqlite_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            DbBackend::Postgres => {
                let p = db.get_postgres_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            _ => return,
        };
        let idle = idle as f64;
        for (state, value) in [("idle", idle), ("in_use", (f64::from(size) - idle).max(0.0))] {
            let key = Self::key(POOL, vec![Label::new("state", state)]);
            self.recorder.register_gauge(&key, &METADATA).set(value);
        }
        self.recorder
            .register_gauge(&Self::key(POOL_MAX, vec![]), &METADATA)
            .set(f64::from(max));
    }
}

/// Methods as labels: the standard ones by name, anything else as `other` (bounded cardinality).
fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: counts and times every request by method, route pattern and status.
/// Unmatched paths share the route label `unmatched`, so scanners cannot blow up the series.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let start = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = method_label(req.method());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let res = next.call(req).await;
    if let Some(state) = state {
        let status = match &res {
            Ok(r) => r.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        let route = match &res {
            Ok(r) => r.request().match_pattern().unwrap_or(route),
            Err(_) => route,
        };
        state
            .metrics
            .request(method, &route, status, start.elapsed().as_secs_f64());
    }
    res
}
