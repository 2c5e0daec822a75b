//! Operations on `Group.members` become `MemberOp`s: row inserts and deletes whose cost
//! depends only on the members they name, never on the group's size.
use serde_json::Value;
use uuid::Uuid;

use super::{OpKind, apply::Ctx, invalid_path};
use crate::{
    scim::{
        error::ScimError,
        filter::{CompValue, CompareOp, Filter, PatchPath},
    },
    store::groups::MemberOp,
};

/// Member values must be ids of existing users or groups (checked by the store).
pub fn member_ids(values: &[String]) -> Result<Vec<Uuid>, ScimError> {
    values
        .iter()
        .map(|v| {
            Uuid::parse_str(v.trim()).map_err(|_| ScimError::invalid_value(format!("no user or group with id {v:?}")))
        })
        .collect()
}

impl Ctx {
    pub(super) fn members(&mut self, kind: OpKind, path: &PatchPath, value: Option<Value>) -> Result<(), ScimError> {
        // A member is its id: `members.display` or `members[…].display` names nothing that
        // can change (and must not be mistaken for the whole member).
        if path.attr.sub.is_some() || path.sub.is_some() {
            return Err(invalid_path(
                "member sub-attributes cannot be changed; add or remove the member",
            ));
        }
        let from_value = |v: Option<Value>| -> Result<Vec<Uuid>, ScimError> {
            let items = match v {
                None | Some(Value::Null) => vec![],
                Some(Value::Array(items)) => items,
                Some(other) => vec![other],
            };
            let values: Vec<String> = items
                .iter()
                .map(|m| match m.get("value") {
                    Some(Value::String(s)) => Ok(s.clone()),
                    _ => Err(ScimError::invalid_value("each member needs a string \"value\"")),
                })
                .collect::<Result<_, _>>()?;
            member_ids(&values)
        };
        match (kind, &path.filter) {
            (OpKind::Add, None) => self.members.push(MemberOp::Add(from_value(value)?)),
            (OpKind::Replace, None) => {
                self.members.push(MemberOp::Replace(from_value(value)?));
            }
            (OpKind::Remove, None) => match value {
                // Entra's legacy form: `{"op":"Remove","path":"members","value":[{"value":"id"}]}`.
                Some(v) if !v.is_null() => {
                    let ids = from_value(Some(v)).unwrap_or_default();
                    self.members.push(MemberOp::Remove(ids));
                }
                _ => self.members.push(MemberOp::RemoveAll),
            },
            (OpKind::Remove, Some(f)) => {
                let mut ids = vec![];
                member_ids_in(f, &mut ids)?;
                self.members.push(MemberOp::Remove(ids));
            }
            (_, Some(_)) => {
                return Err(invalid_path("a member filter can only be used with \"remove\""));
            }
        }
        Ok(())
    }
}

/// Ids named by a member filter: `value eq "x"`, combined with `or`.
fn member_ids_in(f: &Filter, out: &mut Vec<Uuid>) -> Result<(), ScimError> {
    match f {
        Filter::Or(a, b) => {
            member_ids_in(a, out)?;
            member_ids_in(b, out)
        }
        Filter::Compare(p, CompareOp::Eq, CompValue::Str(v))
            if p.name.eq_ignore_ascii_case("value") && p.sub.is_none() =>
        {
            // An id that is not a UUID names no member: removing it is a no-op.
            if let Ok(id) = Uuid::parse_str(v.trim()) {
                out.push(id);
            }
            Ok(())
        }
        _ => Err(ScimError::bad_request(
            "invalidFilter",
            "member filters support `value eq \"id\"`, optionally combined with `or`",
        )),
    }
}
