//! The `scimitar` command: parse the CLI, then one call per subcommand.
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use scimitar::{Application, Config, auth, store::Store};

#[derive(Parser)]
#[command(name = "scimitar", version, about = "SCIM 2.0 identity provider")]
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
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret (shown only once).
    Create {
        /// A name to recognise the token by.
        #[arg(long)]
        name: String,
        /// Scopes: scim, admin, admin:read (repeat the flag or separate by commas).
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: uuid::Uuid },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    scimitar::telemetry::init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => {
            let db = scimitar::db::connect(&cli.config.database_url, Some(1)).await?;
            Migrator::up(&db, None).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Token(cmd) => token(cli.config, cmd).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    let base = app.state().issuer.clone();
    println!("Scimitar listening on {base} (SCIM base: {base}/scim/v2)");
    if let Some(token) = &app.initial_token {
        println!("Created the first admin token (scopes: scim admin). It is shown only once:\n\n    {token}\n");
        println!("Try: curl -H 'Authorization: Bearer {token}' {base}/scim/v2/Users");
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn token(config: Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let db = scimitar::db::connect(&config.database_url, Some(1)).await?;
    Migrator::up(&db, None).await?;
    let store = Store::new(db);
    match cmd {
        TokenCommand::Create { name, scopes } => {
            let scopes = auth::Scope::parse_list(&scopes.join(" "))?;
            let (secret, row) = auth::tokens::create(&store, &name, &scopes, None).await?;
            println!("{secret}");
            eprintln!("created token {} ({}) with scopes: {}", row.id, row.name, row.scopes);
        }
        TokenCommand::List => {
            for t in store.tokens().list().await? {
                let used = t.last_used.map_or("never".into(), |t| t.to_rfc3339());
                println!(
                    "{}\t{}\t{}\tcreated {}\tlast used {}",
                    t.id,
                    t.name,
                    t.scopes,
                    t.created.to_rfc3339(),
                    used
                );
            }
        }
        TokenCommand::Revoke { id } => {
            store.tokens().delete(id).await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
