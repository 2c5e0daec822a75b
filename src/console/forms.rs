//! Reading console form bodies: `application/x-www-form-urlencoded`, repeated names kept
//! (check boxes), unknown fields ignored.
use uuid::Uuid;

use super::{Admin, ConsoleError};
use crate::access::Builtin;

/// The fields of a form body, in order.
pub fn fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `name`, or "".
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Users one form may add or remove at once.
const MAX_PICKED: usize = 500;

/// The user ids checked in a form (`user=<id>` repeated), at most [`MAX_PICKED`]; anything
/// else is a 400.
pub fn checked_users(fields: &[(String, String)]) -> Result<Vec<Uuid>, ConsoleError> {
    let ids: Vec<Uuid> = fields
        .iter()
        .filter(|(k, _)| k == "user")
        .map(|(_, v)| Uuid::parse_str(v).map_err(|_| ConsoleError::BadRequest("A selected user is not valid.".into())))
        .collect::<Result<_, _>>()?;
    if ids.len() > MAX_PICKED {
        return Err(ConsoleError::BadRequest(format!(
            "Select at most {MAX_PICKED} users at a time."
        )));
    }
    Ok(ids)
}

impl Admin {
    /// A form post's fields, once its CSRF token and the permission it `needs` are checked
    /// (in that order: a forged post learns nothing about permissions).
    pub fn form(&self, body: &[u8], needs: Builtin) -> Result<Vec<(String, String)>, ConsoleError> {
        let f = fields(body);
        self.check_csrf(field(&f, "csrf"))?;
        self.require(needs)?;
        Ok(f)
    }
}

/// A local date and time from a `datetime-local` field ("2026-12-31T18:00") in an IANA time
/// zone (empty: UTC), as microseconds since the epoch; `None` when the field is empty. A time a
/// spring-forward skips resolves later by the gap, a repeated one to its first occurrence (as
/// schedules do).
pub fn local_instant(value: &str, zone: &str) -> Result<Option<i64>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let zone = match zone.trim() {
        "" => "UTC",
        z => z,
    };
    let tz = jiff::tz::TimeZone::get(zone).map_err(|_| format!("\u{201c}{zone}\u{201d} is an unknown time zone."))?;
    let civil: jiff::civil::DateTime = value
        .parse()
        .map_err(|_| format!("\u{201c}{value}\u{201d} is not a date and time (YYYY-MM-DDTHH:MM)."))?;
    let at = tz
        .to_ambiguous_zoned(civil)
        .compatible()
        .map_err(|_| format!("\u{201c}{value}\u{201d} is out of range."))?;
    Ok(Some(at.timestamp().as_microsecond()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_instants_in_zones() {
        let utc = local_instant("2026-12-31T18:00", "").unwrap().unwrap();
        assert_eq!(utc, 1_798_740_000_000_000);
        // Berlin is UTC+1 in winter, +2 in summer.
        assert_eq!(
            local_instant("2026-12-31T18:00", "Europe/Berlin").unwrap().unwrap(),
            utc - 3_600_000_000
        );
        let summer = local_instant("2027-07-01T12:00", "Europe/Berlin").unwrap().unwrap();
        assert_eq!(summer, local_instant("2027-07-01T10:00", "UTC").unwrap().unwrap());
        // 02:30 does not exist on 2027-03-28 in Berlin: later by the gap (03:30 CEST = 01:30Z).
        assert_eq!(
            local_instant("2027-03-28T02:30", "Europe/Berlin").unwrap().unwrap(),
            local_instant("2027-03-28T01:30", "UTC").unwrap().unwrap()
        );
        assert_eq!(local_instant("  ", "Mars/Olympus").unwrap(), None);
        for (value, zone) in [
            ("2026-12-31T18:00", "Mars/Olympus"),
            ("2026-13-01T00:00", ""),
            ("tomorrow", ""),
            ("2026-12-31T25:00", ""),
            ("2026-12-31T18:00'); DROP TABLE users;--", ""),
            ("99999-01-01T00:00", ""),
            ("2026-12-31T18:00", "../../etc/passwd"),
        ] {
            assert!(local_instant(value, zone).is_err(), "{value} in {zone}");
        }
    }
}
