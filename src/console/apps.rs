//! **Applications** (OIDC clients): list, **New application** (the secret shown once, with a
//! copy button), each application's page with its redirect URIs and groups filter (editable),
//! **Rotate secret** (shown once) and **Delete**. Showing a secret needs a recent sign-in.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use entity::oauth_client;

use super::{
    Admin, ConsoleError,
    forms::field,
    page::{self, Chrome},
    signin::{CLIENT_ID as CONSOLE, reauth_link},
};
use crate::{
    AppState,
    access::Builtin,
    auth::tokens,
    oidc::{self, clients::NewClient},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/apps", web::get().to(list))
        .route("/apps", web::post().to(create))
        .route("/apps/{id}", web::get().to(show))
        .route("/apps/{id}", web::post().to(update))
        .route("/apps/{id}/secret", web::post().to(rotate))
        .route("/apps/{id}/delete", web::post().to(delete));
}

pub struct AppRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub redirects: String,
    pub groups: String,
}

fn row(c: oauth_client::Model) -> AppRow {
    AppRow {
        kind: if c.public { "public (PKCE)" } else { "confidential" },
        redirects: oidc::clients::uris(&c.redirect_uris).join("\n"),
        groups: match &c.groups_prefix {
            Some(p) => format!("{} starting with \u{201c}{p}\u{201d}", c.groups_claim),
            None => format!("all, as {}", c.groups_claim),
        },
        id: c.client_id,
        name: c.name,
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Template)]
#[template(path = "console/apps.html")]
struct AppsPage {
    c: Chrome,
    apps: Vec<AppRow>,
    can_write: bool,
    recent: bool,
    reauth: String,
    error: Option<String>,
    name: String,
    redirects: String,
}

#[derive(Template)]
#[template(path = "console/app.html")]
struct AppPage {
    c: Chrome,
    app: AppRow,
    prefix: String,
    public: bool,
    can_write: bool,
    recent: bool,
    reauth: String,
    secret: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn render_list(
    admin: &Admin,
    state: &AppState,
    error: Option<String>,
    form: (String, String),
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let apps = state
        .store
        .clients()
        .list()
        .await?
        .into_iter()
        .filter(|c| c.client_id != CONSOLE && admin.can(Builtin::ClientRead))
        .map(row)
        .collect();
    let page = AppsPage {
        c: Chrome::new(admin, "Applications"),
        apps,
        can_write: admin.can(Builtin::ClientWrite),
        recent: admin.recent(state.store.now_us()),
        reauth: reauth_link("/console/apps"),
        error,
        name: form.0,
        redirects: form.1,
    };
    Ok(page::html(status, page.render()))
}

async fn list(admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::ClientRead)?;
    render_list(&admin, &state, None, Default::default(), StatusCode::OK).await
}

async fn render_app(
    admin: &Admin,
    state: &AppState,
    id: &str,
    secret: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let Some(c) = state.store.clients().get(id).await?.filter(|c| c.client_id != CONSOLE) else {
        return Err(ConsoleError::NotFound);
    };
    let (prefix, public) = (c.groups_prefix.clone().unwrap_or_default(), c.public);
    let page = AppPage {
        c: Chrome::new(admin, "Applications"),
        reauth: reauth_link(&format!("/console/apps/{}", c.client_id)),
        app: row(c),
        prefix,
        public,
        can_write: admin.can(Builtin::ClientWrite),
        recent: admin.recent(state.store.now_us()),
        secret,
        notice,
        error,
    };
    Ok(page::html(status, page.render()))
}

async fn show(admin: Admin, state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::ClientRead)?;
    render_app(&admin, &state, &path, None, None, None, StatusCode::OK).await
}

/// **New application**: a name and redirect URIs; confidential unless "public" is checked.
async fn create(admin: Admin, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::ClientWrite)?;
    admin.require_recent(state.store.now_us(), "/console/apps")?;
    let (name, redirects) = (
        field(&f, "name").trim().to_owned(),
        field(&f, "redirect_uris").to_owned(),
    );
    if name.is_empty() {
        let why = Some("Enter the application's name.".to_owned());
        return render_list(&admin, &state, why, (name, redirects), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let new = NewClient {
        name: name.clone(),
        redirect_uris: lines(&redirects),
        public: field(&f, "public") == "on",
        groups_claim: Some("names".into()),
        groups_prefix: Some(field(&f, "groups_prefix").trim().to_owned()).filter(|p| !p.is_empty()),
        ..NewClient::default()
    };
    match oidc::clients::create(&state.store, &admin.actor(), new).await {
        Ok((client, secret)) => {
            let notice = Some(format!("Application {} created.", client.name));
            render_app(&admin, &state, &client.client_id, secret, notice, None, StatusCode::OK).await
        }
        Err(e) => {
            let why = Some(e.description.to_string());
            render_list(&admin, &state, why, (name, redirects), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Saves redirect URIs and the groups filter.
async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::ClientWrite)?;
    // Redirect URIs decide where users' codes go: as sensitive as a secret.
    admin.require_recent(state.store.now_us(), &format!("/console/apps/{}", path.as_str()))?;
    let Some(c) = state
        .store
        .clients()
        .get(&path)
        .await?
        .filter(|c| c.client_id != CONSOLE)
    else {
        return Err(ConsoleError::NotFound);
    };
    let uris = lines(field(&f, "redirect_uris"));
    let checked = if uris.is_empty() {
        Err("At least one redirect URI.".to_owned())
    } else {
        uris.iter()
            .try_for_each(|u| oidc::clients::check_uri(u, !c.public))
            .map_err(|e| e.description.to_string())
    };
    if let Err(why) = checked {
        return render_app(
            &admin,
            &state,
            &c.client_id,
            None,
            None,
            Some(why),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let prefix = Some(field(&f, "groups_prefix").trim()).filter(|p| !p.is_empty());
    state
        .store
        .clients()
        .update_settings(&admin.actor(), &c.client_id, &uris, prefix)
        .await?;
    render_app(
        &admin,
        &state,
        &c.client_id,
        None,
        Some("Saved.".into()),
        None,
        StatusCode::OK,
    )
    .await
}

/// **Rotate secret**: the new one is shown once; the old one stops working.
async fn rotate(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::ClientWrite)?;
    admin.require_recent(state.store.now_us(), &format!("/console/apps/{}", path.as_str()))?;
    if path.as_str() == CONSOLE {
        return Err(ConsoleError::NotFound);
    }
    let secret = oidc::random_secret();
    state
        .store
        .clients()
        .set_secret(&admin.actor(), &path, &tokens::hash(&secret))
        .await?;
    let notice = Some("New secret: the old one no longer works.".to_owned());
    render_app(&admin, &state, &path, Some(secret), notice, None, StatusCode::OK).await
}

async fn delete(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::ClientWrite)?;
    admin.require_recent(state.store.now_us(), &format!("/console/apps/{}", path.as_str()))?;
    state
        .store
        .clients()
        .delete(&admin.actor(), &path, state.store.access_expiry())
        .await?;
    Ok(page::see_other("/console/apps"))
}
