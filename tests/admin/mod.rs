//! The admin API under `/api/v1`.
mod audit;
mod auth;
mod cli;
mod clients;
mod directory;
mod errors;
mod escalation;
mod identifiers;
mod keys;
mod membership;
mod openapi;
mod permissions;
mod roles;
mod tokens;
