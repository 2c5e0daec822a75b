//! `access_epoch`: a counter that every committed change to what users hold moves forward —
//! memberships (direct and nested), grants of roles to groups and to users, a role's
//! permissions and names. Each process caches the roles and permissions it computed for a
//! user's tokens under the counter's value and recomputes when it has moved: the counter lives
//! in the database, so a change made through any replica invalidates every replica's cache.
//!
//! Triggers move it, so no write path can forget to (cascaded deletes fire them too). The
//! counter is the sum of 16 rows: on PostgreSQL a transaction bumps the row its transaction id
//! picks, so concurrent membership writes seldom wait on one row lock; SQLite has a single
//! writer and always bumps row 0. PostgreSQL's triggers run once per statement, SQLite's once
//! per row (~2 µs each: a 20,000-member insert grows from 55 to 90 ms in `sqlite3`).
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows decide what a user holds, with the operations that matter.
const WATCHED: [(&str, &str); 5] = [
    ("group_members", "INSERT OR UPDATE OR DELETE"),
    ("group_roles", "INSERT OR UPDATE OR DELETE"),
    ("user_roles", "INSERT OR UPDATE OR DELETE"),
    ("role_permissions", "INSERT OR UPDATE OR DELETE"),
    // A rename changes the `roles` claim; deleting a role cascades to the grant tables.
    ("roles", "UPDATE"),
];

const SHARDS: i64 = 16;

fn up_sql(backend: DbBackend) -> String {
    let mut sql = String::from("CREATE TABLE access_epoch (shard INTEGER PRIMARY KEY, n BIGINT NOT NULL);\n");
    let rows = (0..SHARDS).map(|s| format!("({s}, 0)")).collect::<Vec<_>>().join(", ");
    sql.push_str(&format!("INSERT INTO access_epoch (shard, n) VALUES {rows};\n"));
    match backend {
        DbBackend::Postgres => {
            sql.push_str(&format!(
                "CREATE FUNCTION bump_access_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     UPDATE access_epoch SET n = n + 1 WHERE shard = txid_current() % {SHARDS};
                     RETURN NULL;
                 END $$;\n"
            ));
            for (table, ops) in WATCHED {
                sql.push_str(&format!(
                    "CREATE TRIGGER access_epoch_{table} AFTER {ops} ON {table}
                     FOR EACH STATEMENT EXECUTE FUNCTION bump_access_epoch();\n"
                ));
            }
        }
        _ => {
            for (table, ops) in WATCHED {
                for op in ops.split(" OR ") {
                    let name = op.to_lowercase();
                    sql.push_str(&format!(
                        "CREATE TRIGGER access_epoch_{table}_{name} AFTER {op} ON {table}
                         BEGIN UPDATE access_epoch SET n = n + 1 WHERE shard = 0; END;\n"
                    ));
                }
            }
        }
    }
    sql
}

fn down_sql(backend: DbBackend) -> String {
    let mut sql = String::new();
    for (table, ops) in WATCHED {
        match backend {
            DbBackend::Postgres => sql.push_str(&format!("DROP TRIGGER IF EXISTS access_epoch_{table} ON {table};\n")),
            _ => {
                for op in ops.split(" OR ") {
                    let name = op.to_lowercase();
                    sql.push_str(&format!("DROP TRIGGER IF EXISTS access_epoch_{table}_{name};\n"));
                }
            }
        }
    }
    if backend == DbBackend::Postgres {
        sql.push_str("DROP FUNCTION IF EXISTS bump_access_epoch();\n");
    }
    sql.push_str("DROP TABLE IF EXISTS access_epoch;\n");
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let sql = up_sql(m.get_database_backend());
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let sql = down_sql(m.get_database_backend());
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
