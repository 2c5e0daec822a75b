//! The time as the server sees it when it decides whether a membership is in effect, when
//! tokens must end, and what the expiry sweeper removes. One clock per server, injectable so
//! that tests move time forward instead of sleeping.
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// A cheap-to-clone handle on the server's clock.
#[derive(Clone)]
pub struct Clock(Arc<Source>);

enum Source {
    System,
    Manual(Mutex<DateTime<Utc>>),
}

impl Clock {
    /// The system clock (production).
    pub fn system() -> Self {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands still at `at` until moved with [`Clock::advance`] or [`Clock::set`]
    /// (tests).
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock(Arc::new(Source::Manual(Mutex::new(at))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Manual(at) => *at.lock().expect("clock lock"),
        }
    }

    /// Microseconds since the Unix epoch: how membership times are stored and compared.
    pub fn now_us(&self) -> i64 {
        self.now().timestamp_micros()
    }

    /// Moves a manual clock forward (a system clock cannot be moved: a no-op).
    pub fn advance(&self, by: chrono::Duration) {
        if let Source::Manual(at) = &*self.0 {
            let mut at = at.lock().expect("clock lock");
            *at += by;
        }
    }

    /// Sets a manual clock (a system clock cannot be set: a no-op).
    pub fn set(&self, to: DateTime<Utc>) {
        if let Source::Manual(at) = &*self.0 {
            *at.lock().expect("clock lock") = to;
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Manual(at) => write!(f, "Clock::manual({})", at.lock().expect("clock lock")),
        }
    }
}
