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
