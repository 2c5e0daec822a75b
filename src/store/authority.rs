//! No escalation through memberships or passwords. Scimitar's own authority (`iam.…`, `*`)
//! reaches users through roles; a caller that adds members to a group whose roles — or whose
//! enclosing groups' roles — carry such permissions, or that sets the password of a user who
//! holds them (and so could sign in as them), hands that authority on. Both are refused unless
//! the caller holds it too. A SCIM provisioning token holds none: it may fill groups that grant
//! applications' permissions, not groups that make administrators. Checked inside the write
//! transaction, after the change, so what is checked is what would be committed.
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use uuid::Uuid;

use super::{
    StoreError,
    audit::{Actor, Authority},
    members,
};
use crate::access::{Permission, permission::is_scimitars_sql};

#[derive(FromQueryResult)]
struct PermissionRow {
    permission: String,
}

/// Members were added to `group`: the caller must hold every one of Scimitar's permissions
/// that membership in it confers.
pub(super) async fn adding_members(
    db: &impl ConnectionTrait,
    actor: &Actor,
    group: Uuid,
    now: i64,
) -> Result<(), StoreError> {
    let Authority::Holds(held) = &actor.authority else {
        return Ok(());
    };
    let sql = conferred_sql(
        db.get_database_backend(),
        "SELECT gr.role_id FROM group_roles gr WHERE gr.group_id = $1 OR gr.group_id IN (SELECT id FROM anc)",
    );
    check(
        db,
        held,
        &sql,
        (group, now),
        "adding members to a group whose roles carry it",
    )
    .await
}

/// `user`'s password is being set: the caller must hold every one of Scimitar's permissions
/// the user holds, directly or through groups.
pub(super) async fn setting_password(
    db: &impl ConnectionTrait,
    actor: &Actor,
    user: Uuid,
    now: i64,
) -> Result<(), StoreError> {
    let Authority::Holds(held) = &actor.authority else {
        return Ok(());
    };
    let sql = conferred_sql(
        db.get_database_backend(),
        "SELECT ur.role_id FROM user_roles ur WHERE ur.user_id = $1
         UNION
         SELECT gr.role_id FROM group_roles gr WHERE gr.group_id IN (SELECT id FROM anc)",
    );
    check(
        db,
        held,
        &sql,
        (user, now),
        "setting the password of a user who holds it",
    )
    .await
}

/// Scimitar's own permissions carried by the roles `roles` selects; in it, `$1` is the group or
/// user and `anc` the groups containing it — through memberships in effect at `$2` or due to
/// start later (a pending membership in an admin group is authority to come).
fn conferred_sql(backend: sea_orm::DbBackend, roles: &str) -> String {
    format!(
        r#"WITH RECURSIVE {anc}
           SELECT DISTINCT rp.permission AS permission
           FROM role_permissions rp
           WHERE {own} AND rp.role_id IN ({roles})"#,
        anc = members::ancestors_to_come(backend, "$1", "$2"),
        own = is_scimitars_sql("rp.permission"),
    )
}

async fn check(
    db: &impl ConnectionTrait,
    held: &[Permission],
    sql: &str,
    (id, now): (Uuid, i64),
    doing: &'static str,
) -> Result<(), StoreError> {
    let stmt = Statement::from_sql_and_values(db.get_database_backend(), sql, [id.into(), now.into()]);
    let mut conferred: Vec<String> = PermissionRow::find_by_statement(stmt)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.permission)
        .collect();
    conferred.sort();
    for p in conferred {
        // Stored permissions were validated when written; one that no longer parses covers
        // nothing and is skipped, as everywhere else.
        let Ok(wanted) = Permission::parse(&p) else { continue };
        if !held.iter().any(|h| h.covers(&wanted)) {
            return Err(StoreError::Forbidden {
                permission: wanted.as_str().to_owned(),
                doing,
            });
        }
    }
    Ok(())
}
