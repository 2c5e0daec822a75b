//! Fixed-window counters for login and client-authentication budgets, in the database so that
//! every replica counts against the same budget. One row per key (`login:alice:203.0.113.9`);
//! a row whose window has ended is reset by the next hit and pruned by the sweeper.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    WindowStart,
    Hits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RateLimits::Table)
                .col(string(RateLimits::Key).primary_key())
                // Unix seconds: compared and computed in one statement on both backends.
                .col(big_integer(RateLimits::WindowStart))
                .col(integer(RateLimits::Hits))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_rate_limits_window_start")
                .table(RateLimits::Table)
                .col(RateLimits::WindowStart)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RateLimits::Table).to_owned()).await
    }
}
