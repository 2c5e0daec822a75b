//! Users, their emails, groups, memberships and API tokens.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    UserName,
    UserNameCi,
    ExternalId,
    DisplayName,
    GivenName,
    FamilyName,
    Active,
    Doc,
    PasswordHash,
    Version,
    Created,
    LastModified,
}

#[derive(DeriveIden)]
enum UserEmails {
    Table,
    UserId,
    Position,
    Value,
    ValueCi,
    Kind,
    Primary,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    DisplayName,
    DisplayNameCi,
    ExternalId,
    Doc,
    Version,
    Created,
    LastModified,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    MemberId,
    MemberType,
    Created,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    Scopes,
    UserId,
    Created,
    LastUsed,
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(Alias::new(*c));
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(uuid(Users::Id).primary_key())
                .col(string(Users::UserName))
                .col(string_uniq(Users::UserNameCi))
                .col(string_null(Users::ExternalId))
                .col(string_null(Users::DisplayName))
                .col(string_null(Users::GivenName))
                .col(string_null(Users::FamilyName))
                .col(boolean(Users::Active))
                .col(json_binary(Users::Doc))
                .col(string_null(Users::PasswordHash))
                .col(big_integer(Users::Version))
                .col(timestamp_with_time_zone(Users::Created))
                .col(timestamp_with_time_zone(Users::LastModified))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_users_external_id", "external_id"),
            ("idx_users_display_name", "display_name"),
            ("idx_users_family_name", "family_name"),
            ("idx_users_created", "created"),
            ("idx_users_last_modified", "last_modified"),
        ] {
            m.create_index(index(name, Users::Table, &[col])).await?;
        }

        m.create_table(
            Table::create()
                .table(UserEmails::Table)
                .col(uuid(UserEmails::UserId))
                .col(integer(UserEmails::Position))
                .col(string(UserEmails::Value))
                .col(string(UserEmails::ValueCi))
                .col(string_null(UserEmails::Kind))
                .col(boolean(UserEmails::Primary))
                .primary_key(Index::create().col(UserEmails::UserId).col(UserEmails::Position))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserEmails::Table, UserEmails::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_user_emails_value_ci", UserEmails::Table, &["value_ci"]))
            .await?;

        m.create_table(
            Table::create()
                .table(Groups::Table)
                .col(uuid(Groups::Id).primary_key())
                .col(string(Groups::DisplayName))
                .col(string(Groups::DisplayNameCi))
                .col(string_null(Groups::ExternalId))
                .col(json_binary(Groups::Doc))
                .col(big_integer(Groups::Version))
                .col(timestamp_with_time_zone(Groups::Created))
                .col(timestamp_with_time_zone(Groups::LastModified))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_groups_display_name_ci", "display_name_ci"),
            ("idx_groups_external_id", "external_id"),
            ("idx_groups_created", "created"),
            ("idx_groups_last_modified", "last_modified"),
        ] {
            m.create_index(index(name, Groups::Table, &[col])).await?;
        }

        m.create_table(
            Table::create()
                .table(GroupMembers::Table)
                .col(uuid(GroupMembers::GroupId))
                .col(uuid(GroupMembers::MemberId))
                .col(string(GroupMembers::MemberType))
                .col(timestamp_with_time_zone(GroupMembers::Created))
                .primary_key(Index::create().col(GroupMembers::GroupId).col(GroupMembers::MemberId))
                .foreign_key(
                    ForeignKey::create()
                        .from(GroupMembers::Table, GroupMembers::GroupId)
                        .to(Groups::Table, Groups::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Reverse lookups: "which groups is X in" (User.groups, nested resolution).
        m.create_index(index(
            "idx_group_members_member",
            GroupMembers::Table,
            &["member_id", "group_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(uuid(ApiTokens::Id).primary_key())
                .col(string(ApiTokens::Name))
                .col(string_uniq(ApiTokens::TokenHash))
                .col(string(ApiTokens::Scopes))
                .col(uuid_null(ApiTokens::UserId))
                .col(timestamp_with_time_zone(ApiTokens::Created))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsed))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ApiTokens::Table.into_iden(),
            GroupMembers::Table.into_iden(),
            Groups::Table.into_iden(),
            UserEmails::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
