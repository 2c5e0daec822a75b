//! The remote administration commands — `scimitar group|user|role …` — in the manner of
//! `aws iam add-user-to-group`: they call a running server's admin API (`--url`, `--token`),
//! so they work from anywhere, are checked by the token's permissions and audited with the
//! token as actor. `--output json` prints the API's JSON for scripts; exit codes are in
//! [`remote::Exit`].
pub mod remote;

use clap::{Args, Subcommand, ValueEnum};
use reqwest::Method;
use serde_json::{Value, json};

use remote::{Exit, Remote, RemoteError};

/// Where the server is and who is calling.
#[derive(Args, Debug, Clone)]
pub struct RemoteArgs {
    /// The server's base URL.
    #[arg(
        long = "url",
        env = "SCIMITAR_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub url: String,
    /// An API token holding the permissions the command needs.
    #[arg(long = "token", env = "SCIMITAR_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// `text` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = Output::Text, global = true)]
    pub output: Output,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Add a user to a group (idempotent); with `--expires`, until then only.
    AddUser {
        group: String,
        user: String,
        /// When the membership ends (RFC 3339, e.g. 2026-12-31T18:00:00Z); without it, for
        /// good (and an existing end is removed).
        #[arg(long)]
        expires: Option<String>,
        /// When it starts (RFC 3339); without it, now.
        #[arg(long)]
        valid_from: Option<String>,
    },
    /// Remove a user from a group (their other groups are kept).
    RemoveUser { group: String, user: String },
    /// List a group's user members (every page).
    Members { group: String },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password, if any, is read from standard input.
    Create {
        user_name: String,
        #[arg(long)]
        display_name: Option<String>,
        /// An email (repeat for several; the first is primary).
        #[arg(long = "email")]
        emails: Vec<String>,
        /// Read a password from standard input (one line), so it is not in the shell history.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password, read from standard input (one line).
    SetPassword { user: String },
    /// The user's groups, direct and through nested groups.
    Groups { user: String },
    /// The user's effective permissions with their sources; with PERMISSION, whether they hold
    /// it (exit 0) or not (exit 1), and through what.
    Permissions { user: String, permission: Option<String> },
}

#[derive(Subcommand, Debug)]
pub enum RoleCommand {
    /// Create a role.
    Create {
        name: String,
        /// A permission it carries (repeat for several), e.g. wiki.page.edit or wiki.*.
        #[arg(long = "permission")]
        permissions: Vec<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Grant a role to a group or directly to a user.
    Grant {
        role: String,
        #[command(flatten)]
        to: Grantee,
    },
    /// Take a role back from a group or a user.
    Revoke {
        role: String,
        #[command(flatten)]
        to: Grantee,
    },
    /// List roles with their permissions.
    List,
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct Grantee {
    /// The group (id or name): its members, direct and nested, hold the role.
    #[arg(long)]
    group: Option<String>,
    /// The user (id, userName or email), for a direct grant.
    #[arg(long)]
    user: Option<String>,
}

/// A remote command.
#[derive(Debug)]
pub enum Command {
    Group(GroupCommand),
    User(UserCommand),
    Role(RoleCommand),
}

/// Runs a remote command: prints its result (stdout) or error (stderr) and returns the exit code.
pub async fn run(args: RemoteArgs, cmd: Command) -> i32 {
    match execute(&args, cmd).await {
        Ok((text, json)) => {
            match args.output {
                Output::Text => {
                    if !text.is_empty() {
                        println!("{text}");
                    }
                }
                Output::Json => println!("{json}"),
            }
            match json.get("held") {
                Some(Value::Bool(false)) => Exit::NotHeld as i32,
                _ => Exit::Ok as i32,
            }
        }
        Err(e) => {
            match args.output {
                Output::Text => eprintln!("scimitar: {}", e.message),
                Output::Json => eprintln!("{}", json!({"error": e.message, "exit": e.exit as i32})),
            }
            e.exit as i32
        }
    }
}

fn read_password() -> Result<String, RemoteError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| RemoteError {
        exit: Exit::Usage,
        message: format!("reading the password from standard input: {e}"),
    })?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        return Err(RemoteError {
            exit: Exit::Usage,
            message: "no password on standard input".into(),
        });
    }
    Ok(p)
}

/// The text and JSON forms of the result.
async fn execute(args: &RemoteArgs, cmd: Command) -> Result<(String, Value), RemoteError> {
    let token = args.token.as_deref().ok_or_else(|| RemoteError {
        exit: Exit::Denied,
        message: "no API token: pass --token or set SCIMITAR_TOKEN".into(),
    })?;
    let r = Remote::new(&args.url, token)?;
    let done = |text: String| Ok((text, json!({"ok": true})));
    match cmd {
        Command::Group(GroupCommand::AddUser {
            group,
            user,
            expires,
            valid_from,
        }) => {
            let mut window = serde_json::Map::new();
            if let Some(t) = &valid_from {
                window.insert("valid_from".into(), json!(t));
            }
            if let Some(t) = &expires {
                window.insert("expires_at".into(), json!(t));
            }
            let body = (!window.is_empty()).then_some(Value::Object(window));
            r.call(Method::PUT, &["groups", &group, "users", &user], &[], body.as_ref())
                .await?;
            let until = expires.map(|t| format!(" until {t}")).unwrap_or_default();
            done(format!("{user} is a member of {group}{until}"))
        }
        Command::Group(GroupCommand::RemoveUser { group, user }) => {
            r.call(Method::DELETE, &["groups", &group, "users", &user], &[], None)
                .await?;
            done(format!("{user} is not a member of {group}"))
        }
        Command::Group(GroupCommand::Members { group }) => {
            let mut all = vec![];
            let mut cursor: Option<String> = None;
            loop {
                let mut q = vec![("limit", "500")];
                if let Some(c) = &cursor {
                    q.push(("cursor", c));
                }
                let page = r.call(Method::GET, &["groups", &group, "users"], &q, None).await?;
                all.extend(page["items"].as_array().cloned().unwrap_or_default());
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            let text = all
                .iter()
                .map(|u| {
                    let line = format!("{}\t{}", s(&u["user_name"]), s(&u["id"]));
                    match u["expires_at"].as_str() {
                        Some(end) => format!("{line}\texpires {end}"),
                        None => line,
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok((text, Value::Array(all)))
        }
        Command::User(UserCommand::Create {
            user_name,
            display_name,
            emails,
            password_stdin,
        }) => {
            let mut body = json!({"user_name": user_name, "emails": emails});
            if let Some(d) = display_name {
                body["display_name"] = json!(d);
            }
            if password_stdin {
                body["password"] = json!(read_password()?);
            }
            let u = r.call(Method::POST, &["users"], &[], Some(&body)).await?;
            Ok((format!("created user {} ({})", s(&u["user_name"]), s(&u["id"])), u))
        }
        Command::User(UserCommand::SetPassword { user }) => {
            let body = json!({"password": read_password()?});
            r.call(Method::PUT, &["users", &user, "password"], &[], Some(&body))
                .await?;
            done(format!("password of {user} set"))
        }
        Command::User(UserCommand::Groups { user }) => {
            let groups = r.call(Method::GET, &["users", &user, "groups"], &[], None).await?;
            let text = list(&groups)
                .iter()
                .map(|g| format!("{}\t{}\t{}", s(&g["display_name"]), s(&g["type"]), s(&g["id"])))
                .collect::<Vec<_>>()
                .join("\n");
            Ok((text, groups))
        }
        Command::User(UserCommand::Permissions { user, permission: None }) => {
            let held = r.call(Method::GET, &["users", &user, "permissions"], &[], None).await?;
            let text = list(&held["permissions"])
                .iter()
                .map(|h| format!("{}\t{}", s(&h["permission"]), sources(&h["sources"])))
                .collect::<Vec<_>>()
                .join("\n");
            Ok((text, held))
        }
        Command::User(UserCommand::Permissions {
            user,
            permission: Some(p),
        }) => {
            let check = r
                .call(Method::GET, &["users", &user, "permissions", &p], &[], None)
                .await?;
            let text = if check["held"] == true {
                format!("{user} holds {p}: {}", sources(&check["sources"]))
            } else {
                format!("{user} does not hold {p}")
            };
            Ok((text, check))
        }
        Command::Role(RoleCommand::Create {
            name,
            permissions,
            description,
        }) => {
            let body = json!({"name": name, "description": description, "permissions": permissions});
            let role = r.call(Method::POST, &["roles"], &[], Some(&body)).await?;
            Ok((format!("created role {} ({})", s(&role["name"]), s(&role["id"])), role))
        }
        Command::Role(RoleCommand::List) => {
            let roles = r.call(Method::GET, &["roles"], &[], None).await?;
            let text = list(&roles)
                .iter()
                .map(|role| {
                    let perms: Vec<&str> = list(&role["permissions"]).iter().filter_map(|p| p.as_str()).collect();
                    format!("{}\t{}", s(&role["name"]), perms.join(" "))
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok((text, roles))
        }
        Command::Role(RoleCommand::Grant { role, to }) => {
            let (kind, who) = to.path();
            r.call(Method::PUT, &[kind, who, "roles", &role], &[], None).await?;
            done(format!("{role} granted to {} {who}", &kind[..kind.len() - 1]))
        }
        Command::Role(RoleCommand::Revoke { role, to }) => {
            let (kind, who) = to.path();
            r.call(Method::DELETE, &[kind, who, "roles", &role], &[], None).await?;
            done(format!("{role} not granted to {} {who}", &kind[..kind.len() - 1]))
        }
    }
}

impl Grantee {
    fn path(&self) -> (&'static str, &str) {
        match (&self.group, &self.user) {
            (Some(g), _) => ("groups", g),
            (None, Some(u)) => ("users", u),
            // clap requires exactly one.
            (None, None) => ("users", ""),
        }
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// `direct (role editor); group B (role editor, via eng > B)`.
fn sources(v: &Value) -> String {
    list(v)
        .iter()
        .map(|src| {
            let role = s(&src["role"]);
            if src["type"] == "direct" {
                return format!("direct (role {role})");
            }
            let chain: Vec<&str> = list(&src["chain"]).iter().map(|g| s(&g["display_name"])).collect();
            let group = s(&src["group"]["display_name"]);
            if chain.len() > 1 {
                format!("group {group} (role {role}, via {})", chain.join(" > "))
            } else {
                format!("group {group} (role {role})")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
