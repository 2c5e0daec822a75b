//! Per-process cache of what users hold (effective roles and permissions, for tokens), valid
//! while the database's `access_epoch` has not moved. The epoch is read in the same statement
//! as the user on every token, refresh, userinfo and introspection, and every committed change
//! to memberships, grants or roles moves it (database triggers, migration 17) — so a cached
//! entry is never used after such a change, whichever replica made it. Any change invalidates
//! every entry: under constant provisioning writes the cache helps little, and costs one
//! indexed read of 16 rows. Time moves holdings too — a membership expires, or one due later
//! starts, a scheduled grant's window opens or closes — without any write: an entry also ends
//! at the user's next such instant.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

use crate::access::Held;

/// The epoch: the sum of the counter rows, as text (the statement's extra columns are text).
pub(super) const EPOCH_SQL: &str = "CAST((SELECT SUM(n) FROM access_epoch) AS TEXT)";

/// Users whose holdings are kept; beyond, the cache starts over (a cold entry costs one
/// statement, as without the cache).
const CACHE_MAX: usize = 10_000;

#[derive(Default)]
pub struct HeldCache(Mutex<HashMap<Uuid, Entry>>);

struct Entry {
    epoch: String,
    /// The user's next membership start or end, or schedule boundary (microseconds), if any.
    until: Option<i64>,
    held: Arc<Held>,
}

impl HeldCache {
    /// The holdings cached for `user`, if still good at `now`, the epoch they were computed
    /// at and when they stop being good.
    pub(super) fn get(&self, user: Uuid, now: i64) -> Option<(String, Arc<Held>, Option<i64>)> {
        let map = self.0.lock().expect("held cache lock");
        let e = map.get(&user)?;
        e.until
            .is_none_or(|t| now < t)
            .then(|| (e.epoch.clone(), e.held.clone(), e.until))
    }

    /// Keeps `held`, computed in a statement that read `epoch`, good until `until`.
    pub(super) fn put(&self, user: Uuid, epoch: String, until: Option<i64>, held: Arc<Held>) {
        let mut map = self.0.lock().expect("held cache lock");
        if map.len() >= CACHE_MAX && !map.contains_key(&user) {
            map.clear();
        }
        map.insert(user, Entry { epoch, until, held });
    }
}
