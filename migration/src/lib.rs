//! Schema migrations, run by `scimitar serve` at start and by `scimitar migrate`.
//! Append-only: a shipped migration file is never edited.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_directory;
mod m20261123_000002_oidc;
mod m20261123_000003_create_audit_events;
mod m20261123_000004_user_last_login;
mod m20261124_000005_stateless_access_tokens;
mod m20261124_000006_trigram_indexes;
mod m20261130_000007_unique_group_names;
mod m20261130_000008_rate_limits;
mod m20261130_000009_grants_by_user;
mod m20261130_000010_pushed_authorization_requests;
mod m20261130_000011_dpop;
mod m20261130_000012_resource_servers;
mod m20261130_000013_revoked_api_tokens;
mod m20261130_000014_server_secrets;
mod m20261130_000015_roles;
mod m20261130_000016_client_permissions;
mod m20261201_000017_access_epoch;
mod m20261201_000018_membership_windows;
mod m20261201_000019_client_access;
mod m20261201_000020_grant_schedules;
mod m20261201_000021_console_sessions;
mod m20261201_000022_api_token_bounds;
mod m20261201_000023_sqlite_trigram_search;
mod m20261201_000024_trigram_counts;
mod m20261201_000025_row_counts;
mod m20261201_000026_names_epoch;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_directory::Migration),
            Box::new(m20261123_000002_oidc::Migration),
            Box::new(m20261123_000003_create_audit_events::Migration),
            Box::new(m20261123_000004_user_last_login::Migration),
            Box::new(m20261124_000005_stateless_access_tokens::Migration),
            Box::new(m20261124_000006_trigram_indexes::Migration),
            Box::new(m20261130_000007_unique_group_names::Migration),
            Box::new(m20261130_000008_rate_limits::Migration),
            Box::new(m20261130_000009_grants_by_user::Migration),
            Box::new(m20261130_000010_pushed_authorization_requests::Migration),
            Box::new(m20261130_000011_dpop::Migration),
            Box::new(m20261130_000012_resource_servers::Migration),
            Box::new(m20261130_000013_revoked_api_tokens::Migration),
            Box::new(m20261130_000014_server_secrets::Migration),
            Box::new(m20261130_000015_roles::Migration),
            Box::new(m20261130_000016_client_permissions::Migration),
            Box::new(m20261201_000017_access_epoch::Migration),
            Box::new(m20261201_000018_membership_windows::Migration),
            Box::new(m20261201_000019_client_access::Migration),
            Box::new(m20261201_000020_grant_schedules::Migration),
            Box::new(m20261201_000021_console_sessions::Migration),
            Box::new(m20261201_000022_api_token_bounds::Migration),
            Box::new(m20261201_000023_sqlite_trigram_search::Migration),
            Box::new(m20261201_000024_trigram_counts::Migration),
            Box::new(m20261201_000025_row_counts::Migration),
            Box::new(m20261201_000026_names_epoch::Migration),
        ]
    }
}
