//! Filter AST → sea-query `Condition` with bound parameters, per resource type.
//! Attributes with a column (or a side table) are compiled here; anything else is a 400
//! `invalidFilter`, never an unfiltered list.
use chrono::{DateTime, Utc};
use entity::{group, group_member, user, user_email};
use sea_orm::{
    Condition, DbBackend, ExprTrait,
    sea_query::{Expr, Func, IntoColumnRef, LikeExpr, Query, SimpleExpr},
};
use uuid::Uuid;

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
pub use crate::scim::resource::Resource;
use crate::{
    scim::{
        error::ScimError,
        schema::{self, AttrType, Attribute, Schema},
    },
    store::search::{
        self, EMAIL, GROUP_NAME, Trigram, USER_DISPLAY_NAME, USER_FAMILY_NAME, USER_GIVEN_NAME, USER_NAME,
    },
};

/// What a filterable attribute is stored as.
#[derive(Clone)]
enum Target {
    /// Text compared case-sensitively (`caseExact: true`).
    Exact(SimpleExpr),
    /// Text compared case-insensitively: the lowercased expression (a shadow column or
    /// `LOWER(col)`), with the trigram index that narrows `co`/`sw`/`ew` on it, if any.
    Folded(SimpleExpr, Option<Trigram>),
    Bool(SimpleExpr),
    Time(SimpleExpr),
    Id(SimpleExpr),
    /// A JSON boolean, extracted as the text `true` / `false`.
    JsonBool(SimpleExpr),
}

/// The index, on SQLite (PostgreSQL's `pg_trgm` GIN indexes serve the `LIKE` itself).
fn trigram(c: Compiler, index: Trigram) -> Option<Trigram> {
    (c.backend == DbBackend::Sqlite).then_some(index)
}

/// `condition` (the `LIKE` on the row), narrowed first to the rows the trigram index finds for
/// the same pattern when it can (see `store::search`). The row's own `LIKE` stays, so the
/// index can only narrow, never add a row.
fn narrowed(condition: SimpleExpr, t: Trigram, s: &str) -> SimpleExpr {
    if !search::usable(s) {
        return condition;
    }
    search::candidates(t, s).and(condition)
}

impl Resource {
    /// The quoted `doc` column of the resource's table, for JSON functions.
    fn doc(self) -> &'static str {
        match self {
            Resource::User => r#""users"."doc""#,
            Resource::Group => r#""groups"."doc""#,
        }
    }
}

/// The filter compiler for one resource type on one database backend.
#[derive(Clone, Copy)]
pub struct Compiler {
    pub resource: Resource,
    pub backend: DbBackend,
    /// The server's clock, microseconds: `members` and `groups` filters see only the
    /// memberships in effect then.
    pub now: i64,
}

/// A JSON location: the keys from the document root, e.g. `["name", "middleName"]`.
fn json_text(c: Compiler, base: &str, keys: &[&str], ty: AttrType) -> SimpleExpr {
    match c.backend {
        DbBackend::Postgres => {
            let params = (1..=keys.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let values: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
            Expr::cust_with_values(format!("jsonb_extract_path_text({base}, {params})"), values)
        }
        _ => {
            let path: String = std::iter::once("$".to_owned())
                .chain(keys.iter().map(|k| format!(".\"{k}\"")))
                .collect();
            // `json_type` gives `true`/`false` for booleans, as PostgreSQL's text extraction does.
            let f = if ty == AttrType::Boolean {
                "json_type"
            } else {
                "json_extract"
            };
            Expr::cust_with_values(format!("{f}({base}, ?)"), [path])
        }
    }
}

fn json_target(c: Compiler, base: &str, keys: &[&str], attr: &Attribute) -> Target {
    let e = json_text(c, base, keys, attr.ty);
    match attr.ty {
        AttrType::Boolean => Target::JsonBool(e),
        _ if attr.case_exact => Target::Exact(e),
        _ => Target::Folded(Func::lower(e).into(), None),
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

/// Column (or JSON location) of a single-valued attribute; also used for `sortBy`.
fn target(c: Compiler, path: &AttrPath) -> Result<Target, ScimError> {
    if let Some(t) = column(c, path)? {
        return Ok(t);
    }
    json_single(c, path)
}

/// Attributes that are not columns live in `doc`, at their canonical names.
fn json_single(c: Compiler, path: &AttrPath) -> Result<Target, ScimError> {
    let r = c.resource;
    let (ext, attr) = resolve(r, path)?;
    let mut keys: Vec<&str> = ext.map(|e| e.id).into_iter().collect();
    keys.push(attr.name);
    let attr = match (&path.sub, attr.ty) {
        (Some(s), AttrType::Complex) if !attr.multi_valued => {
            let sub = attr.sub(s).ok_or_else(|| unsupported(path))?;
            keys.push(sub.name);
            sub
        }
        (None, t) if t != AttrType::Complex && !attr.multi_valued => attr,
        _ => return Err(unsupported(path)),
    };
    Ok(json_target(c, r.doc(), &keys, attr))
}

/// The schema attribute a path names: `(extension, attribute)`.
fn resolve(r: Resource, path: &AttrPath) -> Result<(Option<&'static Schema>, &'static Attribute), ScimError> {
    let schema = match &path.uri {
        None => r.core(),
        Some(u) if u.eq_ignore_ascii_case(r.core_urn()) => r.core(),
        Some(u) => r
            .extensions()
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(u))
            .ok_or_else(|| unsupported(path))?,
    };
    let attr = schema.attr(&path.name).ok_or_else(|| unsupported(path))?;
    if attr.returned == schema::Returned::Never {
        return Err(unsupported(path));
    }
    let ext = (schema.id != r.core().id).then_some(schema);
    Ok((ext, attr))
}

/// Attributes kept in columns.
fn column(c: Compiler, path: &AttrPath) -> Result<Option<Target>, ScimError> {
    let r = c.resource;
    if path
        .uri
        .as_deref()
        .is_some_and(|u| !u.eq_ignore_ascii_case(r.core_urn()))
    {
        return Ok(None);
    }
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
        (Resource::User, n, None) if is(n, "userName") => {
            Target::Folded(col((user::Entity, user::Column::UserNameCi)), trigram(c, USER_NAME))
        }
        (Resource::User, n, None) if is(n, "displayName") => Target::Folded(
            lower((user::Entity, user::Column::DisplayName)),
            trigram(c, USER_DISPLAY_NAME),
        ),
        (Resource::User, n, None) if is(n, "active") => Target::Bool(col((user::Entity, user::Column::Active))),
        (Resource::User, n, Some(s)) if is(n, "name") && is(s, "givenName") => Target::Folded(
            lower((user::Entity, user::Column::GivenName)),
            trigram(c, USER_GIVEN_NAME),
        ),
        (Resource::User, n, Some(s)) if is(n, "name") && is(s, "familyName") => Target::Folded(
            lower((user::Entity, user::Column::FamilyName)),
            trigram(c, USER_FAMILY_NAME),
        ),
        (Resource::Group, n, None) if is(n, "displayName") => Target::Folded(
            col((group::Entity, group::Column::DisplayNameCi)),
            trigram(c, GROUP_NAME),
        ),
        _ => return Ok(None),
    };
    Ok(Some(t))
}

/// `ORDER BY` expression for `sortBy`.
pub fn sort_expr(c: Compiler, path: &AttrPath) -> Result<SimpleExpr, ScimError> {
    Ok(match target(c, path)? {
        Target::Exact(e)
        | Target::Folded(e, _)
        | Target::Bool(e)
        | Target::Time(e)
        | Target::Id(e)
        | Target::JsonBool(e) => e,
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
            Target::Exact(e)
            | Target::Folded(e, _)
            | Target::Time(e)
            | Target::Bool(e)
            | Target::Id(e)
            | Target::JsonBool(e) => e.clone(),
        };
        return match op {
            Eq => Ok(e.is_null()),
            Ne => Ok(e.is_not_null()),
            _ => Err(invalid(format!("\"{}\" cannot compare with null", op.as_str()))),
        };
    }
    Ok(match t {
        Target::JsonBool(e) => {
            let b = bool_value(v, path)?;
            match op {
                Eq => e.eq(b.to_string()),
                Ne => e.clone().ne(b.to_string()).or(e.is_null()),
                _ => {
                    return Err(invalid(format!(
                        "\"{}\" does not apply to the boolean \"{path}\"",
                        op.as_str()
                    )));
                }
            }
        }
        Target::Bool(e) => {
            let b = bool_value(v, path)?;
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
        Target::Folded(e, index) => {
            let s = string_value(v, path)?.to_lowercase();
            match index {
                Some(index) if matches!(op, Co | Sw | Ew) => narrowed(text(e, op, s.clone()), index, &s),
                _ => text(e, op, s),
            }
        }
    })
}

fn bool_value(v: &CompValue, path: &AttrPath) -> Result<bool, ScimError> {
    match v {
        CompValue::Bool(b) => Ok(*b),
        CompValue::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        CompValue::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::bad_request(
            "invalidFilter",
            format!("\"{path}\" is a boolean"),
        )),
    }
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
        Target::Exact(e) | Target::Folded(e, _) => e.clone().is_not_null().and(e.ne("")),
        Target::Time(e) | Target::Bool(e) | Target::Id(e) | Target::JsonBool(e) => e.is_not_null(),
    }
}

/// `userName eq "…"` on users (with or without the schema URN), the folded name it looks
/// for: the filter matches at most that one user (userName is unique, case-insensitively),
/// so the list can read it with a prebuilt statement instead of a compiled one. `None` for
/// every other filter.
pub fn user_name_eq(f: &Filter, c: Compiler) -> Option<String> {
    let Filter::Compare(path, CompareOp::Eq, v) = f else {
        return None;
    };
    let p = local(path, c.resource).ok()?;
    let user_name = c.resource == Resource::User && path.uri.as_deref().is_none_or(|u| is(u, c.resource.core_urn()));
    (user_name && is(&p.name, "userName") && p.sub.is_none())
        .then(|| string_value(v, path).ok().map(|s| s.to_lowercase()))?
}

/// Compiles a filter into a condition.
pub fn to_condition(f: &Filter, c: Compiler) -> Result<Condition, ScimError> {
    Ok(Condition::all().add(expr(f, c)?))
}

fn expr(f: &Filter, c: Compiler) -> Result<SimpleExpr, ScimError> {
    Ok(match f {
        Filter::And(a, b) => expr(a, c)?.and(expr(b, c)?),
        Filter::Or(a, b) => expr(a, c)?.or(expr(b, c)?),
        Filter::Not(a) => expr(a, c)?.not(),
        Filter::Present(p) => match multi(c, p)? {
            Some(m) if p.sub.is_none() => m.exists(c, None)?,
            Some(m) => {
                let inner = Filter::Present(AttrPath::simple(p.sub.clone().unwrap_or_default()));
                m.exists(c, Some(&inner))?
            }
            None => present(target(c, p)?),
        },
        Filter::Compare(p, op, v) => match multi(c, p)? {
            // `emails.value eq "x"` (or `emails eq "x"`): some element's value matches.
            Some(m) => {
                let sub = AttrPath::simple(p.sub.clone().unwrap_or_else(|| "value".into()));
                m.exists(c, Some(&Filter::Compare(sub, *op, v.clone())))?
            }
            None => compare(target(c, p)?, *op, v, p)?,
        },
        Filter::ValuePath(p, inner) => match multi(c, p)? {
            Some(m) if p.sub.is_none() => m.exists(c, Some(inner))?,
            _ => return Err(unsupported(p)),
        },
    })
}

/// Multi-valued attributes: in side tables (`User.emails`, `Group.members`, `User.groups`)
/// or as JSON arrays in `doc` (`phoneNumbers`, `roles`, `addresses`, …).
enum Multi {
    Emails,
    Members,
    Groups,
    Json {
        keys: Vec<&'static str>,
        attr: &'static Attribute,
    },
}

fn multi(c: Compiler, p: &AttrPath) -> Result<Option<Multi>, ScimError> {
    let r = c.resource;
    let in_core = p.uri.as_deref().is_none_or(|u| u.eq_ignore_ascii_case(r.core_urn()));
    if in_core {
        match r {
            Resource::User if is(&p.name, "emails") => return Ok(Some(Multi::Emails)),
            Resource::User if is(&p.name, "groups") => return Ok(Some(Multi::Groups)),
            Resource::Group if is(&p.name, "members") => return Ok(Some(Multi::Members)),
            _ => {}
        }
    }
    if column(c, p)?.is_some() {
        return Ok(None);
    }
    let (ext, attr) = resolve(r, p)?;
    if !attr.multi_valued {
        return Ok(None);
    }
    let mut keys: Vec<&'static str> = ext.map(|e| e.id).into_iter().collect();
    keys.push(attr.name);
    Ok(Some(Multi::Json { keys, attr }))
}

impl Multi {
    /// Some element of this attribute matches `inner` (or exists, without `inner`).
    fn exists(&self, c: Compiler, inner: Option<&Filter>) -> Result<SimpleExpr, ScimError> {
        if let Multi::Json { keys, .. } = self {
            let cond = match inner {
                Some(f) => self.element(c, f)?,
                None => Expr::val(1).eq(1),
            };
            let doc = c.resource.doc();
            // Custom SQL takes the backend's own placeholders: `$n` on PostgreSQL, `?` on SQLite.
            let (sql, path): (String, Vec<String>) = match c.backend {
                DbBackend::Postgres => {
                    let params = (1..=keys.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                    let last = keys.len() + 1;
                    let sql = format!(
                        "EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(jsonb_extract_path({doc}, {params}), '[]'::jsonb)) AS je WHERE ${last})"
                    );
                    (sql, keys.iter().map(|k| (*k).to_owned()).collect())
                }
                _ => {
                    let path = std::iter::once("$".to_owned())
                        .chain(keys.iter().map(|k| format!(".\"{k}\"")))
                        .collect();
                    (
                        format!("EXISTS (SELECT 1 FROM json_each({doc}, ?) AS je WHERE ?)"),
                        vec![path],
                    )
                }
            };
            let args = path
                .into_iter()
                .map(|p| SimpleExpr::from(Expr::val(p)))
                .chain(std::iter::once(cond));
            return Ok(Expr::cust_with_exprs(sql, args));
        }
        // `owner.id IN (SELECT owner FROM side WHERE inner)`: the inner condition uses the side
        // table's index (e.g. `user_emails.value_ci`) instead of probing once per outer row.
        let mut q = Query::select();
        let owner = match self {
            Multi::Emails => {
                q.column((user_email::Entity, user_email::Column::UserId))
                    .from(user_email::Entity);
                col((user::Entity, user::Column::Id))
            }
            Multi::Members => {
                q.column((group_member::Entity, group_member::Column::GroupId))
                    .from(group_member::Entity);
                col((group::Entity, group::Column::Id))
            }
            Multi::Groups => {
                q.column((group_member::Entity, group_member::Column::MemberId))
                    .from(group_member::Entity);
                col((user::Entity, user::Column::Id))
            }
            Multi::Json { .. } => unreachable!("handled above"),
        };
        if matches!(self, Multi::Members | Multi::Groups) {
            let at = |column| Expr::col((group_member::Entity, column));
            q.and_where(
                at(group_member::Column::ValidFromUs)
                    .is_null()
                    .or(at(group_member::Column::ValidFromUs).lte(c.now))
                    .and(
                        at(group_member::Column::ExpiresAtUs)
                            .is_null()
                            .or(at(group_member::Column::ExpiresAtUs).gt(c.now)),
                    ),
            );
        }
        if let Some(f) = inner {
            q.and_where(self.element(c, f)?);
        }
        Ok(owner.in_subquery(q))
    }

    /// A filter over one element (`type eq "work" and value co "@x"`).
    fn element(&self, c: Compiler, f: &Filter) -> Result<SimpleExpr, ScimError> {
        Ok(match f {
            Filter::And(a, b) => self.element(c, a)?.and(self.element(c, b)?),
            Filter::Or(a, b) => self.element(c, a)?.or(self.element(c, b)?),
            Filter::Not(a) => self.element(c, a)?.not(),
            Filter::Present(p) => present(self.sub(c, p)?),
            Filter::Compare(p, op, v) => compare(self.sub(c, p)?, *op, v, p)?,
            Filter::ValuePath(p, _) => {
                return Err(ScimError::bad_request(
                    "invalidFilter",
                    format!("nested value path \"{p}\""),
                ));
            }
        })
    }

    fn sub(&self, c: Compiler, p: &AttrPath) -> Result<Target, ScimError> {
        // Inside `attr[...]` the parser may give either `type` or `attr.type`.
        let n = p.sub.as_deref().unwrap_or(&p.name);
        if p.uri.is_some() {
            return Err(unsupported(p));
        }
        Ok(match self {
            Multi::Emails if is(n, "value") => Target::Folded(
                col((user_email::Entity, user_email::Column::ValueCi)),
                trigram(c, EMAIL),
            ),
            Multi::Emails if is(n, "type") => {
                Target::Folded(lower((user_email::Entity, user_email::Column::Kind)), None)
            }
            Multi::Emails if is(n, "primary") => Target::Bool(col((user_email::Entity, user_email::Column::Primary))),
            Multi::Members if is(n, "value") => Target::Id(col((group_member::Entity, group_member::Column::MemberId))),
            Multi::Members if is(n, "type") => {
                Target::Folded(lower((group_member::Entity, group_member::Column::MemberType)), None)
            }
            Multi::Groups if is(n, "value") => Target::Id(col((group_member::Entity, group_member::Column::GroupId))),
            Multi::Json { attr, .. } => {
                let sub = attr.sub(n).ok_or_else(|| unsupported(p))?;
                json_target(c, "je.value", &[sub.name], sub)
            }
            _ => return Err(unsupported(p)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::user;
    use sea_orm::{EntityTrait, QueryFilter, QueryTrait};

    fn built(filter: &str, backend: DbBackend) -> sea_orm::Statement {
        let f = super::super::parse(filter).unwrap();
        let c = Compiler {
            resource: Resource::User,
            backend,
            now: 0,
        };
        user::Entity::find().filter(to_condition(&f, c).unwrap()).build(backend)
    }

    #[test]
    fn only_a_lone_user_name_equality_on_users_reads_one_user_by_name() {
        let urn = "urn:ietf:params:scim:schemas:core:2.0:User";
        let cases = [
            (
                "userName eq \"Ada@Example.COM\"",
                Resource::User,
                Some("ada@example.com"),
            ),
            ("USERNAME eq \"x\"", Resource::User, Some("x")),
            (
                &format!("{urn}:userName eq \"Ada\"") as &str,
                Resource::User,
                Some("ada"),
            ),
            ("userName eq 42", Resource::User, Some("42")),
            ("userName eq \"\"", Resource::User, Some("")),
            // Anything else takes the compiled statement.
            ("userName eq \"a\" and active eq true", Resource::User, None),
            ("userName eq \"a\" or userName eq \"b\"", Resource::User, None),
            ("not (userName eq \"a\")", Resource::User, None),
            ("userName ne \"a\"", Resource::User, None),
            ("userName co \"a\"", Resource::User, None),
            ("userName sw \"a\"", Resource::User, None),
            ("userName pr", Resource::User, None),
            ("displayName eq \"a\"", Resource::User, None),
            ("externalId eq \"a\"", Resource::User, None),
            ("name.givenName eq \"a\"", Resource::User, None),
            ("emails[value eq \"a\"]", Resource::User, None),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq \"a\"",
                Resource::User,
                None,
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:Group:userName eq \"a\"",
                Resource::User,
                None,
            ),
            ("displayName eq \"a\"", Resource::Group, None),
            ("userName eq \"a\"", Resource::Group, None),
        ];
        for (filter, resource, expected) in cases {
            let f = super::super::parse(filter).unwrap();
            let c = Compiler {
                resource,
                backend: DbBackend::Sqlite,
                now: 0,
            };
            assert_eq!(user_name_eq(&f, c).as_deref(), expected, "{filter} on {resource:?}");
        }
    }

    #[test]
    fn substring_filters_go_through_the_trigram_index_on_sqlite_only() {
        let cases = [
            ("userName co \"lice\"", Some("'user_name_ci : \""), "lic"),
            ("userName sw \"ALI\"", Some("'user_name_ci : \""), "ali"),
            ("name.familyName ew \"dell\"", Some("'family_name : \""), "ell"),
            ("displayName co \"bob\"", Some("'display_name : \""), "bob"),
            ("emails.value co \"example\"", Some("'value_ci : \""), "amp"),
            ("emails[value co \"exa\"]", Some("'value_ci : \""), "exa"),
            // LIKE's own characters are matched literally by the index and the row's LIKE.
            ("userName co \"a_bc\"", Some("'user_name_ci : \""), "a_b"),
            // Shorter than a trigram: the plain LIKE alone.
            ("userName co \"li\"", None, ""),
            ("userName co \"a%\"", None, ""),
            // eq is an index lookup already.
            ("userName eq \"alice\"", None, ""),
        ];
        for (filter, index, pattern) in cases {
            let sqlite = built(filter, DbBackend::Sqlite);
            match index {
                Some(index) => {
                    assert!(sqlite.sql.contains(index), "{filter}: {}", sqlite.sql);
                    let values = format!("{:?}", sqlite.values);
                    assert!(values.contains(&format!("\"{pattern}\"")), "{filter}: {values}");
                    assert!(sqlite.sql.contains("_trgm MATCH"), "{filter}: {}", sqlite.sql);
                }
                None => assert!(!sqlite.sql.contains("_trgm"), "{filter}: {}", sqlite.sql),
            }
            let postgres = built(filter, DbBackend::Postgres);
            assert!(!postgres.sql.contains("_trgm"), "{filter}: {}", postgres.sql);
        }
    }

    #[test]
    fn values_are_bound_never_spliced_into_sql() {
        let hostile = "x'); DROP TABLE users; --";
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for attr in [
                "userName",
                "nickName",
                "emails.value",
                "phoneNumbers[type eq \"work\"].value",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            ] {
                let st = built(&format!("{attr} eq \"{hostile}\""), backend);
                assert!(
                    !st.sql.to_lowercase().contains("drop table"),
                    "{backend:?} {attr}: {}",
                    st.sql
                );
                let values = st.values.expect("bound values");
                assert!(
                    values
                        .0
                        .iter()
                        .any(|v| format!("{v:?}").to_lowercase().contains("drop table")),
                    "{attr}"
                );
            }
        }
    }

    #[test]
    fn json_paths_are_bound_too() {
        let st = built("nickName eq \"a\"", DbBackend::Sqlite);
        assert!(st.sql.contains("json_extract(\"users\".\"doc\", ?)"), "{}", st.sql);
        let st = built("nickName eq \"a\"", DbBackend::Postgres);
        assert!(
            st.sql.contains("jsonb_extract_path_text(\"users\".\"doc\", $1)"),
            "{}",
            st.sql
        );
    }

    #[test]
    fn unsupported_attributes_are_invalid_filter_errors() {
        for f in [
            "password eq \"x\"",
            "nope eq \"x\"",
            "urn:x:y:z:User:a eq \"b\"",
            "name eq \"x\"",
            "emails.display eq \"x\"",
        ] {
            let parsed = super::super::parse(f).unwrap();
            let err = to_condition(
                &parsed,
                Compiler {
                    resource: Resource::User,
                    backend: DbBackend::Sqlite,
                    now: 0,
                },
            )
            .unwrap_err();
            assert_eq!(err.scim_type, Some("invalidFilter"), "{f}");
        }
    }
}
