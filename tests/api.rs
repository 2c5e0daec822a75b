//! The one integration-test binary: every test starts the real server on a random port
//! with a fresh database and talks HTTP to it.
mod admin;
mod common;
mod console;
mod oidc;
mod ops;
mod robust;
mod scim;
