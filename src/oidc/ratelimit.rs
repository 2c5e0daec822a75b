//! In-memory fixed-window rate limiting (per process: with N replicas the effective limit is
//! up to N times higher). Keys are e.g. `user:alice` or `client:abc`.
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked keys, finished windows are pruned.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Seconds until the key's window ends, if it already used `limit` hits.
    pub fn check(&self, key: &str, limit: u32) -> Result<(), u64> {
        let map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(key) {
            Some((start, n)) if start.elapsed() < WINDOW && *n >= limit => Err(retry_after(*start)),
            _ => Ok(()),
        }
    }

    /// Counts one hit; refuses it (with the seconds to wait) once `limit` is reached.
    pub fn hit(&self, key: &str, limit: u32) -> Result<(), u64> {
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > PRUNE_ABOVE {
            map.retain(|_, (start, _)| start.elapsed() < WINDOW);
        }
        let entry = map.entry(key.to_owned()).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        if entry.1 >= limit {
            return Err(retry_after(entry.0));
        }
        entry.1 += 1;
        Ok(())
    }
}

fn retry_after(start: Instant) -> u64 {
    WINDOW.saturating_sub(start.elapsed()).as_secs().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_per_key() {
        let r = RateLimiter::default();
        assert!(r.hit("a", 2).is_ok());
        assert!(r.hit("a", 2).is_ok());
        assert!(r.check("a", 2).is_err());
        let wait = r.hit("a", 2).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(r.hit("b", 2).is_ok());
    }
}
