//! RFC 3339 at the edge: Ordo keeps Unix milliseconds inside.

use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// Formats Unix milliseconds as RFC 3339 in UTC, with milliseconds (`2026-11-27T03:19:00.123Z`).
pub fn format_ms(ms: i64) -> String {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (y, mo, d) = (dt.year(), dt.month() as u8, dt.day());
    let (h, mi, s, milli) = (dt.hour(), dt.minute(), dt.second(), dt.millisecond());
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// The UTC calendar day of Unix milliseconds, as `YYYY-MM-DD`.
pub fn day(ms: i64) -> String {
    format_ms(ms)[..10].to_owned()
}

/// Parses an RFC 3339 timestamp into Unix milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(dt.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Parses an RFC 2822 date (`Tue, 05 Mar 2019 21:40:11 +0000`, as BigCommerce writes them)
/// into Unix milliseconds.
pub fn parse_rfc2822(s: &str) -> Option<i64> {
    let dt = OffsetDateTime::parse(s.trim(), &Rfc2822).ok()?;
    i64::try_from(dt.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Formats Unix milliseconds as an RFC 2822 date in UTC (`Tue, 05 Mar 2019 21:40:11 +0000`).
pub fn format_rfc2822(ms: i64) -> String {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    dt.format(&Rfc2822).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
        assert_eq!(parse_rfc3339("2026-11-18T11:06:40.123Z"), Some(1_795_000_000_123));
        assert_eq!(parse_rfc3339("2026-11-18T12:06:40.123+01:00"), Some(1_795_000_000_123));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc2822("Tue, 05 Mar 2019 21:40:11 +0000"), Some(1_551_822_011_000));
        assert_eq!(parse_rfc2822("Tue, 05 Mar 2019 22:40:11 +0100"), Some(1_551_822_011_000));
        assert_eq!(format_rfc2822(1_551_822_011_000), "Tue, 05 Mar 2019 21:40:11 +0000");
        assert_eq!(parse_rfc2822(""), None);
    }
}
