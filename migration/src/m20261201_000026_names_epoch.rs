//! `names_epoch`: a counter that every committed change to a name a member list shows moves
//! forward — a user's `userName` or `displayName`, a group's `displayName` (a member's
//! `display` is the first of these that is set). A process keeps a large group's rendered
//! member list under the group's version (which every membership change moves) and this
//! counter, read from the database on every request, so a rename made through any replica is
//! never served stale. Triggers move it, so no write path can forget to; they fire only when a
//! name actually changes (a replace of a user writes every column). Sharded as
//! `access_epoch` (migration 17): 16 rows, summed when read.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables with the names a member list shows, the columns and the SQL condition on the
/// row before (`OLD`) and after (`NEW`) that says a shown name changed.
const WATCHED: [(&str, &str, &str); 2] = [
    (
        "users",
        "user_name, display_name",
        "OLD.user_name IS DISTINCT FROM NEW.user_name OR OLD.display_name IS DISTINCT FROM NEW.display_name",
    ),
    (
        "groups",
        "display_name",
        "OLD.display_name IS DISTINCT FROM NEW.display_name",
    ),
];

const SHARDS: i64 = 16;

fn up_sql(backend: DbBackend) -> String {
    let mut sql = String::from("CREATE TABLE names_epoch (shard INTEGER PRIMARY KEY, n BIGINT NOT NULL);\n");
    let rows = (0..SHARDS).map(|s| format!("({s}, 0)")).collect::<Vec<_>>().join(", ");
    sql.push_str(&format!("INSERT INTO names_epoch (shard, n) VALUES {rows};\n"));
    if backend == DbBackend::Postgres {
        sql.push_str(&format!(
            "CREATE FUNCTION bump_names_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 UPDATE names_epoch SET n = n + 1 WHERE shard = txid_current() % {SHARDS};
                 RETURN NULL;
             END $$;\n"
        ));
    }
    for (table, columns, changed) in WATCHED {
        match backend {
            DbBackend::Postgres => sql.push_str(&format!(
                r#"CREATE TRIGGER names_epoch_{table} AFTER UPDATE OF {columns} ON "{table}"
                   FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION bump_names_epoch();
                "#
            )),
            // SQLite spells IS DISTINCT FROM as IS NOT.
            _ => sql.push_str(&format!(
                r#"CREATE TRIGGER names_epoch_{table} AFTER UPDATE OF {columns} ON "{table}"
                   WHEN {}
                   BEGIN UPDATE names_epoch SET n = n + 1 WHERE shard = 0; END;
                "#,
                changed.replace("IS DISTINCT FROM", "IS NOT")
            )),
        }
    }
    sql
}

fn down_sql(backend: DbBackend) -> String {
    let mut sql = String::new();
    for (table, _, _) in WATCHED {
        match backend {
            DbBackend::Postgres => {
                sql.push_str(&format!("DROP TRIGGER IF EXISTS names_epoch_{table} ON \"{table}\";\n"))
            }
            _ => sql.push_str(&format!("DROP TRIGGER IF EXISTS names_epoch_{table};\n")),
        }
    }
    if backend == DbBackend::Postgres {
        sql.push_str("DROP FUNCTION IF EXISTS bump_names_epoch();\n");
    }
    sql.push_str("DROP TABLE IF EXISTS names_epoch;\n");
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
