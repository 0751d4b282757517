//! Which archives a request means: markets, archive kinds, remote and local paths.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use barsmith_ingest::Period;

use crate::calendar::Day;
use crate::error::{Error, ErrorKind};

/// A Binance market, with its directory on the data site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Market {
    /// Spot (`data/spot/…`).
    #[serde(rename = "spot")]
    Spot,
    /// USD-M futures (`data/futures/um/…`).
    #[serde(rename = "um")]
    UsdM,
    /// COIN-M futures (`data/futures/cm/…`; symbols like `BTCUSD_PERP`).
    #[serde(rename = "cm")]
    CoinM,
}

impl Market {
    /// Every market, in the order `--help` lists them.
    pub const ALL: [Market; 3] = [Market::Spot, Market::UsdM, Market::CoinM];

    /// The short name `str::parse` accepts: `spot`, `um`, `cm`.
    pub fn name(self) -> &'static str {
        match self {
            Market::Spot => "spot",
            Market::UsdM => "um",
            Market::CoinM => "cm",
        }
    }

    /// The market's directory under `data/`: `spot`, `futures/um`, `futures/cm`.
    pub fn directory(self) -> &'static str {
        match self {
            Market::Spot => "spot",
            Market::UsdM => "futures/um",
            Market::CoinM => "futures/cm",
        }
    }
}

impl FromStr for Market {
    type Err = Error;

    /// `spot`; `um` (also `usdm`, `futures/um`); `cm` (also `coinm`, `futures/cm`).
    fn from_str(text: &str) -> Result<Market, Error> {
        match text.to_ascii_lowercase().as_str() {
            "spot" => Ok(Market::Spot),
            "um" | "usdm" | "futures/um" => Ok(Market::UsdM),
            "cm" | "coinm" | "futures/cm" => Ok(Market::CoinM),
            _ => Err(Error::new(ErrorKind::UnknownMarket { text: text.to_owned() })),
        }
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which kind of archive to fetch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// Months given as `YYYY-MM` on both ends: monthly archives, and daily ones for the current month (its
    /// monthly archive is not published yet). A day on either end: daily archives.
    #[default]
    Auto,
    /// Monthly archives of every month the range touches (the current month has none yet).
    Monthly,
    /// Daily archives of every day in the range.
    Daily,
}

/// One archive on the data site.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Archive {
    /// Symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Market.
    pub market: Market,
    /// The month or day it covers.
    #[serde(serialize_with = "serialize_display")]
    pub period: Period,
}

fn serialize_display<S: serde::Serializer>(value: &Period, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

impl Archive {
    /// `SYMBOL-aggTrades-YYYY-MM[-DD].zip`.
    pub fn file_name(&self) -> String {
        format!("{}-aggTrades-{}.zip", self.symbol, self.period)
    }

    /// `daily` or `monthly`.
    pub fn kind(&self) -> &'static str {
        match self.period {
            Period::Day(..) => "daily",
            Period::Month(..) => "monthly",
        }
    }

    /// The directory below `data/`, e.g. `spot/daily/aggTrades/BTCUSDT`.
    pub fn relative_dir(&self) -> String {
        format!("{}/{}/aggTrades/{}", self.market.directory(), self.kind(), self.symbol)
    }

    /// The URL path on the data site, e.g. `data/spot/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-03-01.zip`.
    pub fn remote_path(&self) -> String {
        format!("data/{}/{}", self.relative_dir(), self.file_name())
    }

    /// Where the archive is kept under `output_dir`: the remote layout below `data/`, e.g.
    /// `OUT/spot/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-03-01.zip`.
    pub fn local_path(&self, output_dir: &Path) -> PathBuf {
        output_dir.join(self.relative_dir()).join(self.file_name())
    }
}

/// The archives of a request, and the part of the range that is not published yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Archives to fetch: per symbol (in the given order), in date order.
    pub archives: Vec<Archive>,
    /// Set when the range reaches past the last published data: the first day not requested.
    pub unpublished_from: Option<Day>,
}

/// A symbol as the data site spells it: upper case letters, digits and `_`.
pub fn normalize_symbol(symbol: &str) -> Result<String, Error> {
    let upper = symbol.trim().to_ascii_uppercase();
    let valid = !upper.is_empty() && upper.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if valid { Ok(upper) } else { Err(Error::new(ErrorKind::InvalidSymbol { symbol: symbol.to_owned() })) }
}

/// The archives covering `from`..=`to` for each symbol, given that `today` (UTC) is not published yet.
///
/// Daily archives appear the day after, monthly ones after the month: days from `today` on, and under
/// [`Granularity::Monthly`] the current month, are not requested and are reported in
/// [`Plan::unpublished_from`]. A range that starts there is a usage error.
pub fn plan(
    symbols: &[String],
    market: Market,
    (from, to): (Period, Period),
    granularity: Granularity,
    today: Day,
) -> Result<Plan, Error> {
    let invalid = |period: Period| Error::new(ErrorKind::NotADate { period });
    let first = Day::first_of(from).ok_or_else(|| invalid(from))?;
    let last = Day::last_of(to).ok_or_else(|| invalid(to))?;
    if first > last {
        return Err(Error::new(ErrorKind::ReversedRange { from, to }));
    }
    if symbols.is_empty() {
        return Err(Error::new(ErrorKind::NoSymbol));
    }
    let symbols = symbols.iter().map(|s| normalize_symbol(s)).collect::<Result<Vec<_>, _>>()?;
    let current_month = today.first_of_month();
    let months_only = matches!((from, to), (Period::Month(..), Period::Month(..)));
    let (monthly_until, daily_from) = match granularity {
        Granularity::Daily => (None, Some(first)),
        Granularity::Monthly => (Some(current_month), None),
        Granularity::Auto if months_only => (Some(current_month), Some(first.max(current_month))),
        Granularity::Auto => (None, Some(first)),
    };
    // Months before `monthly_until`, days from `daily_from` up to yesterday.
    let mut periods = Vec::new();
    let mut published_end = last;
    if let Some(until) = monthly_until {
        let mut month = first.first_of_month();
        while month <= last && month < until {
            periods.push(Period::Month(month.year, month.month));
            month = month.last_of_month().next().expect("before year 9999");
        }
        if daily_from.is_none() && last >= until {
            published_end = until.previous().expect("after 1970");
        }
    }
    if let Some(start) = daily_from {
        let yesterday = today.previous().expect("after 1970");
        let start = start.max(first);
        periods.extend(start.through(last.min(yesterday)).map(|d| Period::Day(d.year, d.month, d.day)));
        published_end = published_end.min(yesterday);
    }
    if periods.is_empty() {
        return Err(Error::new(ErrorKind::NothingPublished { first, last, today }));
    }
    let archives = symbols
        .iter()
        .flat_map(|symbol| periods.iter().map(move |&period| Archive { symbol: symbol.clone(), market, period }))
        .collect();
    let unpublished_from = (published_end < last).then(|| published_end.next().expect("before year 9999"));
    Ok(Plan { archives, unpublished_from })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    fn periods(plan: &Plan) -> Vec<String> {
        plan.archives.iter().map(|a| a.period.to_string()).collect()
    }

    #[test]
    fn months_become_monthly_archives_and_the_current_month_daily_ones() {
        let symbols = vec!["btcusdt".to_string()];
        let range = ("2024-01".parse().unwrap(), "2024-03".parse().unwrap());
        let past = plan(&symbols, Market::Spot, range, Granularity::Auto, day("2024-06-10")).unwrap();
        assert_eq!(periods(&past), ["2024-01", "2024-02", "2024-03"]);
        assert_eq!(past.unpublished_from, None);
        let current = plan(&symbols, Market::Spot, range, Granularity::Auto, day("2024-03-04")).unwrap();
        assert_eq!(periods(&current), ["2024-01", "2024-02", "2024-03-01", "2024-03-02", "2024-03-03"]);
        assert_eq!(current.unpublished_from, Some(day("2024-03-04")));
        let monthly = plan(&symbols, Market::Spot, range, Granularity::Monthly, day("2024-03-04")).unwrap();
        assert_eq!(periods(&monthly), ["2024-01", "2024-02"]);
        assert_eq!(monthly.unpublished_from, Some(day("2024-03-01")));
        let daily = plan(&symbols, Market::Spot, range, Granularity::Daily, day("2024-06-10")).unwrap();
        assert_eq!(daily.archives.len(), 31 + 29 + 31);
        let archive = &past.archives[0];
        assert_eq!(archive.remote_path(), "data/spot/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01.zip");
        assert_eq!(
            archive.local_path(Path::new("out")),
            Path::new("out/spot/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2024-01.zip")
        );
    }

    #[test]
    fn days_become_daily_archives_per_symbol() {
        let symbols = vec!["A".to_string(), "BTCUSD_PERP".to_string()];
        let range = ("2024-02-28".parse().unwrap(), "2024-03-01".parse().unwrap());
        let daily = plan(&symbols, Market::CoinM, range, Granularity::Auto, day("2024-06-10")).unwrap();
        assert_eq!(periods(&daily), ["2024-02-28", "2024-02-29", "2024-03-01"].repeat(2));
        assert_eq!(
            daily.archives[3].remote_path(),
            "data/futures/cm/daily/aggTrades/BTCUSD_PERP/BTCUSD_PERP-aggTrades-2024-02-28.zip"
        );
        let too_late = plan(&symbols, Market::Spot, range, Granularity::Auto, day("2024-02-28"));
        assert!(too_late.is_err());
        let reversed = ("2024-03-01".parse().unwrap(), "2024-02-28".parse().unwrap());
        assert!(plan(&symbols, Market::Spot, reversed, Granularity::Auto, day("2024-06-10")).is_err());
        assert!(plan(&["BTC-USDT".to_string()], Market::Spot, range, Granularity::Auto, day("2024-06-10")).is_err());
    }
}
