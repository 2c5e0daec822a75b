//! Sessions of the admin console. The cookie carries a random secret; only its SHA-256 is
//! stored (`id_hash`), with the CSRF token the session's forms echo. A session lasts
//! [`SESSION_TTL_US`] from sign-in; deleting the user ends it (foreign key, cascade).
use sea_orm::{ConnectionTrait, Statement, Value as DbValue};
use uuid::Uuid;

use super::{Store, StoreError};

/// Eight hours: a working day, then sign in again.
pub const SESSION_TTL_US: i64 = 8 * 3600 * 1_000_000;

/// A live console session.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    pub user_id: Uuid,
    /// When the administrator last entered their password (microseconds).
    pub auth_time_us: i64,
    pub csrf: String,
}

pub struct ConsoleSessions<'a> {
    pub(super) store: &'a Store,
}

impl ConsoleSessions<'_> {
    fn stmt(&self, sql: &str, values: Vec<DbValue>) -> Statement {
        Statement::from_sql_and_values(self.store.backend(), sql, values)
    }

    /// Starts a session for `user`, who signed in at `auth_time_us`.
    pub async fn create(&self, id_hash: &str, user: Uuid, auth_time_us: i64, csrf: &str) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO console_sessions (id_hash, user_id, auth_time_us, expires_at_us, csrf)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                id_hash.into(),
                user.into(),
                auth_time_us.into(),
                (self.store.now_us() + SESSION_TTL_US).into(),
                csrf.into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session with this id hash, if any.
    pub async fn get(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError> {
        let row = self
            .store
            .db()
            .query_one_raw(self.stmt(
                "SELECT user_id, auth_time_us, csrf FROM console_sessions WHERE id_hash = $1 AND expires_at_us > $2",
                vec![id_hash.into(), self.store.now_us().into()],
            ))
            .await?;
        row.map(|r| {
            Ok(ConsoleSession {
                user_id: r.try_get("", "user_id")?,
                auth_time_us: r.try_get("", "auth_time_us")?,
                csrf: r.try_get("", "csrf")?,
            })
        })
        .transpose()
    }

    /// Ends one session.
    pub async fn end(&self, id_hash: &str) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        tx.execute_raw(self.stmt("DELETE FROM console_sessions WHERE id_hash = $1", vec![id_hash.into()]))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes sessions that have expired; returns how many.
    pub async fn prune(&self) -> Result<u64, StoreError> {
        let tx = self.store.write_tx().await?;
        let n = tx
            .execute_raw(self.stmt(
                "DELETE FROM console_sessions WHERE expires_at_us <= $1",
                vec![self.store.now_us().into()],
            ))
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }
}

impl Store {
    pub fn console_sessions(&self) -> ConsoleSessions<'_> {
        ConsoleSessions { store: self }
    }
}

/// The name of the one-time setup link's hash in `server_secrets`.
const SETUP: &str = "console_setup_hash";

impl ConsoleSessions<'_> {
    /// Does any user hold `iam.*` (or `*`) through a role granted to them or to a group with
    /// members? While nobody does, the console offers its one-time setup link.
    pub async fn administrator_exists(&self) -> Result<bool, StoreError> {
        let sql = "SELECT
            EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id
                     WHERE rp.permission IN ('iam.*', '*'))
         OR EXISTS (SELECT 1 FROM group_roles gr JOIN role_permissions rp ON rp.role_id = gr.role_id
                     JOIN group_members gm ON gm.group_id = gr.group_id
                     WHERE rp.permission IN ('iam.*', '*')) AS found";
        let row = self.store.db().query_one_raw(self.stmt(sql, vec![])).await?;
        Ok(row
            .map(|r| r.try_get::<bool>("", "found"))
            .transpose()?
            .unwrap_or(false))
    }

    /// A new one-time setup secret (replacing any earlier one), stored as its hash with the
    /// instant it stops working.
    pub async fn begin_setup(&self, secret_hash: &str, until_us: i64) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        tx.execute_raw(self.stmt("DELETE FROM server_secrets WHERE name = $1", vec![SETUP.into()]))
            .await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO server_secrets (name, value) VALUES ($1, $2)",
            vec![SETUP.into(), format!("{secret_hash} {until_us}").into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes setup: the link stops working.
    pub async fn close_setup(&self) -> Result<(), StoreError> {
        let tx = self.store.write_tx().await?;
        tx.execute_raw(self.stmt("DELETE FROM server_secrets WHERE name = $1", vec![SETUP.into()]))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The stored hash of the setup secret, while setup is open and the link has not expired.
    pub async fn setup_hash(&self) -> Result<Option<String>, StoreError> {
        let row = self
            .store
            .db()
            .query_one_raw(self.stmt("SELECT value FROM server_secrets WHERE name = $1", vec![SETUP.into()]))
            .await?;
        let Some(value) = row.map(|r| r.try_get::<String>("", "value")).transpose()? else {
            return Ok(None);
        };
        let (hash, until) = value.split_once(' ').unwrap_or((&value, "0"));
        let live = until.parse::<i64>().is_ok_and(|u| self.store.now_us() < u);
        Ok(live.then(|| hash.to_owned()))
    }

    /// Spends the setup secret: `true` for the one caller that deleted it.
    pub async fn finish_setup(&self, secret_hash: &str) -> Result<bool, StoreError> {
        let Some(stored) = self.setup_hash().await? else {
            return Ok(false);
        };
        if stored != secret_hash {
            return Ok(false);
        }
        let tx = self.store.write_tx().await?;
        let n = tx
            .execute_raw(self.stmt(
                "DELETE FROM server_secrets WHERE name = $1 AND value LIKE $2",
                vec![SETUP.into(), format!("{secret_hash} %").into()],
            ))
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }
}
