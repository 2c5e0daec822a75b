//! SCIM 2.0 filter expressions (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2).
//!
//! * [`parse`] turns a `filter=` query parameter into a [`Filter`] AST.
//! * [`parse_path`] turns a PATCH operation `path` into a [`PatchPath`].
//! * [`eval::matches`] evaluates a filter in memory against one JSON object
//!   (used for value filters such as `emails[type eq "work"]` during PATCH).

pub mod ast;
pub mod eval;
pub mod parser;
pub mod path;
/// SQL translation (written separately; `users.rs`/`groups.rs` import `filter::sql`).
pub mod sql;

pub use ast::*;
pub use parser::{FilterError, parse};
pub use path::{PatchPath, parse_path};
