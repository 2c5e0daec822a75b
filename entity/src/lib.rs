//! SeaORM models, one module per table. Written by hand in the SeaORM 2.0 format.
pub mod api_token;
pub mod audit_event;
pub mod auth_code;
pub mod group;
pub mod group_member;
pub mod login_session;
pub mod oauth_client;
pub mod prelude;
pub mod pushed_request;
pub mod refresh_token;
pub mod signing_key;
pub mod token_revocation;
pub mod user;
pub mod user_email;
