//! The `scimitar` command: parse the CLI, then one call per subcommand.
/// mimalloc hands freed memory back to the system: with glibc malloc the peak of concurrent
/// renders of 10,000-member groups stayed resident (165 MiB afterwards instead of ~110).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use scimitar::{Application, Config, auth, cli, oidc, store::Store};

#[derive(Parser)]
#[command(name = "scimitar", version, about = "SCIM 2.0 and OpenID Connect identity provider")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, then serve HTTP.
    Serve,
    /// Run database migrations and exit.
    Migrate,
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage OpenID Connect clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage OpenID Connect signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Group membership, through a running server's admin API (--url, --token).
    Group {
        #[command(flatten)]
        remote: cli::RemoteArgs,
        #[command(subcommand)]
        cmd: cli::GroupCommand,
    },
    /// Users: create, set a password, groups, permissions — through the admin API.
    User {
        #[command(flatten)]
        remote: cli::RemoteArgs,
        #[command(subcommand)]
        cmd: cli::UserCommand,
    },
    /// Roles: create, grant, revoke, list — through the admin API.
    Role {
        #[command(flatten)]
        remote: cli::RemoteArgs,
        #[command(subcommand)]
        cmd: cli::RoleCommand,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register a client and print its client_id and secret (the secret is shown only once).
    Create {
        /// A name shown on the login page.
        #[arg(long)]
        name: String,
        /// An exact redirect URI (repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A URI allowed as post_logout_redirect_uri (repeat for several).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A public client (no secret; PKCE required).
        #[arg(long)]
        public: bool,
        /// What the groups claim lists: names or ids.
        #[arg(long, default_value = "names")]
        groups_claim: String,
        /// Only groups whose display name starts with this go into the groups claim.
        #[arg(long)]
        groups_prefix: Option<String>,
        /// Refuse its authorization requests unless they were pushed first (RFC 9126).
        #[arg(long)]
        require_par: bool,
        /// A resource server: may introspect access tokens issued to other clients.
        #[arg(long)]
        resource_server: bool,
        /// Only permissions starting with this (e.g. `wiki.`) go into its tokens' entitlements.
        #[arg(long)]
        permissions_prefix: Option<String>,
        /// Let its tokens carry Scimitar's own iam.* permissions.
        #[arg(long)]
        iam_permissions: bool,
    },
    /// List clients (never their secrets).
    List,
    /// Delete a client: its codes and refresh tokens go, its access tokens stop working.
    Delete { client_id: String },
    /// Give a confidential client a new secret (printed once); the old one stops working.
    RotateSecret { client_id: String },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a new signing key (SCIMITAR_SIGNING_ALG); the previous public keys stay in
    /// the JWKS until the tokens they signed have expired.
    Rotate,
    /// Seal every signing key under SCIMITAR_KEY_ENCRYPTION_KEY: keys stored unencrypted, or
    /// under SCIMITAR_PREVIOUS_KEY_ENCRYPTION_KEY (a KEK rotation), are sealed again.
    Rewrap,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret (shown only once).
    Create {
        /// A name to recognise the token by.
        #[arg(long)]
        name: String,
        /// Scopes (scim, admin, admin:read) or permissions (iam.group.read, iam.group.*); repeat the
        /// flag or separate by commas.
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Days until the token stops working (default: never).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        expires_in_days: Option<u16>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: uuid::Uuid },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    scimitar::telemetry::init();
    oidc::keys::install_crypto_provider();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => {
            let db = scimitar::db::connect(&cli.config.database_url, &cli_db_options(&cli.config)).await?;
            Migrator::up(&db.write, None).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Token(cmd) => token(cli.config, cmd).await,
        Command::Group { remote, cmd } => std::process::exit(cli::run(remote, cli::Command::Group(cmd)).await),
        Command::User { remote, cmd } => std::process::exit(cli::run(remote, cli::Command::User(cmd)).await),
        Command::Role { remote, cmd } => std::process::exit(cli::run(remote, cli::Command::Role(cmd)).await),
        Command::Client(cmd) => client(cli.config, cmd).await,
        Command::Keys(KeysCommand::Rotate) => {
            let store = open_store(&cli.config).await?;
            let alg = oidc::keys::parse_alg(&cli.config.signing_alg)?;
            // Retired keys stay published for the longest token lifetime plus a margin.
            let keep = chrono::Duration::seconds(cli.config.access_token_ttl.max(1) + 300);
            let kid = oidc::keys::rotate(&store, alg, keep, &cli.config.keks()?, &cli_actor()).await?;
            println!(
                "new signing key {kid} ({}); replicas pick it up within a minute",
                cli.config.signing_alg
            );
            Ok(())
        }
        Command::Keys(KeysCommand::Rewrap) => {
            let store = open_store(&cli.config).await?;
            let keks = cli.config.keks()?;
            let n = oidc::keys::rewrap(&store, &keks, &cli_actor()).await?;
            let id = keks.current.as_ref().map_or("", |k| k.id());
            println!("{n} signing keys sealed under key-encryption key {id}; restart replicas with it");
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    let base = app.state().issuer.clone();
    println!("Scimitar listening on {base} (SCIM base: {base}/scim/v2)");
    if app.state().config.key_encryption_key.is_none() && app.state().config.key_encryption_key_file.is_none() {
        // On stdout with the other start-up messages (stderr carries only the logs, which may be JSON).
        println!(
            "WARNING: SCIMITAR_KEY_ENCRYPTION_KEY is not set, so the OIDC signing keys are stored unencrypted.\n\
             Set it to `openssl rand -base64 32` and run `scimitar keys rewrap` (docs/SECURITY.md)."
        );
    }
    if let Some(token) = &app.initial_token {
        println!("Created the first admin token (scopes: scim admin). It is shown only once:\n\n    {token}\n");
        println!("Try: curl -H 'Authorization: Bearer {token}' {base}/scim/v2/Users");
    }
    println!("Console: {base}/console");
    if let Some(link) = &app.setup_link {
        println!(
            "No administrator yet. Create the first one in a browser (the link works once; each start prints a new one):\n\n    {link}\n"
        );
    }
    app.run_until_stopped().await?;
    Ok(())
}

/// A local CLI command needs one read connection (and, on SQLite, the one writer).
fn cli_db_options(config: &Config) -> scimitar::db::Options {
    scimitar::db::Options {
        max_connections: Some(1),
        ..scimitar::db::Options::from_config(config)
    }
}

/// Changes made with the CLI are audited as made by the operating-system user running it.
fn cli_actor() -> scimitar::store::audit::Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    scimitar::store::audit::Actor::new(format!("cli:{who}"), scimitar::store::audit::Source::Cli)
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let db = scimitar::db::connect(&config.database_url, &cli_db_options(config)).await?;
    Migrator::up(&db.write, None).await?;
    Ok(Store::new(db))
}

async fn client(config: Config, cmd: ClientCommand) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    match cmd {
        ClientCommand::Create {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            groups_claim,
            groups_prefix,
            require_par,
            resource_server,
            permissions_prefix,
            iam_permissions,
        } => {
            let new = oidc::clients::NewClient {
                name,
                redirect_uris,
                post_logout_redirect_uris,
                public,
                grant_types: vec![],
                groups_claim: Some(groups_claim),
                groups_prefix,
                require_par,
                resource_server,
                permissions_prefix,
                iam_permissions,
            };
            let (c, secret) = oidc::clients::create(&store, &cli_actor(), new)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.description))?;
            println!("client_id: {}", c.client_id);
            match secret {
                Some(s) => println!("client_secret: {s}"),
                None => println!("public client: no secret; use PKCE (S256)"),
            }
        }
        ClientCommand::List => {
            for c in store.clients().list().await? {
                let kind = if c.public { "public" } else { "confidential" };
                println!(
                    "{}\t{}\t{kind}\t{}\tgroups={}{}",
                    c.client_id,
                    c.name,
                    oidc::clients::uris(&c.redirect_uris).join(" "),
                    c.groups_claim,
                    c.groups_prefix.map(|p| format!(" prefix={p}")).unwrap_or_default()
                );
            }
        }
        ClientCommand::Delete { client_id } => {
            let until = chrono::Utc::now() + chrono::Duration::seconds(config.access_token_ttl.max(1));
            store.clients().delete(&cli_actor(), &client_id, until).await?;
            println!("deleted client {client_id}");
        }
        ClientCommand::RotateSecret { client_id } => {
            let secret = oidc::random_secret();
            store
                .clients()
                .set_secret(&cli_actor(), &client_id, &auth::tokens::hash(&secret))
                .await?;
            println!(
                "client_id:     {client_id}\nclient_secret: {secret}   (shown only once; the old secret no longer works)"
            );
        }
    }
    Ok(())
}

async fn token(config: Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    match cmd {
        TokenCommand::Create {
            name,
            scopes,
            expires_in_days,
        } => {
            let grants = auth::Grants::parse(&scopes.join(" "))?;
            anyhow::ensure!(!grants.words.is_empty(), "give at least one scope or permission");
            let bounds = scimitar::store::tokens::Bounds {
                expires_at: expires_in_days.map(|d| store.clock().now() + chrono::Duration::days(d.into())),
                created_by: None,
            };
            let (secret, row) =
                auth::tokens::create_bounded(&store, &cli_actor(), &name, &grants, None, bounds).await?;
            println!("{secret}");
            eprintln!("created token {} ({}) with scopes: {}", row.id, row.name, row.scopes);
        }
        TokenCommand::List => {
            for t in store.tokens().list().await? {
                let used = t.last_used.map_or("never".into(), |t| t.to_rfc3339());
                let ends = t.expires_at.map_or("never".into(), |t| t.to_rfc3339());
                println!(
                    "{}\t{}\t{}\tcreated {}\tlast used {}\texpires {}",
                    t.id,
                    t.name,
                    t.scopes,
                    t.created.to_rfc3339(),
                    used,
                    ends
                );
            }
        }
        TokenCommand::Revoke { id } => {
            store.tokens().delete(&cli_actor(), id).await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
