//! Scimitar's own permissions: what the admin API, client registration and `/metrics` check.
//! They live in the same model as everyone else's (roles grant them, `iam.*` covers them all),
//! and API tokens carry them — `admin` stands for `iam.*`, `admin:read` for every `.read`
//! permission below.
use super::Permission;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    UserRead,
    UserWrite,
    GroupRead,
    GroupWrite,
    RoleRead,
    RoleWrite,
    TokenRead,
    TokenWrite,
    ClientRead,
    ClientWrite,
    AuditRead,
    KeyRead,
    KeyRotate,
    MetricsRead,
}

impl Builtin {
    pub const ALL: [Builtin; 14] = [
        Builtin::UserRead,
        Builtin::UserWrite,
        Builtin::GroupRead,
        Builtin::GroupWrite,
        Builtin::RoleRead,
        Builtin::RoleWrite,
        Builtin::TokenRead,
        Builtin::TokenWrite,
        Builtin::ClientRead,
        Builtin::ClientWrite,
        Builtin::AuditRead,
        Builtin::KeyRead,
        Builtin::KeyRotate,
        Builtin::MetricsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Builtin::UserRead => "iam.user.read",
            Builtin::UserWrite => "iam.user.write",
            Builtin::GroupRead => "iam.group.read",
            Builtin::GroupWrite => "iam.group.write",
            Builtin::RoleRead => "iam.role.read",
            Builtin::RoleWrite => "iam.role.write",
            Builtin::TokenRead => "iam.token.read",
            Builtin::TokenWrite => "iam.token.write",
            Builtin::ClientRead => "iam.client.read",
            Builtin::ClientWrite => "iam.client.write",
            Builtin::AuditRead => "iam.audit.read",
            Builtin::KeyRead => "iam.key.read",
            Builtin::KeyRotate => "iam.key.rotate",
            Builtin::MetricsRead => "iam.metrics.read",
        }
    }

    /// Reading only (what `admin:read` stands for).
    pub fn is_read(self) -> bool {
        self.as_str().ends_with(".read")
    }

    pub fn permission(self) -> Permission {
        Permission::parse(self.as_str()).expect("built-in permissions are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_a_distinct_valid_iam_permission_covered_by_iam_star() {
        let all = Permission::parse("iam.*").unwrap();
        let mut seen = std::collections::HashSet::new();
        for b in Builtin::ALL {
            let p = b.permission();
            assert!(all.covers(&p), "{p}");
            assert!(!p.is_wildcard());
            assert!(seen.insert(p.as_str().to_owned()), "{p} twice");
        }
        let reads: Vec<&str> = Builtin::ALL
            .iter()
            .filter(|b| b.is_read())
            .map(|b| b.as_str())
            .collect();
        assert!(reads.contains(&"iam.audit.read") && !reads.contains(&"iam.key.rotate"));
    }
}
