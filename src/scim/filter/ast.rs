//! Abstract syntax tree for SCIM filters (RFC 7644 §3.4.2.2).

use std::fmt;

/// An attribute path: `[uri ":"] name ["." sub]`.
///
/// `uri` is the schema URN (everything before the last `:` of a URN-prefixed
/// attribute), `name` the attribute name and `sub` the optional sub-attribute.
/// Case is preserved exactly as written in the filter.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    pub uri: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// A plain attribute path without schema URN or sub-attribute.
    pub fn simple(name: impl Into<String>) -> Self {
        AttrPath {
            uri: None,
            name: name.into(),
            sub: None,
        }
    }
}

impl fmt::Display for AttrPath {
    /// Canonical form: `uri:name.sub` (the `uri:` prefix and `.sub` suffix only when present).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Comparison operators (`pr` is represented by [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// The lower-case operator keyword (`"eq"`, `"ne"`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The literal on the right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Str(String),
    Num(serde_json::Number),
    Bool(bool),
    Null,
}

/// A parsed SCIM filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(AttrPath),
    Compare(AttrPath, CompareOp, CompValue),
    /// `attr[inner]`: some element of multi-valued `attr` matches `inner`; attribute paths inside `inner` are relative to the element (their `name` is the sub-attribute, e.g. `type`).
    ValuePath(AttrPath, Box<Filter>),
}
