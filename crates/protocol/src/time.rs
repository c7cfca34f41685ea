//! Unix seconds as a calendar date and time in UTC, the form dates take on the wire (the
//! OpenSubsonic API's `created` and `starred`) and in files devices write (a trash entry's
//! deletion date). One conversion for every crate, with no time zone database.

/// `YYYY-MM-DDThh:mm:ss` (UTC, no zone suffix) of `unix_seconds`.
#[must_use]
pub fn utc_date_time(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let seconds = unix_seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's days-to-civil).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc_date_time;

    #[test]
    fn dates_across_leap_days_centuries_and_before_1970() {
        assert_eq!(utc_date_time(0), "1970-01-01T00:00:00");
        assert_eq!(utc_date_time(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(utc_date_time(4_107_542_399), "2100-02-28T23:59:59");
        assert_eq!(utc_date_time(-1), "1969-12-31T23:59:59");
    }
}
