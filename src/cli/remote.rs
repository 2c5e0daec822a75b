//! A client of a running server's admin API, for the remote CLI commands: one request per
//! call, errors turned into messages and exit codes a script can rely on.
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Exit codes of the remote commands (README "Remote administration").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// `user permissions USER PERMISSION`: the user does not hold it.
    NotHeld = 1,
    /// The command line (or its standard input) is not usable.
    Usage = 2,
    NotFound = 3,
    /// 401 or 403: no token, a bad one, or one lacking the permission.
    Denied = 4,
    /// 400, 409, 412, 413, 422: the server refused the request as made.
    Rejected = 5,
    /// No answer: wrong URL, server down, TLS failure.
    Unreachable = 6,
    /// 5xx, 429, a redirect, or an answer that is not what the API documents.
    Failed = 7,
}

/// Why a call failed: the message to print and the exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    pub exit: Exit,
    pub message: String,
}

impl RemoteError {
    fn new(exit: Exit, message: impl Into<String>) -> Self {
        RemoteError {
            exit,
            message: message.into(),
        }
    }
}

pub struct Remote {
    base: url::Url,
    token: String,
    http: reqwest::Client,
}

impl Remote {
    /// `url`: the server's base URL (`http://127.0.0.1:8080`); the API is under `/api/v1`.
    pub fn new(url: &str, token: &str) -> Result<Remote, RemoteError> {
        let mut base = url::Url::parse(url.trim_end_matches('/'))
            .map_err(|e| RemoteError::new(Exit::Usage, format!("invalid server URL {url:?}: {e}")))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(RemoteError::new(
                Exit::Usage,
                format!("the server URL must be http(s): {url:?}"),
            ));
        }
        base.path_segments_mut()
            .expect("checked above")
            .pop_if_empty()
            .extend(["api", "v1"]);
        let http = reqwest::Client::builder()
            .user_agent(concat!("scimitar-cli/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            // A redirected PUT/POST/DELETE would come back as a GET and "succeed".
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| RemoteError::new(Exit::Failed, format!("HTTP client: {e}")))?;
        Ok(Remote {
            base,
            token: token.to_owned(),
            http,
        })
    }

    /// The URL of `segments` under `/api/v1`, each percent-encoded (names may hold `/`, spaces).
    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> url::Url {
        let mut u = self.base.clone();
        u.path_segments_mut().expect("a base URL").extend(segments);
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        u
    }

    /// Sends one request; a 2xx answer's JSON body (`Null` for 204), or the problem's detail
    /// with the matching exit code.
    pub async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, RemoteError> {
        // `url` drops `.` and `..` segments: `group members ..` would read another route.
        if let Some(bad) = segments.iter().find(|s| s.is_empty() || **s == "." || **s == "..") {
            return Err(RemoteError::new(Exit::Usage, format!("{bad:?} is not a name")));
        }
        let mut req = self
            .http
            .request(method, self.url(segments, query))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.map_err(|e| {
            RemoteError::new(
                Exit::Unreachable,
                format!("cannot reach {}: {e}", self.base.origin().ascii_serialization()),
            )
        })?;
        let status = res.status();
        if status.is_redirection() {
            let to = res
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("?");
            return Err(RemoteError::new(
                Exit::Failed,
                format!("HTTP {} redirect to {to}: use the server's own URL", status.as_u16()),
            ));
        }
        let text = res
            .text()
            .await
            .map_err(|e| RemoteError::new(Exit::Unreachable, format!("reading the answer: {e}")))?;
        let json: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|_| {
                RemoteError::new(
                    Exit::Failed,
                    format!("HTTP {status}: not a Scimitar admin API answer (is the URL right?)"),
                )
            })?
        };
        if status.is_success() {
            return Ok(json);
        }
        let detail = json["detail"].as_str().unwrap_or("no detail").to_owned();
        let exit = match status {
            StatusCode::NOT_FOUND => Exit::NotFound,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Exit::Denied,
            StatusCode::TOO_MANY_REQUESTS => Exit::Failed,
            s if s.is_client_error() => Exit::Rejected,
            _ => Exit::Failed,
        };
        Err(RemoteError::new(exit, format!("{detail} (HTTP {})", status.as_u16())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_percent_encoded_as_single_segments() {
        let r = Remote::new("https://idp.example/base/", "t").unwrap();
        let u = r.url(&["groups", "Paper Street/Soap", "users", "a@b.c"], &[("cursor", "x&y")]);
        assert_eq!(
            u.as_str(),
            "https://idp.example/base/api/v1/groups/Paper%20Street%2FSoap/users/a@b.c?cursor=x%26y"
        );
        let r = Remote::new("http://127.0.0.1:8080", "t").unwrap();
        assert_eq!(r.url(&["roles"], &[]).as_str(), "http://127.0.0.1:8080/api/v1/roles");
    }

    #[tokio::test]
    async fn dot_segments_are_refused_not_resolved() {
        let r = Remote::new("http://127.0.0.1:9", "t").unwrap();
        for bad in [".", "..", ""] {
            let e = r
                .call(reqwest::Method::GET, &["groups", bad, "users"], &[], None)
                .await
                .unwrap_err();
            assert_eq!(e.exit, Exit::Usage, "{bad:?}");
        }
    }

    #[test]
    fn bad_urls_are_refused_up_front() {
        for bad in ["", "127.0.0.1:8080", "ftp://x", "mailto:a@b", "http://"] {
            assert!(Remote::new(bad, "t").is_err(), "{bad:?}");
        }
    }
}
