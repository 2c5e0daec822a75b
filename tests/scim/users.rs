use serde_json::{Value, json};

use crate::common::{ENTERPRISE, USER_SCHEMA, json_of, spawn_app, user_json};

fn full_user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": "ext-701984",
        "userName": "bjensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
            "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"
        },
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [{
            "type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
            "region": "CA", "postalCode": "91608", "country": "USA", "primary": true
        }],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
        "userType": "Employee",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": true,
        "password": "t1meMa$heen",
        "entitlements": [{"value": "vip"}],
        "roles": [{"value": "guide", "primary": true}],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
        ENTERPRISE: {
            "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
            "division": "Theme Park", "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    })
}

#[tokio::test]
async fn a_created_user_round_trips_every_attribute_but_the_password() {
    // Arrange
    let app = spawn_app().await;
    let sent = full_user();
    // Act
    let res = app.post("/Users", sent.clone()).await;
    // Assert
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let created = json_of(res).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("{}/scim/v2/Users/{id}", app.address));
    assert_eq!(created["meta"]["location"], location);
    assert_eq!(created["meta"]["version"], etag);
    assert_eq!(created["meta"]["resourceType"], "User");
    assert!(created["meta"]["created"].is_string() && created["meta"]["lastModified"].is_string());
    let fetched = json_of(app.get(&format!("/Users/{id}")).await).await;
    assert_eq!(fetched, created);
    for (key, value) in sent.as_object().unwrap() {
        if key == "password" {
            assert!(fetched.get("password").is_none(), "password must never be returned");
        } else {
            assert_eq!(&fetched[key], value, "attribute {key}");
        }
    }
}

#[tokio::test]
async fn the_password_is_stored_as_an_argon2id_hash() {
    let app = spawn_app().await;
    let id = json_of(app.post("/Users", full_user()).await).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let row = app.store.users().get(id).await.unwrap();
    let hash = row.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("t1meMa$heen"));
    assert!(scimitar::auth::password::verify("t1meMa$heen".into(), hash).await);
}

#[tokio::test]
async fn read_only_attributes_sent_by_the_client_are_ignored() {
    let app = spawn_app().await;
    let mut body = user_json("ro");
    body["id"] = json!("client-chosen");
    body["meta"] = json!({"version": "W/\"99\""});
    body["groups"] = json!([{"value": "x"}]);
    let created = json_of(app.post("/Users", body).await).await;
    assert_ne!(created["id"], "client-chosen");
    assert_eq!(created["meta"]["version"], "W/\"1\"");
    assert!(created.get("groups").is_none());
}

#[tokio::test]
async fn onelogin_single_object_emails_and_string_booleans_are_accepted() {
    let app = spawn_app().await;
    let body = json!({
        "schemas": [USER_SCHEMA], "userName": "one",
        "emails": {"value": "one@example.com"}, "active": "False"
    });
    let created = json_of(app.post("/Users", body).await).await;
    assert_eq!(created["emails"], json!([{"value": "one@example.com"}]));
    assert_eq!(created["active"], false);
}

#[tokio::test]
async fn list_filters_by_user_name_case_insensitively() {
    let app = spawn_app().await;
    let id = app.create_user("Alice.Smith@Example.com").await;
    app.create_user("bob").await;
    for filter in [
        "userName eq \"alice.smith@example.com\"",
        "USERNAME EQ \"ALICE.SMITH@EXAMPLE.COM\"",
    ] {
        let res = app
            .client
            .get(app.url("/scim/v2/Users"))
            .query(&[("filter", filter)])
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        let body = json_of(res).await;
        assert_eq!(body["totalResults"], 1, "{filter}");
        assert_eq!(body["Resources"][0]["id"], id.as_str());
        assert_eq!(
            body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );
    }
}

async fn list(app: &crate::common::TestApp, query: &[(&str, &str)]) -> Value {
    let res = app
        .client
        .get(app.url("/scim/v2/Users"))
        .query(query)
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    json_of(res).await
}

#[tokio::test]
async fn entra_connection_test_with_an_unknown_user_name_gets_an_empty_list() {
    let app = spawn_app().await;
    app.create_user("someone").await;
    let body = list(
        &app,
        &[("filter", "userName eq \"7b8d9c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5e\"")],
    )
    .await;
    assert_eq!(body["totalResults"], 0);
    assert_eq!(body["Resources"], json!([]));
}

#[tokio::test]
async fn list_filters_by_external_id_and_email() {
    let app = spawn_app().await;
    let created = json_of(app.post("/Users", full_user()).await).await;
    app.create_user("other").await;
    let id = created["id"].as_str().unwrap();
    for filter in [
        "externalId eq \"ext-701984\"",
        "emails.value eq \"BJENSEN@example.com\"",
        "emails[type eq \"work\" and value eq \"bjensen@example.com\"]",
        "emails[type eq \"work\"].value eq \"bjensen@example.com\"",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bjensen@example.com\"",
        "displayName eq \"Babs Jensen\"",
        "name.familyName eq \"jensen\"",
        "userName sw \"bjen\" and active eq true",
        "userName co \"JENSEN\"",
    ] {
        let body = list(&app, &[("filter", filter)]).await;
        assert_eq!(body["totalResults"], 1, "{filter}");
        assert_eq!(body["Resources"][0]["id"], id, "{filter}");
    }
    let none = list(&app, &[("filter", "externalId eq \"EXT-701984\"")]).await;
    assert_eq!(none["totalResults"], 0, "externalId is caseExact");
}

#[tokio::test]
async fn pages_cover_every_user_once_in_a_stable_order() {
    let app = spawn_app().await;
    let mut ids = vec![];
    for i in 0..7 {
        ids.push(app.create_user(&format!("user{i}")).await);
    }
    let pages = async || {
        let mut seen = vec![];
        for start in [1, 4, 7] {
            let body = list(&app, &[("startIndex", &start.to_string()), ("count", "3")]).await;
            assert_eq!(body["totalResults"], 7);
            assert_eq!(body["startIndex"], start);
            assert_eq!(body["itemsPerPage"], if start == 7 { 1 } else { 3 });
            for r in body["Resources"].as_array().unwrap() {
                seen.push(r["id"].as_str().unwrap().to_owned());
            }
        }
        seen
    };
    // Stable: the pages, walked twice, give one order, and it is the order of one big page.
    let first = pages().await;
    assert_eq!(pages().await, first);
    let whole = list(&app, &[("count", "7")]).await;
    let whole: Vec<String> = whole["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(first, whole);
    // Every user once.
    let mut seen = first;
    ids.sort();
    seen.sort();
    assert_eq!(seen, ids);
    let only_total = list(&app, &[("count", "0")]).await;
    assert_eq!(only_total["totalResults"], 7);
    assert_eq!(only_total["Resources"], json!([]));
    let past_the_end = list(&app, &[("startIndex", "20"), ("count", "3")]).await;
    assert_eq!(past_the_end["totalResults"], 7);
    assert_eq!(past_the_end["Resources"], json!([]));
}

#[tokio::test]
async fn sort_by_user_name_descending() {
    let app = spawn_app().await;
    for n in ["b", "c", "a"] {
        app.create_user(n).await;
    }
    let body = list(&app, &[("sortBy", "userName"), ("sortOrder", "descending")]).await;
    let names: Vec<&str> = body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c", "b", "a"]);
}

#[tokio::test]
async fn sorted_and_filtered_pages_by_start_index_keep_the_order() {
    let app = spawn_app().await;
    for n in ["u3", "x1", "u5", "u1", "u4", "u2", "x2"] {
        app.create_user(n).await;
    }
    let mut names = vec![];
    for start in ["1", "3", "5"] {
        let q = [
            ("filter", "userName sw \"u\""),
            ("sortBy", "userName"),
            ("sortOrder", "descending"),
            ("startIndex", start),
            ("count", "2"),
        ];
        let body = list(&app, &q).await;
        assert_eq!(body["totalResults"], 5, "startIndex {start}");
        for r in body["Resources"].as_array().unwrap() {
            names.push(r["userName"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(names, ["u5", "u4", "u3", "u2", "u1"]);
}

#[tokio::test]
async fn attributes_and_excluded_attributes_shape_the_response() {
    let app = spawn_app().await;
    let id = app.create_user("shape").await;
    let res = app
        .get(&format!("/Users/{id}?attributes=userName,name.givenName"))
        .await;
    let body = json_of(res).await;
    assert_eq!(
        body,
        json!({"schemas": [USER_SCHEMA], "id": id, "userName": "shape", "name": {"givenName": "Given"}})
    );
    let body = json_of(app.get(&format!("/Users/{id}?excludedAttributes=emails,meta")).await).await;
    assert!(body.get("emails").is_none() && body.get("meta").is_none());
    assert_eq!(body["userName"], "shape");
}

#[tokio::test]
async fn put_replaces_the_user_and_bumps_the_version() {
    let app = spawn_app().await;
    let id = app.create_user("put.me").await;
    let mut body = user_json("put.me.renamed");
    body["displayName"] = json!("Renamed");
    body["emails"] = json!([{"value": "new@example.com", "type": "home"}]);
    let res = app.put(&format!("/Users/{id}"), body).await;
    assert_eq!(res.status(), 200);
    let updated = json_of(res).await;
    assert_eq!(updated["userName"], "put.me.renamed");
    assert_eq!(updated["displayName"], "Renamed");
    assert_eq!(updated["meta"]["version"], "W/\"2\"");
    // The email table follows the document: the old address no longer matches.
    assert_eq!(
        list(&app, &[("filter", "emails.value eq \"put.me@example.com\"")]).await["totalResults"],
        0
    );
    assert_eq!(
        list(&app, &[("filter", "emails.value eq \"new@example.com\"")]).await["totalResults"],
        1
    );
}

#[tokio::test]
async fn okta_deactivates_with_a_full_put() {
    let app = spawn_app().await;
    let id = app.create_user("okta.user").await;
    let mut body = json_of(app.get(&format!("/Users/{id}")).await).await;
    body["active"] = json!(false);
    let res = app.put(&format!("/Users/{id}"), body).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(app.get(&format!("/Users/{id}")).await).await["active"], false);
    let inactive = list(&app, &[("filter", "active eq false")]).await;
    assert_eq!(inactive["totalResults"], 1);
}

#[tokio::test]
async fn delete_removes_the_user() {
    let app = spawn_app().await;
    let id = app.create_user("gone").await;
    let res = app.delete(&format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get(&format!("/Users/{id}")).await.status(), 404);
    assert_eq!(app.delete(&format!("/Users/{id}")).await.status(), 404);
}

#[tokio::test]
async fn etags_give_304_and_412() {
    let app = spawn_app().await;
    let id = app.create_user("etag").await;
    let path = app.url(&format!("/scim/v2/Users/{id}"));
    let res = app
        .client
        .get(&path)
        .bearer_auth(&app.token)
        .header("if-none-match", "W/\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = app
        .client
        .put(&path)
        .bearer_auth(&app.token)
        .header("content-type", "application/scim+json")
        .header("if-match", "W/\"7\"")
        .body(user_json("etag").to_string())
        .send()
        .await
        .unwrap();
    crate::common::assert_scim_error(res, 412, None).await;
    let res = app
        .client
        .put(&path)
        .bearer_auth(&app.token)
        .header("content-type", "application/scim+json")
        .header("if-match", "W/\"1\"")
        .body(user_json("etag").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "W/\"2\"");
}

#[tokio::test]
async fn a_put_without_active_keeps_a_deactivated_user_inactive() {
    let app = spawn_app().await;
    let id = app.create_user("deprovisioned").await;
    let off = crate::common::patch_ops(json!([{"op": "replace", "path": "active", "value": false}]));
    app.patch(&format!("/Users/{id}"), off).await;
    let mut body = user_json("deprovisioned");
    body.as_object_mut().unwrap().remove("active");
    let res = app.put(&format!("/Users/{id}"), body).await;
    assert_eq!(json_of(res).await["active"], false);
}
