//! Claims of ID tokens, userinfo and introspection responses. Pure: no I/O, unit-tested here.
//!
//! Release follows OIDC Core §5.4: `profile` → `name`, `preferred_username`; `email` →
//! `email`, `email_verified`; `groups` → `groups`. Emails arrive through SCIM from an
//! administrator's directory, so they are asserted as verified.
//!
//! **Groups overage rule.** The `groups` claim lists the user's groups, direct and through
//! nested groups, as display names (or ids, per client), filtered by the client's name prefix.
//! When more than the configured limit remain, the ID token carries no `groups` claim but
//! `groups_overage: true` and an OIDC Core §5.6.2 distributed-claim reference
//! (`_claim_names.groups` → `_claim_sources.groups.endpoint` = the userinfo endpoint), where
//! the whole list is returned.
//!
//! **Roles and entitlements** (scope `roles`; claim names from RFC 9068 §2.2.3.1). `roles`:
//! the names of the user's effective roles (direct and through groups), in the ID token,
//! userinfo, access token and introspection. `entitlements`: the user's effective permissions
//! as granted (wildcards such as `wiki.*` kept), in the access token and introspection, after
//! the client's filter: only those starting with its `permissions_prefix`, and none of
//! Scimitar's own (`iam.*`, or `*` which covers them) unless it is registered with
//! `iam_permissions`. The same limit as for groups applies: a list over it is left out of the
//! token, which says `<claim>_overage: true` instead (the ID token also points at userinfo for
//! `roles`); userinfo and introspection always carry the whole lists.
use crate::access::Held;
use serde_json::{Map, Value, json};

/// Scopes this provider knows; anything else requested is ignored (RFC 6749 §3.3).
pub const SUPPORTED_SCOPES: [&str; 6] = ["openid", "profile", "email", "groups", "roles", "offline_access"];

/// A granted scope set, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<&'static str>);

impl Scopes {
    /// The supported scopes among those requested (space-separated).
    pub fn parse(requested: &str) -> Scopes {
        let words: Vec<&str> = requested.split(' ').filter(|w| !w.is_empty()).collect();
        Scopes(SUPPORTED_SCOPES.into_iter().filter(|s| words.contains(s)).collect())
    }

    pub fn has(&self, scope: &str) -> bool {
        self.0.contains(&scope)
    }

    /// Only the scopes also in `other` (a refresh may narrow, never widen).
    pub fn within(&self, other: &Scopes) -> Scopes {
        Scopes(self.0.iter().copied().filter(|s| other.has(s)).collect())
    }

    pub fn as_string(&self) -> String {
        self.0.join(" ")
    }
}

/// What the claims need to know about a user.
#[derive(Debug, Clone, Default)]
pub struct UserInfo {
    pub id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
}

impl UserInfo {
    /// `displayName`, else "given family", else the userName.
    pub fn name(&self) -> String {
        if let Some(d) = self.display_name.as_deref().filter(|d| !d.is_empty()) {
            return d.to_owned();
        }
        let parts: Vec<&str> = [self.given_name.as_deref(), self.family_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            self.user_name.clone()
        } else {
            parts.join(" ")
        }
    }
}

/// A group the user is in (directly or through nesting).
#[derive(Debug, Clone)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

/// Per-client shape of the `groups` claim.
#[derive(Debug, Clone)]
pub struct GroupsPolicy {
    /// List group ids instead of display names.
    pub ids: bool,
    /// Keep only groups whose display name starts with this (case-sensitive).
    pub prefix: Option<String>,
    /// Over this many, the ID token applies the overage rule.
    pub limit: usize,
}

/// The groups claim value after the client's filter and format, deduplicated, in input order.
pub fn groups_list(groups: &[GroupRef], policy: &GroupsPolicy) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in groups {
        if policy.prefix.as_deref().is_some_and(|p| !g.name.starts_with(p)) {
            continue;
        }
        let v = if policy.ids { &g.id } else { &g.name };
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

/// Per-client view of permissions.
#[derive(Debug, Clone, Default)]
pub struct PermissionsPolicy {
    /// Only permissions starting with this.
    pub prefix: Option<String>,
    /// May see Scimitar's own `iam.*` permissions (and `*`, which covers them).
    pub iam: bool,
    /// Over this many, tokens apply the overage rule.
    pub limit: usize,
}

/// The `entitlements` claim value: the permissions the client may see.
pub fn entitlements(access: &Held, policy: &PermissionsPolicy) -> Vec<String> {
    access
        .permissions
        .iter()
        .filter(|p| policy.iam || !crate::access::permission::is_scimitars(p))
        .filter(|p| policy.prefix.as_deref().is_none_or(|prefix| p.starts_with(prefix)))
        .cloned()
        .collect()
}

/// Puts `list` under `name`, or `<name>_overage: true` when it is longer than `limit`.
fn limited(out: &mut Map<String, Value>, name: &str, list: Vec<String>, limit: usize) -> bool {
    if list.len() > limit {
        out.insert(format!("{name}_overage"), json!(true));
        false
    } else {
        out.insert(name.into(), json!(list));
        true
    }
}

/// `roles` and `entitlements` for an access token (overage rule applied to each).
pub fn access_token_roles(access: &Held, policy: &PermissionsPolicy) -> Map<String, Value> {
    let mut out = Map::new();
    limited(&mut out, "roles", access.roles.clone(), policy.limit);
    limited(&mut out, "entitlements", entitlements(access, policy), policy.limit);
    out
}

/// `roles` and `entitlements` for introspection: always whole.
pub fn introspection_roles(access: &Held, policy: &PermissionsPolicy) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("roles".into(), json!(access.roles));
    out.insert("entitlements".into(), json!(entitlements(access, policy)));
    out
}

/// `profile` and `email` claims.
fn profile_claims(user: &UserInfo, scopes: &Scopes, out: &mut Map<String, Value>) {
    if scopes.has("profile") {
        out.insert("name".into(), json!(user.name()));
        out.insert("preferred_username".into(), json!(user.user_name));
        if let Some(g) = &user.given_name {
            out.insert("given_name".into(), json!(g));
        }
        if let Some(f) = &user.family_name {
            out.insert("family_name".into(), json!(f));
        }
    }
    if scopes.has("email")
        && let Some(e) = &user.email
    {
        out.insert("email".into(), json!(e));
        out.insert("email_verified".into(), json!(true));
    }
}

/// Everything an ID token says, besides the user.
#[derive(Debug, Clone)]
pub struct IdTokenContext<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub userinfo_endpoint: &'a str,
    pub iat: i64,
    pub exp: i64,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
    pub at_hash: Option<&'a str>,
}

/// The ID token claims (OIDC Core §2, §3.1.3.6), with the groups overage rule applied.
pub fn id_token(
    ctx: &IdTokenContext<'_>,
    user: &UserInfo,
    scopes: &Scopes,
    groups: &[GroupRef],
    policy: &GroupsPolicy,
    access: Option<&Held>,
) -> Value {
    let mut c = Map::new();
    c.insert("iss".into(), json!(ctx.issuer));
    c.insert("sub".into(), json!(user.id));
    c.insert("aud".into(), json!(ctx.client_id));
    c.insert("azp".into(), json!(ctx.client_id));
    c.insert("exp".into(), json!(ctx.exp));
    c.insert("iat".into(), json!(ctx.iat));
    c.insert("auth_time".into(), json!(ctx.auth_time));
    if let Some(n) = ctx.nonce {
        c.insert("nonce".into(), json!(n));
    }
    if let Some(h) = ctx.at_hash {
        c.insert("at_hash".into(), json!(h));
    }
    profile_claims(user, scopes, &mut c);
    // OIDC Core §5.6.2 distributed claims: each list over the limit is fetched from userinfo.
    // Each claim names a source of its own name (`_claim_names.groups` → `_claim_sources.groups`).
    let mut distributed: Vec<&str> = vec![];
    if scopes.has("groups") && !limited(&mut c, "groups", groups_list(groups, policy), policy.limit) {
        distributed.push("groups");
    }
    if let Some(access) = access.filter(|_| scopes.has("roles"))
        && !limited(&mut c, "roles", access.roles.clone(), policy.limit)
    {
        distributed.push("roles");
    }
    if !distributed.is_empty() {
        let names: Map<String, Value> = distributed.iter().map(|k| ((*k).into(), json!(k))).collect();
        let sources: Map<String, Value> = distributed
            .iter()
            .map(|k| ((*k).into(), json!({"endpoint": ctx.userinfo_endpoint})))
            .collect();
        c.insert("_claim_names".into(), Value::Object(names));
        c.insert("_claim_sources".into(), Value::Object(sources));
    }
    Value::Object(c)
}

/// The userinfo response (OIDC Core §5.3): always the whole groups list.
pub fn userinfo(
    user: &UserInfo,
    scopes: &Scopes,
    groups: &[GroupRef],
    policy: &GroupsPolicy,
    access: Option<&Held>,
) -> Value {
    let mut c = Map::new();
    c.insert("sub".into(), json!(user.id));
    profile_claims(user, scopes, &mut c);
    if scopes.has("groups") {
        c.insert("groups".into(), json!(groups_list(groups, policy)));
    }
    if let Some(access) = access.filter(|_| scopes.has("roles")) {
        c.insert("roles".into(), json!(access.roles));
    }
    Value::Object(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserInfo {
        UserInfo {
            id: "u1".into(),
            user_name: "alice".into(),
            given_name: Some("Alice".into()),
            family_name: Some("Liddell".into()),
            email: Some("alice@example.com".into()),
            ..Default::default()
        }
    }

    fn groups() -> Vec<GroupRef> {
        [
            ("g1", "app-admins"),
            ("g2", "eng"),
            ("g3", "app-users"),
            ("g1", "app-admins"),
        ]
        .iter()
        .map(|(id, name)| GroupRef {
            id: (*id).into(),
            name: (*name).into(),
        })
        .collect()
    }

    fn policy(ids: bool, prefix: Option<&str>, limit: usize) -> GroupsPolicy {
        GroupsPolicy {
            ids,
            prefix: prefix.map(str::to_owned),
            limit,
        }
    }

    fn ctx() -> IdTokenContext<'static> {
        IdTokenContext {
            issuer: "https://idp",
            client_id: "c1",
            userinfo_endpoint: "https://idp/oauth2/userinfo",
            iat: 100,
            exp: 200,
            auth_time: 90,
            nonce: Some("n"),
            at_hash: Some("h"),
        }
    }

    #[test]
    fn scopes_keep_only_supported_ones_in_a_stable_order() {
        let s = Scopes::parse("groups  openid bogus email");
        assert_eq!(s.as_string(), "openid email groups");
        assert!(!s.has("bogus"));
        assert_eq!(s.within(&Scopes::parse("openid groups")).as_string(), "openid groups");
    }

    #[test]
    fn names_by_default_ids_on_request_deduplicated() {
        assert_eq!(
            groups_list(&groups(), &policy(false, None, 10)),
            ["app-admins", "eng", "app-users"]
        );
        assert_eq!(groups_list(&groups(), &policy(true, None, 10)), ["g1", "g2", "g3"]);
    }

    #[test]
    fn prefix_filters_by_display_name_even_for_ids() {
        assert_eq!(
            groups_list(&groups(), &policy(false, Some("app-"), 10)),
            ["app-admins", "app-users"]
        );
        assert_eq!(groups_list(&groups(), &policy(true, Some("app-"), 10)), ["g1", "g3"]);
    }

    #[test]
    fn id_token_has_the_standard_claims() {
        let c = id_token(
            &ctx(),
            &user(),
            &Scopes::parse("openid profile email groups"),
            &groups(),
            &policy(false, None, 10),
            None,
        );
        assert_eq!(c["iss"], "https://idp");
        assert_eq!(c["sub"], "u1");
        assert_eq!(c["aud"], "c1");
        assert_eq!(c["exp"], 200);
        assert_eq!(c["auth_time"], 90);
        assert_eq!(c["nonce"], "n");
        assert_eq!(c["at_hash"], "h");
        assert_eq!(c["name"], "Alice Liddell");
        assert_eq!(c["preferred_username"], "alice");
        assert_eq!(c["email"], "alice@example.com");
        assert_eq!(c["email_verified"], true);
        assert_eq!(c["groups"], json!(["app-admins", "eng", "app-users"]));
        assert!(c.get("groups_overage").is_none());
    }

    #[test]
    fn claims_follow_the_granted_scopes() {
        let c = id_token(
            &ctx(),
            &user(),
            &Scopes::parse("openid"),
            &groups(),
            &policy(false, None, 10),
            None,
        );
        for k in ["name", "preferred_username", "email", "groups"] {
            assert!(c.get(k).is_none(), "{k} released without its scope");
        }
    }

    #[test]
    fn over_the_limit_the_id_token_points_at_userinfo() {
        let p = policy(false, None, 2);
        let c = id_token(&ctx(), &user(), &Scopes::parse("openid groups"), &groups(), &p, None);
        assert!(c.get("groups").is_none());
        assert_eq!(c["groups_overage"], true);
        assert_eq!(c["_claim_names"]["groups"], "groups");
        assert_eq!(c["_claim_sources"]["groups"]["endpoint"], "https://idp/oauth2/userinfo");
        let u = userinfo(&user(), &Scopes::parse("openid groups"), &groups(), &p, None);
        assert_eq!(u["groups"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn exactly_at_the_limit_is_not_overage() {
        let c = id_token(
            &ctx(),
            &user(),
            &Scopes::parse("openid groups"),
            &groups(),
            &policy(false, None, 3),
            None,
        );
        assert_eq!(c["groups"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn name_falls_back_to_display_name_then_user_name() {
        let mut u = user();
        u.display_name = Some("Ally".into());
        assert_eq!(u.name(), "Ally");
        let bare = UserInfo {
            user_name: "bob".into(),
            ..Default::default()
        };
        assert_eq!(bare.name(), "bob");
    }

    fn access() -> Held {
        let v = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Held::new(
            v(&["root", "editors", "admins", "doors", "empty", "editors"]),
            v(&[
                "wiki.page.edit",
                "wiki.page.read",
                "iam.*",
                "*",
                "doors.lobby.open",
                "wiki.page.read",
            ]),
        )
    }

    #[test]
    fn access_lists_become_sorted_and_unique() {
        let a = access();
        assert_eq!(a.roles, ["admins", "doors", "editors", "empty", "root"]);
        assert_eq!(
            a.permissions,
            ["*", "doors.lobby.open", "iam.*", "wiki.page.edit", "wiki.page.read"]
        );
    }

    #[test]
    fn entitlements_hide_iam_and_star_unless_allowed_and_follow_the_prefix() {
        let p = |prefix: Option<&str>, iam| PermissionsPolicy {
            prefix: prefix.map(str::to_owned),
            iam,
            limit: 100,
        };
        assert_eq!(
            entitlements(&access(), &p(None, false)),
            ["doors.lobby.open", "wiki.page.edit", "wiki.page.read"]
        );
        assert_eq!(
            entitlements(&access(), &p(None, true)),
            ["*", "doors.lobby.open", "iam.*", "wiki.page.edit", "wiki.page.read"]
        );
        assert_eq!(
            entitlements(&access(), &p(Some("wiki."), true)),
            ["wiki.page.edit", "wiki.page.read"]
        );
        assert_eq!(entitlements(&access(), &p(Some("iam."), false)), Vec::<String>::new());
        assert_eq!(entitlements(&access(), &p(Some("iam."), true)), ["iam.*"]);
        // A look-alike outside the iam namespace is not hidden.
        let a = Held::new(vec!["r".into()], vec!["iamx.read".into()]);
        assert_eq!(entitlements(&a, &p(None, false)), ["iamx.read"]);
    }

    #[test]
    fn over_the_limit_access_tokens_say_overage_and_introspection_stays_whole() {
        let p = PermissionsPolicy {
            prefix: None,
            iam: false,
            limit: 3,
        };
        let at = access_token_roles(&access(), &p);
        assert!(at.get("roles").is_none());
        assert_eq!(at["roles_overage"], true);
        assert_eq!(at["entitlements"].as_array().map(Vec::len), Some(3));
        assert!(at.get("entitlements_overage").is_none());
        let i = introspection_roles(&access(), &p);
        assert_eq!(i["roles"].as_array().map(Vec::len), Some(5));
    }

    #[test]
    fn id_token_roles_need_the_scope_and_point_at_userinfo_over_the_limit() {
        let scopes = Scopes::parse("openid roles groups");
        let c = id_token(
            &ctx(),
            &user(),
            &scopes,
            &groups(),
            &policy(false, None, 10),
            Some(&access()),
        );
        assert_eq!(c["roles"], json!(["admins", "doors", "editors", "empty", "root"]));
        assert!(c.get("entitlements").is_none(), "permissions are for access tokens");
        let c = id_token(
            &ctx(),
            &user(),
            &Scopes::parse("openid"),
            &groups(),
            &policy(false, None, 10),
            Some(&access()),
        );
        assert!(c.get("roles").is_none());
        // Both lists over the limit: each named, each with its own source.
        let c = id_token(
            &ctx(),
            &user(),
            &scopes,
            &groups(),
            &policy(false, None, 2),
            Some(&access()),
        );
        assert_eq!(c["roles_overage"], true);
        assert_eq!(c["groups_overage"], true);
        assert_eq!(c["_claim_names"], json!({"groups": "groups", "roles": "roles"}));
        assert_eq!(c["_claim_sources"]["roles"]["endpoint"], "https://idp/oauth2/userinfo");
        assert_eq!(c["_claim_sources"]["groups"]["endpoint"], "https://idp/oauth2/userinfo");
        let u = userinfo(&user(), &scopes, &groups(), &policy(false, None, 2), Some(&access()));
        assert_eq!(u["roles"].as_array().map(Vec::len), Some(5));
    }
}
