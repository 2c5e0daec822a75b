//! A permission is a string of dot-separated segments (`iam.group.write`, `wiki.page.edit`).
//! A granted permission may end in a wildcard segment (`iam.group.*`, `wiki.*`, or `*` for
//! everything) that covers every permission below that prefix.
use std::fmt;

/// Longest permission accepted (a guard against abuse, far above any real name).
const MAX_LEN: usize = 200;
const MAX_SEGMENTS: usize = 10;

/// A validated permission (or wildcard grant), stored and compared in lower case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid permission {input:?}: {why}")]
pub struct PermissionError {
    pub input: String,
    pub why: &'static str,
}

impl Permission {
    /// Segments of ASCII letters, digits, `-` and `_`, separated by dots; only the last may be
    /// `*`. Case-insensitive (kept in lower case).
    pub fn parse(input: &str) -> Result<Permission, PermissionError> {
        let err = |why| PermissionError {
            input: input.chars().take(MAX_LEN).collect(),
            why,
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        if s.len() > MAX_LEN {
            return Err(err("it is longer than 200 characters"));
        }
        let segments: Vec<&str> = s.split('.').collect();
        if segments.len() > MAX_SEGMENTS {
            return Err(err("it has more than 10 segments"));
        }
        for (i, seg) in segments.iter().enumerate() {
            if *seg == "*" {
                if i + 1 != segments.len() {
                    return Err(err("only the last segment may be a wildcard"));
                }
                continue;
            }
            if seg.is_empty() {
                return Err(err("a segment is empty"));
            }
            if !seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(err("segments are letters, digits, '-' and '_'"));
            }
        }
        Ok(Permission(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is it Scimitar's own authority (`iam.…`, or `*`, which covers it)? Only these guard
    /// Scimitar's APIs; the others belong to applications.
    pub fn is_scimitars(&self) -> bool {
        is_scimitars(&self.0)
    }

    /// Does it end in `*`?
    pub fn is_wildcard(&self) -> bool {
        self.0 == "*" || self.0.ends_with(".*")
    }

    /// Does this grant cover `wanted`? An exact grant covers itself; `a.b.*` covers every
    /// permission under `a.b.` (and the wildcard `a.b.c.*`), not `a.b` itself; `*` covers all.
    pub fn covers(&self, wanted: &Permission) -> bool {
        if self.0 == wanted.0 {
            return true;
        }
        match self.0.strip_suffix('*') {
            Some("") => true,
            Some(prefix) => wanted.0.starts_with(prefix) && wanted.0.len() > prefix.len(),
            None => false,
        }
    }
}

/// [`Permission::is_scimitars`] for a stored (lower-case) permission string.
pub fn is_scimitars(stored: &str) -> bool {
    stored == "*" || stored.starts_with("iam.")
}

/// The same test in SQL, over a column of stored permissions.
pub fn is_scimitars_sql(column: &str) -> String {
    format!("({column} = '*' OR {column} LIKE 'iam.%')")
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Permission {
        Permission::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn valid_permissions_parse_to_lower_case() {
        for (input, want) in [
            ("iam.group.write", "iam.group.write"),
            ("Wiki.Page.Edit", "wiki.page.edit"),
            ("  doors.lobby.open ", "doors.lobby.open"),
            ("iam.*", "iam.*"),
            ("*", "*"),
            ("a_b-c.d9", "a_b-c.d9"),
            ("single", "single"),
        ] {
            assert_eq!(p(input).as_str(), want, "{input}");
        }
    }

    #[test]
    fn invalid_permissions_say_why() {
        let long = "a".repeat(201);
        let deep = ["a"; 11].join(".");
        for bad in [
            "",
            "   ",
            ".",
            "a.",
            ".a",
            "a..b",
            "a.*.b",
            "*.a",
            "**",
            "a.b*",
            "a b",
            "a/b",
            "wiki.päge",
            "a;drop",
            "\u{0}",
            "a.\u{202e}b",
            &long,
            &deep,
        ] {
            assert!(Permission::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wildcards_cover_what_is_below_them_only() {
        let cases = [
            ("wiki.*", "wiki.page.edit", true),
            ("wiki.*", "wiki.page", true),
            ("wiki.*", "wiki", false),
            ("wiki.*", "wikis.page", false),
            ("wiki.page.*", "wiki.page.edit", true),
            ("wiki.page.*", "wiki.pages.edit", false),
            ("wiki.*", "wiki.page.*", true),
            ("*", "anything.at.all", true),
            ("iam.group.write", "iam.group.write", true),
            ("iam.group.write", "iam.group.read", false),
            ("iam.group.read", "iam.group.*", false),
            ("IAM.Group.*", "iam.group.write", true),
        ];
        for (grant, wanted, want) in cases {
            assert_eq!(p(grant).covers(&p(wanted)), want, "{grant} covers {wanted}");
        }
    }
}
