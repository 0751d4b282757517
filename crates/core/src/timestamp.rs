//! Timestamps: normalisation of raw Binance timestamps, the proleptic Gregorian calendar in UTC (days since
//! the epoch to dates and back), and the one formatter of a µs timestamp as UTC text.

/// Raw timestamps below this value are milliseconds; at or above it, microseconds.
pub const MILLISECOND_CUTOFF: i64 = 10_000_000_000_000;

/// Converts a raw Binance timestamp to microseconds: values below 10^13 are milliseconds (× 1000).
pub fn normalize_timestamp_us(raw: i64) -> i64 {
    if raw < MILLISECOND_CUTOFF { raw.saturating_mul(1000) } else { raw }
}

/// Microseconds in a day.
pub const DAY_US: i64 = 86_400_000_000;

/// Days in `month` (1..=12) of `year` (Gregorian).
pub fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date (the days-from-civil algorithm, on the 400-year era cycle).
pub fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01 as (year, month, day) (the civil-from-days algorithm).
pub fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month as u8, day as u8)
}

/// A timestamp in µs since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC); outside the years 1970 to
/// 9999, the number of µs (`-1 µs`). The one formatter of timestamps in messages and reports.
pub fn format_utc_us(time_us: i64) -> String {
    let (year, month, day) = civil_from_days(time_us.div_euclid(DAY_US));
    if !(1970..=9999).contains(&year) {
        return format!("{time_us} µs");
    }
    let micros = time_us.rem_euclid(DAY_US);
    let seconds = micros / 1_000_000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60,
        micros % 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_microseconds() {
        assert_eq!(normalize_timestamp_us(1_767_225_600_039), 1_767_225_600_039_000);
        assert_eq!(normalize_timestamp_us(9_999_999_999_999), 9_999_999_999_999_000);
        assert_eq!(normalize_timestamp_us(10_000_000_000_000), 10_000_000_000_000);
        assert_eq!(normalize_timestamp_us(1_767_225_600_039_409), 1_767_225_600_039_409);
    }

    #[test]
    fn formats_times_in_utc() {
        assert_eq!(format_utc_us(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(format_utc_us(1_767_225_600_000_000), "2026-01-01T00:00:00.000000Z");
        assert_eq!(format_utc_us(1_767_225_600_000_000 + 3_723_000_042), "2026-01-01T01:02:03.000042Z");
        assert_eq!(format_utc_us(951_782_400_123_456), "2000-02-29T00:00:00.123456Z");
        assert_eq!(format_utc_us(1_709_251_199_999_999), "2024-02-29T23:59:59.999999Z");
        assert_eq!(format_utc_us(253_402_300_799_999_999), "9999-12-31T23:59:59.999999Z");
        assert_eq!(format_utc_us(253_402_300_800_000_000), "253402300800000000 µs");
        assert_eq!(format_utc_us(-1), "-1 µs");
    }

    #[test]
    fn day_numbers_round_trip_and_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 3, 1), 19_783);
        for days in (-1_000..3_000_000).step_by(7) {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
            assert!((1..=days_in_month(year.rem_euclid(400) as u16 + 2000, month)).contains(&day));
        }
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }
}
