//! What a user effectively holds: the permissions of their direct roles and of the roles of
//! every group they belong to, directly or through nested groups — each with where it came
//! from (`direct`, or the chain of groups from the user's own group to the granting one) —
//! at a given instant: memberships in effect then, and scheduled grants active then.
use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::Serialize;
use uuid::Uuid;

use super::{
    Permission,
    schedule::{Schedule, ScheduleSpec},
};
use crate::store::{Store, StoreError, members};

/// A group in a provenance chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GroupRef {
    pub id: Uuid,
    pub display_name: String,
}

/// Where a held permission comes from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Source {
    /// `direct` (a role granted to the user) or `group`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The role that carries it.
    pub role: String,
    /// The permission as the role grants it (`wiki.*` for `wiki.page.edit`).
    pub granted: String,
    /// For `group`: the group the role is granted to …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupRef>,
    /// … and the groups from the user's own group up to it (one element when the user is a
    /// direct member).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<GroupRef>,
    /// For a scheduled group grant (active at the instant asked about): its schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleSpec>,
}

/// One permission a user holds, with every source of it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Held {
    pub permission: String,
    pub sources: Vec<Source>,
}

/// A user's groups at an instant, with the membership edges among them: enough to name the
/// shortest chain to each group and to ask what is reached without one membership.
pub struct Memberships {
    pub user: Uuid,
    /// Every group the user is in, directly or through nesting.
    pub groups: Vec<members::GroupOf>,
    /// member → the groups it is a direct member of (among the user's groups).
    parents: HashMap<Uuid, Vec<Uuid>>,
}

impl Memberships {
    pub async fn load(store: &Store, user: Uuid, at_us: i64) -> Result<Memberships, StoreError> {
        let groups = members::groups_of(store.db(), &[user], at_us)
            .await?
            .remove(&user)
            .unwrap_or_default();
        let mut nodes: Vec<Uuid> = groups.iter().map(|g| g.id).collect();
        nodes.push(user);
        let mut parents: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (group, member) in store.roles().edges(&nodes, at_us).await? {
            parents.entry(member).or_default().push(group);
        }
        Ok(Memberships { user, groups, parents })
    }

    pub fn ids(&self) -> Vec<Uuid> {
        self.groups.iter().map(|g| g.id).collect()
    }

    /// The shortest chain from the user to each of their groups: the user's own (direct)
    /// group first, the group itself last.
    pub fn chains(&self) -> HashMap<Uuid, Vec<Uuid>> {
        let known: std::collections::HashSet<Uuid> = self.groups.iter().map(|g| g.id).collect();
        let mut chain: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        let mut queue = VecDeque::from([(self.user, vec![])]);
        while let Some((node, path)) = queue.pop_front() {
            for p in self.parents.get(&node).into_iter().flatten() {
                if chain.contains_key(p) || !known.contains(p) {
                    continue;
                }
                let mut next = path.clone();
                next.push(*p);
                chain.insert(*p, next.clone());
                queue.push_back((*p, next));
            }
        }
        chain
    }

    /// The groups still reached from the user without their direct membership of `group`.
    pub fn reached_without(&self, group: Uuid) -> std::collections::HashSet<Uuid> {
        let mut kept = std::collections::HashSet::new();
        let mut queue = VecDeque::from([self.user]);
        while let Some(node) = queue.pop_front() {
            for p in self.parents.get(&node).into_iter().flatten() {
                if node == self.user && *p == group {
                    continue;
                }
                if kept.insert(*p) {
                    queue.push_back(*p);
                }
            }
        }
        kept
    }
}

/// Every permission (grants as granted, wildcards included) the user holds at `at_us`
/// (microseconds since the Unix epoch), sorted. The memberships are today's rows: one that
/// already expired and was swept is not brought back for an instant in the past.
pub async fn effective(store: &Store, user: Uuid, at_us: i64) -> Result<Vec<Held>, StoreError> {
    let m = Memberships::load(store, user, at_us).await?;
    let names: HashMap<Uuid, String> = m.groups.iter().map(|g| (g.id, g.display_name.clone())).collect();
    let ids = m.ids();
    let chain = m.chains();
    let group_ref = |id: &Uuid| GroupRef {
        id: *id,
        display_name: names.get(id).cloned().unwrap_or_default(),
    };
    let mut held: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for grant in store.roles().grants(user, &ids).await? {
        if let Some(spec) = &grant.schedule {
            // Stored schedules were checked when written; one that no longer parses grants
            // nothing (as on the token path).
            if !Schedule::parse(spec).is_ok_and(|s| s.active_at_us(at_us)) {
                continue;
            }
        }
        for p in &grant.permissions {
            let source = match grant.group {
                None => Source {
                    kind: "direct",
                    role: grant.role_name.clone(),
                    granted: p.clone(),
                    group: None,
                    chain: vec![],
                    schedule: None,
                },
                Some(g) => Source {
                    kind: "group",
                    role: grant.role_name.clone(),
                    granted: p.clone(),
                    group: Some(group_ref(&g)),
                    chain: chain
                        .get(&g)
                        .map(|c| c.iter().map(group_ref).collect())
                        .unwrap_or_default(),
                    schedule: grant.schedule.clone(),
                },
            };
            held.entry(p.clone()).or_default().push(source);
        }
    }
    Ok(held
        .into_iter()
        .map(|(permission, mut sources)| {
            sources.sort_by(|a, b| (a.kind, &a.role, a.chain.len()).cmp(&(b.kind, &b.role, b.chain.len())));
            Held { permission, sources }
        })
        .collect())
}

/// Does the user hold `wanted` at `at_us`, and through what? Every grant that covers it
/// (wildcards resolved) is a source.
pub async fn check(store: &Store, user: Uuid, wanted: &Permission, at_us: i64) -> Result<Vec<Source>, StoreError> {
    Ok(effective(store, user, at_us)
        .await?
        .into_iter()
        .filter(|h| Permission::parse(&h.permission).is_ok_and(|g| g.covers(wanted)))
        .flat_map(|h| h.sources)
        .collect())
}

/// What `user` would no longer hold if their direct membership of `group` ended at `at_us`:
/// the roles and permissions that reach them only through it (directly, or through groups
/// they are in only by way of it). Exact over every path, not only the shortest: a
/// permission that also comes through another group, or directly, or under a wildcard kept,
/// is not lost. Scheduled grants count as grants, open now or not (a grant kept only on a
/// schedule counts as kept).
pub async fn lost_without(store: &Store, user: Uuid, group: Uuid, at_us: i64) -> Result<Lost, StoreError> {
    let m = Memberships::load(store, user, at_us).await?;
    let ids = m.ids();
    let kept = m.reached_without(group);
    let (mut now_roles, mut now_perms) = (BTreeMap::new(), BTreeMap::new());
    let (mut after_roles, mut after_perms) = (BTreeMap::new(), BTreeMap::new());
    // Scheduled grants count whether or not their window is open now: what is lost is the
    // grant, not just this hour of it.
    for grant in store.roles().grants(user, &ids).await? {
        let stays = grant.group.is_none_or(|g| kept.contains(&g));
        now_roles.insert(grant.role_name.clone(), ());
        for p in &grant.permissions {
            now_perms.insert(p.clone(), ());
        }
        if stays {
            after_roles.insert(grant.role_name.clone(), ());
            for p in &grant.permissions {
                after_perms.insert(p.clone(), ());
            }
        }
    }
    // A permission still covered by one kept (`wiki.page.edit` under a kept `wiki.*`) is not lost.
    let kept_grants: Vec<Permission> = after_perms.keys().filter_map(|p| Permission::parse(p).ok()).collect();
    let covered = |p: &str| Permission::parse(p).is_ok_and(|p| kept_grants.iter().any(|k| k.covers(&p)));
    Ok(Lost {
        roles: now_roles.into_keys().filter(|r| !after_roles.contains_key(r)).collect(),
        permissions: now_perms
            .into_keys()
            .filter(|p| !after_perms.contains_key(p) && !covered(p))
            .collect(),
    })
}

/// What ending a membership would take away (sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lost {
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
}
