//! Path identifiers: a group is named by id or displayName, a user by id, userName or email.
//! An identifier that names several resources is a 409 listing them.
use uuid::Uuid;

use super::problem::{Problem, UNKNOWN_USERS};
use crate::store::Store;

/// The group `ident` names.
pub async fn group(store: &Store, ident: &str) -> Result<Uuid, Problem> {
    match store.groups().resolve(ident).await?.as_slice() {
        [] => Err(Problem::not_found(format!("no group with id or name {ident:?}"))),
        [id] => Ok(*id),
        many => Err(Problem::ambiguous("group name", ident, many)),
    }
}

/// The user `ident` names.
pub async fn user(store: &Store, ident: &str) -> Result<Uuid, Problem> {
    Ok(users(store, &[ident.to_owned()]).await?[0])
}

/// The users the identifiers name, in order. Every unknown identifier is listed in one 404.
pub async fn users(store: &Store, idents: &[String]) -> Result<Vec<Uuid>, Problem> {
    let found = store.users().resolve(idents).await?;
    let ids = |i: &String| found.get(i).map(Vec::as_slice).unwrap_or_default();
    let unknown: Vec<&String> = idents.iter().filter(|i| ids(i).is_empty()).collect();
    if !unknown.is_empty() {
        let list = unknown.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", ");
        return Err(Problem::not_found(format!("no user with id, userName or email {list}"))
            .typed(UNKNOWN_USERS, "Unknown users")
            .with("unknown", serde_json::json!(unknown)));
    }
    if let Some(i) = idents.iter().find(|i| ids(i).len() > 1) {
        return Err(Problem::ambiguous("user email", i, ids(i)));
    }
    Ok(idents.iter().map(|i| ids(i)[0]).collect())
}
