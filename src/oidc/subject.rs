//! The signed-in user as the claims see it, re-read from the database on every token,
//! refresh, userinfo and introspection (group and `active` changes apply at once).
use entity::oauth_client;
use uuid::Uuid;

use std::sync::Arc;

use super::claims::{GroupRef, GroupsPolicy, PermissionsPolicy, Scopes, UserInfo};
use crate::{AppState, access::Held, store::StoreError};

/// An active user with their groups (direct and nested) and, for scope `roles`, their
/// effective roles and permissions.
pub struct Subject {
    pub info: UserInfo,
    pub groups: Vec<GroupRef>,
    pub access: Option<Arc<Held>>,
    /// When the user's memberships next start or end on their own: tokens end by then.
    pub changes_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The user if they exist and are active; `None` otherwise. One statement reads the user,
/// the primary email, the groups and — only when `scopes` has `roles` — the roles and their
/// permissions (or finds the ones cached for the user still current).
pub async fn load(state: &AppState, user_id: Uuid, scopes: &Scopes) -> Result<Option<Subject>, StoreError> {
    let Some(row) = state.store.users().for_tokens(user_id, scopes.has("roles")).await? else {
        return Ok(None);
    };
    let (user, email) = (row.user, row.email);
    if !user.active {
        return Ok(None);
    }
    let groups = row
        .groups
        .into_iter()
        .map(|g| GroupRef {
            id: g.id.to_string(),
            name: g.display_name,
        })
        .collect();
    Ok(Some(Subject {
        info: UserInfo {
            id: user.id.to_string(),
            user_name: user.user_name,
            display_name: user.display_name,
            given_name: user.given_name,
            family_name: user.family_name,
            email,
        },
        groups,
        access: row.held,
        changes_at: row.changes_at,
    }))
}

/// Whether the user exists and is active (no group lookup).
pub async fn is_active(state: &AppState, user_id: Uuid) -> Result<bool, StoreError> {
    match state.store.users().get(user_id).await {
        Ok(u) => Ok(u.active),
        Err(StoreError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What the client sees of a user's permissions.
pub fn permissions_policy(state: &AppState, client: &oauth_client::Model) -> PermissionsPolicy {
    PermissionsPolicy {
        prefix: client.permissions_prefix.clone(),
        iam: client.iam_permissions,
        limit: state.config.groups_claim_limit,
    }
}

/// The client's `groups` claim options.
pub fn policy(state: &AppState, client: &oauth_client::Model) -> GroupsPolicy {
    GroupsPolicy {
        ids: client.groups_claim == "ids",
        prefix: client.groups_prefix.clone(),
        limit: state.config.groups_claim_limit,
    }
}
