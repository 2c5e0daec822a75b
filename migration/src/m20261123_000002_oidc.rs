//! OpenID Connect: signing keys, clients, authorization codes, refresh and access tokens,
//! login sessions. Secrets (client secrets, codes, refresh tokens, session ids) are stored
//! only as hex SHA-256.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    Alg,
    PrivatePem,
    PublicJwk,
    Created,
    RetiredAt,
    NotAfter,
}

#[derive(DeriveIden)]
enum OauthClients {
    Table,
    ClientId,
    SecretHash,
    Name,
    RedirectUris,
    PostLogoutRedirectUris,
    Public,
    GrantTypes,
    GroupsClaim,
    GroupsPrefix,
    Created,
}

#[derive(DeriveIden)]
enum AuthCodes {
    Table,
    CodeHash,
    ClientId,
    UserId,
    RedirectUri,
    Scope,
    Nonce,
    CodeChallenge,
    AuthTime,
    ExpiresAt,
    Used,
    FamilyId,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    FamilyId,
    ClientId,
    UserId,
    Scope,
    AuthTime,
    Created,
    ExpiresAt,
    Used,
    Revoked,
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    Jti,
    FamilyId,
    ClientId,
    UserId,
    Scope,
    ExpiresAt,
    Revoked,
}

#[derive(DeriveIden)]
enum LoginSessions {
    Table,
    IdHash,
    UserId,
    AuthTime,
    ExpiresAt,
}

fn index(name: &str, table: impl IntoIden, col: &'static str) -> IndexCreateStatement {
    Index::create().name(name).table(table).col(Alias::new(col)).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .col(string(SigningKeys::Kid).primary_key())
                .col(string(SigningKeys::Alg))
                .col(text(SigningKeys::PrivatePem))
                .col(json_binary(SigningKeys::PublicJwk))
                .col(timestamp_with_time_zone(SigningKeys::Created))
                .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
                .col(timestamp_with_time_zone_null(SigningKeys::NotAfter))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OauthClients::Table)
                .col(string(OauthClients::ClientId).primary_key())
                .col(string_null(OauthClients::SecretHash))
                .col(string(OauthClients::Name))
                .col(json_binary(OauthClients::RedirectUris))
                .col(json_binary(OauthClients::PostLogoutRedirectUris))
                .col(boolean(OauthClients::Public))
                .col(string(OauthClients::GrantTypes))
                .col(string(OauthClients::GroupsClaim))
                .col(string_null(OauthClients::GroupsPrefix))
                .col(timestamp_with_time_zone(OauthClients::Created))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuthCodes::Table)
                .col(string(AuthCodes::CodeHash).primary_key())
                .col(string(AuthCodes::ClientId))
                .col(uuid(AuthCodes::UserId))
                .col(text(AuthCodes::RedirectUri))
                .col(string(AuthCodes::Scope))
                .col(text_null(AuthCodes::Nonce))
                .col(string_null(AuthCodes::CodeChallenge))
                .col(timestamp_with_time_zone(AuthCodes::AuthTime))
                .col(timestamp_with_time_zone(AuthCodes::ExpiresAt))
                .col(boolean(AuthCodes::Used))
                .col(uuid_null(AuthCodes::FamilyId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(string(RefreshTokens::TokenHash).primary_key())
                .col(uuid(RefreshTokens::FamilyId))
                .col(string(RefreshTokens::ClientId))
                .col(uuid_null(RefreshTokens::UserId))
                .col(string(RefreshTokens::Scope))
                .col(timestamp_with_time_zone(RefreshTokens::AuthTime))
                .col(timestamp_with_time_zone(RefreshTokens::Created))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(boolean(RefreshTokens::Used))
                .col(boolean(RefreshTokens::Revoked))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_refresh_tokens_family", RefreshTokens::Table, "family_id"))
            .await?;

        m.create_table(
            Table::create()
                .table(AccessTokens::Table)
                .col(uuid(AccessTokens::Jti).primary_key())
                .col(uuid_null(AccessTokens::FamilyId))
                .col(string(AccessTokens::ClientId))
                .col(uuid_null(AccessTokens::UserId))
                .col(string(AccessTokens::Scope))
                .col(timestamp_with_time_zone(AccessTokens::ExpiresAt))
                .col(boolean(AccessTokens::Revoked))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_access_tokens_family", AccessTokens::Table, "family_id"))
            .await?;

        m.create_table(
            Table::create()
                .table(LoginSessions::Table)
                .col(string(LoginSessions::IdHash).primary_key())
                .col(uuid(LoginSessions::UserId))
                .col(timestamp_with_time_zone(LoginSessions::AuthTime))
                .col(timestamp_with_time_zone(LoginSessions::ExpiresAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            LoginSessions::Table.into_iden(),
            AccessTokens::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            AuthCodes::Table.into_iden(),
            OauthClients::Table.into_iden(),
            SigningKeys::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
