//! UTC calendar days: the dates of Binance archives (`fetch` plans them, `check` counts the missing ones).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::inputs::Period;

/// A day of the proleptic Gregorian calendar (UTC), e.g. `2024-03-01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Day {
    /// Year (1970..=9999).
    pub year: u16,
    /// Month (1..=12).
    pub month: u8,
    /// Day of the month (1..=31, valid for the month).
    pub day: u8,
}

/// Days in `month` of `year`.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Day {
    /// The day, when it exists in the calendar (years 1970 to 9999).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Day> {
        let valid = (1970..=9999).contains(&year) && (1..=12).contains(&month);
        (valid && (1..=days_in_month(year, month)).contains(&day)).then_some(Day { year, month, day })
    }

    /// Days since 1970-01-01 (the civil-from-days algorithm, on the 400-year era cycle).
    pub fn days_since_epoch(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The day `days` after 1970-01-01 (`None` outside years 1970 to 9999).
    pub fn from_days_since_epoch(days: i64) -> Option<Day> {
        let shifted = days + 719_468;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Day::new(u16::try_from(year).ok()?, month as u8, day as u8)
    }

    /// The UTC day of a timestamp in microseconds since the epoch.
    pub fn of_timestamp_us(timestamp_us: i64) -> Option<Day> {
        Day::from_days_since_epoch(timestamp_us.div_euclid(86_400_000_000))
    }

    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Day {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs() as i64);
        Day::from_days_since_epoch(seconds / 86_400).expect("the system clock is between 1970 and 9999")
    }

    /// The next day (`None` after 9999-12-31).
    pub fn next(self) -> Option<Day> {
        Day::from_days_since_epoch(self.days_since_epoch() + 1)
    }

    /// The day before (`None` before 1970-01-01).
    pub fn previous(self) -> Option<Day> {
        Day::from_days_since_epoch(self.days_since_epoch() - 1)
    }

    /// The first day of this day's month.
    pub fn first_of_month(self) -> Day {
        Day { day: 1, ..self }
    }

    /// The last day of this day's month.
    pub fn last_of_month(self) -> Day {
        Day { day: days_in_month(self.year, self.month), ..self }
    }

    /// Every day from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: Day) -> impl Iterator<Item = Day> {
        (self.days_since_epoch()..=last.days_since_epoch()).filter_map(Day::from_days_since_epoch)
    }
}

impl Period {
    /// The first day the period covers.
    pub fn first_day(self) -> Option<Day> {
        match self {
            Period::Month(year, month) => Day::new(year, month, 1),
            Period::Day(year, month, day) => Day::new(year, month, day),
        }
    }

    /// The last day the period covers.
    pub fn last_day(self) -> Option<Day> {
        Some(match self {
            Period::Month(..) => self.first_day()?.last_of_month(),
            Period::Day(..) => self.first_day()?,
        })
    }
}

/// A timestamp in µs since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC); outside the years 1970 to
/// 9999, the number of µs.
pub fn format_utc_us(time_us: i64) -> String {
    let Some(day) = Day::of_timestamp_us(time_us) else { return format!("{time_us} µs") };
    let micros = time_us.rem_euclid(86_400_000_000);
    let seconds = micros / 1_000_000;
    format!("{day}T{:02}:{:02}:{:02}.{:06}Z", seconds / 3_600, seconds / 60 % 60, seconds % 60, micros % 1_000_000)
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for Period {
    /// `YYYY-MM` or `YYYY-MM-DD`, as in Binance file names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Month(year, month) => write!(f, "{year:04}-{month:02}"),
            Period::Day(year, month, day) => write!(f, "{year:04}-{month:02}-{day:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = Error;

    /// `YYYY-MM` (a month) or `YYYY-MM-DD` (a day), a date that exists.
    fn from_str(text: &str) -> Result<Period, Error> {
        let bad = || Error::usage(format!("{text:?} is not a date: expected YYYY-MM or YYYY-MM-DD (e.g. 2024-03-01)"));
        let parts: Vec<&str> = text.split('-').collect();
        let number = |part: &str, len: usize| {
            (part.len() == len && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse::<u16>().ok()).flatten()
        };
        let year = number(parts.first().ok_or_else(bad)?, 4).ok_or_else(bad)?;
        let month = number(parts.get(1).ok_or_else(bad)?, 2).ok_or_else(bad)? as u8;
        let period = match parts.len() {
            2 => Period::Month(year, month),
            3 => Period::Day(year, month, number(parts[2], 2).ok_or_else(bad)? as u8),
            _ => return Err(bad()),
        };
        period.first_day().and(period.last_day()).ok_or_else(bad)?;
        Ok(period)
    }
}

impl FromStr for Day {
    type Err = Error;

    /// `YYYY-MM-DD`.
    fn from_str(text: &str) -> Result<Day, Error> {
        match text.parse::<Period>()? {
            period @ Period::Day(..) => Ok(period.first_day().expect("validated by the parser")),
            Period::Month(..) => Err(Error::usage(format!("{text:?} is a month; a day is YYYY-MM-DD"))),
        }
    }
}

impl From<Day> for String {
    fn from(day: Day) -> String {
        day.to_string()
    }
}

impl TryFrom<String> for Day {
    type Error = Error;
    fn try_from(text: String) -> Result<Day, Error> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_in_utc() {
        assert_eq!(format_utc_us(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(format_utc_us(1_767_225_600_000_000), "2026-01-01T00:00:00.000000Z");
        assert_eq!(format_utc_us(951_782_400_123_456), "2000-02-29T00:00:00.123456Z");
        assert_eq!(format_utc_us(1_709_251_199_999_999), "2024-02-29T23:59:59.999999Z");
        assert_eq!(format_utc_us(-1), "-1 µs");
    }

    #[test]
    fn day_numbers_round_trip_and_match_known_dates() {
        assert_eq!(Day::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Day::new(2024, 3, 1).unwrap().days_since_epoch(), 19_783);
        assert_eq!(Day::of_timestamp_us(1_767_225_600_000_000), Day::new(2026, 1, 1));
        for days in (0..40_000).step_by(7) {
            let day = Day::from_days_since_epoch(days).unwrap();
            assert_eq!(day.days_since_epoch(), days);
            assert_eq!(day.next().unwrap().days_since_epoch(), days + 1);
        }
        assert_eq!(Day::new(2024, 2, 28).unwrap().next(), Day::new(2024, 2, 29));
        assert_eq!(Day::new(2023, 2, 28).unwrap().next(), Day::new(2023, 3, 1));
        assert_eq!(Day::new(2023, 2, 29), None);
        assert_eq!(Day::new(2024, 1, 30).unwrap().through(Day::new(2024, 2, 2).unwrap()).count(), 4);
    }

    #[test]
    fn periods_parse_strictly() {
        assert_eq!("2024-03".parse::<Period>().unwrap(), Period::Month(2024, 3));
        assert_eq!("2024-02-29".parse::<Period>().unwrap(), Period::Day(2024, 2, 29));
        for bad in ["2024-13", "2023-02-29", "2024-3", "24-03", "2024-03-01-02", "", "2024/03"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!(Period::Month(2024, 2).last_day(), Day::new(2024, 2, 29));
        assert_eq!(Period::Day(2024, 2, 3).to_string(), "2024-02-03");
    }
}
