//! Roles, their permissions, and their grants to groups and users. Every change is audited in
//! its own transaction.
use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value as DbValue};
use serde_json::json;
use uuid::Uuid;

use crate::access::schedule::{Schedule, ScheduleSpec};

use super::{
    Store, StoreError,
    audit::{self, Actor, Event},
    members,
};

pub struct Roles<'a> {
    pub(super) store: &'a Store,
}

/// A role with its permissions (sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
}

/// A role granted to a group or a user, with its permissions.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The group it is granted to; `None` for a direct grant to the user.
    pub group: Option<Uuid>,
    pub role: Uuid,
    pub role_name: String,
    pub permissions: Vec<String>,
    /// When a group grant applies, if only at times.
    pub schedule: Option<ScheduleSpec>,
}

/// A role granted to a group, as the group's role list shows it.
#[derive(Debug, Clone)]
pub struct GroupGrant {
    pub role: Uuid,
    pub role_name: String,
    /// The schedule as stored (a [`ScheduleSpec`]).
    pub schedule: Option<serde_json::Value>,
}

/// A stored schedule as shown: the JSON written (checked then), kept as it is.
fn shown_schedule(text: Option<String>) -> Option<serde_json::Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
}

/// Who a grant goes to.
#[derive(Debug, Clone, Copy)]
pub enum Grantee {
    Group(Uuid),
    User(Uuid),
}

fn name_taken(e: StoreError, name: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(format!("a role named {name:?} already exists")),
        e => e,
    }
}

impl Roles<'_> {
    fn stmt(&self, sql: &str, values: Vec<DbValue>) -> Statement {
        Statement::from_sql_and_values(self.store.backend(), sql, values)
    }

    async fn with_permissions(&self, rows: Vec<QueryResult>) -> Result<Vec<Role>, StoreError> {
        let mut roles = Vec::with_capacity(rows.len());
        for r in rows {
            roles.push(Role {
                id: r.try_get("", "id")?,
                name: r.try_get("", "name")?,
                description: r.try_get("", "description")?,
                permissions: vec![],
            });
        }
        if roles.is_empty() {
            return Ok(roles);
        }
        // Only the permissions of these roles (one role for `get`), by the primary key's prefix.
        let placeholders: Vec<String> = (1..=roles.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT role_id, permission FROM role_permissions WHERE role_id IN ({}) ORDER BY permission",
            placeholders.join(", ")
        );
        let ids: Vec<DbValue> = roles.iter().map(|r| r.id.into()).collect();
        let perms = self.store.db().query_all_raw(self.stmt(&sql, ids)).await?;
        let mut by_role: HashMap<Uuid, Vec<String>> = HashMap::new();
        for p in perms {
            by_role
                .entry(p.try_get("", "role_id")?)
                .or_default()
                .push(p.try_get("", "permission")?);
        }
        for r in &mut roles {
            r.permissions = by_role.remove(&r.id).unwrap_or_default();
        }
        Ok(roles)
    }

    pub async fn list(&self) -> Result<Vec<Role>, StoreError> {
        let rows = self
            .store
            .db()
            .query_all_raw(self.stmt("SELECT id, name, description FROM roles ORDER BY name_ci", vec![]))
            .await?;
        self.with_permissions(rows).await
    }

    pub async fn get(&self, id: Uuid) -> Result<Role, StoreError> {
        let rows = self
            .store
            .db()
            .query_all_raw(self.stmt("SELECT id, name, description FROM roles WHERE id = $1", vec![id.into()]))
            .await?;
        self.with_permissions(rows)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("role"))
    }

    /// The role `ident` names: its id, or its name (case-insensitive).
    pub async fn resolve(&self, ident: &str) -> Result<Option<Uuid>, StoreError> {
        let by_id = Uuid::parse_str(ident).ok();
        let row = self
            .store
            .db()
            .query_one_raw(self.stmt(
                "SELECT id FROM roles WHERE id = $1 OR name_ci = $2",
                vec![by_id.unwrap_or_default().into(), ident.trim().to_lowercase().into()],
            ))
            .await?;
        Ok(row.map(|r| r.try_get("", "id")).transpose()?)
    }

    /// Creates a role (its name unique ignoring case).
    pub async fn create(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
        permissions: &[String],
    ) -> Result<Role, StoreError> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        let tx = self.store.write_tx().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO roles (id, name, name_ci, description, created, last_modified) VALUES ($1, $2, $3, $4, $5, $5)",
            vec![
                id.into(),
                name.into(),
                name.to_lowercase().into(),
                description.into(),
                now.into(),
            ],
        ))
        .await
        .map_err(|e| name_taken(e.into(), name))?;
        self.set_permissions(&*tx, id, permissions).await?;
        let event =
            Event::admin("role.create", "Role", id).with_detail(json!({"name": name, "permissions": permissions}));
        audit::record(&*tx, actor, vec![event]).await?;
        tx.commit().await?;
        self.get(id).await
    }

    async fn set_permissions(
        &self,
        tx: &impl ConnectionTrait,
        id: Uuid,
        permissions: &[String],
    ) -> Result<(), StoreError> {
        tx.execute_raw(self.stmt("DELETE FROM role_permissions WHERE role_id = $1", vec![id.into()]))
            .await?;
        let mut unique: Vec<&String> = permissions.iter().collect();
        unique.sort();
        unique.dedup();
        for p in unique {
            tx.execute_raw(self.stmt(
                "INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)",
                vec![id.into(), p.as_str().into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Changes what is given; the rest stays.
    pub async fn update(
        &self,
        actor: &Actor,
        id: Uuid,
        name: Option<&str>,
        description: Option<&str>,
        permissions: Option<&[String]>,
    ) -> Result<Role, StoreError> {
        let cur = self.get(id).await?;
        let name = name.unwrap_or(&cur.name);
        let description = description.unwrap_or(&cur.description);
        let tx = self.store.write_tx().await?;
        tx.execute_raw(self.stmt(
            "UPDATE roles SET name = $1, name_ci = $2, description = $3, last_modified = $4 WHERE id = $5",
            vec![
                name.into(),
                name.to_lowercase().into(),
                description.into(),
                Utc::now().into(),
                id.into(),
            ],
        ))
        .await
        .map_err(|e| name_taken(e.into(), name))?;
        if let Some(p) = permissions {
            self.set_permissions(&*tx, id, p).await?;
        }
        let event =
            Event::admin("role.update", "Role", id).with_detail(json!({"name": name, "permissions": permissions}));
        audit::record(&*tx, actor, vec![event]).await?;
        tx.commit().await?;
        self.get(id).await
    }

    /// Deletes a role and every grant of it.
    pub async fn delete(&self, actor: &Actor, id: Uuid) -> Result<(), StoreError> {
        let role = self.get(id).await?;
        let tx = self.store.write_tx().await?;
        for table in ["group_roles", "user_roles", "role_permissions"] {
            tx.execute_raw(self.stmt(&format!("DELETE FROM {table} WHERE role_id = $1"), vec![id.into()]))
                .await?;
        }
        tx.execute_raw(self.stmt("DELETE FROM roles WHERE id = $1", vec![id.into()]))
            .await?;
        let event = Event::admin("role.delete", "Role", id).with_detail(json!({"name": role.name}));
        audit::record(&*tx, actor, vec![event]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants a role, to a group possibly on a schedule (checked here). Granting again with
    /// another schedule — or none — replaces it; `false` when nothing changed.
    pub async fn grant(
        &self,
        actor: &Actor,
        to: Grantee,
        role: Uuid,
        schedule: Option<&ScheduleSpec>,
    ) -> Result<bool, StoreError> {
        let stored = match (to, schedule) {
            (_, None) => None,
            (Grantee::User(_), Some(_)) => {
                return Err(StoreError::Invalid(
                    "a schedule goes with a role granted to a group, not to a user".into(),
                ));
            }
            (Grantee::Group(_), Some(spec)) => {
                Schedule::parse(spec).map_err(|e| StoreError::Invalid(e.to_string()))?;
                Some(serde_json::to_string(spec).expect("a schedule serializes"))
            }
        };
        let (table, column, target, mut event) = target(to, role, "role.grant");
        let distinct = match self.store.backend() {
            sea_orm::DbBackend::Sqlite => "IS NOT",
            _ => "IS DISTINCT FROM",
        };
        let (sql, mut values) = match to {
            Grantee::Group(_) => (
                format!(
                    "INSERT INTO group_roles (group_id, role_id, created, schedule) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (group_id, role_id) DO UPDATE SET schedule = excluded.schedule
                     WHERE group_roles.schedule {distinct} excluded.schedule"
                ),
                vec![stored.clone().into()],
            ),
            Grantee::User(_) => (
                format!(
                    "INSERT INTO {table} ({column}, role_id, created) VALUES ($1, $2, $3) ON CONFLICT ({column}, role_id) DO NOTHING"
                ),
                vec![],
            ),
        };
        values.splice(0..0, [target.into(), role.into(), Utc::now().into()]);
        let tx = self.store.write_tx().await?;
        let changed = tx.execute_raw(self.stmt(&sql, values)).await?.rows_affected() == 1;
        if changed {
            if let Grantee::Group(_) = to {
                event = event.with_detail(json!({"role_id": role, "schedule": schedule}));
            }
            audit::record(&*tx, actor, vec![event]).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The roles granted to a group, by role name.
    pub async fn of_group(&self, group: Uuid) -> Result<Vec<GroupGrant>, StoreError> {
        let sql = "SELECT r.id, r.name, gr.schedule FROM group_roles gr JOIN roles r ON r.id = gr.role_id
                    WHERE gr.group_id = $1 ORDER BY r.name_ci";
        let rows = self
            .store
            .db()
            .query_all_raw(self.stmt(sql, vec![group.into()]))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(GroupGrant {
                    role: r.try_get("", "id")?,
                    role_name: r.try_get("", "name")?,
                    schedule: shown_schedule(r.try_get("", "schedule")?),
                })
            })
            .collect()
    }

    /// Revokes a grant (idempotent: `false` when there was none).
    pub async fn revoke(&self, actor: &Actor, from: Grantee, role: Uuid) -> Result<bool, StoreError> {
        let (table, column, target, mut event) = target(from, role, "role.revoke");
        let tx = self.store.write_tx().await?;
        // A group grant's schedule goes into the audit event: what was taken back, exactly.
        let returning = match from {
            Grantee::Group(_) => "schedule",
            Grantee::User(_) => "CAST(NULL AS TEXT) AS schedule",
        };
        let sql = format!("DELETE FROM {table} WHERE {column} = $1 AND role_id = $2 RETURNING {returning}");
        let rows = tx
            .query_all_raw(self.stmt(&sql, vec![target.into(), role.into()]))
            .await?;
        let removed = !rows.is_empty();
        if let Some(schedule) = rows
            .first()
            .map(|r| r.try_get::<Option<String>>("", "schedule"))
            .transpose()?
            .flatten()
        {
            event = event.with_detail(json!({"role_id": role, "schedule": shown_schedule(Some(schedule))}));
        }
        if removed {
            audit::record(&*tx, actor, vec![event]).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The grants to the user directly and to the given groups, with their permissions: one
    /// query over the indexed grant tables.
    pub async fn grants(&self, user: Uuid, groups: &[Uuid]) -> Result<Vec<Grant>, StoreError> {
        let mut values: Vec<DbValue> = vec![user.into()];
        let mut placeholders = vec![];
        for (i, g) in groups.iter().enumerate() {
            placeholders.push(format!("${}", i + 2));
            values.push((*g).into());
        }
        let in_groups = if placeholders.is_empty() {
            "FALSE".to_owned()
        } else {
            format!("gr.group_id IN ({})", placeholders.join(", "))
        };
        let sql = format!(
            r#"SELECT NULL AS group_id, r.id AS role_id, r.name, rp.permission, CAST(NULL AS TEXT) AS schedule
                 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                 LEFT JOIN role_permissions rp ON rp.role_id = r.id
                WHERE ur.user_id = $1
               UNION ALL
               SELECT gr.group_id, r.id, r.name, rp.permission, gr.schedule
                 FROM group_roles gr JOIN roles r ON r.id = gr.role_id
                 LEFT JOIN role_permissions rp ON rp.role_id = r.id
                WHERE {in_groups}"#
        );
        let rows = self.store.db().query_all_raw(self.stmt(&sql, values)).await?;
        let mut by_grant: HashMap<(Option<Uuid>, Uuid), Grant> = HashMap::new();
        for r in rows {
            let group: Option<Uuid> = r.try_get("", "group_id")?;
            let role: Uuid = r.try_get("", "role_id")?;
            let schedule = match r.try_get::<Option<String>>("", "schedule")? {
                None => None,
                Some(text) => match serde_json::from_str::<ScheduleSpec>(&text) {
                    Ok(spec) => Some(spec),
                    // Checked when written; one that no longer reads grants nothing (as on
                    // the token path), and says so.
                    Err(e) => {
                        tracing::warn!(%role, error = %e, "a stored schedule no longer parses; the grant is ignored");
                        continue;
                    }
                },
            };
            let g = match by_grant.entry((group, role)) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(Grant {
                    group,
                    role,
                    role_name: String::new(),
                    permissions: vec![],
                    schedule,
                }),
            };
            g.role_name = r.try_get("", "name")?;
            if let Some(p) = r.try_get::<Option<String>>("", "permission")? {
                g.permissions.push(p);
            }
        }
        Ok(by_grant.into_values().collect())
    }

    /// Who holds a role: the users it is granted to directly, and the users in (or nested
    /// under) each group it is granted to, with that group. `(user id, userName, granting
    /// group id and name or None for direct)`, sorted by userName.
    pub async fn holders(&self, role: Uuid) -> Result<Vec<(Uuid, String, Option<(Uuid, String)>)>, StoreError> {
        let sql = format!(
            r#"
            WITH RECURSIVE sub(root, id) AS (
                SELECT group_id, group_id FROM group_roles WHERE role_id = $1
                UNION
                SELECT sub.root, gm.member_id FROM group_members gm JOIN sub ON gm.group_id = sub.id
                 WHERE gm.member_type = 'Group' AND {live}
            )
            SELECT DISTINCT u.id AS user_id, u.user_name, sub.root AS group_id, g.display_name
              FROM sub
              JOIN group_members gm ON gm.group_id = sub.id AND gm.member_type = 'User' AND {live}
              JOIN users u ON u.id = gm.member_id
              JOIN "groups" g ON g.id = sub.root
            UNION
            SELECT u.id, u.user_name, NULL, NULL
              FROM user_roles ur JOIN users u ON u.id = ur.user_id
             WHERE ur.role_id = $1
            ORDER BY 2, 4"#,
            live = members::in_effect_sql("gm", "$2"),
        );
        let values = vec![role.into(), self.store.now_us().into()];
        let rows = self.store.db().query_all_raw(self.stmt(&sql, values)).await?;
        rows.iter()
            .map(|r| {
                let group: Option<Uuid> = r.try_get("", "group_id")?;
                let name: Option<String> = r.try_get("", "display_name")?;
                Ok((r.try_get("", "user_id")?, r.try_get("", "user_name")?, group.zip(name)))
            })
            .collect()
    }

    /// Membership edges among `nodes` in effect at `at_us`: (group, member) for every member
    /// in `nodes`.
    pub async fn edges(&self, nodes: &[Uuid], at_us: i64) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        if nodes.is_empty() {
            return Ok(vec![]);
        }
        let placeholders: Vec<String> = (1..=nodes.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT group_id, member_id FROM group_members gm WHERE member_id IN ({}) AND {}",
            placeholders.join(", "),
            members::in_effect_sql("gm", &format!("${}", nodes.len() + 1)),
        );
        let values: Vec<DbValue> = nodes.iter().map(|n| (*n).into()).chain([at_us.into()]).collect();
        let rows = self.store.db().query_all_raw(self.stmt(&sql, values)).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("", "group_id")?, r.try_get("", "member_id")?)))
            .collect()
    }
}

fn target(to: Grantee, role: Uuid, action: &'static str) -> (&'static str, &'static str, Uuid, Event) {
    match to {
        Grantee::Group(g) => (
            "group_roles",
            "group_id",
            g,
            Event::group(action, g).with_detail(json!({"role_id": role})),
        ),
        Grantee::User(u) => (
            "user_roles",
            "user_id",
            u,
            Event::user(action, u).with_detail(json!({"role_id": role})),
        ),
    }
}
