//! The remote CLI (`scimitar group|user|role …`) driving a running server through its admin
//! API: seed 000/001's console steps as commands, exit codes a script can rely on, `--output
//! json`, audit with the token as actor.
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::{TestApp, json_of, spawn_app};
use crate::oidc::{browser, query_param};

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", self.stdout))
    }
}

/// Runs the binary against `app` with `token` (blocking work off the runtime that serves it).
async fn cli_as(app: &TestApp, token: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let (url, token) = (app.address.clone(), token.to_owned());
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
            .args(&args)
            .env("SCIMITAR_URL", url)
            .env("SCIMITAR_TOKEN", token)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the scimitar binary");
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().expect("exited"),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    })
    .await
    .unwrap()
}

async fn cli(app: &TestApp, args: &[&str]) -> Run {
    cli_as(app, &app.token, args, None).await
}

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "stdout {:?} stderr {:?}", run.stdout, run.stderr);
}

#[tokio::test]
async fn the_cli_manages_users_groups_and_roles_on_a_running_server() {
    let app = spawn_app().await;
    app.create_group("Paper Street", &[]).await;

    let r = cli(
        &app,
        &[
            "role",
            "create",
            "editor",
            "--permission",
            "wiki.page.edit",
            "--output",
            "json",
        ],
    )
    .await;
    ok(&r);
    assert_eq!(r.json()["permissions"], json!(["wiki.page.edit"]));
    let r = cli_as(
        &app,
        &app.token,
        &[
            "user",
            "create",
            "alice",
            "--email",
            "alice@example.com",
            "--password-stdin",
            "--output",
            "json",
        ],
        Some("first password here\n"),
    )
    .await;
    ok(&r);
    let alice = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["emails"], json!(["alice@example.com"]));

    // A name with a space, a user by email: both percent-encoded by the CLI.
    ok(&cli(&app, &["group", "add-user", "Paper Street", "alice@example.com"]).await);
    ok(&cli(&app, &["group", "add-user", "Paper Street", "alice"]).await); // idempotent
    let r = cli(&app, &["group", "members", "Paper Street", "--output", "json"]).await;
    ok(&r);
    let members = r.json();
    let ids: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [alice.as_str()]);
    let r = cli(&app, &["user", "groups", "alice"]).await;
    ok(&r);
    assert!(r.stdout.starts_with("Paper Street\tdirect\t"), "{}", r.stdout);

    ok(&cli(&app, &["role", "grant", "editor", "--group", "Paper Street"]).await);
    let r = cli(&app, &["user", "permissions", "alice", "wiki.page.edit"]).await;
    ok(&r);
    assert!(r.stdout.contains("group Paper Street (role editor)"), "{}", r.stdout);
    let r = cli(&app, &["user", "permissions", "alice", "--output", "json"]).await;
    ok(&r);
    assert_eq!(r.json()["permissions"][0]["permission"], "wiki.page.edit");

    // Removed from the group: the check says "not held" with exit code 1.
    ok(&cli(&app, &["group", "remove-user", "Paper Street", "alice"]).await);
    let r = cli(
        &app,
        &["user", "permissions", "alice", "wiki.page.edit", "--output", "json"],
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}", r = (&r.stdout, &r.stderr));
    assert_eq!(r.json()["held"], false);
    ok(&cli(&app, &["role", "grant", "editor", "--user", "alice"]).await);
    ok(&cli(&app, &["user", "permissions", "alice", "wiki.page.edit"]).await);
    ok(&cli(&app, &["role", "revoke", "editor", "--user", "alice"]).await);
    assert_eq!(
        cli(&app, &["user", "permissions", "alice", "wiki.page.edit"])
            .await
            .code,
        1
    );
    let r = cli(&app, &["role", "list"]).await;
    ok(&r);
    assert_eq!(r.stdout.trim(), "editor\twiki.page.edit");

    // Audited with the token as actor.
    let events = json_of(app.admin("GET", "/audit?action=member.add", None).await).await;
    let event = &events["items"][0];
    assert!(event["actor"].as_str().unwrap().starts_with("token:"), "{event}");
    assert_eq!(event["source"], "admin");
}

#[tokio::test]
async fn set_password_changes_what_signs_in() {
    let app = spawn_app().await;
    let r = cli_as(
        &app,
        &app.token,
        &["user", "create", "bob", "--password-stdin"],
        Some("old password 1\n"),
    )
    .await;
    ok(&r);
    ok(&cli_as(
        &app,
        &app.token,
        &["user", "set-password", "bob"],
        Some("new password 2\n"),
    )
    .await);
    let rp = app.register_client(json!({})).await;
    let (_, challenge) = crate::oidc::pkce();
    let url = app.authorize_url(&rp, "openid", &challenge);
    let old = app.login(&browser(), &url, "bob", "old password 1").await;
    assert_ne!(old.status(), 302, "the old password no longer signs in");
    let new = app.login(&browser(), &url, "bob", "new password 2").await;
    assert!(query_param(&new, "code").is_some());
    let audit = app.admin("GET", "/audit?limit=500", None).await.text().await.unwrap();
    assert!(audit.contains("bob"), "the changes are audited");
    assert!(
        !audit.contains("password 2") && !audit.contains("password 1"),
        "never the password"
    );
    // Too short for the policy: rejected, exit 5.
    let r = cli_as(&app, &app.token, &["user", "set-password", "bob"], Some("short\n")).await;
    assert_eq!(r.code, 5, "{}", r.stderr);
}

#[tokio::test]
async fn failures_have_exit_codes_and_messages_a_script_can_rely_on() {
    let app = spawn_app().await;
    app.create_user("alice").await;
    app.create_group("eng", &[]).await;

    let r = cli(&app, &["group", "add-user", "nosuch", "alice"]).await;
    assert_eq!(r.code, 3, "not found: {}", r.stderr);
    assert!(r.stderr.contains("nosuch"), "{}", r.stderr);

    let reader = app.token_granting("iam.group.read").await;
    let r = cli_as(&app, &reader, &["group", "add-user", "eng", "alice"], None).await;
    assert_eq!(r.code, 4, "denied: {}", r.stderr);
    assert!(r.stderr.contains("iam.group.write"), "{}", r.stderr);
    let r = cli_as(&app, "scm_not-a-token", &["group", "members", "eng"], None).await;
    assert_eq!(r.code, 4);

    let r = cli(&app, &["user", "create", "alice"]).await;
    assert_eq!(r.code, 5, "conflict: {}", r.stderr);
    let r = cli(
        &app,
        &["user", "create", "carol", "--output", "json", "--password-stdin"],
    )
    .await;
    assert_eq!(r.code, 2, "no password on stdin: {}", r.stderr);
    let err: Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!(err["exit"], 2);
    let r = cli(&app, &["group", "members", ".."]).await;
    assert_eq!(r.code, 2, "a dot segment is not sent as a path: {}", r.stderr);

    let r = cli_as(
        &app,
        &app.token,
        &["group", "members", "eng", "--url", "http://127.0.0.1:9"],
        None,
    )
    .await;
    assert_eq!(r.code, 6, "unreachable: {}", r.stderr);
    let r = cli(&app, &["role", "grant", "editor"]).await;
    assert_eq!(r.code, 2, "usage: one of --group/--user is required");
}

#[tokio::test]
async fn group_add_user_with_expires_makes_a_time_bound_membership() {
    let app = spawn_app().await;
    app.create_group("contractors", &[]).await;
    app.create_user("alice").await;
    let end = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let r = cli(&app, &["group", "add-user", "contractors", "alice", "--expires", &end]).await;
    ok(&r);
    assert!(r.stdout.contains(&format!("until {end}")), "{}", r.stdout);
    let r = cli(&app, &["group", "members", "contractors"]).await;
    ok(&r);
    let line = r.stdout.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("alice\t") && line.ends_with(&format!("expires {end}")),
        "{line}"
    );
    // An end in the past is refused as made (exit 5), and changes nothing.
    let r = cli(
        &app,
        &[
            "group",
            "add-user",
            "contractors",
            "alice",
            "--expires",
            "2001-01-01T00:00:00Z",
        ],
    )
    .await;
    assert_eq!(r.code, 5, "{r:?}");
    let r = cli(&app, &["group", "members", "contractors", "--output", "json"]).await;
    ok(&r);
    assert_eq!(r.json()[0]["expires_at"], json!(end));
}

#[tokio::test]
async fn token_create_with_expires_in_days_makes_a_token_that_ends() {
    let app = spawn_app().await;
    let url = app.database_url.clone();
    let run = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_scimitar"))
            .args([
                "token",
                "create",
                "--name",
                "weekly",
                "--scope",
                "admin:read",
                "--expires-in-days",
                "7",
            ])
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run the scimitar binary")
    })
    .await
    .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let secret = String::from_utf8(run.stdout).unwrap().trim().to_owned();
    assert_eq!(app.admin_as(&secret, "GET", "/groups", None).await.status(), 200);
    let tokens = json_of(app.admin("GET", "/tokens", None).await).await;
    let weekly = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "weekly")
        .expect("listed")
        .clone();
    let created: chrono::DateTime<chrono::Utc> = weekly["created"].as_str().unwrap().parse().unwrap();
    let ends: chrono::DateTime<chrono::Utc> = weekly["expires_at"].as_str().expect("an end").parse().unwrap();
    // The end is computed from the clock a moment before the row's creation time.
    let off = (ends - created - chrono::Duration::days(7)).abs();
    assert!(off < chrono::Duration::seconds(5), "{weekly}");
    assert!(weekly.get("created_by").is_none(), "{weekly}");

    // Zero days is refused by the CLI, not turned into a token that never worked.
    let url = app.database_url.clone();
    let zero = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_scimitar"))
            .args([
                "token",
                "create",
                "--name",
                "none",
                "--scope",
                "admin:read",
                "--expires-in-days",
                "0",
            ])
            .env("DATABASE_URL", url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!zero.status.success());
}
