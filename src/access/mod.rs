//! Access: permissions, roles that carry them, and what a user effectively holds — through
//! direct grants and through every group they belong to, directly or nested — with where
//! each permission came from.
pub mod builtin;
pub mod effective;
pub mod held;
pub mod permission;
pub mod schedule;

pub use builtin::Builtin;
pub use held::Held;
pub use permission::{Permission, PermissionError};
