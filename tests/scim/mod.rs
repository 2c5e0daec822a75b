mod auth;
mod discovery;
mod errors;
mod groups;
mod membership;
mod patch;
mod users;
