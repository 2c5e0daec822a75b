//! Okta's "SCIM 2.0 SPEC test" (the Runscope suite an app must pass before it is listed),
//! one test per step. Every request carries Okta's user agent.
use reqwest::Response;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{GROUP_SCHEMA, SCIM, TestApp, USER_SCHEMA, assert_scim_error, content_type, json_of, spawn_app};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const OKTA_AGENT: &str = "Okta SCIM Client 1.0.0";

/// The body of the suite's "Create Okta user with realistic values" step.
fn okta_user(given: &str, family: &str) -> Value {
    let user_name = format!("{given}{family}@atko.com");
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "active": true
    })
}

/// `POST /Users` exactly as the suite sends it: plain JSON content type, SCIM accept header.
async fn okta_post(app: &TestApp, body: &Value) -> Response {
    app.client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .header("accept", "application/scim+json; charset=utf-8")
        .header("user-agent", OKTA_AGENT)
        .body(body.to_string())
        .send()
        .await
        .expect("request sent")
}

/// A GET with query parameters, as Okta sends it.
async fn okta_get(app: &TestApp, path: &str, query: &[(&str, &str)]) -> Response {
    app.client
        .get(app.url(&format!("/scim/v2{path}")))
        .query(query)
        .bearer_auth(&app.token)
        .header("user-agent", OKTA_AGENT)
        .send()
        .await
        .expect("request sent")
}

/// Creates a user through Okta's POST and returns its id.
async fn create(app: &TestApp, body: &Value) -> String {
    let res = okta_post(app, body).await;
    let status = res.status();
    let created = json_of(res).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().expect("id").to_owned()
}

/// Asserts a 200 SCIM ListResponse and returns it.
async fn list_response(res: Response) -> Value {
    assert_eq!(res.status(), 200);
    let ct = content_type(&res);
    assert!(ct.starts_with(SCIM), "content type {ct}");
    let body = json_of(res).await;
    assert!(
        body["schemas"].as_array().unwrap().contains(&json!(LIST_RESPONSE)),
        "{body}"
    );
    assert!(body["totalResults"].is_u64(), "{body}");
    assert!(body["startIndex"].is_u64(), "{body}");
    assert!(body["itemsPerPage"].is_u64(), "{body}");
    body
}

fn non_empty_str(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}

/// The per-user checks the suite makes on a listed or fetched user.
fn assert_okta_user_shape(user: &Value) {
    assert!(non_empty_str(&user["id"]), "id in {user}");
    assert!(non_empty_str(&user["name"]["familyName"]), "name.familyName in {user}");
    assert!(non_empty_str(&user["name"]["givenName"]), "name.givenName in {user}");
    assert!(non_empty_str(&user["userName"]), "userName in {user}");
    assert!(user["active"].is_boolean(), "active in {user}");
    assert!(non_empty_str(&user["emails"][0]["value"]), "emails[0].value in {user}");
}

/// "Required Test: Test Users endpoint": `GET /Users?count=1&startIndex=1` gives a ListResponse
/// with integer paging fields and a first user with id, name, userName, active and an email.
#[tokio::test]
async fn okta_spec_01_list_users_with_count_1() {
    let app = spawn_app().await;
    create(&app, &okta_user("Runscope101", "Fuhpfuwaw101")).await;
    create(&app, &okta_user("Runscope102", "Fuhpfuwaw102")).await;
    let res = okta_get(&app, "/Users", &[("count", "1"), ("startIndex", "1")]).await;
    let body = list_response(res).await;
    assert_eq!(body["totalResults"], 2);
    assert_eq!(body["startIndex"], 1);
    let resources = body["Resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "count=1 gives one resource: {body}");
    assert_eq!(body["itemsPerPage"], 1);
    assert_okta_user_shape(&resources[0]);
}

/// "Required Test: Get Users/{{id}}": the id of the first listed user fetches that user.
#[tokio::test]
async fn okta_spec_02_get_user_by_id() {
    let app = spawn_app().await;
    create(&app, &okta_user("Runscope201", "Ehbqlpku201")).await;
    let first = list_response(okta_get(&app, "/Users", &[("count", "1"), ("startIndex", "1")]).await).await;
    let id = first["Resources"][0]["id"].as_str().unwrap().to_owned();
    let res = okta_get(&app, &format!("/Users/{id}"), &[]).await;
    assert_eq!(res.status(), 200);
    assert!(content_type(&res).starts_with(SCIM));
    let user = json_of(res).await;
    assert_okta_user_shape(&user);
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["userName"], "Runscope201Ehbqlpku201@atko.com");
}

/// "Required Test: Test invalid User by username": filtering on an unknown userName is 200 with
/// a ListResponse and `totalResults` 0; the same filter on the created user finds exactly it.
#[tokio::test]
async fn okta_spec_03_invalid_user_by_user_name() {
    let app = spawn_app().await;
    let id = create(&app, &okta_user("Runscope301", "Xqzvlmnt301")).await;
    let filter = "userName eq \"abcdefgh@example.com\"";
    let body = list_response(okta_get(&app, "/Users", &[("filter", filter)]).await).await;
    assert_eq!(body["totalResults"], 0);
    assert!(body.get("Resources").is_none_or(|r| r == &json!([])), "{body}");
    let existing = "userName eq \"Runscope301Xqzvlmnt301@atko.com\"";
    let found = list_response(okta_get(&app, "/Users", &[("filter", existing)]).await).await;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], id.as_str());
}

/// "Required Test: Test invalid User by ID": an unknown id is 404 with a SCIM error whose
/// `detail` is set and whose `status` is the string "404".
#[tokio::test]
async fn okta_spec_04_invalid_user_by_id() {
    let app = spawn_app().await;
    create(&app, &okta_user("Runscope401", "Oqwhrbnc401")).await;
    let res = okta_get(&app, &format!("/Users/{}", Uuid::new_v4()), &[]).await;
    let body = assert_scim_error(res, 404, None).await;
    assert_eq!(body["status"], "404");
}

/// "Required Test: Make sure random user doesn't exist": a random userName filter finds nothing,
/// while the created user's userName finds exactly it.
#[tokio::test]
async fn okta_spec_05_random_user_does_not_exist() {
    let app = spawn_app().await;
    let id = create(&app, &okta_user("Runscope501", "Kplrsuty501")).await;
    let random = format!("userName eq \"Runscope{}@atko.com\"", Uuid::new_v4().simple());
    let body = list_response(okta_get(&app, "/Users", &[("filter", random.as_str())]).await).await;
    assert_eq!(body["totalResults"], 0);
    let existing = "userName eq \"Runscope501Kplrsuty501@atko.com\"";
    let found = list_response(okta_get(&app, "/Users", &[("filter", existing)]).await).await;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], id.as_str());
}

/// "Required Test: Create Okta user with realistic values": a POST sent as `application/json`
/// with `Accept: application/scim+json; charset=utf-8` is 201 and echoes the user.
#[tokio::test]
async fn okta_spec_06_create_user_with_realistic_values() {
    let app = spawn_app().await;
    let sent = okta_user("Runscope601", "Wvbnmqaz601");
    let res = okta_post(&app, &sent).await;
    assert_eq!(res.status(), 201);
    assert!(content_type(&res).starts_with(SCIM));
    let created = json_of(res).await;
    assert_eq!(created["active"], true);
    assert!(non_empty_str(&created["id"]));
    assert_eq!(created["name"]["familyName"], "Wvbnmqaz601");
    assert_eq!(created["name"]["givenName"], "Runscope601");
    assert!(
        created["schemas"].as_array().unwrap().contains(&json!(USER_SCHEMA)),
        "{created}"
    );
    assert_eq!(created["userName"], "Runscope601Wvbnmqaz601@atko.com");
    assert_eq!(created["displayName"], "Runscope601 Wvbnmqaz601");
    assert_eq!(created["emails"], sent["emails"]);
}

/// "Required Test: Verify that user was created": the new user is fetched by its id with the
/// same userName, familyName and givenName.
#[tokio::test]
async fn okta_spec_07_verify_user_was_created() {
    let app = spawn_app().await;
    let id = create(&app, &okta_user("Runscope701", "Jtyuiolk701")).await;
    let res = okta_get(&app, &format!("/Users/{id}"), &[]).await;
    assert_eq!(res.status(), 200);
    let user = json_of(res).await;
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["userName"], "Runscope701Jtyuiolk701@atko.com");
    assert_eq!(user["name"]["familyName"], "Jtyuiolk701");
    assert_eq!(user["name"]["givenName"], "Runscope701");
    assert_eq!(user["active"], true);
}

/// "Required Test: Expect failure when recreating user with same values": the same POST again
/// is 409 with a SCIM error, and no second user appears.
#[tokio::test]
async fn okta_spec_08_recreating_the_same_user_is_409() {
    let app = spawn_app().await;
    let body = okta_user("Runscope801", "Zxcvbnmp801");
    create(&app, &body).await;
    let res = okta_post(&app, &body).await;
    let error = assert_scim_error(res, 409, Some("uniqueness")).await;
    assert_eq!(error["status"], "409");
    let all = list_response(okta_get(&app, "/Users", &[]).await).await;
    assert_eq!(all["totalResults"], 1);
}

/// "Required Test: Username Case Sensitivity Check": filtering on the upper-cased userName is 200
/// (userName is caseExact false, so it also finds the user).
#[tokio::test]
async fn okta_spec_09_user_name_case_sensitivity_check() {
    let app = spawn_app().await;
    let id = create(&app, &okta_user("Runscope901", "Qwertyui901")).await;
    let filter = "userName eq \"RUNSCOPE901QWERTYUI901@ATKO.COM\"";
    let body = list_response(okta_get(&app, "/Users", &[("filter", filter)]).await).await;
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["id"], id.as_str());
    assert_eq!(
        body["Resources"][0]["userName"], "Runscope901Qwertyui901@atko.com",
        "the stored case is returned"
    );
}

/// "Optional Test: Verify Groups endpoint": `GET /Groups` is 200.
#[tokio::test]
async fn okta_spec_10_groups_endpoint() {
    let app = spawn_app().await;
    let empty = list_response(okta_get(&app, "/Groups", &[]).await).await;
    assert_eq!(empty["totalResults"], 0);
    let res = app
        .post(
            "/Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Okta Spec Group"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body = list_response(okta_get(&app, "/Groups", &[]).await).await;
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["displayName"], "Okta Spec Group");
}

/// The suite's authentication check: a wrong bearer token is 401 with a SCIM error whose
/// `status` is the string "401".
#[tokio::test]
async fn okta_spec_11_wrong_token_is_401() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/scim/v2/Users"))
        .query(&[("count", "1"), ("startIndex", "1")])
        .bearer_auth("wrong")
        .header("user-agent", OKTA_AGENT)
        .send()
        .await
        .expect("request sent");
    let body = assert_scim_error(res, 401, None).await;
    assert_eq!(body["status"], "401");
    // The same wrong token cannot create either.
    let res = app
        .client
        .post(app.url("/scim/v2/Users"))
        .bearer_auth("wrong")
        .header("content-type", "application/json")
        .header("accept", "application/scim+json; charset=utf-8")
        .body(okta_user("Runscope111", "Unauthorized").to_string())
        .send()
        .await
        .expect("request sent");
    assert_scim_error(res, 401, None).await;
    let all = list_response(okta_get(&app, "/Users", &[]).await).await;
    assert_eq!(all["totalResults"], 0);
}
