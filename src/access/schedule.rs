//! Schedules on role grants (seed 004: access groups carry "the schedules during which the
//! users can access" their assets): an IANA time zone, weekly windows in local time and an
//! optional date range. Time-zone rules and DST transitions come from `jiff` with its bundled
//! time-zone database (the same answers on every machine, whatever its /usr/share/zoneinfo).
//!
//! A window is `[start, end)` in local wall-clock time on each of its days. Local times that
//! do not exist (skipped by a spring-forward) resolve the way RFC 5545 and most calendars do
//! ("compatible": later by the gap); repeated ones (autumn) resolve to their first occurrence.
//!
//! This module answers "is the schedule active at t?" and "when does that next change?" —
//! what token issuance, refresh, userinfo, introspection and `GET /users/{u}/permissions?at=`
//! ask of every scheduled grant that reaches the user ([`ScheduledGrant`]).
use jiff::{
    Timestamp,
    civil::{Date, Time, Weekday},
    tz::TimeZone,
};
use serde::{Deserialize, Serialize};

/// A schedule as the admin API takes it (and stores it, once [`Schedule::parse`] accepted it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// IANA time zone, e.g. `Europe/Berlin`.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// When in the week; at least one window.
    pub weekly: Vec<WindowSpec>,
    /// First day (local) on which the schedule applies; absent: no start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2026-01-01")]
    pub from_date: Option<String>,
    /// Last day (local, inclusive); absent: no end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_date: Option<String>,
}

/// A weekly window: the same local hours on each of its days.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// `mon` … `sun`.
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri"]))]
    pub days: Vec<String>,
    /// `HH:MM` local, inclusive.
    #[schema(example = "08:00")]
    pub from: String,
    /// `HH:MM` local, exclusive; after `from` (`24:00` ends the day; a window does not cross
    /// midnight: split it).
    #[schema(example = "18:00")]
    pub to: String,
}

/// A validated schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: TimeZone,
    weekly: Vec<Window>,
    from_date: Option<Date>,
    until_date: Option<Date>,
}

#[derive(Debug, Clone)]
struct Window {
    days: Vec<Weekday>,
    start: Time,
    end: Time,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid schedule: {0}")]
pub struct ScheduleError(pub String);

fn bad(why: impl Into<String>) -> ScheduleError {
    ScheduleError(why.into())
}

fn weekday(s: &str) -> Result<Weekday, ScheduleError> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return Err(bad(format!("unknown day {s:?} (mon … sun)"))),
    })
}

fn time(s: &str) -> Result<Time, ScheduleError> {
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| bad(format!("time {s:?} is not HH:MM")))?;
    // Two ASCII digits each: `parse` alone would take "+8" as 8.
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())) {
        return Err(bad(format!("time {s:?} is not HH:MM")));
    }
    let (h, m): (i8, i8) = match (h.parse::<i8>(), m.parse::<i8>()) {
        (Ok(h), Ok(m)) => (h, m),
        _ => return Err(bad(format!("time {s:?} is not HH:MM"))),
    };
    // 24:00 is the end of the day.
    if (h, m) == (24, 0) {
        return Ok(Time::MAX);
    }
    Time::new(h, m, 0, 0).map_err(|_| bad(format!("time {s:?} is out of range")))
}

fn date(s: &str) -> Result<Date, ScheduleError> {
    s.parse::<Date>()
        .map_err(|_| bad(format!("date {s:?} is not YYYY-MM-DD")))
}

impl Schedule {
    pub fn parse(spec: &ScheduleSpec) -> Result<Schedule, ScheduleError> {
        let tz = TimeZone::get(&spec.time_zone).map_err(|_| {
            bad(format!(
                "unknown time zone {:?} (an IANA name such as Europe/Berlin)",
                spec.time_zone
            ))
        })?;
        if spec.weekly.is_empty() || spec.weekly.len() > 50 {
            return Err(bad("\"weekly\" needs 1 to 50 windows"));
        }
        let mut weekly = Vec::with_capacity(spec.weekly.len());
        for w in &spec.weekly {
            if w.days.is_empty() {
                return Err(bad("a window needs at least one day"));
            }
            let days = w.days.iter().map(|d| weekday(d)).collect::<Result<Vec<_>, _>>()?;
            let (start, end) = (time(&w.from)?, time(&w.to)?);
            if start >= end {
                return Err(bad(format!(
                    "a window must end after it starts ({} – {}); split one that crosses midnight",
                    w.from, w.to
                )));
            }
            weekly.push(Window { days, start, end });
        }
        let from_date = spec.from_date.as_deref().map(date).transpose()?;
        let until_date = spec.until_date.as_deref().map(date).transpose()?;
        if let (Some(a), Some(b)) = (from_date, until_date)
            && a > b
        {
            return Err(bad("\"from_date\" is after \"until_date\""));
        }
        Ok(Schedule {
            tz,
            weekly,
            from_date,
            until_date,
        })
    }

    /// [`Schedule::active_at`] for microseconds since the Unix epoch (the store's unit).
    pub fn active_at_us(&self, at_us: i64) -> bool {
        Timestamp::from_microsecond(at_us).is_ok_and(|t| self.active_at(t))
    }

    /// [`Schedule::next_change_after`] in microseconds since the Unix epoch.
    pub fn next_change_after_us(&self, at_us: i64) -> Option<i64> {
        let at = Timestamp::from_microsecond(at_us).ok()?;
        self.next_change_after(at).map(|t| t.as_microsecond())
    }

    /// The instant a local wall-clock time on `day` happens (gaps resolved "compatible").
    fn instant(&self, day: Date, t: Time) -> Option<Timestamp> {
        let end_of_day = t == Time::MAX;
        let civil = if end_of_day {
            day.tomorrow().ok()?.to_datetime(Time::midnight())
        } else {
            day.to_datetime(t)
        };
        self.tz
            .to_ambiguous_zoned(civil)
            .compatible()
            .ok()
            .map(|z| z.timestamp())
    }

    fn applies_on(&self, day: Date) -> bool {
        self.from_date.is_none_or(|d| day >= d) && self.until_date.is_none_or(|d| day <= d)
    }

    /// The `[start, end)` instants of every window on local `day`.
    fn windows_on(&self, day: Date) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let on = self.applies_on(day);
        self.weekly
            .iter()
            .filter(move |w| on && w.days.contains(&day.weekday()))
            .filter_map(move |w| Some((self.instant(day, w.start)?, self.instant(day, w.end)?)))
    }

    /// Is the schedule active at `at`?
    pub fn active_at(&self, at: Timestamp) -> bool {
        let day = at.to_zoned(self.tz.clone()).date();
        // A window of the day before can reach past local midnight only through a DST shift
        // of its end; checking the day before too costs nothing.
        [day.yesterday().ok(), Some(day)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.windows_on(d).collect::<Vec<_>>())
            .any(|(s, e)| s <= at && at < e)
    }

    /// The first window boundary after `at`, if any: when [`Schedule::active_at`] may change
    /// (where two windows meet, it does not). A schedule whose date range has ended never
    /// changes again.
    pub fn next_change_after(&self, at: Timestamp) -> Option<Timestamp> {
        let mut day = at.to_zoned(self.tz.clone()).date().yesterday().ok()?;
        if let Some(from) = self.from_date
            && from > day
        {
            day = from.yesterday().ok()?;
        }
        // Every window recurs weekly: 9 local days past the start cover the next boundary.
        for _ in 0..9 {
            if self.until_date.is_some_and(|u| day > u) {
                return None;
            }
            let mut next: Option<Timestamp> = None;
            for (s, e) in self.windows_on(day) {
                for b in [s, e] {
                    if b > at && next.is_none_or(|n| b < n) {
                        next = Some(b);
                    }
                }
            }
            if next.is_some() {
                return next;
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
}

/// A role granted to a group on a schedule, as it reaches a user: it counts only while its
/// schedule is active.
#[derive(Debug, Clone)]
pub struct ScheduledGrant {
    pub role: String,
    pub permissions: Vec<String>,
    pub schedule: Schedule,
}

impl ScheduledGrant {
    /// From the stored form. A stored schedule that no longer parses (it was checked when
    /// written, so only a time zone dropped from a future tz database could do this) grants
    /// nothing: failing closed, and said in the log.
    pub fn from_stored(role: String, permissions: Vec<String>, spec: serde_json::Value) -> Option<ScheduledGrant> {
        let parsed = serde_json::from_value::<ScheduleSpec>(spec)
            .map_err(|e| ScheduleError(e.to_string()))
            .and_then(|spec| Schedule::parse(&spec));
        match parsed {
            Ok(schedule) => Some(ScheduledGrant {
                role,
                permissions,
                schedule,
            }),
            Err(e) => {
                tracing::warn!(role = %role, error = %e, "a stored schedule no longer parses; the grant is ignored");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(tz: &str, days: &[&str], from: &str, to: &str) -> ScheduleSpec {
        ScheduleSpec {
            time_zone: tz.into(),
            weekly: vec![WindowSpec {
                days: days.iter().map(|d| (*d).to_owned()).collect(),
                from: from.into(),
                to: to.into(),
            }],
            from_date: None,
            until_date: None,
        }
    }

    fn office() -> Schedule {
        Schedule::parse(&spec(
            "Europe/Berlin",
            &["mon", "tue", "wed", "thu", "fri"],
            "08:00",
            "18:00",
        ))
        .unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn office_hours_follow_berlin_across_spring_forward() {
        let s = office();
        // Friday 2026-03-27, CET (UTC+1): 08:00 local = 07:00 UTC.
        assert!(!s.active_at(ts("2026-03-27T06:59:59Z")));
        assert!(s.active_at(ts("2026-03-27T07:00:00Z")));
        assert!(s.active_at(ts("2026-03-27T16:59:59Z")));
        assert!(!s.active_at(ts("2026-03-27T17:00:00Z")));
        // Clocks go forward on Sunday 2026-03-29. Monday 2026-03-30, CEST (UTC+2): 08:00 = 06:00 UTC.
        assert!(s.active_at(ts("2026-03-30T06:00:00Z")));
        assert!(!s.active_at(ts("2026-03-30T05:59:59Z")));
        assert!(!s.active_at(ts("2026-03-30T16:00:00Z")));
        assert_eq!(
            s.next_change_after(ts("2026-03-27T17:00:00Z")),
            Some(ts("2026-03-30T06:00:00Z"))
        );
        assert_eq!(
            s.next_change_after(ts("2026-03-30T06:00:00Z")),
            Some(ts("2026-03-30T16:00:00Z"))
        );
    }

    #[test]
    fn office_hours_follow_berlin_across_fall_back() {
        let s = office();
        // Friday 2026-10-23, CEST: 18:00 local = 16:00 UTC.
        assert!(s.active_at(ts("2026-10-23T15:59:59Z")));
        assert!(!s.active_at(ts("2026-10-23T16:00:00Z")));
        // Clocks go back on Sunday 2026-10-25. Monday 2026-10-26, CET: 08:00 = 07:00 UTC.
        assert!(!s.active_at(ts("2026-10-26T06:30:00Z")));
        assert!(s.active_at(ts("2026-10-26T07:00:00Z")));
        assert_eq!(
            s.next_change_after(ts("2026-10-23T16:00:00Z")),
            Some(ts("2026-10-26T07:00:00Z"))
        );
    }

    #[test]
    fn windows_in_the_gap_and_the_fold_resolve_compatibly() {
        // 02:00–03:00 local does not exist on 2026-03-29 in Berlin: both ends land on 03:00
        // CEST (01:00 UTC) — an empty window that day.
        let s = Schedule::parse(&spec("Europe/Berlin", &["sun"], "02:00", "03:00")).unwrap();
        assert!(!s.active_at(ts("2026-03-29T00:59:59Z")));
        assert!(!s.active_at(ts("2026-03-29T01:00:00Z")));
        // 02:00–03:00 happens twice on 2026-10-25: the window starts at the first 02:00
        // (00:00 UTC, CEST) and ends at the first 03:00 … which is the second hour's end in
        // CET (02:00 UTC): two real hours.
        assert!(s.active_at(ts("2026-10-25T00:00:00Z")));
        assert!(s.active_at(ts("2026-10-25T01:59:59Z")));
        assert!(!s.active_at(ts("2026-10-25T02:00:00Z")));
        // A normal Sunday: one hour, 01:00–02:00 UTC in winter.
        assert!(s.active_at(ts("2026-11-01T01:30:00Z")));
        assert!(!s.active_at(ts("2026-11-01T02:00:00Z")));
    }

    #[test]
    fn the_date_range_bounds_the_windows() {
        let mut sp = spec(
            "America/New_York",
            &["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "00:00",
            "24:00",
        );
        sp.from_date = Some("2026-12-01".into());
        sp.until_date = Some("2026-12-02".into());
        let s = Schedule::parse(&sp).unwrap();
        // New York is UTC-5 in December.
        assert!(!s.active_at(ts("2026-12-01T04:59:59Z")));
        assert!(s.active_at(ts("2026-12-01T05:00:00Z")));
        assert!(s.active_at(ts("2026-12-03T04:59:59Z")));
        assert!(!s.active_at(ts("2026-12-03T05:00:00Z")));
        assert_eq!(
            s.next_change_after(ts("2026-11-01T00:00:00Z")),
            Some(ts("2026-12-01T05:00:00Z"))
        );
        assert_eq!(s.next_change_after(ts("2026-12-03T05:00:00Z")), None);
    }

    #[test]
    fn bad_schedules_are_refused_with_a_reason() {
        for (tz, days, from, to) in [
            ("Mars/Olympus", vec!["mon"], "08:00", "18:00"),
            ("Europe/Berlin", vec![], "08:00", "18:00"),
            ("Europe/Berlin", vec!["funday"], "08:00", "18:00"),
            ("Europe/Berlin", vec!["mon"], "18:00", "08:00"),
            ("Europe/Berlin", vec!["mon"], "08:00", "08:00"),
            ("Europe/Berlin", vec!["mon"], "8:00", "18:00"),
            ("Europe/Berlin", vec!["mon"], "08:00", "25:00"),
            ("Europe/Berlin", vec!["mon"], "+8:00", "18:00"),
            ("Europe/Berlin", vec!["mon"], "08:00", "1-:00"),
            ("Europe/Berlin", vec!["mon"], "08:60", "18:00"),
            ("Europe/Berlin", vec!["mon"], "", "18:00"),
            ("Europe/Berlin", vec!["mon"], "-1:00", "18:00"),
        ] {
            let r = Schedule::parse(&spec(tz, &days, from, to));
            assert!(r.is_err(), "{tz} {days:?} {from}-{to}");
        }
        let mut sp = spec("UTC", &["mon"], "08:00", "09:00");
        sp.from_date = Some("2026-12-02".into());
        sp.until_date = Some("2026-12-01".into());
        assert!(Schedule::parse(&sp).is_err());
        sp.from_date = Some("2026-13-01".into());
        assert!(Schedule::parse(&sp).is_err());
        sp.weekly.clear();
        sp.from_date = None;
        sp.until_date = None;
        assert!(Schedule::parse(&sp).is_err());
    }
}
