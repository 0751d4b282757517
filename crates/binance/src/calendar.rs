//! UTC calendar days: the dates of Binance archives (`fetch` plans them, `check` counts the missing ones).
//! The calendar arithmetic and the timestamp formatter are barsmith-core's (`barsmith_core::format_utc_us`);
//! the periods of archive names ([`Period`]) are barsmith-ingest's.

use std::fmt;
use std::str::FromStr;

use barsmith_core::{DAY_US, civil_from_days, days_from_civil};
pub use barsmith_core::{days_in_month, format_utc_us};
pub use barsmith_ingest::Period;

use crate::error::{Error, ErrorKind};

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

impl Day {
    /// The day, when it exists in the calendar (years 1970 to 9999).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Day> {
        let valid = (1970..=9999).contains(&year) && (1..=12).contains(&month);
        (valid && (1..=days_in_month(year, month)).contains(&day)).then_some(Day { year, month, day })
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(i64::from(self.year), self.month, self.day)
    }

    /// The day `days` after 1970-01-01 (`None` outside years 1970 to 9999).
    pub fn from_days_since_epoch(days: i64) -> Option<Day> {
        let (year, month, day) = civil_from_days(days);
        Day::new(u16::try_from(year).ok()?, month, day)
    }

    /// The UTC day of a timestamp in microseconds since the epoch.
    pub fn of_timestamp_us(timestamp_us: i64) -> Option<Day> {
        Day::from_days_since_epoch(timestamp_us.div_euclid(DAY_US))
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

    /// The first day `period` covers (`None` when it is not a date).
    pub fn first_of(period: Period) -> Option<Day> {
        match period {
            Period::Month(year, month) => Day::new(year, month, 1),
            Period::Day(year, month, day) => Day::new(year, month, day),
        }
    }

    /// The last day `period` covers (`None` when it is not a date).
    pub fn last_of(period: Period) -> Option<Day> {
        Some(match period {
            Period::Month(..) => Day::first_of(period)?.last_of_month(),
            Period::Day(..) => Day::first_of(period)?,
        })
    }

    /// Every day from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: Day) -> impl Iterator<Item = Day> {
        (self.days_since_epoch()..=last.days_since_epoch()).filter_map(Day::from_days_since_epoch)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Day {
    type Err = Error;

    /// `YYYY-MM-DD`.
    fn from_str(text: &str) -> Result<Day, Error> {
        match text.parse::<Period>()? {
            period @ Period::Day(..) => Ok(Day::first_of(period).expect("validated by the parser")),
            Period::Month(..) => Err(Error::new(ErrorKind::NotADay { text: text.to_owned() })),
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
    fn periods_cover_days() {
        assert_eq!(Day::last_of(Period::Month(2024, 2)), Day::new(2024, 2, 29));
        assert_eq!(Day::first_of(Period::Month(2024, 2)), Day::new(2024, 2, 1));
        assert_eq!(Day::last_of(Period::Day(2024, 2, 3)), Day::new(2024, 2, 3));
        assert_eq!(Day::first_of(Period::Day(2023, 2, 29)), None);
        assert_eq!("2024-03-01".parse::<Day>().unwrap(), Day::new(2024, 3, 1).unwrap());
        assert_eq!("2024-03".parse::<Day>().unwrap_err().to_string(), "\"2024-03\" is a month; a day is YYYY-MM-DD");
    }
}
