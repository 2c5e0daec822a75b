//! Schedules on role grants (seed 004), driven by an injected clock (no sleeps): a role granted
//! to a group on Berlin office hours is in tokens, refresh, userinfo, introspection and
//! `/users/{u}/permissions` only inside its windows — which follow Berlin's clocks across both
//! DST changes — and tokens issued inside or outside a window end at its next boundary.
use chrono::{DateTime, Utc};
use scimitar::clock::Clock;
use serde_json::{Value, json};

use super::*;
use crate::common::{TestApp, assert_problem, json_of, spawn_app_with};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

/// A server whose clock stands at `start`.
async fn app_at(start: &str) -> (TestApp, Clock) {
    let start = at(start);
    let app = spawn_app_with(move |c| c.clock = Clock::manual(start)).await;
    let clock = app.store.clock().clone();
    (app, clock)
}

async fn audited(app: &TestApp) -> usize {
    json_of(app.admin("GET", "/audit?action=role.grant", None).await).await["items"]
        .as_array()
        .expect("items")
        .len()
}

fn office_hours() -> Value {
    json!({"schedule": {
        "time_zone": "Europe/Berlin",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "18:00"}]
    }})
}

fn roles_of(claims: &Value) -> Vec<String> {
    let mut out: Vec<String> = claims["roles"]
        .as_array()
        .map(|a| a.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// alice in `office`, which holds `wiki` always and `payroll` on Berlin office hours.
async fn office(app: &TestApp) {
    let alice = app.create_user_with_password("alice").await;
    app.create_group("office", &[&alice]).await;
    for (name, permission) in [("wiki", "wiki.read"), ("payroll", "payroll.read")] {
        let body = json!({"name": name, "permissions": [permission]});
        assert_eq!(app.admin("POST", "/roles", Some(body)).await.status(), 201);
    }
    assert_eq!(app.admin("PUT", "/groups/office/roles/wiki", None).await.status(), 204);
    let res = app
        .admin("PUT", "/groups/office/roles/payroll", Some(office_hours()))
        .await;
    assert_eq!(res.status(), 204);
}

/// Signs alice in at the clock's instant: the access token's claims and its lifetime.
async fn sign_in(app: &TestApp, rp: &Rp) -> (Value, i64, Value) {
    let tokens = app.tokens_for(rp, "alice", "openid roles offline_access").await;
    let claims = jwt_payload(tokens["access_token"].as_str().unwrap());
    let life = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    (claims, life, tokens)
}

async fn holds_payroll(app: &TestApp, instant: &str) -> bool {
    let path = format!(
        "/users/alice/permissions/payroll.read?at={}",
        instant.replace('+', "%2B")
    );
    let res = app.admin("GET", &path, None).await;
    assert_eq!(res.status(), 200);
    json_of(res).await["held"].as_bool().expect("held")
}

#[tokio::test]
async fn a_scheduled_grant_follows_berlin_office_hours_across_spring_forward() {
    // Friday 2027-03-26, 07:50 CET (UTC+1): ten minutes before the window opens.
    let (app, clock) = app_at("2027-03-26T06:50:00Z").await;
    office(&app).await;
    let rp = app.register_client(json!({})).await;

    let (claims, life, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["wiki"]);
    assert!((599..=600).contains(&life), "ends when the window opens: {life}");

    // 08:00 CET = 07:00 UTC: the window is open, on every surface.
    clock.set(at("2027-03-26T07:00:00Z"));
    let (claims, life, tokens) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["payroll", "wiki"]);
    assert_eq!(life, 900, "the window is open for ten hours: the usual lifetime");
    let access = tokens["access_token"].as_str().unwrap();
    let info = json_of(app.userinfo(access).await).await;
    assert_eq!(roles_of(&info), ["payroll", "wiki"], "{info}");
    let intro = app.introspect(&rp, access).await;
    assert_eq!(roles_of(&intro), ["payroll", "wiki"], "{intro}");
    let perms = json_of(app.admin("GET", "/users/alice/permissions", None).await).await;
    let payroll = perms["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["permission"] == "payroll.read")
        .unwrap_or_else(|| panic!("payroll.read held: {perms}"));
    assert_eq!(payroll["sources"][0]["schedule"]["time_zone"], "Europe/Berlin");

    // 17:55 CET: a token issued now ends at 18:00; a refresh after 18:00 drops the role.
    clock.set(at("2027-03-26T16:55:00Z"));
    let (claims, life, tokens) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["payroll", "wiki"]);
    assert!((299..=300).contains(&life), "ends when the window closes: {life}");
    clock.set(at("2027-03-26T17:00:00Z"));
    let refreshed = app
        .token_request(
            &rp,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(refreshed.status(), 200);
    let refreshed = json_of(refreshed).await;
    let claims = jwt_payload(refreshed["access_token"].as_str().unwrap());
    assert_eq!(roles_of(&claims), ["wiki"]);
    let info = json_of(app.userinfo(refreshed["access_token"].as_str().unwrap()).await).await;
    assert_eq!(roles_of(&info), ["wiki"], "{info}");

    // Clocks go forward on Sunday 2027-03-28. Monday 08:00 CEST = 06:00 UTC, an hour earlier
    // in UTC than on Friday.
    clock.set(at("2027-03-29T05:59:00Z"));
    let (claims, life, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["wiki"], "07:59 CEST");
    assert!((59..=60).contains(&life), "ends at 08:00 CEST: {life}");
    clock.set(at("2027-03-29T06:00:00Z"));
    let (claims, _, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["payroll", "wiki"], "08:00 CEST");

    // Saturday: outside every window (the holdings are cached now). Granting the role again
    // without a schedule reaches the next sign-in at once.
    clock.set(at("2027-04-03T10:00:00Z"));
    let (claims, _, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["wiki"], "Saturday");
    assert_eq!(
        app.admin("PUT", "/groups/office/roles/payroll", None).await.status(),
        204
    );
    let (claims, life, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["payroll", "wiki"], "granted for good");
    assert_eq!(life, 900);
    assert_eq!(
        app.admin("PUT", "/groups/office/roles/payroll", Some(office_hours()))
            .await
            .status(),
        204
    );

    // The same answers from `?at=`, whatever the server's clock says.
    assert!(!holds_payroll(&app, "2027-03-26T06:59:59Z").await);
    assert!(holds_payroll(&app, "2027-03-26T08:00:00+01:00").await);
    assert!(!holds_payroll(&app, "2027-03-27T10:00:00+01:00").await, "Saturday");
    assert!(!holds_payroll(&app, "2027-03-29T05:59:59Z").await);
    assert!(holds_payroll(&app, "2027-03-29T06:00:00Z").await);
    assert!(holds_payroll(&app, "2027-03-29T17:59:59+02:00").await);
    assert!(!holds_payroll(&app, "2027-03-29T16:00:00Z").await, "18:00 CEST");
}

#[tokio::test]
async fn a_scheduled_grant_follows_berlin_office_hours_across_fall_back() {
    // Friday 2027-10-29, 08:00 CEST (UTC+2) = 06:00 UTC.
    let (app, clock) = app_at("2027-10-29T05:30:00Z").await;
    office(&app).await;
    let rp = app.register_client(json!({})).await;
    let (claims, life, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["wiki"]);
    assert_eq!(life, 900, "the window opens in 30 minutes: the usual lifetime");
    clock.set(at("2027-10-29T06:00:00Z"));
    let (claims, _, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["payroll", "wiki"]);

    // Clocks go back on Sunday 2027-10-31. Monday 08:00 CET = 07:00 UTC, an hour later in UTC.
    clock.set(at("2027-11-01T06:30:00Z"));
    let (claims, life, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["wiki"], "07:30 CET");
    assert_eq!(life, 900, "{life}");
    clock.set(at("2027-11-01T06:59:00Z"));
    let (_, life, _) = sign_in(&app, &rp).await;
    assert!((59..=60).contains(&life), "ends at 08:00 CET: {life}");
    clock.set(at("2027-11-01T07:00:00Z"));
    let (claims, _, _) = sign_in(&app, &rp).await;
    assert_eq!(roles_of(&claims), ["payroll", "wiki"], "08:00 CET");

    assert!(holds_payroll(&app, "2027-10-29T06:00:00Z").await);
    assert!(!holds_payroll(&app, "2027-11-01T06:00:00Z").await, "07:00 CET");
    assert!(holds_payroll(&app, "2027-11-01T07:00:00Z").await);
    assert!(holds_payroll(&app, "2027-11-01T16:59:59Z").await);
    assert!(!holds_payroll(&app, "2027-11-01T17:00:00Z").await, "18:00 CET");
}

#[tokio::test]
async fn schedules_are_listed_replaced_audited_and_checked() {
    let (app, clock) = app_at("2027-03-26T07:00:00Z").await;
    office(&app).await;
    let roles = json_of(app.admin("GET", "/groups/office/roles", None).await).await;
    assert_eq!(roles[0]["name"], "payroll");
    assert_eq!(roles[0]["schedule"], office_hours()["schedule"]);
    assert_eq!(roles[1]["name"], "wiki");
    assert!(roles[1].get("schedule").is_none(), "{roles}");

    // The same schedule again changes nothing; none makes the grant permanent; a date range
    // that has ended makes it grant nothing.
    let before = audited(&app).await;
    assert_eq!(
        app.admin("PUT", "/groups/office/roles/payroll", Some(office_hours()))
            .await
            .status(),
        204
    );
    assert_eq!(audited(&app).await, before);
    assert_eq!(
        app.admin("PUT", "/groups/office/roles/payroll", None).await.status(),
        204
    );
    assert_eq!(audited(&app).await, before + 1);
    let roles = json_of(app.admin("GET", "/groups/office/roles", None).await).await;
    assert!(roles[0].get("schedule").is_none(), "{roles}");
    clock.set(at("2027-03-27T12:00:00Z"));
    assert!(holds_payroll(&app, "2027-03-27T12:00:00Z").await, "permanent now");
    let mut ended = office_hours();
    ended["schedule"]["weekly"][0]["days"] = json!(["sat", "sun"]);
    ended["schedule"]["until_date"] = json!("2027-03-20");
    assert_eq!(
        app.admin("PUT", "/groups/office/roles/payroll", Some(ended))
            .await
            .status(),
        204
    );
    assert!(!holds_payroll(&app, "2027-03-27T12:00:00Z").await, "the range ended");
    assert!(holds_payroll(&app, "2027-03-20T12:00:00Z").await, "its last day");
    let events = json_of(app.admin("GET", "/audit?action=role.grant", None).await).await;
    let last = &events["items"][0];
    assert_eq!(last["detail"]["schedule"]["until_date"], "2027-03-20", "{last}");

    // Bad input: the admin API's problem, nothing stored.
    let bad = [
        json!({"schedule": {"time_zone": "Mars/Olympus", "weekly": [{"days": ["mon"], "from": "08:00", "to": "18:00"}]}}),
        json!({"schedule": {"time_zone": "UTC", "weekly": [{"days": ["mon"], "from": "18:00", "to": "08:00"}]}}),
        json!({"schedule": {"time_zone": "UTC", "weekly": [{"days": ["funday"], "from": "08:00", "to": "18:00"}]}}),
        json!({"schedule": {"time_zone": "UTC", "weekly": [{"days": ["mon"], "from": "8", "to": "25:00"}]}}),
        json!({"schedule": {"time_zone": "UTC", "weekly": []}}),
        json!({"schedule": {"time_zone": "UTC", "weekly": [{"days": ["mon"], "from": "08:00", "to": "18:00"}], "from_date": "2027-02-30"}}),
        json!({"schedule": {"time_zone": "UTC", "weekly": [{"days": ["mon"], "from": "08:00", "to": "18:00"}], "from_date": "2027-05-01", "until_date": "2027-04-01"}}),
        json!({"schedule": "office hours"}),
        json!({"schedual": {}}),
    ];
    for body in bad {
        let res = app.admin("PUT", "/groups/office/roles/wiki", Some(body.clone())).await;
        assert_problem(res, 400).await;
    }
    let res = app.admin("PUT", "/users/alice/roles/wiki", Some(office_hours())).await;
    let problem = assert_problem(res, 400).await;
    assert!(problem["detail"].as_str().unwrap().contains("group"), "{problem}");
    let roles = json_of(app.admin("GET", "/groups/office/roles", None).await).await;
    assert!(roles[1].get("schedule").is_none(), "nothing stored: {roles}");
    let res = app
        .admin("GET", "/users/alice/permissions?at=next%20tuesday", None)
        .await;
    assert_problem(res, 400).await;
}
