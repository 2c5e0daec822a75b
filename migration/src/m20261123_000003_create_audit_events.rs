//! The audit log.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Actor,
    Source,
    Action,
    TargetType,
    TargetId,
    GroupId,
    MemberId,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(uuid(AuditEvents::Id).primary_key())
                .col(timestamp_with_time_zone(AuditEvents::At))
                .col(string(AuditEvents::Actor))
                .col(string(AuditEvents::Source))
                .col(string(AuditEvents::Action))
                .col(string(AuditEvents::TargetType))
                .col(uuid(AuditEvents::TargetId))
                .col(uuid_null(AuditEvents::GroupId))
                .col(uuid_null(AuditEvents::MemberId))
                .col(json_binary_null(AuditEvents::Detail))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_audit_group", vec![AuditEvents::GroupId, AuditEvents::Id]),
            ("idx_audit_member", vec![AuditEvents::MemberId, AuditEvents::Id]),
            ("idx_audit_target", vec![AuditEvents::TargetId, AuditEvents::Id]),
            ("idx_audit_action", vec![AuditEvents::Action, AuditEvents::Id]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(AuditEvents::Table);
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditEvents::Table).to_owned()).await
    }
}
