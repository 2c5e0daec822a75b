//! One `Config`, read from flags and environment variables, with defaults that run out of the box.
use clap::Args;

/// Server configuration. Every flag can also be set through the environment variable shown.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// SQLite file (`sqlite://file.db?mode=rwc`) or PostgreSQL (`postgres://user:pw@host/db`).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://scimitar.db?mode=rwc")]
    pub database_url: String,

    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "SCIMITAR_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Public base URL (SCIM `meta.location`, OIDC `iss`). Default: `http://<bound address>`.
    #[arg(long, env = "SCIMITAR_ISSUER")]
    pub issuer: Option<String>,

    /// If set, a token with every scope and this exact secret is ensured at start (automation, tests).
    #[arg(long, env = "SCIMITAR_BOOTSTRAP_TOKEN", hide_env_values = true)]
    pub bootstrap_token: Option<String>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SCIMITAR_WORKERS")]
    pub workers: Option<usize>,

    /// Largest accepted request body in bytes; larger bodies get 413.
    #[arg(long, env = "SCIMITAR_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,

    /// Largest SCIM page (`count`) served; larger requests are capped to it.
    /// RFC 9865 §4 advertises it as a positive integer, so 0 is refused.
    #[arg(long, env = "SCIMITAR_MAX_PAGE_SIZE", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_page_size: u64,

    /// Database connection pool size (default: 16 for PostgreSQL, 8 for SQLite).
    #[arg(long, env = "SCIMITAR_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,

    /// SQLite: independent writes (creates, audit-only changes) that may wait for the group
    /// committer; when that many wait, further writes get 503 with `Retry-After` at once.
    #[arg(long, env = "SCIMITAR_DB_WRITE_QUEUE", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_write_queue: u64,

    /// SQLite: the longest a write waits for the one writer connection, in milliseconds;
    /// then 503 with `Retry-After` (nothing written).
    #[arg(long, env = "SCIMITAR_DB_WRITE_WAIT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_write_wait_ms: u64,

    /// SQLite durability (`PRAGMA synchronous` in WAL mode): `full` (the default) syncs the
    /// log at every commit, so an acknowledged write survives a power loss; `normal` survives
    /// a process crash but may lose the last commits on power loss or an OS crash.
    #[arg(long, env = "SCIMITAR_SQLITE_SYNCHRONOUS", default_value = "full")]
    pub sqlite_synchronous: crate::db::Durability,

    /// SQLite: point reads (a user by id, a small page of users) run on the request's thread
    /// within a time budget instead of on sqlx's connection threads (see `store::local`).
    /// `false` sends every read through the pool.
    #[arg(long, env = "SCIMITAR_SQLITE_LOCAL_READS", default_value_t = true, action = clap::ArgAction::Set)]
    pub sqlite_local_reads: bool,

    /// PostgreSQL: point reads (a user by id, `userName eq`) run on connections kept outside
    /// sqlx's pool, returned without the pool's release round trip (see `store::pg_reads`);
    /// half as many again as the pool's. `false`: every read through the pool.
    #[arg(long, env = "SCIMITAR_POSTGRES_DIRECT_READS", default_value_t = true, action = clap::ArgAction::Set)]
    pub postgres_direct_reads: bool,

    /// SQLite: how large, in bytes, the write-ahead log may grow before the checkpoint runs
    /// in the writer's turn (so that the log starts over), and the size its file is cut back
    /// to each time it does.
    #[arg(long, env = "SCIMITAR_SQLITE_WAL_LIMIT_BYTES", default_value_t = 64 << 20)]
    pub sqlite_wal_limit_bytes: u64,

    /// SQLite: how often rows written since are added to the substring-search index, in
    /// milliseconds (searches are exact meanwhile, only slower); 0: never in the background.
    #[arg(long, env = "SCIMITAR_SEARCH_INDEX_INTERVAL_MS", default_value_t = 200)]
    pub search_index_interval_ms: u64,

    /// Algorithm of newly generated OIDC signing keys: RS256, ES256 or EdDSA.
    #[arg(long, env = "SCIMITAR_SIGNING_ALG", default_value = "RS256")]
    pub signing_alg: String,

    /// Over this many groups, the ID token carries no `groups` claim but `groups_overage: true`
    /// (the full list is at the userinfo endpoint).
    #[arg(long, env = "SCIMITAR_GROUPS_CLAIM_LIMIT", default_value_t = 200)]
    pub groups_claim_limit: usize,

    /// Lifetime of access and ID tokens, in seconds.
    #[arg(long, env = "SCIMITAR_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: i64,

    /// Lifetime of refresh tokens, in seconds (default 30 days).
    #[arg(long, env = "SCIMITAR_REFRESH_TOKEN_TTL", default_value_t = 2_592_000)]
    pub refresh_token_ttl: i64,

    /// Absolute lifetime of a sign-in's refresh tokens, in seconds from the sign-in (default
    /// 90 days): however often they are refreshed, the user signs in again after it.
    #[arg(long, env = "SCIMITAR_REFRESH_TOKEN_ABSOLUTE_TTL", default_value_t = 7_776_000)]
    pub refresh_token_absolute_ttl: i64,

    /// PostgreSQL: the longest a database statement may run, in seconds (`statement_timeout`),
    /// so that no request holds a connection forever. SQLite has no such limit; there the
    /// request deadline (`SCIMITAR_REQUEST_TIMEOUT_SECONDS`) answers 408 and rolls back.
    #[arg(long, env = "SCIMITAR_DB_STATEMENT_TIMEOUT_SECONDS", default_value_t = 30)]
    pub db_statement_timeout_seconds: u64,

    /// Failed sign-ins allowed per user and source address per minute (then 429 until the
    /// minute is over). An attempt is counted before the password is checked and given back
    /// when it succeeds, so parallel guesses cannot overrun it; counted in the database, so
    /// every replica shares it.
    #[arg(long, env = "SCIMITAR_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
    pub login_attempts_per_minute: u32,

    /// Failed sign-ins allowed per source address per minute, whatever the user (against
    /// password spraying).
    #[arg(long, env = "SCIMITAR_LOGIN_FAILURES_PER_SOURCE_PER_MINUTE", default_value_t = 60)]
    pub login_failures_per_source_per_minute: u32,

    /// Failed client authentications (token, introspection, revocation) allowed per client and
    /// source address per minute. Correct requests are never counted.
    #[arg(long, env = "SCIMITAR_CLIENT_FAILURES_PER_MINUTE", default_value_t = 60)]
    pub client_failures_per_minute: u32,

    /// Password verifications (argon2id, about 19 MiB each) run at once; sign-ins beyond it
    /// wait up to a second, then get 503 with `Retry-After`.
    #[arg(long, env = "SCIMITAR_PASSWORD_VERIFICATIONS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub password_verifications: u32,

    /// Shortest password accepted on SCIM writes (characters).
    #[arg(long, env = "SCIMITAR_PASSWORD_MIN_LENGTH", default_value_t = 8)]
    pub password_min_length: usize,

    /// Reverse proxies whose `X-Forwarded-For` is believed, as addresses or CIDR networks
    /// (`10.0.0.0/8,::1`). Empty: the peer address is the source.
    #[arg(long, env = "SCIMITAR_TRUSTED_PROXIES", default_value = "", value_parser = crate::auth::source::TrustedProxies::parse)]
    pub trusted_proxies: crate::auth::source::TrustedProxies,

    /// Refuse authorization requests that were not pushed first (RFC 9126), for every client
    /// (a client can also require it for itself: `require_pushed_authorization_requests`).
    #[arg(long, env = "SCIMITAR_REQUIRE_PAR", default_value_t = false)]
    pub require_par: bool,

    /// Require DPoP proofs to carry a server-provided nonce (RFC 9449 §8): a proof without a
    /// current one is answered `use_dpop_nonce` with a fresh `DPoP-Nonce` header.
    #[arg(long, env = "SCIMITAR_DPOP_REQUIRE_NONCE", default_value_t = false)]
    pub dpop_require_nonce: bool,

    /// Key-encryption key for the signing keys at rest: base64 of 32 random bytes
    /// (`openssl rand -base64 32`). Every replica needs the same one. Unset (and no key file):
    /// signing keys are stored unencrypted, with a warning at every start.
    #[arg(long, env = "SCIMITAR_KEY_ENCRYPTION_KEY", hide_env_values = true)]
    pub key_encryption_key: Option<String>,

    /// A file whose first line is the key-encryption key (instead of the variable).
    #[arg(long, env = "SCIMITAR_KEY_ENCRYPTION_KEY_FILE")]
    pub key_encryption_key_file: Option<std::path::PathBuf>,

    /// The previous key-encryption key during a rotation: it only opens keys, until
    /// `scimitar keys rewrap` has sealed them all under the current one.
    #[arg(long, env = "SCIMITAR_PREVIOUS_KEY_ENCRYPTION_KEY", hide_env_values = true)]
    pub previous_key_encryption_key: Option<String>,

    /// How often each replica re-reads the signing keys (to follow `scimitar keys rotate`).
    #[arg(long, env = "SCIMITAR_KEYS_RELOAD_SECONDS", default_value_t = 60)]
    pub keys_reload_seconds: u64,

    /// Seconds a request may take from its first byte to its answer, body upload included;
    /// slower requests (a slowloris body, say) are answered 408 and their work is rolled back.
    #[arg(long, env = "SCIMITAR_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,

    /// Serve Prometheus metrics at `GET /metrics` (`false` gives 404). They need a bearer API
    /// token with scope `admin:read` unless `SCIMITAR_METRICS_PUBLIC` is set.
    #[arg(long, env = "SCIMITAR_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,

    /// Serve `GET /metrics` without authentication (for a scraper on a private network).
    #[arg(long, env = "SCIMITAR_METRICS_PUBLIC", default_value_t = false, action = clap::ArgAction::Set)]
    pub metrics_public: bool,

    /// How often expired memberships are deleted and audited (`member.expire`). They end at
    /// their instant regardless: this only bounds how late the audit event and the row's
    /// removal may be.
    #[arg(long, env = "SCIMITAR_EXPIRY_SWEEP_SECONDS", default_value_t = 10)]
    pub expiry_sweep_seconds: u64,

    /// Record when each user last got a token from each application ("last accessed").
    #[arg(long, env = "SCIMITAR_RECORD_ACCESS", default_value_t = true, action = clap::ArgAction::Set)]
    pub record_access: bool,

    /// How often "last accessed" notes are written to the database (the figures lag by up to
    /// this much; a crash loses at most this much of them).
    #[arg(long, env = "SCIMITAR_ACCESS_FLUSH_SECONDS", default_value_t = 5)]
    pub access_flush_seconds: u64,

    /// Install SIGINT/SIGTERM handlers for graceful shutdown (off in tests).
    #[arg(skip = true)]
    pub handle_signals: bool,

    /// The server's clock (tests inject a manual one).
    #[arg(skip)]
    pub clock: crate::clock::Clock,
}

impl Config {
    /// The configured key-encryption keys.
    pub fn keks(&self) -> anyhow::Result<crate::oidc::keywrap::Keks> {
        use crate::oidc::keywrap::Kek;
        let current = match (&self.key_encryption_key, &self.key_encryption_key_file) {
            (Some(_), Some(_)) => {
                anyhow::bail!("set SCIMITAR_KEY_ENCRYPTION_KEY or SCIMITAR_KEY_ENCRYPTION_KEY_FILE, not both")
            }
            (Some(k), None) => Some(Kek::parse(k).map_err(anyhow::Error::msg)?),
            (None, Some(path)) => Some(Kek::from_file(path).map_err(anyhow::Error::msg)?),
            (None, None) => None,
        };
        let previous = self
            .previous_key_encryption_key
            .as_deref()
            .map(Kek::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?;
        Ok(crate::oidc::keywrap::Keks { current, previous })
    }

    /// Defaults for the given database, as if no flag or variable were set.
    pub fn with_database(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            bind: "127.0.0.1:8080".into(),
            issuer: None,
            bootstrap_token: None,
            workers: None,
            max_body_bytes: 1_048_576,
            max_page_size: 1000,
            db_max_connections: None,
            db_write_queue: 4096,
            db_write_wait_ms: 5000,
            sqlite_synchronous: crate::db::Durability::Full,
            sqlite_local_reads: true,
            postgres_direct_reads: true,
            sqlite_wal_limit_bytes: 64 << 20,
            search_index_interval_ms: 200,
            signing_alg: "RS256".into(),
            groups_claim_limit: 200,
            access_token_ttl: 900,
            refresh_token_ttl: 2_592_000,
            refresh_token_absolute_ttl: 7_776_000,
            db_statement_timeout_seconds: 30,
            login_attempts_per_minute: 10,
            login_failures_per_source_per_minute: 60,
            client_failures_per_minute: 60,
            password_verifications: 8,
            password_min_length: 8,
            trusted_proxies: Default::default(),
            require_par: false,
            dpop_require_nonce: false,
            key_encryption_key: None,
            key_encryption_key_file: None,
            previous_key_encryption_key: None,
            keys_reload_seconds: 60,
            request_timeout_seconds: 30,
            metrics: true,
            metrics_public: false,
            expiry_sweep_seconds: 10,
            record_access: true,
            access_flush_seconds: 5,
            handle_signals: true,
            clock: Default::default(),
        }
    }
}
