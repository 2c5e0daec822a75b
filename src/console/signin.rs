//! Signing in to the console. The console is an OIDC client of its own server: a built-in
//! public client (`scimitar-console`, ensured at start-up with this server's callback) that
//! runs the authorization code flow with PKCE against `/oauth2/authorize` — so administrators
//! sign in on the same login page, with the same rate limits, audit and login session as any
//! application — and redeems the code in-process (no token is issued: the code's family is
//! revoked at once). The console then keeps its own session: an HttpOnly, SameSite=Lax
//! cookie (`__Host-` over https) whose hash names a `console_sessions` row, with a CSRF token.
use actix_web::{
    HttpRequest, HttpResponse, cookie::Cookie, cookie::SameSite, cookie::time::Duration as CookieDuration,
    http::StatusCode, web,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use entity::oauth_client;
use serde::Deserialize;
use serde_json::json;

use super::{ConsoleError, page};
use crate::{
    AppState,
    auth::tokens,
    oidc::{ct_eq, random_secret},
    store::{Store, StoreError, console::SESSION_TTL_US, oidc::grants::Redeemed},
};

/// The console's own OIDC client.
pub const CLIENT_ID: &str = crate::store::oidc::clients::BUILTIN_CONSOLE;

/// A login session older than this signs in again before it opens the console (OIDC
/// `max_age`, seconds): the console session's own lifetime.
const MAX_AUTH_AGE_SECONDS: i64 = SESSION_TTL_US / 1_000_000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home))
        .route("/", web::get().to(home))
        .route("/login", web::get().to(login))
        .route("/callback", web::get().to(callback))
        .route("/logout", web::post().to(logout));
}

async fn home() -> HttpResponse {
    page::see_other("/console/groups")
}

fn https(issuer: &str) -> bool {
    issuer.starts_with("https://")
}

pub fn session_cookie_name(issuer: &str) -> &'static str {
    if https(issuer) {
        "__Host-scimitar_console"
    } else {
        "scimitar_console"
    }
}

fn flow_cookie_name(issuer: &str) -> &'static str {
    if https(issuer) {
        "__Host-scimitar_console_flow"
    } else {
        "scimitar_console_flow"
    }
}

/// Over https a `__Host-` cookie (Secure, Path=/, no Domain); over plain http (development)
/// the bare name, scoped to `/console`.
fn cookie(
    name: &'static str,
    value: String,
    same_site: SameSite,
    max_age: Option<CookieDuration>,
    issuer: &str,
) -> Cookie<'static> {
    let secure = https(issuer);
    let mut c = Cookie::build(name, value)
        .path(if secure { "/" } else { "/console" })
        .http_only(true)
        .secure(secure)
        .same_site(same_site)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    } else {
        c.make_removal();
    }
    c
}

fn callback_uri(issuer: &str) -> String {
    format!("{issuer}/console/callback")
}

/// Makes sure the console's client exists with this server's callback (the issuer may change
/// between starts). Part of the server, so not audited.
pub async fn ensure_client(store: &Store, issuer: &str) -> Result<(), StoreError> {
    let redirect = json!([callback_uri(issuer)]);
    match store.clients().get(CLIENT_ID).await? {
        Some(c) if c.redirect_uris == redirect => Ok(()),
        Some(_) => store.clients().set_redirect_uris(CLIENT_ID, redirect).await,
        None => {
            let client = oauth_client::Model {
                client_id: CLIENT_ID.to_owned(),
                secret_hash: None,
                name: "Scimitar console".to_owned(),
                redirect_uris: redirect,
                post_logout_redirect_uris: json!([]),
                public: true,
                grant_types: "authorization_code".to_owned(),
                groups_claim: "names".to_owned(),
                groups_prefix: None,
                created: Utc::now(),
                require_par: false,
                resource_server: false,
                permissions_prefix: None,
                iam_permissions: false,
            };
            store.clients().insert_builtin(client).await
        }
    }
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ))
}

/// A console page to come back to after signing in: only `/console/…` paths of this server.
fn safe_next(next: &str) -> Option<&str> {
    let path = next.split(['?', '#']).next().unwrap_or("");
    let ok = next.starts_with("/console/")
        && !next.contains("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic())
        // No dot segments, plain or percent-encoded: a browser would resolve them out of /console/.
        && !path
            .split('/')
            .any(|seg| matches!(seg.to_ascii_lowercase().replace("%2e", ".").as_str(), "." | ".."));
    ok.then_some(next)
}

/// The link that signs in again (password asked whatever the login session) and comes back.
pub fn reauth_link(back: &str) -> String {
    let q = serde_urlencoded::to_string([("reauth", "1"), ("next", back)]).expect("plain pairs encode");
    format!("/console/login?{q}")
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    reauth: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// Starts the code flow: a state, a PKCE verifier and the page to come back to in a
/// short-lived cookie, then the authorization endpoint (which shows the login page unless a
/// login session exists; with `reauth`, always).
async fn login(state: web::Data<AppState>, q: web::Query<LoginQuery>) -> HttpResponse {
    let (flow_state, verifier) = (random_secret(), random_secret());
    let max_age = MAX_AUTH_AGE_SECONDS.to_string();
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("scope", "openid"),
        ("code_challenge_method", "S256"),
        ("max_age", max_age.as_str()),
    ];
    if q.reauth.is_some() {
        params.push(("prompt", "login"));
    }
    let (redirect, challenge) = (callback_uri(&state.issuer), s256(&verifier));
    params.extend([
        ("redirect_uri", redirect.as_str()),
        ("state", flow_state.as_str()),
        ("code_challenge", challenge.as_str()),
    ]);
    let query = serde_urlencoded::to_string(&params).expect("plain pairs encode");
    let next = q.next.as_deref().and_then(safe_next).unwrap_or("/console/groups");
    let mut res = page::see_other(&format!("/oauth2/authorize?{query}"));
    let flow = cookie(
        flow_cookie_name(&state.issuer),
        format!("{flow_state}.{verifier}.{}", URL_SAFE_NO_PAD.encode(next)),
        // The callback arrives by a redirect from the login page: Lax lets the cookie come along.
        SameSite::Lax,
        Some(CookieDuration::minutes(10)),
        &state.issuer,
    );
    let _ = res.add_cookie(&flow);
    res
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The end of the code flow: checks the state, redeems the code (PKCE) and starts a console
/// session for the user who signed in.
async fn callback(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ConsoleError> {
    let q: Callback = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ConsoleError::BadRequest("The sign-in answer is malformed.".into()))?;
    if let Some(e) = q.error {
        return Err(ConsoleError::BadRequest(format!(
            "Sign-in did not complete ({e}). Start again."
        )));
    }
    let flow = req
        .cookie(flow_cookie_name(&state.issuer))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let mut parts = flow.splitn(3, '.');
    let (flow_state, verifier) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let next = parts
        .next()
        .and_then(|n| URL_SAFE_NO_PAD.decode(n).ok())
        .and_then(|n| String::from_utf8(n).ok())
        .filter(|n| safe_next(n).is_some())
        .unwrap_or_else(|| "/console/groups".to_owned());
    let (Some(code), Some(sent_state)) = (q.code, q.state) else {
        return Err(ConsoleError::BadRequest("The sign-in answer is incomplete.".into()));
    };
    if flow_state.is_empty() || !ct_eq(flow_state, &sent_state) {
        return Err(ConsoleError::BadRequest(
            "This sign-in was not started here, or took too long. Start again.".into(),
        ));
    }
    let expected_redirect = callback_uri(&state.issuer);
    let challenge = s256(verifier);
    let check = |row: &entity::auth_code::Model| -> Result<(), ConsoleError> {
        let pkce_ok = row.code_challenge.as_deref().is_some_and(|c| ct_eq(c, &challenge));
        if row.client_id == CLIENT_ID && row.redirect_uri == expected_redirect && pkce_ok {
            Ok(())
        } else {
            Err(ConsoleError::BadRequest(
                "The sign-in answer does not match this sign-in.".into(),
            ))
        }
    };
    let store = &state.store;
    let row = match store
        .grants()
        .redeem_code(&tokens::hash(&code), store.access_expiry(), check)
        .await?
    {
        Redeemed::Fresh(row) => row,
        Redeemed::Invalid | Redeemed::Replayed => {
            return Err(ConsoleError::BadRequest("The sign-in expired. Start again.".into()));
        }
    };
    // The console issues no tokens from the code.
    if let Some(family) = row.family_id {
        store.grants().revoke_family(family, store.access_expiry()).await?;
    }
    if !crate::oidc::subject::is_active(&state, row.user_id)
        .await
        .unwrap_or(false)
    {
        return Err(ConsoleError::BadRequest("This account is deactivated.".into()));
    }
    // Signing in again (a re-authentication) replaces the session this browser had.
    if let Some(old) = req.cookie(session_cookie_name(&state.issuer)) {
        store.console_sessions().end(&tokens::hash(old.value())).await?;
    }
    let secret = random_secret();
    store
        .console_sessions()
        .create(
            &tokens::hash(&secret),
            row.user_id,
            row.auth_time.timestamp_micros(),
            &random_secret(),
        )
        .await?;
    let mut res = page::see_other(&next);
    let session = cookie(
        session_cookie_name(&state.issuer),
        secret,
        // Lax, not Strict: a link to a console page from mail or chat must arrive signed in
        // (Strict would send the browser round the sign-in again). Every GET only reads, and
        // every POST checks the session's CSRF token.
        SameSite::Lax,
        Some(CookieDuration::seconds(SESSION_TTL_US / 1_000_000)),
        &state.issuer,
    );
    let _ = res.add_cookie(&session);
    let _ = res.add_cookie(&cookie(
        flow_cookie_name(&state.issuer),
        String::new(),
        SameSite::Lax,
        None,
        &state.issuer,
    ));
    Ok(res)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Ends the console session (the login session of the authorization endpoint is ended with
/// the OIDC end-session endpoint, linked from the page).
async fn logout(
    state: web::Data<AppState>,
    admin: super::Admin,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    admin.check_csrf(&form.csrf)?;
    if let Some(c) = req.cookie(session_cookie_name(&state.issuer)) {
        state.store.console_sessions().end(&tokens::hash(c.value())).await?;
    }
    let mut res = page::message(
        StatusCode::OK,
        "Signed out",
        "You are signed out of the console. To sign out of Scimitar everywhere in this browser, \
         use the sign-out of your applications.",
    );
    let _ = res.add_cookie(&cookie(
        session_cookie_name(&state.issuer),
        String::new(),
        SameSite::Lax,
        None,
        &state.issuer,
    ));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_console_paths_of_this_server_are_returned_to() {
        for ok in [
            "/console/tokens",
            "/console/apps/abc?x=1",
            "/console/groups/1?tab=roles",
        ] {
            assert_eq!(safe_next(ok), Some(ok), "{ok}");
        }
        for bad in [
            "https://evil.example/console/",
            "//evil.example/console/",
            "/console//evil.example",
            "/console/../oauth2/authorize",
            "/console/%2e%2e/oauth2",
            "/console/%2E%2e/x",
            "/console/./x",
            "/console/\\evil",
            "/console/a b",
            "/console/x\r\nLocation: /",
            "/console",
            "/consoles/x",
            "/api/v1/tokens",
            "",
            "/console/é",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
