//! **API tokens**: list, create (the secret shown once, with a copy button), revoke. Creating
//! one needs a recent sign-in, and an administrator hands out only what they hold (as a token
//! on the admin API may): `iam.…` permissions their roles carry, and `scim` only with both
//! `iam.user.write` and `iam.group.write` (everything a provisioning token can do). A token
//! expires (90 days unless chosen otherwise) and stops working when the administrator who made
//! it is deactivated or deleted.
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use uuid::Uuid;

use super::{
    Admin, ConsoleError,
    forms::field,
    page::{self, Chrome, when},
};
use crate::{
    AppState,
    access::Builtin,
    auth::{Grants, tokens as auth_tokens},
    store::tokens,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tokens", web::get().to(list))
        .route("/tokens", web::post().to(create))
        .route("/tokens/{id}/revoke", web::post().to(revoke));
}

pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub scopes: String,
    pub created: String,
    pub last_used: String,
    pub expires: String,
    pub made_by: String,
}

#[derive(Template)]
#[template(path = "console/tokens.html")]
struct TokensPage {
    c: Chrome,
    tokens: Vec<TokenRow>,
    can_write: bool,
    recent: bool,
    reauth: String,
    created: Option<(String, String)>,
    error: Option<String>,
    name: String,
    scopes: String,
}

/// What the administrator may hand out, as the grants of a token.
fn held(admin: &Admin) -> Grants {
    let mut g = Grants {
        permissions: admin.permissions.clone(),
        ..Grants::default()
    };
    g.scim = admin.can(Builtin::UserWrite) && admin.can(Builtin::GroupWrite);
    g
}

async fn render(
    admin: &Admin,
    state: &AppState,
    created: Option<(String, String)>,
    error: Option<String>,
    form: (String, String),
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let readable = admin.can(Builtin::TokenRead);
    let rows = if readable {
        state.store.tokens().list().await?
    } else {
        vec![]
    };
    let creators: Vec<Uuid> = rows.iter().filter_map(|t| t.created_by).collect();
    let names = state.store.users().names_of(&creators).await?;
    let tokens = rows
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            scopes: t.scopes,
            created: when(Some(t.created)),
            last_used: when(t.last_used),
            expires: t.expires_at.map_or_else(|| "never".to_owned(), |e| when(Some(e))),
            made_by: t.created_by.map_or_else(
                || "\u{2014}".to_owned(),
                |u| names.get(&u).cloned().unwrap_or_else(|| "(deleted user)".to_owned()),
            ),
        })
        .collect();
    let page = TokensPage {
        c: Chrome::new(admin, "API tokens"),
        tokens,
        can_write: admin.can(Builtin::TokenWrite),
        recent: admin.recent(state.store.now_us()),
        reauth: super::signin::reauth_link("/console/tokens"),
        created,
        error,
        name: form.0,
        scopes: form.1,
    };
    Ok(page::html(status, page.render()))
}

async fn list(admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    admin.require(Builtin::TokenRead)?;
    render(&admin, &state, None, None, Default::default(), StatusCode::OK).await
}

/// Creates a token; the page shows its secret this once.
async fn create(admin: Admin, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ConsoleError> {
    let f = admin.form(&body, Builtin::TokenWrite)?;
    admin.require_recent(state.store.now_us(), "/console/tokens")?;
    let (name, scopes) = (
        field(&f, "name").trim().to_owned(),
        field(&f, "scopes").trim().to_owned(),
    );
    let refuse = |why: String| (why, (name.clone(), scopes.clone()));
    let checked = (|| {
        if name.is_empty() {
            return Err(refuse("Enter a name to recognise the token by.".into()));
        }
        let grants = Grants::parse(&scopes).map_err(|e| refuse(e.to_string()))?;
        if grants.words.is_empty() {
            return Err(refuse("Give at least one scope or permission.".into()));
        }
        if let Some(missing) = held(&admin).first_not_covered(&grants) {
            return Err(refuse(format!(
                "You cannot hand out {missing}: your roles do not carry it."
            )));
        }
        Ok(grants)
    })();
    let grants = match checked {
        Ok(g) => g,
        Err((why, form)) => {
            return render(&admin, &state, None, Some(why), form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    // The token stops when it expires, and with the administrator who made it.
    let days = match field(&f, "expires_days") {
        "" | "90" => Some(90),
        "30" => Some(30),
        "365" => Some(365),
        "never" => None,
        _ => return Err(ConsoleError::BadRequest("Choose when the token expires.".into())),
    };
    let bounds = tokens::Bounds {
        expires_at: days.map(|d| state.store.clock().now() + chrono::Duration::days(d)),
        created_by: Some(admin.user_id),
    };
    let (secret, row) = auth_tokens::create_bounded(&state.store, &admin.actor(), &name, &grants, None, bounds).await?;
    render(
        &admin,
        &state,
        Some((row.name, secret)),
        None,
        Default::default(),
        StatusCode::OK,
    )
    .await
}

/// Revokes a token (one holding no more than the administrator does).
async fn revoke(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ConsoleError> {
    admin.form(&body, Builtin::TokenWrite)?;
    let id = Uuid::parse_str(&path).map_err(|_| ConsoleError::NotFound)?;
    let Some(target) = state.store.tokens().get(id).await? else {
        return Err(ConsoleError::NotFound);
    };
    if let Some(missing) = held(&admin).first_not_covered(&Grants::parse_known(&target.scopes)) {
        return Err(ConsoleError::Refused(format!(
            "This token holds {missing}, which your roles do not carry: it is not yours to revoke."
        )));
    }
    state.store.tokens().delete(&admin.actor(), id).await?;
    Ok(page::see_other("/console/tokens"))
}
