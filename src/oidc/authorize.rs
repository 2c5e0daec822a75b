//! The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2, RFC 7636): validate the
//! request, show the login page, verify the password, start a login session and redirect
//! back with a single-use code.
//!
//! Errors go back to the client's redirect URI (`error=…&state=…`) only once `client_id` and
//! the exact `redirect_uri` are known to match; before that they are an HTML page.
use actix_web::{
    HttpRequest, HttpResponse,
    cookie::time::Duration as CookieDuration,
    http::{StatusCode, header},
    web,
};
use chrono::{DateTime, Duration, Utc};
use entity::{auth_code, login_session, oauth_client};
use serde::Deserialize;
use uuid::Uuid;

pub use super::authz_error::AuthzError;
use super::{
    authz_error::redirect,
    claims::Scopes,
    clients, ct_eq,
    login_page::{self, Kind as CookieKind},
    random_secret,
};
use crate::{
    AppState,
    auth::{password, tokens},
    store::audit::{Actor, Event, Source},
};

/// How long an authorization code can be redeemed.
const CODE_TTL: Duration = Duration::seconds(60);
/// How long a login session lasts.
const SESSION_TTL: Duration = Duration::hours(8);

/// The authorization request parameters.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct AuthParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    prompt: Option<String>,
    /// OIDC Core §3.1.2.1: the longest time since the user last authenticated, in seconds.
    max_age: Option<String>,
    /// RFC 9126: the parameters were pushed beforehand and are found by this reference.
    #[serde(skip_serializing)]
    request_uri: Option<String>,
}

impl AuthParams {
    pub(super) fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// A pushed request is the authenticated client's, whether or not it named itself.
    pub(super) fn set_client_id(&mut self, id: &str) {
        self.client_id = Some(id.to_owned());
    }

    /// Does it refer to a pushed request (`request_uri`)?
    pub(super) fn names_request_uri(&self) -> bool {
        self.request_uri.is_some()
    }

    /// The parameters to echo as hidden inputs of the login form (for a pushed request, only
    /// its reference: the form's POST finds the pushed parameters again).
    fn hidden(&self) -> Vec<(&'static str, String)> {
        if let (Some(id), Some(uri)) = (&self.client_id, &self.request_uri) {
            return vec![("client_id", id.clone()), ("request_uri", uri.clone())];
        }
        let fields = [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ];
        fields
            .into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect()
    }
}

/// The login form: the request parameters plus credentials and the CSRF token.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(flatten)]
    params: AuthParams,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// A request whose client, redirect URI, scope and PKCE parameters are valid.
pub(super) struct Valid {
    pub(super) client: oauth_client::Model,
    /// The SHA-256 of the `request_uri` it was pushed under (RFC 9126), if it was.
    pushed: Option<String>,
    redirect_uri: String,
    scopes: Scopes,
    state: Option<String>,
    nonce: Option<String>,
    challenge: Option<String>,
}

/// RFC 7636 §4.2: 43–128 characters of `[A-Za-z0-9-._~]`.
pub fn pkce_shaped(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// For a request that names a pushed one (`request_uri`), the pushed parameters (with the
/// reference kept); other requests as they are.
async fn resolve(state: &AppState, p: AuthParams) -> Result<AuthParams, AuthzError> {
    let Some(uri) = p.request_uri.clone() else {
        return Ok(p);
    };
    let page = |m: &str| AuthzError::Page(StatusCode::BAD_REQUEST, m.to_owned());
    let pushed = state
        .store
        .grants()
        .pushed(&tokens::hash(&uri))
        .await?
        .ok_or_else(|| page("The sign-in request expired. Go back to the application and start again."))?;
    // RFC 9126 §4: the request_uri is bound to the client that pushed it.
    if p.client_id.as_deref() != Some(pushed.client_id.as_str()) {
        return Err(page("The sign-in request belongs to another application."));
    }
    let mut params: AuthParams = serde_json::from_value(pushed.params)
        .map_err(|_| page("The sign-in request is damaged. Go back to the application and start again."))?;
    params.client_id = Some(pushed.client_id);
    params.request_uri = Some(uri);
    Ok(params)
}

/// Validates an authorization request (after `resolve`). `pushing`: it is being pushed now
/// (RFC 9126), so it may be one that must be pushed.
pub(super) async fn validate(state: &AppState, p: &AuthParams, pushing: bool) -> Result<Valid, AuthzError> {
    let page = |m: &str| AuthzError::Page(StatusCode::BAD_REQUEST, m.to_owned());
    let client_id = p
        .client_id
        .as_deref()
        .ok_or_else(|| page("The request has no client_id."))?;
    let client = state
        .store
        .clients()
        .get(client_id)
        .await?
        .ok_or_else(|| page("The application is not registered here."))?;
    let redirect_uri = p
        .redirect_uri
        .clone()
        .ok_or_else(|| page("The request has no redirect_uri."))?;
    if !clients::uris(&client.redirect_uris).contains(&redirect_uri.as_str()) {
        return Err(page("The redirect_uri is not registered for this application."));
    }
    let fail = |error: &'static str, description: &str| AuthzError::Redirect {
        uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: p.state.clone(),
        iss: state.issuer.to_string(),
    };
    if p.response_type.as_deref() != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    if !clients::allows_grant(&client, "authorization_code") {
        return Err(fail(
            "unauthorized_client",
            "this client may not use the authorization code flow",
        ));
    }
    let scopes = Scopes::parse(p.scope.as_deref().unwrap_or(""));
    if !scopes.has("openid") {
        return Err(fail("invalid_scope", "the scope must include openid"));
    }
    if p.state.as_ref().is_some_and(|s| s.len() > 1024) || p.nonce.as_ref().is_some_and(|s| s.len() > 1024) {
        return Err(fail("invalid_request", "state or nonce is too long"));
    }
    let challenge = match (&p.code_challenge, p.code_challenge_method.as_deref()) {
        (None, _) if client.public => return Err(fail("invalid_request", "public clients must use PKCE (S256)")),
        (None, _) => None,
        (Some(c), Some("S256")) if pkce_shaped(c) => Some(c.clone()),
        (Some(_), Some("S256")) => return Err(fail("invalid_request", "malformed code_challenge")),
        (Some(_), _) => return Err(fail("invalid_request", "code_challenge_method must be S256")),
    };
    let pushed = p.request_uri.as_deref().map(tokens::hash);
    // RFC 9126 §5: a client (or a server) that requires pushed requests gets no other kind.
    if pushed.is_none() && !pushing && (client.require_par || state.config.require_par) {
        return Err(fail(
            "invalid_request",
            "authorization requests must be pushed first (RFC 9126, pushed_authorization_request_endpoint)",
        ));
    }
    Ok(Valid {
        client,
        pushed,
        redirect_uri: redirect_uri.clone(),
        scopes,
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        challenge,
    })
}

/// Issues a code for the user and redirects back to the client.
async fn grant_code(
    state: &AppState,
    v: &Valid,
    user_id: Uuid,
    auth_time: DateTime<Utc>,
) -> Result<HttpResponse, AuthzError> {
    let code = random_secret();
    state
        .store
        .grants()
        .insert_code(auth_code::Model {
            code_hash: tokens::hash(&code),
            client_id: v.client.client_id.clone(),
            user_id,
            redirect_uri: v.redirect_uri.clone(),
            scope: v.scopes.as_string(),
            nonce: v.nonce.clone(),
            code_challenge: v.challenge.clone(),
            auth_time,
            expires_at: Utc::now() + CODE_TTL,
            used: false,
            family_id: None,
        })
        .await?;
    // A pushed request gives one code (RFC 9126 §4: a request_uri is used once).
    if let Some(hash) = &v.pushed {
        state.store.grants().delete_pushed(hash).await?;
    }
    let pairs = [
        ("code", Some(code.as_str())),
        ("state", v.state.as_deref()),
        ("iss", Some(&state.issuer)),
    ];
    Ok(redirect(&v.redirect_uri, &pairs))
}

/// The user of a live login session cookie, if they are still active.
async fn session_user(state: &AppState, req: &HttpRequest) -> Result<Option<(Uuid, DateTime<Utc>)>, AuthzError> {
    let Some(cookie) = req.cookie(CookieKind::Session.name(&state.issuer)) else {
        return Ok(None);
    };
    let Some(s) = state.store.grants().session(&tokens::hash(cookie.value())).await? else {
        return Ok(None);
    };
    Ok(super::subject::is_active(state, s.user_id)
        .await?
        .then_some((s.user_id, s.auth_time)))
}

pub(super) fn parse<'a, T: Deserialize<'a>>(raw: &'a [u8]) -> Result<T, AuthzError> {
    serde_urlencoded::from_bytes(raw)
        .map_err(|_| AuthzError::Page(StatusCode::BAD_REQUEST, "The request parameters are malformed.".into()))
}

/// `GET authorization_endpoint`: the login page, or straight back with a code when a login
/// session exists (unless `prompt=login`).
pub async fn authorize_get_handler(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AuthzError> {
    let p: AuthParams = parse(req.query_string().as_bytes())?;
    let p = resolve(&state, p).await?;
    let v = validate(&state, &p, false).await?;
    let prompt: Vec<&str> = p.prompt.as_deref().unwrap_or("").split(' ').collect();
    // OIDC Core §3.1.2.1: `max_age` — a session older than that must authenticate again
    // (`max_age=0` always); `prompt=login` always shows the form.
    let max_age = match p.max_age.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(n)) if n >= 0 => Some(Duration::seconds(n)),
        Some(_) => {
            return Err(AuthzError::Redirect {
                uri: v.redirect_uri,
                error: "invalid_request",
                description: "max_age must be a non-negative integer".into(),
                state: v.state,
                iss: state.issuer.to_string(),
            });
        }
    };
    let session = if prompt.contains(&"login") {
        None
    } else {
        session_user(&state, &req)
            .await?
            .filter(|(_, auth_time)| max_age.is_none_or(|m| Utc::now() - *auth_time <= m && m > Duration::zero()))
    };
    if let Some((user_id, auth_time)) = session {
        return grant_code(&state, &v, user_id, auth_time).await;
    }
    if prompt.contains(&"none") {
        return Err(AuthzError::Redirect {
            uri: v.redirect_uri,
            error: "login_required",
            description: "the user must sign in (no login session, or one older than max_age)".into(),
            state: v.state,
            iss: state.issuer.to_string(),
        });
    }
    let csrf = req
        .cookie(CookieKind::Csrf.name(&state.issuer))
        .map(|c| c.value().to_owned())
        .filter(|c| c.len() == 43)
        .unwrap_or_else(random_secret);
    Ok(login_page::login(
        StatusCode::OK,
        &v.client.name,
        &p.hidden(),
        &csrf,
        "",
        None,
        &state.issuer,
    ))
}

/// `POST authorization_endpoint`: checks CSRF, rate limits and the password, then starts a
/// login session and redirects with a code.
pub async fn authorize_post_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AuthzError> {
    let mut form: LoginForm = parse(&body)?;
    form.params = resolve(&state, form.params).await?;
    let v = validate(&state, &form.params, false).await?;
    let cookie_csrf = req
        .cookie(CookieKind::Csrf.name(&state.issuer))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if cookie_csrf.is_empty() || !ct_eq(&cookie_csrf, &form.csrf) {
        return Err(AuthzError::Page(
            StatusCode::BAD_REQUEST,
            "The sign-in form expired. Go back to the application and start again.".into(),
        ));
    }
    // Reserve the attempt before the password is checked: parallel guesses cannot overrun
    // the budget (see `ratelimit`).
    let source = crate::auth::source::of(&req, &state.config.trusted_proxies);
    let attempt = match super::ratelimit::reserve_login(&state, &form.username, source).await? {
        Ok(attempt) => attempt,
        Err(wait) => {
            state.metrics.login_failure("rate_limited");
            return Ok(busy(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-in attempts. Wait a minute and try again.",
                wait,
            ));
        }
    };
    // A bounded number of argon2 verifications run at once; the rest wait a moment, then
    // are told to come back (their reservation is given back: they were never checked).
    let permit = tokio::time::timeout(VERIFICATION_WAIT, state.verifications.acquire()).await;
    let Ok(Ok(_permit)) = permit else {
        attempt.give_back(&state).await?;
        state.metrics.login_failure("busy");
        return Ok(busy(
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is busy signing others in. Try again in a moment.",
            1,
        ));
    };
    let user = state.store.grants().user_by_name(form.username.trim()).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    // Unknown users still cost one argon2 verification, so timing does not reveal them.
    let ok = password::verify(form.password, hash.unwrap_or_else(|| DUMMY_HASH.into())).await;
    let user = match user {
        Some(u) if ok && u.active && u.password_hash.is_some() => u,
        other => {
            state.metrics.login_failure("invalid_credentials");
            let event = Event::admin("signin.failure", "User", other.map_or(Uuid::nil(), |u| u.id))
                .with_detail(serde_json::json!({"userName": form.username.trim(), "client_id": v.client.client_id}));
            state.store.audit().log(&signin_actor(source), vec![event]).await?;
            let p = form.params.hidden();
            return Ok(login_page::login(
                StatusCode::UNAUTHORIZED,
                &v.client.name,
                &p,
                &form.csrf,
                &form.username,
                Some("Invalid username or password."),
                &state.issuer,
            ));
        }
    };
    attempt.give_back(&state).await?;
    let event =
        Event::user("signin.success", user.id).with_detail(serde_json::json!({"client_id": v.client.client_id}));
    state.store.audit().log(&signin_actor(source), vec![event]).await?;
    state.store.users().record_login(user.id).await?;
    let now = Utc::now();
    let session = random_secret();
    state
        .store
        .grants()
        .insert_session(login_session::Model {
            id_hash: tokens::hash(&session),
            user_id: user.id,
            auth_time: now,
            expires_at: now + SESSION_TTL,
        })
        .await?;
    let mut res = grant_code(&state, &v, user.id, now).await?;
    let max_age = CookieDuration::seconds(SESSION_TTL.num_seconds());
    let cookie = login_page::cookie(CookieKind::Session, session, Some(max_age), &state.issuer);
    let _ = res.add_cookie(&cookie);
    Ok(res)
}

/// Sign-ins are audited as coming from their source address.
fn signin_actor(source: std::net::IpAddr) -> Actor {
    Actor::new(format!("signin:{source}"), Source::Oidc)
}

/// How long a sign-in waits for a password-verification turn before it is told to retry.
const VERIFICATION_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// A 429/503 page with `Retry-After`.
fn busy(status: StatusCode, text: &str, retry_after: u64) -> HttpResponse {
    let mut res = login_page::message(status, "Try again later", text);
    res.headers_mut().insert(header::RETRY_AFTER, retry_after.into());
    res
}

/// A valid argon2id hash of a random password, verified against when the user is unknown.
pub(crate) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2NpbWl0YXJkdW1teQ$1b0bIq1AJp9P0PpdK8J7jIo1fTsxlYVYbC0nbCqPSUM";

#[cfg(test)]
mod tests {
    use argon2::{PasswordVerifier, password_hash::phc::PasswordHash};

    #[test]
    fn the_dummy_hash_parses_so_unknown_users_cost_a_full_verification() {
        let parsed = PasswordHash::new(super::DUMMY_HASH).expect("a valid PHC string");
        assert!(argon2::Argon2::default().verify_password(b"guess", &parsed).is_err());
    }
}
