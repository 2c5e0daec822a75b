//! Roles (named sets of permissions) and their grants to groups and directly to users.
//! Each grant table is indexed both ways: "what does this group/user hold" and "who holds
//! this role".
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    Name,
    NameCi,
    Description,
    Created,
    LastModified,
}

#[derive(DeriveIden)]
enum RolePermissions {
    Table,
    RoleId,
    Permission,
}

#[derive(DeriveIden)]
enum GroupRoles {
    Table,
    GroupId,
    RoleId,
    Created,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    RoleId,
    Created,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Roles::Table)
                .col(uuid(Roles::Id).primary_key())
                .col(string(Roles::Name))
                .col(string_uniq(Roles::NameCi))
                .col(string(Roles::Description))
                .col(timestamp_with_time_zone(Roles::Created))
                .col(timestamp_with_time_zone(Roles::LastModified))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RolePermissions::Table)
                .col(uuid(RolePermissions::RoleId))
                .col(string(RolePermissions::Permission))
                .primary_key(
                    Index::create()
                        .col(RolePermissions::RoleId)
                        .col(RolePermissions::Permission),
                )
                .foreign_key(&mut fk(
                    (RolePermissions::Table, RolePermissions::RoleId),
                    (Roles::Table, Roles::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(GroupRoles::Table)
                .col(uuid(GroupRoles::GroupId))
                .col(uuid(GroupRoles::RoleId))
                .col(timestamp_with_time_zone(GroupRoles::Created))
                .primary_key(Index::create().col(GroupRoles::GroupId).col(GroupRoles::RoleId))
                .foreign_key(&mut fk(
                    (GroupRoles::Table, GroupRoles::GroupId),
                    (Groups::Table, Groups::Id),
                ))
                .foreign_key(&mut fk(
                    (GroupRoles::Table, GroupRoles::RoleId),
                    (Roles::Table, Roles::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserRoles::Table)
                .col(uuid(UserRoles::UserId))
                .col(uuid(UserRoles::RoleId))
                .col(timestamp_with_time_zone(UserRoles::Created))
                .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::RoleId))
                .foreign_key(&mut fk(
                    (UserRoles::Table, UserRoles::UserId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (UserRoles::Table, UserRoles::RoleId),
                    (Roles::Table, Roles::Id),
                ))
                .to_owned(),
        )
        .await?;
        for (name, table, col) in [
            (
                "idx_group_roles_role",
                GroupRoles::Table.into_iden(),
                GroupRoles::RoleId.into_iden(),
            ),
            (
                "idx_user_roles_role",
                UserRoles::Table.into_iden(),
                UserRoles::RoleId.into_iden(),
            ),
        ] {
            m.create_index(Index::create().name(name).table(table).col(col).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            UserRoles::Table.into_iden(),
            GroupRoles::Table.into_iden(),
            RolePermissions::Table.into_iden(),
            Roles::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
