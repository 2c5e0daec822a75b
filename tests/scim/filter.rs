//! Filters over every kind of attribute, answered by SQL on both backends.
use serde_json::{Value, json};

use crate::common::{ENTERPRISE, TestApp, USER_SCHEMA, json_of, spawn_app};

async fn user(app: &TestApp, body: Value) -> String {
    let res = app.post("/Users", body).await;
    assert_eq!(res.status(), 201);
    json_of(res).await["id"].as_str().unwrap().to_owned()
}

async fn matching(app: &TestApp, resource: &str, filter: &str) -> Vec<String> {
    let res = app
        .client
        .get(app.url(&format!("/scim/v2/{resource}")))
        .query(&[("filter", filter), ("attributes", "id")])
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{filter}");
    let body = json_of(res).await;
    let mut ids: Vec<String> = body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(body["totalResults"], ids.len(), "{filter}");
    ids
}

async fn directory(app: &TestApp) -> (String, String) {
    let barbara = user(
        app,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE], "userName": "bjensen", "nickName": "Babs", "title": "Tour Guide",
            "name": {"givenName": "Barbara", "middleName": "Jane", "familyName": "Jensen"},
            "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
            "roles": [{"value": "guide", "primary": true}],
            "addresses": [{"type": "work", "locality": "Hollywood", "primary": true}],
            ENTERPRISE: {"employeeNumber": "701984", "department": "Tours", "manager": {"value": "m-1"}}
        }),
    )
    .await;
    let mark = user(
        app,
        json!({
            "schemas": [USER_SCHEMA], "userName": "mjensen", "title": "Driver",
            "phoneNumbers": [{"value": "666-000-0000", "type": "home"}],
            "roles": [{"value": "driver"}]
        }),
    )
    .await;
    (barbara, mark)
}

#[tokio::test]
async fn attributes_without_a_column_are_filtered_in_the_database() {
    let app = spawn_app().await;
    let (b, m) = directory(&app).await;
    let (b, m) = (vec![b], vec![m]);
    let cases: Vec<(&str, &Vec<String>)> = vec![
        ("nickName eq \"babs\"", &b),
        ("title co \"guide\"", &b),
        ("title sw \"Dr\"", &m),
        ("name.middleName eq \"Jane\"", &b),
        ("phoneNumbers.value sw \"666\"", &m),
        ("phoneNumbers[type eq \"mobile\" and value ew \"4444\"]", &b),
        ("phoneNumbers[type eq \"home\"]", &m),
        ("roles.value eq \"GUIDE\"", &b),
        ("roles[primary eq true]", &b),
        ("addresses[type eq \"work\"].locality eq \"hollywood\"", &b),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
            &b,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m-1\"",
            &b,
        ),
        ("nickName pr", &b),
        ("not (nickName pr)", &m),
        (
            "userName eq \"mjensen\" or nickName eq \"Babs\" and title eq \"nope\"",
            &m,
        ),
        (
            "(userName eq \"mjensen\" or nickName eq \"Babs\") and title eq \"Tour Guide\"",
            &b,
        ),
        ("title ne \"Driver\"", &b),
    ];
    for (filter, want) in cases {
        assert_eq!(&matching(&app, "Users", filter).await, want, "{filter}");
    }
}

#[tokio::test]
async fn dates_booleans_and_null_compare_as_their_types() {
    let app = spawn_app().await;
    let (b, m) = directory(&app).await;
    let mut both = vec![b.clone(), m.clone()];
    both.sort();
    assert_eq!(
        matching(&app, "Users", "meta.created gt \"2000-01-01T00:00:00Z\"").await,
        both
    );
    assert!(
        matching(&app, "Users", "meta.lastModified lt \"2000-01-01T00:00:00Z\"")
            .await
            .is_empty()
    );
    assert_eq!(matching(&app, "Users", "active eq true").await, both);
    assert_eq!(matching(&app, "Users", "nickName eq null").await, vec![m]);
}

#[tokio::test]
async fn users_filter_by_group_membership_and_groups_by_member() {
    let app = spawn_app().await;
    let (b, m) = directory(&app).await;
    let g = app.create_group("Guides", &[&b]).await;
    assert_eq!(
        matching(&app, "Users", &format!("groups.value eq \"{g}\"")).await,
        vec![b.clone()]
    );
    assert_eq!(
        matching(&app, "Users", &format!("not (groups[value eq \"{g}\"])")).await,
        vec![m.clone()]
    );
    assert_eq!(
        matching(&app, "Groups", &format!("members.value eq \"{b}\"")).await,
        vec![g.clone()]
    );
    assert!(
        matching(&app, "Groups", &format!("members[value eq \"{m}\"]"))
            .await
            .is_empty()
    );
    assert_eq!(matching(&app, "Groups", "displayName sw \"gui\"").await, vec![g]);
}

#[tokio::test]
async fn like_wildcards_in_values_are_literal() {
    let app = spawn_app().await;
    let a = app.create_user("under_score").await;
    app.create_user("underXscore").await;
    app.create_user("percent").await;
    assert_eq!(matching(&app, "Users", "userName co \"_\"").await, vec![a]);
    assert!(matching(&app, "Users", "userName co \"%\"").await.is_empty());
    assert!(matching(&app, "Users", "userName eq \"x' OR '1'='1\"").await.is_empty());
}

#[tokio::test]
async fn sort_by_an_attribute_without_a_column() {
    let app = spawn_app().await;
    directory(&app).await;
    let res = app.get("/Users?sortBy=title&attributes=title").await;
    let body = json_of(res).await;
    let titles: Vec<&str> = body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Driver", "Tour Guide"]);
}

#[tokio::test]
async fn substring_filters_match_case_insensitively() {
    let app = spawn_app().await;
    let a = user(
        &app,
        json!({"schemas": [USER_SCHEMA], "userName": "Maria.Lopez", "emails": [{"value": "Maria@Example.org"}]}),
    )
    .await;
    user(&app, json!({"schemas": [USER_SCHEMA], "userName": "mario"})).await;
    assert_eq!(matching(&app, "Users", "userName co \"RIA.LO\"").await, vec![a.clone()]);
    assert_eq!(matching(&app, "Users", "userName ew \"lopez\"").await, vec![a.clone()]);
    assert_eq!(matching(&app, "Users", "emails.value co \"a@EXAMPLE\"").await, vec![a]);
}

#[tokio::test]
#[ignore = "needs SCIMITAR_TEST_DATABASE_URL (PostgreSQL); CI runs it with --include-ignored"]
async fn substring_filters_have_trigram_indexes_on_postgres() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    crate::common::require_postgres();
    let app = spawn_app().await;
    let sql = "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm' ORDER BY indexname";
    let rows = app
        .store
        .db()
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.try_get("", "indexname").unwrap()).collect();
    assert_eq!(
        names,
        [
            "idx_groups_display_name_trgm",
            "idx_user_emails_value_trgm",
            "idx_users_user_name_trgm"
        ]
    );
}

/// On SQLite `co`/`sw`/`ew` go through FTS5 trigram indexes plus the rows not indexed yet:
/// every create, rename, email change and delete shows in the very next filter, before and
/// after the background indexer has run (on PostgreSQL the same filters run on the `pg_trgm`
/// indexes, and there is nothing to index).
#[tokio::test]
async fn substring_filters_follow_every_create_rename_and_delete() {
    // The test indexes when it wants to (no background indexer racing it).
    let app = crate::common::spawn_app_with(|c| c.search_index_interval_ms = 0).await;
    let sqlite = app.store.backend() == sea_orm::DbBackend::Sqlite;
    let index = || async { app.store.index_pending().await.unwrap() };
    let alice = user(
        &app,
        json!({"schemas": [USER_SCHEMA], "userName": "alice.liddell", "name": {"givenName": "Alice", "familyName": "Liddell"}}),
    )
    .await;
    let alicia = app.create_user("alicia.keys").await;
    let bob = user(
        &app,
        json!({"schemas": [USER_SCHEMA], "userName": "bob", "displayName": "Bob Wonderland", "emails": [{"value": "bob@wonder.land"}]}),
    )
    .await;
    let both = {
        let mut v = vec![alice.clone(), alicia.clone()];
        v.sort();
        v
    };
    // Not indexed yet, then indexed: the same answers.
    assert_eq!(matching(&app, "Users", "userName co \"lic\"").await, both);
    assert_eq!(
        index().await > 0,
        sqlite,
        "three users and an email were pending on SQLite"
    );
    assert_eq!(index().await, 0, "nothing left");
    assert_eq!(matching(&app, "Users", "userName co \"lic\"").await, both);
    assert_eq!(matching(&app, "Users", "userName sw \"ALIC\"").await, both);
    assert_eq!(
        matching(&app, "Users", "name.familyName ew \"dell\"").await,
        vec![alice.clone()]
    );
    assert_eq!(
        matching(&app, "Users", "displayName co \"wonder\"").await,
        vec![bob.clone()]
    );

    // Renamed: found under the new name only.
    let rename = crate::common::patch_ops(json!([{"op": "replace", "path": "userName", "value": "carol"}]));
    assert_eq!(app.patch(&format!("/Users/{alicia}"), rename).await.status(), 200);
    assert_eq!(
        matching(&app, "Users", "userName co \"lic\"").await,
        vec![alice.clone()]
    );
    assert_eq!(
        matching(&app, "Users", "userName sw \"car\"").await,
        vec![alicia.clone()]
    );

    index().await;
    assert_eq!(
        matching(&app, "Users", "userName sw \"car\"").await,
        vec![alicia.clone()]
    );

    // A new email replaces the old in the index.
    assert_eq!(
        matching(&app, "Users", "emails.value co \"wonder\"").await,
        vec![bob.clone()]
    );
    let email = crate::common::patch_ops(
        json!([{"op": "replace", "path": "emails", "value": [{"value": "bob@elsewhere.org"}]}]),
    );
    assert_eq!(app.patch(&format!("/Users/{bob}"), email).await.status(), 200);
    assert!(matching(&app, "Users", "emails.value co \"wonder\"").await.is_empty());
    index().await;
    assert!(matching(&app, "Users", "emails.value co \"wonder\"").await.is_empty());
    assert_eq!(
        matching(&app, "Users", "emails[value co \"elsewhere\"]").await,
        vec![bob]
    );

    // Deleted: gone from the index.
    assert_eq!(app.delete(&format!("/Users/{alice}")).await.status(), 204);
    assert!(matching(&app, "Users", "userName co \"lic\"").await.is_empty());
    assert!(matching(&app, "Users", "name.givenName co \"alice\"").await.is_empty());

    // Groups: renamed and deleted.
    let group = app.create_group("Engineering Platform", &[]).await;
    let rename = crate::common::patch_ops(json!([{"op": "replace", "path": "displayName", "value": "Platform Ops"}]));
    index().await;
    assert_eq!(app.patch(&format!("/Groups/{group}"), rename).await.status(), 204);
    assert!(matching(&app, "Groups", "displayName co \"engin\"").await.is_empty());
    assert_eq!(
        matching(&app, "Groups", "displayName ew \"OPS\"").await,
        vec![group.clone()]
    );
    assert_eq!(app.delete(&format!("/Groups/{group}")).await.status(), 204);
    assert!(matching(&app, "Groups", "displayName co \"ops\"").await.is_empty());
}

/// An app on a SQLite file of its own whose search indexer runs only when the test calls
/// `index_pending` (no background indexer racing it), and the file's URL for a restart.
async fn sqlite_app_indexing_on_demand() -> (TestApp, String) {
    let (url, _path) = crate::common::temp_sqlite_url();
    let app = crate::common::spawn_app_with(|c| {
        c.database_url = url.clone();
        c.search_index_interval_ms = 0;
    })
    .await;
    (app, url)
}

/// SQLite: an index that no longer matches its table (as after a `VACUUM` renumbered rowids)
/// can only hide rows, never show wrong ones — and the next start rebuilds it.
#[tokio::test]
async fn a_search_index_out_of_step_hides_rows_until_the_next_start_rebuilds_it() {
    use sea_orm::ConnectionTrait;
    let (app, url) = sqlite_app_indexing_on_demand().await;
    let alice = app.create_user("alice.liddell").await;
    app.store.index_pending().await.unwrap();
    app.store
        .writer()
        .execute_unprepared("INSERT INTO users_trgm (users_trgm) VALUES ('delete-all')")
        .await
        .unwrap();
    assert!(matching(&app, "Users", "userName co \"lic\"").await.is_empty());
    assert_eq!(
        matching(&app, "Users", "userName co \"li\"").await,
        vec![alice.clone()],
        "no index below 3 characters"
    );
    let restarted = crate::common::spawn_app_with(|c| c.database_url = url).await;
    assert_eq!(matching(&restarted, "Users", "userName co \"lic\"").await, vec![alice]);
}

/// SQLite: the indexer counts each trigram's rows, a search asks the index for only the two
/// rarest trigrams of its text, and the counts only choose — counts that are wrong or missing
/// change no answer. A database indexed before the counts existed gets them at start.
#[tokio::test]
async fn trigram_counts_choose_what_the_index_is_asked_and_never_change_an_answer() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let (app, url) = sqlite_app_indexing_on_demand().await;
    let mut ids = std::collections::BTreeMap::new();
    for name in [
        "alice.liddell",
        "alicia.keys",
        "malice",
        "john_doe",
        "jonxdoe",
        "o\"hara%",
    ] {
        ids.insert(name, app.create_user(name).await);
    }
    let count = |app: &TestApp, term: &'static str| {
        let db = app.store.db().clone();
        async move {
            db.query_one_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT coalesce((SELECT n FROM users_trgm_terms WHERE term = $1), 0) AS n",
                [term.into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
        }
    };
    const CASES: [(&str, &[&str]); 7] = [
        ("userName co \"lic\"", &["alice.liddell", "alicia.keys", "malice"]),
        ("userName sw \"alic\"", &["alice.liddell", "alicia.keys"]),
        ("userName ew \"lice\"", &["malice"]),
        ("userName co \"ice.l\"", &["alice.liddell"]),
        ("userName co \"n_d\"", &["john_doe"]),
        ("userName co \"o\\\"h\"", &["o\"hara%"]),
        ("userName ew \"ra%\"", &["o\"hara%"]),
    ];
    async fn check(app: &TestApp, ids: &std::collections::BTreeMap<&str, String>, stage: &str) {
        for (filter, want) in CASES {
            let mut want: Vec<String> = want.iter().map(|n| ids[n].clone()).collect();
            want.sort();
            assert_eq!(matching(app, "Users", filter).await, want, "{stage}: {filter}");
        }
    }
    check(&app, &ids, "pending").await;
    assert_eq!(count(&app, "lic").await, 0, "nothing counted before indexing");
    app.store.index_pending().await.unwrap();
    assert_eq!(count(&app, "lic").await, 3);
    assert_eq!(count(&app, "doe").await, 2);
    check(&app, &ids, "indexed").await;

    // Counts turned upside down, then gone: the same answers.
    app.store
        .writer()
        .execute_unprepared("UPDATE users_trgm_terms SET n = 1000000 - n * 1000")
        .await
        .unwrap();
    check(&app, &ids, "counts inverted").await;
    app.store
        .writer()
        .execute_unprepared("DELETE FROM users_trgm_terms")
        .await
        .unwrap();
    check(&app, &ids, "no counts").await;

    // The next start counts the indexed rows again.
    let restarted = crate::common::spawn_app_with(|c| c.database_url = url).await;
    assert_eq!(count(&restarted, "lic").await, 3);
    check(&restarted, &ids, "restarted").await;
}

/// `userName eq "…"` is read with a prebuilt statement; the same filter in a form that takes
/// the compiled statement (`and userName pr`) must answer the same, byte for byte, with every
/// paging and projection parameter and on every user state the list shows.
#[tokio::test]
async fn a_user_name_equality_answers_what_the_compiled_filter_answers() {
    // Arrange: a user in a group nested in another, a deactivated user, a user in no group.
    let app = spawn_app().await;
    let mut body = json!({"schemas": [USER_SCHEMA], "userName": "Ada.Lovelace@Example.com", "displayName": "Ada"});
    body["emails"] = json!([{"value": "ada@example.com", "primary": true}]);
    let ada = user(&app, body).await;
    let inner = app.create_group("Inner", &[&ada]).await;
    app.create_group("Outer", &[&inner]).await;
    let bob = user(
        &app,
        json!({"schemas": [USER_SCHEMA], "userName": "bob", "active": false}),
    )
    .await;
    user(&app, json!({"schemas": [USER_SCHEMA], "userName": "carol"})).await;
    let read = async |query: &[(&str, &str)]| {
        let res = app
            .client
            .get(app.url("/scim/v2/Users"))
            .query(query)
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    };

    for name in [
        "ada.lovelace@example.com",
        "ADA.LOVELACE@EXAMPLE.COM",
        "bob",
        "carol",
        "nobody",
        "",
    ] {
        let fast = format!("userName eq \"{name}\"");
        let compiled = format!("{fast} and userName pr");
        let urn = format!("{USER_SCHEMA}:userName eq \"{name}\"");
        for extra in [
            &[][..],
            &[("count", "1")],
            &[("count", "0")],
            &[("startIndex", "2")],
            &[("attributes", "userName,groups")],
            &[("excludedAttributes", "emails")],
            &[("attributes", "userName")],
            &[("sortBy", "displayName"), ("sortOrder", "descending")],
            &[("cursor", "")],
        ] {
            // Act
            let answer = async |filter: &str| {
                let mut query = vec![("filter", filter)];
                query.extend_from_slice(extra);
                read(&query).await
            };
            let (expected_status, expected) = answer(&compiled).await;

            // Assert
            assert_eq!(expected_status, 200, "{compiled} {extra:?}: {expected}");
            assert_eq!(
                answer(&fast).await,
                (expected_status, expected.clone()),
                "{fast} {extra:?}"
            );
            assert_eq!(
                answer(&urn).await,
                (expected_status, expected.clone()),
                "{urn} {extra:?}"
            );
        }
    }
    // The fast form found what the names say (not only the same as the other form).
    let (_, found) = read(&[("filter", "userName eq \"ADA.lovelace@example.COM\"")]).await;
    let found: Value = serde_json::from_str(&found).unwrap();
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], ada.as_str());
    let groups: Vec<&str> = found["Resources"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["display"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["Inner", "Outer"]);
    let (_, found) = read(&[("filter", "userName eq \"bob\"")]).await;
    let found: Value = serde_json::from_str(&found).unwrap();
    assert_eq!(found["Resources"][0]["id"], bob.as_str());
    assert_eq!(found["Resources"][0]["active"], false);
}
