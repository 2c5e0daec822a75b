mod auth;
mod discovery;
mod errors;
mod filter;
mod groups;
mod membership;
mod patch;
mod users;
