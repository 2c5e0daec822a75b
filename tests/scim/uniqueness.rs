//! Group display names are unique case-insensitively on every write path; a database that
//! already holds duplicates stops the migration with a list of them.
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database};
use serde_json::json;
use uuid::Uuid;

use crate::common::{GROUP_SCHEMA, assert_scim_error, json_of, patch_ops, spawn_app};

fn group(name: &str) -> serde_json::Value {
    json!({"schemas": [GROUP_SCHEMA], "displayName": name})
}

#[tokio::test]
async fn a_second_group_with_the_same_name_in_any_case_is_409_uniqueness() {
    let app = spawn_app().await;
    app.create_group("DupX", &[]).await;
    for name in ["DupX", "dupx", "DUPX"] {
        let body = assert_scim_error(app.post("/Groups", group(name)).await, 409, Some("uniqueness")).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(!detail.to_lowercase().contains("constraint"), "{detail}");
    }
    // Unicode case folding too.
    app.create_group("Équipe", &[]).await;
    assert_scim_error(app.post("/Groups", group("ÉQUIPE")).await, 409, Some("uniqueness")).await;
    let list = json_of(app.get("/Groups?excludedAttributes=members").await).await;
    assert_eq!(list["totalResults"], 2);
}

#[tokio::test]
async fn renaming_onto_another_groups_name_is_409_by_put_and_patch_and_changes_nothing() {
    let app = spawn_app().await;
    app.create_group("Sales", &[]).await;
    let ops = app.create_group("Ops", &[]).await;
    let path = format!("/Groups/{ops}");
    assert_scim_error(app.put(&path, group("SALES")).await, 409, Some("uniqueness")).await;
    let rename = patch_ops(json!([{"op": "replace", "path": "displayName", "value": "sales"}]));
    assert_scim_error(app.patch(&path, rename).await, 409, Some("uniqueness")).await;
    let pathless = patch_ops(json!([{"op": "Replace", "value": {"displayName": "Sales"}}]));
    assert_scim_error(app.patch(&path, pathless).await, 409, Some("uniqueness")).await;
    let now = json_of(app.get(&path).await).await;
    assert_eq!(now["displayName"], "Ops");
    assert_eq!(now["meta"]["version"], "W/\"1\"");
    // A group may change the case of its own name.
    let own = patch_ops(json!([{"op": "replace", "path": "displayName", "value": "OPS"}]));
    assert_eq!(app.patch(&path, own).await.status().as_u16() / 100, 2);
    assert_eq!(json_of(app.get(&path).await).await["displayName"], "OPS");
}

#[tokio::test]
async fn bulk_creates_of_one_name_give_one_group_and_one_409() {
    let app = spawn_app().await;
    let op = |n: u32, name: &str| json!({"method": "POST", "path": "/Groups", "bulkId": format!("g{n}"), "data": group(name)});
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [op(1, "Twins"), op(2, "twins")]
    });
    let res = json_of(app.post("/Bulk", body).await).await;
    let statuses: Vec<&str> = res["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "409"], "{res}");
    assert_eq!(res["Operations"][1]["response"]["scimType"], "uniqueness");
    let list = json_of(app.get("/Groups?filter=displayName%20eq%20%22twins%22").await).await;
    assert_eq!(list["totalResults"], 1);
}

#[tokio::test]
async fn concurrent_creates_of_one_name_give_exactly_one_group() {
    let app = spawn_app().await;
    let tries = (0..8).map(|i| {
        let name = if i % 2 == 0 { "Race" } else { "RACE" };
        app.post("/Groups", group(name))
    });
    let statuses: Vec<u16> = futures_util::future::join_all(tries)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let list = json_of(app.get("/Groups?filter=displayName%20eq%20%22race%22").await).await;
    assert_eq!(list["totalResults"], 1);
}

#[tokio::test]
async fn the_migration_stops_on_existing_duplicates_and_lists_them() {
    let url = crate::common::fresh_database_url().await;
    let db = Database::connect(&url).await.expect("connect");
    // Up to the migration before unique names, then two groups that differ only in case.
    Migrator::up(&db, Some(6)).await.expect("first six migrations");
    for name in ["Finance", "FINANCE", "Solo"] {
        entity::group::ActiveModel {
            id: Set(Uuid::now_v7()),
            display_name: Set(name.into()),
            display_name_ci: Set(name.to_lowercase()),
            external_id: Set(None),
            doc: Set(json!({})),
            version: Set(1),
            created: Set(chrono::Utc::now()),
            last_modified: Set(chrono::Utc::now()),
        }
        .insert(&db)
        .await
        .expect("insert group");
    }
    let err = Migrator::up(&db, None)
        .await
        .expect_err("duplicates stop the migration");
    let text = err.to_string();
    assert!(text.contains("\"finance\" (2 groups)"), "{text}");
    assert!(!text.contains("solo"), "{text}");
    // Nothing was applied: after a rename the migration goes through.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let upper = entity::group::Entity::find()
        .filter(entity::group::Column::DisplayName.eq("FINANCE"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mut row: entity::group::ActiveModel = upper.into();
    row.display_name = Set("Finance EU".into());
    row.display_name_ci = Set("finance eu".into());
    row.update(&db).await.unwrap();
    Migrator::up(&db, None)
        .await
        .expect("migrations complete after the rename");
}
