//! A user's live sign-ins, as the console's user page lists them: browser login sessions at
//! the authorization endpoint, console sessions, and refresh-token families (one line per
//! family: its current token). **Sign out everywhere** ends them all
//! ([`super::users::Users::sign_out_everywhere`]).
use chrono::{DateTime, Utc};
use entity::{login_session, refresh_token};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};
use uuid::Uuid;

use super::{Store, StoreError};

/// What kind of sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInKind {
    /// A login session in a browser (single sign-on to applications).
    Browser,
    /// A session of this console.
    Console,
    /// An application's refresh token.
    Application,
}

/// One live sign-in.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub kind: SignInKind,
    /// The application (`client_id`) of a refresh token.
    pub client_id: Option<String>,
    /// When the user last entered their password for it.
    pub auth_time: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The user's sign-ins that have not ended or expired, newest first within each kind.
    pub async fn sign_ins(&self, user: Uuid) -> Result<Vec<SignIn>, StoreError> {
        let now = self.clock().now();
        let mut out: Vec<SignIn> = login_session::Entity::find()
            .filter(login_session::Column::UserId.eq(user))
            .filter(login_session::Column::ExpiresAt.gt(now))
            .order_by_desc(login_session::Column::AuthTime)
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| SignIn {
                kind: SignInKind::Browser,
                client_id: None,
                auth_time: Some(s.auth_time),
                expires_at: Some(s.expires_at),
            })
            .collect();
        let console = self
            .db()
            .query_all_raw(Statement::from_sql_and_values(
                self.backend(),
                "SELECT auth_time_us, expires_at_us FROM console_sessions
                 WHERE user_id = $1 AND expires_at_us > $2 ORDER BY auth_time_us DESC",
                vec![user.into(), self.now_us().into()],
            ))
            .await?;
        for r in console {
            let at: i64 = r.try_get("", "auth_time_us")?;
            let until: i64 = r.try_get("", "expires_at_us")?;
            out.push(SignIn {
                kind: SignInKind::Console,
                client_id: None,
                auth_time: DateTime::from_timestamp_micros(at),
                expires_at: DateTime::from_timestamp_micros(until),
            });
        }
        // A family's live token is the one neither used (exchanged) nor revoked.
        let refresh = refresh_token::Entity::find()
            .filter(refresh_token::Column::UserId.eq(user))
            .filter(refresh_token::Column::Used.eq(false))
            .filter(refresh_token::Column::Revoked.eq(false))
            .filter(refresh_token::Column::ExpiresAt.gt(now))
            .order_by_desc(refresh_token::Column::Created)
            .all(self.db())
            .await?;
        out.extend(refresh.into_iter().map(|t| SignIn {
            kind: SignInKind::Application,
            client_id: Some(t.client_id),
            auth_time: Some(t.auth_time),
            expires_at: Some(t.expires_at),
        }));
        Ok(out)
    }
}
