//! Date formats and a space's calendar. API 1 writes `YYYY/MM/DD` and `YYYY/MM/DD HH:MM:SS +0000`;
//! API 2 writes ISO 8601 `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SSZ` (UTC, no milliseconds)
//! (cobot-api.md §3, §7).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};

/// API 1 date: `2026/01/05`.
pub(crate) fn api1_date(d: Date) -> String {
    d.strftime("%Y/%m/%d").to_string()
}

/// API 1 time: `2026/01/05 09:12:00 +0000` (always UTC).
pub(crate) fn api1_time(t: Timestamp) -> String {
    utc(t, "%Y/%m/%d %H:%M:%S +0000")
}

/// API 2 time: `2026-01-05T09:12:00Z` (UTC, no fractional seconds).
pub(crate) fn iso_time(t: Timestamp) -> String {
    utc(t, "%Y-%m-%dT%H:%M:%SZ")
}

/// API 2 date: `2026-01-05`.
pub(crate) fn iso_date(d: Date) -> String {
    d.strftime("%Y-%m-%d").to_string()
}

/// `t` in UTC, written with the strftime `format` (whole seconds, zero-padded fields).
fn utc(t: Timestamp, format: &str) -> String {
    t.to_zoned(TimeZone::UTC).strftime(format).to_string()
}

/// The UTC calendar date of an instant (API 2 `confirmedAt` is a date; Cobot returns times in UTC).
pub(crate) fn utc_date(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

/// Strict `YYYY-MM-DD`, as API 2 filters and the control API take dates.
pub(crate) fn parse_iso_date(s: &str) -> Option<Date> {
    let bytes = s.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return None;
    }
    s.parse().ok()
}

/// The day before `d`.
pub(crate) fn day_before(d: Date) -> Date {
    d.checked_sub(1.day()).unwrap_or(d)
}

/// A space's "today": the simulated instant's date in the space's time zone (UTC if unknown).
pub(crate) fn today_in(zone: &str, now: Timestamp) -> Date {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    now.to_zoned(tz).date()
}

/// The first billing-cycle start after `today` of a membership that started on `starts_at` with
/// cycles of `cycle_months`; `starts_at` itself if it is still ahead.
pub(crate) fn next_cycle_start(starts_at: Date, cycle_months: u32, today: Date) -> Option<Date> {
    if starts_at > today {
        return Some(starts_at);
    }
    let cycle = i64::from(cycle_months.max(1));
    let elapsed = (i64::from(today.year()) - i64::from(starts_at.year())) * 12 + i64::from(today.month())
        - i64::from(starts_at.month());
    let mut k = elapsed / cycle;
    loop {
        let candidate = starts_at.checked_add((k * cycle).months()).ok()?;
        if candidate > today {
            return Some(candidate);
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn api_1_and_api_2_write_dates_differently() {
        let t: Timestamp = "2026-01-05T09:12:00Z".parse().unwrap();
        assert_eq!(api1_time(t), "2026/01/05 09:12:00 +0000");
        assert_eq!(api1_date(date(2026, 1, 5)), "2026/01/05");
        assert_eq!(iso_date(date(2026, 1, 5)), "2026-01-05");
        let early: Timestamp = "0987-06-05T04:03:02.5Z".parse().unwrap();
        assert_eq!(
            api1_time(early),
            "0987/06/05 04:03:02 +0000",
            "zero-padded, no fraction"
        );
        assert_eq!(iso_time(early), "0987-06-05T04:03:02Z");
    }

    #[test]
    fn only_strict_iso_dates_parse() {
        assert_eq!(parse_iso_date("2026-11-23"), Some(date(2026, 11, 23)));
        for bad in [
            "2026-11-31",
            "2026/11/23",
            "26-11-23",
            "2026-1-23",
            "",
            "2026-11-23T00:00:00Z",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn today_follows_the_space_time_zone() {
        let late: Timestamp = "2026-11-23T23:30:00Z".parse().unwrap();
        assert_eq!(today_in("Europe/Berlin", late), date(2026, 11, 24));
        assert_eq!(today_in("UTC", late), date(2026, 11, 23));
    }

    #[test]
    fn the_next_cycle_start_is_strictly_after_today() {
        let start = date(2026, 1, 5);
        assert_eq!(next_cycle_start(start, 1, date(2026, 11, 23)), Some(date(2026, 12, 5)));
        assert_eq!(next_cycle_start(start, 1, date(2026, 12, 5)), Some(date(2027, 1, 5)));
        assert_eq!(next_cycle_start(start, 3, date(2026, 2, 1)), Some(date(2026, 4, 5)));
        assert_eq!(
            next_cycle_start(date(2026, 12, 1), 1, date(2026, 11, 23)),
            Some(date(2026, 12, 1))
        );
    }
}
