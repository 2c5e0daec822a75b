//! Per-process cache of rendered member lists: the bytes of a group's `members` array, as
//! `GET /Groups/{id}` streams them, kept so that the next GET of an unchanged large group
//! sends them instead of reading and rendering every member again.
//!
//! An entry is used only while three things still hold, each checked on every request:
//! - the group's `version`, read from the database, is the one the list was read at — every
//!   committed membership change moves it (a removed member is never served as present);
//! - the names epoch, read from the database, is the one the list was read at — every
//!   committed rename of a user or group moves it (migration 26), and `display` shows names;
//! - no membership of the group has started or ended on its own since (the entry ends at the
//!   group's next such instant).
//!
//! Both counters live in the database, so a change made through any replica invalidates every
//! replica's entry. Only lists up to [`ENTRY_MAX`] bytes are kept, and at most [`TOTAL_MAX`]
//! bytes in all: the memory a very large group costs stays what streaming it costs.
use std::{collections::HashMap, sync::Mutex};

use actix_web::web::Bytes;
use uuid::Uuid;

/// The largest list kept: about 24,000 members.
pub const ENTRY_MAX: usize = 4 << 20;
/// All lists kept by one process; beyond, the cache starts over.
const TOTAL_MAX: usize = 64 << 20;

/// What a list was read at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ReadAt {
    /// The group's version.
    pub version: i64,
    /// The names epoch.
    pub names: i64,
}

#[derive(Default)]
pub struct MemberCache(Mutex<Cached>);

#[derive(Default)]
struct Cached {
    entries: HashMap<Uuid, Entry>,
    bytes: usize,
}

struct Entry {
    at: ReadAt,
    /// The group's next membership start or end (microseconds), if any.
    until: Option<i64>,
    /// The members, comma-separated, without the brackets.
    list: Bytes,
}

impl MemberCache {
    /// The list of `group` if it was read at `at` and is still good at `now`.
    pub fn get(&self, group: Uuid, at: ReadAt, now: i64) -> Option<Bytes> {
        let cached = self.0.lock().expect("member cache lock");
        let e = cached.entries.get(&group)?;
        (e.at == at && e.until.is_none_or(|t| now < t)).then(|| e.list.clone())
    }

    /// Keeps `list`, read at `at`, good until `until`; lists over [`ENTRY_MAX`] are not kept.
    pub fn put(&self, group: Uuid, at: ReadAt, until: Option<i64>, list: Bytes) {
        if list.len() > ENTRY_MAX {
            return;
        }
        let mut cached = self.0.lock().expect("member cache lock");
        if let Some(old) = cached.entries.remove(&group) {
            cached.bytes -= old.list.len();
        }
        if cached.bytes + list.len() > TOTAL_MAX {
            cached.entries.clear();
            cached.bytes = 0;
        }
        cached.bytes += list.len();
        cached.entries.insert(group, Entry { at, until, list });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: ReadAt = ReadAt { version: 3, names: 7 };

    #[test]
    fn an_entry_serves_only_the_version_and_names_it_was_read_at_and_only_before_its_end() {
        let cache = MemberCache::default();
        let g = Uuid::now_v7();
        cache.put(g, AT, Some(100), Bytes::from_static(b"{\"value\":\"a\"}"));

        assert_eq!(cache.get(g, AT, 99).as_deref(), Some(&b"{\"value\":\"a\"}"[..]));
        assert_eq!(cache.get(g, AT, 100), None, "a membership started or ended at 100");
        assert_eq!(
            cache.get(g, ReadAt { version: 4, ..AT }, 99),
            None,
            "a membership change"
        );
        assert_eq!(cache.get(g, ReadAt { names: 8, ..AT }, 99), None, "a rename");
        assert_eq!(cache.get(Uuid::now_v7(), AT, 99), None, "another group");
    }

    #[test]
    fn lists_over_the_entry_limit_are_not_kept_and_the_total_stays_bounded() {
        let cache = MemberCache::default();
        let big = Uuid::now_v7();
        cache.put(big, AT, None, Bytes::from(vec![b'x'; ENTRY_MAX + 1]));
        assert_eq!(cache.get(big, AT, 0), None);

        let groups: Vec<Uuid> = (0..TOTAL_MAX / ENTRY_MAX + 1).map(|_| Uuid::now_v7()).collect();
        for g in &groups {
            cache.put(*g, AT, None, Bytes::from(vec![b'x'; ENTRY_MAX]));
        }
        let cached = cache.0.lock().expect("lock");
        assert!(cached.bytes <= TOTAL_MAX);
        assert_eq!(
            cached.bytes,
            cached.entries.values().map(|e| e.list.len()).sum::<usize>()
        );
        assert!(cached.entries.contains_key(groups.last().expect("last")));
    }
}
