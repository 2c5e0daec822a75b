//! What a user holds, as tokens show it: effective role names and permissions.

/// A user's effective roles and permissions (each sorted, without duplicates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
}

impl Held {
    /// From the lists the store returns (sorted and deduplicated here).
    pub fn new(mut roles: Vec<String>, mut permissions: Vec<String>) -> Held {
        roles.sort_unstable();
        roles.dedup();
        permissions.sort_unstable();
        permissions.dedup();
        Held { roles, permissions }
    }
}

/// What a user holds at `at_us` (microseconds): the grants that always apply (`roles`,
/// `permissions`) and the scheduled ones active then — and the first instant after `at_us`
/// at which one of those schedules starts or ends, when the answer may change.
pub fn held_at(
    mut roles: Vec<String>,
    mut permissions: Vec<String>,
    scheduled: &[super::schedule::ScheduledGrant],
    at_us: i64,
) -> (Held, Option<i64>) {
    let mut next: Option<i64> = None;
    // A role held anyway does not change with its schedule: its boundaries end nothing.
    let always: std::collections::HashSet<String> = roles.iter().cloned().collect();
    for g in scheduled.iter().filter(|g| !always.contains(&g.role)) {
        if g.schedule.active_at_us(at_us) {
            roles.push(g.role.clone());
            permissions.extend(g.permissions.iter().cloned());
        }
        if let Some(t) = g.schedule.next_change_after_us(at_us) {
            next = Some(next.map_or(t, |n| n.min(t)));
        }
    }
    (Held::new(roles, permissions), next)
}
