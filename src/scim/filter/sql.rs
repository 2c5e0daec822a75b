//! Filter AST → sea-query `Condition` with bound parameters, per resource type.
//! Attributes with a column (or a side table) are compiled here; anything else is a 400
//! `invalidFilter`, never an unfiltered list.
use chrono::{DateTime, Utc};
use entity::{group, group_member, user, user_email};
use sea_orm::{
    Condition, ExprTrait,
    sea_query::{Expr, Func, IntoColumnRef, LikeExpr, Query, SimpleExpr},
};
use uuid::Uuid;

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::{
    error::ScimError,
    schema::{GROUP_SCHEMA, USER_SCHEMA},
};

/// What a filterable attribute is stored as.
#[derive(Clone)]
enum Target {
    /// Text compared case-sensitively (`caseExact: true`).
    Exact(SimpleExpr),
    /// Text compared case-insensitively: the lowercased expression (a shadow column or `LOWER(col)`).
    Folded(SimpleExpr),
    Bool(SimpleExpr),
    Time(SimpleExpr),
    Id(SimpleExpr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    User,
    Group,
}

impl Resource {
    fn core_urn(self) -> &'static str {
        match self {
            Resource::User => USER_SCHEMA,
            Resource::Group => GROUP_SCHEMA,
        }
    }
}

fn col(c: impl IntoColumnRef) -> SimpleExpr {
    Expr::col(c)
}

fn lower(c: impl IntoColumnRef) -> SimpleExpr {
    Func::lower(Expr::col(c)).into()
}

fn unsupported(path: &AttrPath) -> ScimError {
    ScimError::bad_request("invalidFilter", format!("filtering on \"{path}\" is not supported"))
}

/// Strips the resource's own core URN (`urn:…:core:2.0:User:userName` → `userName`).
fn local(path: &AttrPath, r: Resource) -> Result<AttrPath, ScimError> {
    match &path.uri {
        None => Ok(path.clone()),
        Some(u) if u.eq_ignore_ascii_case(r.core_urn()) => Ok(AttrPath {
            uri: None,
            ..path.clone()
        }),
        Some(_) => Err(unsupported(path)),
    }
}

fn is(s: &str, name: &str) -> bool {
    s.eq_ignore_ascii_case(name)
}

/// Column for a single-valued attribute (also used for `sortBy`).
fn target(r: Resource, path: &AttrPath) -> Result<Target, ScimError> {
    let p = local(path, r)?;
    let (n, sub) = (p.name.as_str(), p.sub.as_deref());
    let t = match (r, n, sub) {
        (_, n, None) if is(n, "id") => Target::Id(match r {
            Resource::User => col((user::Entity, user::Column::Id)),
            Resource::Group => col((group::Entity, group::Column::Id)),
        }),
        (Resource::User, n, None) if is(n, "externalId") => {
            Target::Exact(col((user::Entity, user::Column::ExternalId)))
        }
        (Resource::Group, n, None) if is(n, "externalId") => {
            Target::Exact(col((group::Entity, group::Column::ExternalId)))
        }
        (_, n, Some(s)) if is(n, "meta") && is(s, "created") => Target::Time(match r {
            Resource::User => col((user::Entity, user::Column::Created)),
            Resource::Group => col((group::Entity, group::Column::Created)),
        }),
        (_, n, Some(s)) if is(n, "meta") && is(s, "lastModified") => Target::Time(match r {
            Resource::User => col((user::Entity, user::Column::LastModified)),
            Resource::Group => col((group::Entity, group::Column::LastModified)),
        }),
        (Resource::User, n, None) if is(n, "userName") => Target::Folded(col((user::Entity, user::Column::UserNameCi))),
        (Resource::User, n, None) if is(n, "displayName") => {
            Target::Folded(lower((user::Entity, user::Column::DisplayName)))
        }
        (Resource::User, n, None) if is(n, "active") => Target::Bool(col((user::Entity, user::Column::Active))),
        (Resource::User, n, Some(s)) if is(n, "name") && is(s, "givenName") => {
            Target::Folded(lower((user::Entity, user::Column::GivenName)))
        }
        (Resource::User, n, Some(s)) if is(n, "name") && is(s, "familyName") => {
            Target::Folded(lower((user::Entity, user::Column::FamilyName)))
        }
        (Resource::Group, n, None) if is(n, "displayName") => {
            Target::Folded(col((group::Entity, group::Column::DisplayNameCi)))
        }
        _ => return Err(unsupported(path)),
    };
    Ok(t)
}

/// `ORDER BY` expression for `sortBy`.
pub fn sort_expr(r: Resource, path: &AttrPath) -> Result<SimpleExpr, ScimError> {
    Ok(match target(r, path)? {
        Target::Exact(e) | Target::Folded(e) | Target::Bool(e) | Target::Time(e) | Target::Id(e) => e,
    })
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn string_value(v: &CompValue, path: &AttrPath) -> Result<String, ScimError> {
    match v {
        CompValue::Str(s) => Ok(s.clone()),
        CompValue::Num(n) => Ok(n.to_string()),
        CompValue::Bool(b) => Ok(b.to_string()),
        CompValue::Null => Err(ScimError::bad_request(
            "invalidFilter",
            format!("null is not comparable for \"{path}\""),
        )),
    }
}

/// Compiles one comparison against a target.
fn compare(t: Target, op: CompareOp, v: &CompValue, path: &AttrPath) -> Result<SimpleExpr, ScimError> {
    use CompareOp::*;
    let invalid = |m: String| ScimError::bad_request("invalidFilter", m);
    if matches!(v, CompValue::Null) {
        let e = match &t {
            Target::Exact(e) | Target::Folded(e) | Target::Time(e) | Target::Bool(e) | Target::Id(e) => e.clone(),
        };
        return match op {
            Eq => Ok(e.is_null()),
            Ne => Ok(e.is_not_null()),
            _ => Err(invalid(format!("\"{}\" cannot compare with null", op.as_str()))),
        };
    }
    Ok(match t {
        Target::Bool(e) => {
            let b = match v {
                CompValue::Bool(b) => *b,
                CompValue::Str(s) if s.eq_ignore_ascii_case("true") => true,
                CompValue::Str(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return Err(invalid(format!("\"{path}\" is a boolean"))),
            };
            match op {
                Eq => e.eq(b),
                Ne => e.ne(b),
                _ => {
                    return Err(invalid(format!(
                        "\"{}\" does not apply to the boolean \"{path}\"",
                        op.as_str()
                    )));
                }
            }
        }
        Target::Id(e) => {
            let s = string_value(v, path)?;
            let Ok(id) = Uuid::parse_str(&s) else {
                // No resource has an id that is not a UUID.
                return Ok(if op == Ne {
                    Expr::val(1).eq(1)
                } else {
                    Expr::val(1).eq(0)
                });
            };
            match op {
                Eq => e.eq(id),
                Ne => e.ne(id),
                _ => return Err(invalid("\"id\" supports only eq and ne".into())),
            }
        }
        Target::Time(e) => {
            let s = string_value(v, path)?;
            let t: DateTime<Utc> = DateTime::parse_from_rfc3339(&s)
                .map_err(|_| invalid(format!("\"{path}\" needs an RFC 3339 date-time")))?
                .into();
            match op {
                Eq => e.eq(t),
                Ne => e.ne(t),
                Gt => e.gt(t),
                Ge => e.gte(t),
                Lt => e.lt(t),
                Le => e.lte(t),
                Co | Sw | Ew => return Err(invalid(format!("\"{}\" does not apply to dates", op.as_str()))),
            }
        }
        Target::Exact(e) => text(e, op, string_value(v, path)?),
        Target::Folded(e) => text(e, op, string_value(v, path)?.to_lowercase()),
    })
}

fn text(e: SimpleExpr, op: CompareOp, s: String) -> SimpleExpr {
    use CompareOp::*;
    match op {
        Eq => e.eq(s),
        // An absent value is "not equal" to anything.
        Ne => e.clone().ne(s).or(e.is_null()),
        Co => e.like(LikeExpr::new(format!("%{}%", like_escape(&s))).escape('\\')),
        Sw => e.like(LikeExpr::new(format!("{}%", like_escape(&s))).escape('\\')),
        Ew => e.like(LikeExpr::new(format!("%{}", like_escape(&s))).escape('\\')),
        Gt => e.gt(s),
        Ge => e.gte(s),
        Lt => e.lt(s),
        Le => e.lte(s),
    }
}

fn present(t: Target) -> SimpleExpr {
    match t {
        Target::Exact(e) | Target::Folded(e) => e.clone().is_not_null().and(e.ne("")),
        Target::Time(e) | Target::Bool(e) | Target::Id(e) => e.is_not_null(),
    }
}

/// Compiles a filter for `r` into a condition.
pub fn to_condition(f: &Filter, r: Resource) -> Result<Condition, ScimError> {
    Ok(Condition::all().add(expr(f, r)?))
}

fn expr(f: &Filter, r: Resource) -> Result<SimpleExpr, ScimError> {
    Ok(match f {
        Filter::And(a, b) => expr(a, r)?.and(expr(b, r)?),
        Filter::Or(a, b) => expr(a, r)?.or(expr(b, r)?),
        Filter::Not(a) => expr(a, r)?.not(),
        Filter::Present(p) => match multi(r, p)? {
            Some(m) => m.exists(None)?,
            None => present(target(r, p)?),
        },
        Filter::Compare(p, op, v) => match multi(r, p)? {
            // `emails.value eq "x"` means: some element's value matches.
            Some(m) => {
                let sub = AttrPath {
                    uri: None,
                    name: p.sub.clone().unwrap_or_else(|| "value".into()),
                    sub: None,
                };
                let inner = Filter::Compare(sub, *op, v.clone());
                m.exists(Some(&inner))?
            }
            None => compare(target(r, p)?, *op, v, p)?,
        },
        Filter::ValuePath(p, inner) => match multi(r, p)? {
            Some(m) if p.sub.is_none() => m.exists(Some(inner))?,
            _ => return Err(unsupported(p)),
        },
    })
}

/// Multi-valued attributes kept in side tables: `User.emails`, `Group.members`.
enum Multi {
    Emails,
    Members,
}

fn multi(r: Resource, p: &AttrPath) -> Result<Option<Multi>, ScimError> {
    let l = local(p, r)?;
    Ok(match r {
        Resource::User if is(&l.name, "emails") => Some(Multi::Emails),
        Resource::Group if is(&l.name, "members") => Some(Multi::Members),
        _ => None,
    })
}

impl Multi {
    /// `EXISTS (SELECT 1 FROM side WHERE side.owner = outer.id AND inner)`.
    fn exists(&self, inner: Option<&Filter>) -> Result<SimpleExpr, ScimError> {
        let mut q = Query::select();
        q.expr(Expr::val(1));
        match self {
            Multi::Emails => {
                q.from(user_email::Entity).and_where(
                    Expr::col((user_email::Entity, user_email::Column::UserId))
                        .equals((user::Entity, user::Column::Id)),
                );
            }
            Multi::Members => {
                q.from(group_member::Entity).and_where(
                    Expr::col((group_member::Entity, group_member::Column::GroupId))
                        .equals((group::Entity, group::Column::Id)),
                );
            }
        }
        if let Some(f) = inner {
            q.and_where(self.element(f)?);
        }
        Ok(Expr::exists(q))
    }

    /// A filter over one element (`type eq "work" and value co "@x"`).
    fn element(&self, f: &Filter) -> Result<SimpleExpr, ScimError> {
        Ok(match f {
            Filter::And(a, b) => self.element(a)?.and(self.element(b)?),
            Filter::Or(a, b) => self.element(a)?.or(self.element(b)?),
            Filter::Not(a) => self.element(a)?.not(),
            Filter::Present(p) => present(self.sub(p)?),
            Filter::Compare(p, op, v) => compare(self.sub(p)?, *op, v, p)?,
            Filter::ValuePath(p, _) => {
                return Err(ScimError::bad_request(
                    "invalidFilter",
                    format!("nested value path \"{p}\""),
                ));
            }
        })
    }

    fn sub(&self, p: &AttrPath) -> Result<Target, ScimError> {
        let n = p.name.as_str();
        if p.uri.is_some() || p.sub.is_some() {
            return Err(unsupported(p));
        }
        Ok(match self {
            Multi::Emails if is(n, "value") => Target::Folded(col((user_email::Entity, user_email::Column::ValueCi))),
            Multi::Emails if is(n, "type") => Target::Folded(lower((user_email::Entity, user_email::Column::Kind))),
            Multi::Emails if is(n, "primary") => Target::Bool(col((user_email::Entity, user_email::Column::Primary))),
            Multi::Members if is(n, "value") => Target::Id(col((group_member::Entity, group_member::Column::MemberId))),
            Multi::Members if is(n, "type") => {
                Target::Folded(lower((group_member::Entity, group_member::Column::MemberType)))
            }
            _ => return Err(unsupported(p)),
        })
    }
}
