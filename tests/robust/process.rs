//! The real `scimitar` binary as a child process, for tests that kill or duplicate it.
use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::Duration,
};

use reqwest::Client;

/// A running `scimitar serve`. Dropping it kills the process (SIGKILL).
pub struct Server {
    /// Behind a lock so `kill(&self)` works while requests to the server are in flight.
    child: Mutex<Child>,
    pub base: String,
    pub client: Client,
}

/// A port that was free a moment ago (the OS picks it; the listener is closed again).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs the binary with `args` against `database_url` and waits for it to exit.
pub fn run_cli(database_url: &str, args: &[&str]) -> std::process::Output {
    run_cli_with(database_url, args, &[])
}

/// `run_cli` with extra environment variables.
pub fn run_cli_with(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scimitar"));
    cmd.args(args).env("DATABASE_URL", database_url).env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run the scimitar binary")
}

impl Server {
    /// Starts `scimitar serve` and waits (at most 60 s) until `/healthz` answers.
    pub async fn start(database_url: &str, token: &str, extra_env: &[(&str, &str)]) -> Server {
        let logs = std::env::var_os("TEST_LOG").is_some();
        let stderr = if logs { Stdio::inherit() } else { Stdio::null() };
        Self::start_with_stderr(database_url, token, extra_env, stderr).await
    }

    /// Like `start`, with the process's stderr (its logs) going to `stderr`.
    pub async fn start_with_stderr(
        database_url: &str,
        token: &str,
        extra_env: &[(&str, &str)],
        stderr: Stdio,
    ) -> Server {
        let port = free_port();
        let logs = std::env::var_os("TEST_LOG").is_some();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scimitar"));
        cmd.arg("serve")
            .env("DATABASE_URL", database_url)
            .env("SCIMITAR_BIND", format!("127.0.0.1:{port}"))
            .env("SCIMITAR_BOOTSTRAP_TOKEN", token)
            .env("SCIMITAR_WORKERS", "2")
            .env("RUST_LOG", if logs { "info" } else { "warn" })
            .stdout(Stdio::null())
            .stderr(stderr);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start the scimitar binary");
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let server = Server {
            child: Mutex::new(child),
            base: format!("http://127.0.0.1:{port}"),
            client,
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        for _ in 0..600 {
            let exited = self.child.lock().map(|mut c| c.try_wait()).ok();
            if let Some(Ok(Some(status))) = exited {
                panic!("scimitar exited during start-up: {status}");
            }
            let res = self.client.get(self.url("/healthz")).send().await;
            if res.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("scimitar did not become healthy within 60 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no graceful shutdown, no flush.
    pub fn kill(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
