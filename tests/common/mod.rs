//! `spawn_app()`: the real application on 127.0.0.1:0 with a fresh database.
//!
//! SQLite by default (a temp file per test, WAL, like production). With
//! `SCIMITAR_TEST_DATABASE_URL=postgres://user:pw@host/db` each test gets its own new
//! PostgreSQL database, created through that URL.
use reqwest::{Client, Response, StatusCode};
use scimitar::{Application, Config, auth, store::Store};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use uuid::Uuid;

pub const SCIM: &str = "application/scim+json";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub token: String,
    pub store: Store,
    /// The app's database (for a second server on the same database).
    pub database_url: String,
    /// The console's one-time setup link, printed at start while there is no administrator.
    pub setup_link: Option<String>,
    sqlite_file: Option<std::path::PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(f) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

async fn database_url() -> (String, Option<std::path::PathBuf>) {
    match postgres_test_url() {
        Some(admin_url) => (fresh_postgres_database(&admin_url).await, None),
        None => {
            let (url, path) = temp_sqlite_url();
            (url, Some(path))
        }
    }
}

/// A new empty database on the backend under test (for tests that start several servers on
/// one database, or run migrations or the CLI against it).
pub async fn fresh_database_url() -> String {
    database_url().await.0
}

/// The audit actor of changes a test makes through the library directly.
pub fn test_actor() -> scimitar::store::audit::Actor {
    scimitar::store::audit::Actor::new("test", scimitar::store::audit::Source::Cli)
}

/// `SCIMITAR_TEST_DATABASE_URL`, when set and not empty.
pub fn postgres_test_url() -> Option<String> {
    std::env::var("SCIMITAR_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The PostgreSQL server of `SCIMITAR_TEST_DATABASE_URL`, for tests that exist only there:
/// they are `#[ignore]`d, and when run anyway without it they fail instead of passing.
pub fn require_postgres() -> String {
    postgres_test_url().expect("this test needs SCIMITAR_TEST_DATABASE_URL=postgres://…")
}

/// Test databases are named `scimitar_test_<unix seconds>_<uuid>`: each test process first drops
/// those its predecessors left more than an hour ago (a test never drops its own — the server
/// may still hold connections — and thousands of leftovers made the cluster's crash recovery
/// outlast CI's wait for it).
const TEST_DB_PREFIX: &str = "scimitar_test_";
static OLD_TEST_DATABASES_DROPPED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

async fn drop_old_test_databases(admin: &sea_orm::DatabaseConnection) {
    let now = chrono::Utc::now().timestamp();
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{TEST_DB_PREFIX}%'"),
        ))
        .await
        .expect("list test databases");
    for row in rows {
        let name: String = row.try_get("", "datname").expect("datname");
        let born = name[TEST_DB_PREFIX.len()..]
            .split_once('_')
            .and_then(|(secs, _)| secs.parse::<i64>().ok());
        // Names without a time are from before this rule: leftovers too.
        if born.is_none_or(|t| now - t > 3600) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// Creates a new database on the server of `admin_url` and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!(
        "{TEST_DB_PREFIX}{}_{}",
        chrono::Utc::now().timestamp(),
        Uuid::new_v4().simple()
    );
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    OLD_TEST_DATABASES_DROPPED
        .get_or_init(|| drop_old_test_databases(&admin))
        .await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .expect("URL with a database name");
    format!("{base}/{name}")
}

/// A URL for a new SQLite file in the temp directory, and the file's path.
pub fn temp_sqlite_url() -> (String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("scimitar-test-{}.db", Uuid::new_v4()));
    (format!("sqlite://{}?mode=rwc", path.display()), path)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// `spawn_app`, with `tweak` applied to the configuration first (small limits, short timeouts).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    // `TEST_LOG=1 cargo test …` shows the server's logs.
    if std::env::var_os("TEST_LOG").is_some() {
        scimitar::telemetry::init();
    }
    let (url, sqlite_file) = database_url().await;
    let token = auth::tokens::generate();
    let mut config = Config::with_database(url);
    config.bind = "127.0.0.1:0".into();
    config.bootstrap_token = Some(token.clone());
    config.workers = Some(2);
    config.handle_signals = false;
    config.db_max_connections = Some(4);
    config.max_body_bytes = 64 * 1024;
    // Follow key rotation at once (production: every minute).
    config.keys_reload_seconds = 0;
    tweak(&mut config);
    let database_url = config.database_url.clone();
    let app = Application::build(config).await.expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.state().store.clone();
    let setup_link = app.setup_link.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: Client::new(),
        token,
        store,
        database_url,
        setup_link,
        sqlite_file,
    }
}

impl TestApp {
    /// Another server on this one's database (a replica), with `tweak` applied to its
    /// configuration.
    pub async fn beside(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let url = self.database_url.clone();
        spawn_app_with(|c| {
            c.database_url = url;
            tweak(c);
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A SCIM request with the all-scopes token.
    pub async fn scim(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .client
            .request(method.parse().expect("method"), self.url(&format!("/scim/v2{path}")))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.header("content-type", SCIM).body(b.to_string());
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.scim("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.scim("POST", path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.scim("PUT", path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.scim("PATCH", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.scim("DELETE", path, None).await
    }

    /// Creates a user and returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let res = self.post("/Users", user_json(user_name)).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {user_name}");
        json_of(res).await["id"].as_str().expect("id").to_owned()
    }

    /// Creates a group with the given member ids and returns its id.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let body = json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members});
        let res = self.post("/Groups", body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating group {name}");
        json_of(res).await["id"].as_str().expect("id").to_owned()
    }

    /// The display names of a user's groups, sorted.
    pub async fn user_group_names(&self, user_id: &str) -> Vec<String> {
        let user = json_of(self.get(&format!("/Users/{user_id}")).await).await;
        let mut names: Vec<String> = user["groups"]
            .as_array()
            .map(|g| {
                g.iter()
                    .map(|g| g["display"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The member ids of a group, sorted.
    pub async fn member_ids(&self, group_id: &str) -> Vec<String> {
        let group = json_of(self.get(&format!("/Groups/{group_id}")).await).await;
        let mut ids: Vec<String> = group["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// An admin API request (`/api/v1{path}`) with the all-scopes token.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        self.admin_as(&self.token, method, path, body).await
    }

    /// An admin API request with the given token.
    pub async fn admin_as(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .client
            .request(method.parse().expect("method"), self.url(&format!("/api/v1{path}")))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request sent")
    }

    /// `PUT /api/v1/groups/{group}/users/{user}` (identifiers are percent-encoded here).
    pub async fn add_member(&self, group: &str, user: &str) -> Response {
        let path = format!("/groups/{}/users/{}", seg(group), seg(user));
        self.admin("PUT", &path, None).await
    }

    /// `DELETE /api/v1/groups/{group}/users/{user}`.
    pub async fn remove_member(&self, group: &str, user: &str) -> Response {
        let path = format!("/groups/{}/users/{}", seg(group), seg(user));
        self.admin("DELETE", &path, None).await
    }

    /// Creates a user with the given emails and returns its id.
    pub async fn create_user_with_emails(&self, user_name: &str, emails: &[&str]) -> String {
        let mut body = user_json(user_name);
        body["emails"] = emails.iter().map(|e| json!({"value": e})).collect();
        let res = self.post("/Users", body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating {user_name}");
        json_of(res).await["id"].as_str().expect("id").to_owned()
    }

    /// A token with only the given scopes.
    /// A token with scopes and/or permissions written as words (`"iam.group.read scim"`).
    pub async fn token_granting(&self, words: &str) -> String {
        let grants = auth::Grants::parse(words).expect("known scopes and permissions");
        auth::tokens::create(&self.store, &test_actor(), "test", &grants, None)
            .await
            .expect("token")
            .0
    }

    pub async fn token_with(&self, scopes: &[auth::Scope]) -> String {
        auth::tokens::create(
            &self.store,
            &scimitar::store::audit::Actor::new("test", scimitar::store::audit::Source::Cli),
            "test",
            &auth::Grants::from_scopes(scopes),
            None,
        )
        .await
        .expect("token")
        .0
    }
}

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

pub fn user_json(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Given", "familyName": "Family"},
        "emails": [{"value": format!("{user_name}@example.com"), "type": "work", "primary": true}],
        "active": true
    })
}

pub fn patch_ops(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

pub async fn json_of(res: Response) -> Value {
    let text = res.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The response's `Content-Type`, or "".
pub fn content_type(res: &Response) -> String {
    res.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Asserts an RFC 7644 §3.12 error body and returns it.
pub async fn assert_scim_error(res: Response, status: u16, scim_type: Option<&str>) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let ct = content_type(&res);
    assert!(ct.starts_with(SCIM), "content type {ct}");
    let body = json_of(res).await;
    assert_eq!(body["schemas"], json!([ERROR_SCHEMA]));
    assert_eq!(body["status"], json!(status.to_string()));
    assert_eq!(body["scimType"].as_str(), scim_type, "scimType in {body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Asserts an RFC 9457 problem body (`application/problem+json`) and returns it.
pub async fn assert_problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let ct = content_type(&res);
    assert!(ct.starts_with("application/problem+json"), "content type {ct}");
    let body = json_of(res).await;
    assert_eq!(body["status"], json!(status), "{body}");
    assert!(body["type"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    body
}
