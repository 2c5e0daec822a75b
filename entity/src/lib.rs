//! SeaORM models, one module per table. Written by hand in the SeaORM 2.0 format.
pub mod api_token;
pub mod audit_event;
pub mod group;
pub mod group_member;
pub mod prelude;
pub mod user;
pub mod user_email;
