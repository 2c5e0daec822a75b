//! `Application`: connect, migrate, bind, serve. Used by `main` and by the tests.
use std::{net::TcpListener, sync::Arc};

use actix_web::{App, HttpServer, dev::Server, web};
use migration::{Migrator, MigratorTrait};
use tracing_actix_web::TracingLogger;

use crate::{
    AppState, admin, auth,
    config::Config,
    oidc::{self, keys::KeyRing},
    ops, scim,
    store::Store,
};

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    /// A token created because the database had none (printed once by `serve`).
    pub initial_token: Option<String>,
    /// While no user is an administrator: the console's one-time setup link.
    pub setup_link: Option<String>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = crate::db::connect(&config.database_url, &crate::db::Options::from_config(&config)).await?;
        let pending = Migrator::get_pending_migrations(&db.write).await?.len();
        Migrator::up(&db.write, None).await?;
        if pending > 0 {
            tracing::info!(applied = pending, "database schema migrated");
        }
        crate::db::checkpoint_in_background(db.read.clone(), db.write.clone(), config.sqlite_wal_limit_bytes);
        let store = Store::new(db)
            .with_access_ttl(config.access_token_ttl)
            .with_clock(config.clock.clone());
        store.check_search_indexes().await?;
        crate::store::search::index_in_background(
            store.clone(),
            std::time::Duration::from_millis(config.search_index_interval_ms),
        );
        let initial_token = auth::tokens::bootstrap(&store, config.bootstrap_token.as_deref()).await?;
        let alg = oidc::keys::parse_alg(&config.signing_alg)?;
        let reload = std::time::Duration::from_secs(config.keys_reload_seconds);
        let keks = config.keks()?;
        if keks.current.is_none() {
            tracing::warn!(
                "SCIMITAR_KEY_ENCRYPTION_KEY is not set: the OIDC signing keys are stored unencrypted, \
                 and anyone who reads the database or a backup can forge tokens (see docs/SECURITY.md)"
            );
        }
        let keys = KeyRing::ensure(&store, alg, reload, Arc::new(keks)).await?;
        let dpop_nonces = Arc::new(oidc::dpop::Nonces::new(&store.server_secret("dpop_nonce").await?));

        let listener = TcpListener::bind(&config.bind)?;
        let addr = listener.local_addr()?;
        let issuer = config
            .issuer
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        // The console signs in through this server's own authorization endpoint.
        crate::console::signin::ensure_client(&store, &issuer).await?;
        let setup_link = crate::console::setup::open_if_needed(&store)
            .await?
            .map(|secret| format!("{issuer}/console/setup?token={secret}"));
        let state = AppState {
            store,
            config: Arc::new(config.clone()),
            issuer: issuer.into(),
            keys: Arc::new(keys),
            verifications: Arc::new(tokio::sync::Semaphore::new(config.password_verifications as usize)),
            dpop_nonces,
            metrics: Arc::default(),
            member_lists: Arc::new(tokio::sync::Semaphore::new(crate::state::CONCURRENT_MEMBER_LISTS)),
            member_cache: Arc::default(),
        };
        // Ended rate-limit windows are deleted once a minute (every replica may do it: the
        // statement is idempotent).
        let store = state.store.clone();
        every(60, "pruning rate-limit windows", move || {
            let store = store.clone();
            async move {
                store.console_sessions().prune().await?;
                store.limits().prune(2 * crate::store::limits::WINDOW_SECONDS).await
            }
        });
        // Expired memberships: deleted and audited (`member.expire`) soon after their instant;
        // reads never wait for it. Every replica sweeps; each expiry is audited once.
        let store = state.store.clone();
        every(config.expiry_sweep_seconds, "sweeping expired memberships", move || {
            let store = store.clone();
            async move { store.sweep_expired_memberships().await }
        });
        // "Last accessed" notes, written in batches (token issuance only notes them in memory).
        if config.record_access {
            let store = state.store.clone();
            every(config.access_flush_seconds, "writing last-accessed times", move || {
                let store = store.clone();
                async move { store.flush_access().await }
            });
        }
        // Histogram samples are drained on every scrape; this bounds memory when nobody scrapes.
        let metrics = state.metrics.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
            loop {
                tick.tick().await;
                metrics.run_upkeep();
            }
        });

        let data = web::Data::new(state.clone());
        let max_body = config.max_body_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                // Browsers must not guess a content type (a JSON error rendered as HTML). The
                // bearer-token checks answer with responses, not `Err`, so this reaches them too.
                .wrap(actix_web::middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(actix_web::middleware::from_fn(ops::deadline))
                .wrap(actix_web::middleware::from_fn(crate::metrics::track))
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .configure(ops::configure)
                .configure(scim::configure)
                .configure(oidc::configure)
                .configure(admin::configure(max_body))
                .configure(crate::console::configure)
        })
        // Request headers must arrive within 5 s (or the request deadline, if shorter); the
        // body is covered by `ops::deadline`.
        .client_request_timeout(std::time::Duration::from_secs(
            config.request_timeout_seconds.clamp(1, 5),
        ))
        .listen(listener)?;
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        if !config.handle_signals {
            server = server.disable_signals();
        }
        Ok(Application {
            port: addr.port(),
            server: server.run(),
            state,
            initial_token,
            setup_link,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the server is stopped (SIGINT/SIGTERM: graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Runs `task` every `seconds` (at least 1) for the life of the process, logging failures.
fn every<F, Fut, T, E>(seconds: u64, what: &'static str, task: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, E>> + Send,
    E: std::fmt::Display,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(seconds.max(1)));
        loop {
            tick.tick().await;
            if let Err(e) = task().await {
                tracing::warn!(error = %e, "{what} failed");
            }
        }
    });
}
