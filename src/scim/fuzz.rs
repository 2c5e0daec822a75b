//! Property-based fuzzing of everything that reads client input before it reaches the
//! database: the filter parser and its SQL compiler, the PATCH path parser, the
//! `attributes`/`excludedAttributes` parser, PATCH request
//! parsing and application, and SCIM JSON ingestion. The property is always the same: any
//! input gives `Ok` or a SCIM error with a 4xx status — never a panic, never a 5xx.
//!
//! CI runs proptest's default number of cases per property; for a longer run:
//! `PROPTEST_CASES=200000 cargo test --release --lib scim::fuzz`.
use proptest::prelude::*;
use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};
use serde_json::{Map, Value, json};

use super::{
    error::ScimError,
    filter::{
        self,
        sql::{Compiler, to_condition},
    },
    ingest, patch,
    projection::Projection,
    resource::Resource,
};

fn client_error(e: &ScimError) -> bool {
    e.status.is_client_error()
}

/// Tokens of the filter and path grammars, plus near-misses and hostile fragments; joined at
/// random they reach far deeper into the parsers than uniformly random text does.
const TOKENS: &[&str] = &[
    "userName",
    "emails",
    "value",
    "type",
    "name.familyName",
    "members",
    "meta.created",
    "active",
    "id",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
    "manager.value",
    "x509Certificates",
    "eq",
    "ne",
    "co",
    "sw",
    "ew",
    "gt",
    "ge",
    "lt",
    "le",
    "pr",
    "EQ",
    "and",
    "or",
    "not",
    "AND",
    "Or",
    "(",
    ")",
    "[",
    "]",
    ".",
    ":",
    "\"",
    "\"work\"",
    "\"a\\\"b\"",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "true",
    "false",
    "null",
    "42",
    "-1.5e300",
    "1e999999",
    "\"2024-01-01T00:00:00Z\"",
    "jyoung",
    " ",
    "  ",
    "'); DROP TABLE users; --",
    "é",
    "𝒳",
    "\u{0}",
    "\\",
    "%",
    "_",
    "*",
    "emails[type eq \"work\"]",
    "members[value eq \"x\"]",
    "[[",
    "]]",
    "((((",
    "))))",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..24).prop_map(|t| t.join(" "))
}

fn soup_tight() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..24).prop_map(|t| t.concat())
}

/// Syntactically valid filters, built from the grammar: each must parse.
fn valid_filter() -> impl Strategy<Value = String> {
    let attr = prop::sample::select(vec![
        "userName",
        "displayName",
        "name.familyName",
        "emails.value",
        "meta.lastModified",
        "active",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ]);
    let string = "[a-zA-Z0-9 @.é_-]{0,12}".prop_map(|s| format!("{s:?}"));
    let number = any::<i32>().prop_map(|n| n.to_string());
    // RFC 7644 §3.4.2.2: every operator takes strings; ordering also numbers; `eq`/`ne` also
    // booleans and null.
    let any_op = prop::sample::select(vec!["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
    let comparison = prop_oneof![
        (any_op, string.clone()),
        (prop::sample::select(vec!["eq", "ne", "gt", "ge", "lt", "le"]), number),
        (
            prop::sample::select(vec!["eq", "ne"]),
            prop_oneof![Just("null".to_owned()), any::<bool>().prop_map(|b| b.to_string())]
        ),
    ];
    let leaf = prop_oneof![
        (attr.clone(), comparison).prop_map(|(a, (o, v))| format!("{a} {o} {v}")),
        attr.prop_map(|a| format!("{a} pr")),
        string.prop_map(|v| format!("emails[type eq {v}]")),
    ];
    leaf.prop_recursive(6, 64, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["and", "or", "AND", "Or"]),
                inner.clone()
            )
                .prop_map(|(a, k, b)| format!("{a} {k} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

/// Runs a parsed filter through everything that consumes one: SQL for both backends and
/// both resource types, and in-memory evaluation.
fn exercise_filter(f: &filter::Filter) {
    for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
        for resource in [Resource::User, Resource::Group] {
            match to_condition(
                f,
                Compiler {
                    resource,
                    backend,
                    now: 0,
                },
            ) {
                Ok(cond) => {
                    let _ = entity::user::Entity::find().filter(cond).build(backend);
                }
                Err(e) => assert!(client_error(&e), "{f:?}: {e:?}"),
            }
        }
    }
    let doc = json!({"userName": "bjensen", "emails": [{"value": "b@example.com", "type": "work"}],
                     "name": {"familyName": "Jensen"}, "active": true});
    let _ = filter::eval::matches(f, &doc, &|_| false);
}

fn check_filter(input: &str) {
    if let Ok(f) = filter::parse(input) {
        exercise_filter(&f);
    }
}

/// Arbitrary JSON whose object keys are mostly real attribute names, so ingestion goes past
/// its first type check.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "schemas",
            "userName",
            "name",
            "givenName",
            "familyName",
            "emails",
            "value",
            "type",
            "primary",
            "active",
            "password",
            "members",
            "displayName",
            "externalId",
            "addresses",
            "phoneNumbers",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "manager",
            "employeeNumber",
            "meta",
            "groups",
            "id",
            "x509Certificates",
            "roles",
            "$ref",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z.:$]{0,10}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![
            "True",
            "false",
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "work",
            "",
            "2024-13-45",
            "é",
        ])
        .prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn patch_body() -> impl Strategy<Value = Value> {
    let op = prop::sample::select(vec!["add", "Add", "remove", "replace", "Replace", "copy", ""]);
    let path = prop_oneof![soup_tight().prop_map(Some), soup().prop_map(Some), Just(None)];
    let one = (op, path, prop::option::of(json_value())).prop_map(|(op, path, value)| {
        let mut o = json!({"op": op});
        if let Some(p) = path {
            o["path"] = p.into();
        }
        if let Some(v) = value {
            o["value"] = v;
        }
        o
    });
    prop::collection::vec(one, 0..4).prop_map(|ops| json!({"schemas": [patch::PATCH_SCHEMA], "Operations": ops}))
}

fn user_doc() -> Map<String, Value> {
    let v = json!({"userName": "bjensen", "name": {"givenName": "Barbara"},
                   "emails": [{"value": "b@example.com", "type": "work", "primary": true}]});
    v.as_object().cloned().unwrap_or_default()
}

proptest! {
    #[test]
    fn filter_parser_any_text(s in ".{0,64}") {
        check_filter(&s);
    }

    #[test]
    fn filter_parser_token_soup(s in soup()) {
        check_filter(&s);
    }

    #[test]
    fn filter_parser_tight_soup(s in soup_tight()) {
        check_filter(&s);
    }

    #[test]
    fn grammatical_filters_parse(s in valid_filter()) {
        let f = filter::parse(&s);
        prop_assert!(f.is_ok(), "{s}: {f:?}");
        if let Ok(f) = f {
            exercise_filter(&f);
        }
    }

    #[test]
    fn path_parser_any_input(s in prop_oneof![".{0,48}", soup(), soup_tight()]) {
        let _ = filter::parse_path(&s);
    }

    #[test]
    fn projection_parser_any_input(
        a in prop_oneof![".{0,48}", soup(), soup_tight()],
        e in prop_oneof![".{0,48}", soup(), soup_tight()],
    ) {
        for core in Resource::ALL.map(Resource::core_urn) {
            match Projection::parse(Some(&a), Some(&e), core) {
                Ok(p) => {
                    let _ = p.apply(Value::Object(user_doc()));
                }
                Err(err) => prop_assert!(client_error(&err), "{a} / {e}: {err:?}"),
            }
        }
    }

    #[test]
    fn ingestion_never_panics(v in json_value(), require in any::<bool>()) {
        for r in Resource::ALL {
            if let Err(e) = ingest::normalize(v.clone(), r, require) {
                prop_assert!(client_error(&e), "{v}: {e:?}");
            }
        }
    }

    #[test]
    fn patch_requests_never_panic(body in patch_body()) {
        match patch::parse_request(body.clone()) {
            Ok(ops) => {
                for r in Resource::ALL {
                    let mut doc = user_doc();
                    if let Err(e) = patch::apply(&mut doc, &ops, r) {
                        prop_assert!(client_error(&e), "{body}: {e:?}");
                    }
                }
            }
            Err(e) => prop_assert!(client_error(&e), "{body}: {e:?}"),
        }
    }
}
