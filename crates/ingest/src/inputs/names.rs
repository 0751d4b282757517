//! Binance file names: `SYMBOL-aggTrades-YYYY-MM[-DD].{zip,csv,csv.zst}`, and what to do with other names.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use barsmith_core::days_in_month;

use crate::error::{Error, ErrorKind};

/// The period a Binance archive covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// One month: (year, month).
    Month(u16, u8),
    /// One day: (year, month, day).
    Day(u16, u8, u8),
}

impl Period {
    /// First and last day as (year, month, day) triples, for ordering and overlap checks.
    pub(crate) fn span(self) -> ((u16, u8, u8), (u16, u8, u8)) {
        match self {
            Period::Month(y, m) => ((y, m, 1), (y, m, 31)),
            Period::Day(y, m, d) => ((y, m, d), (y, m, d)),
        }
    }

    /// `true` when the month (and day) exist in the calendar, in the years 1970 to 9999.
    pub fn exists(self) -> bool {
        let (year, month, day) = match self {
            Period::Month(year, month) => (year, month, 1),
            Period::Day(year, month, day) => (year, month, day),
        };
        (1970..=9999).contains(&year) && (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)
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

    /// `YYYY-MM` (a month) or `YYYY-MM-DD` (a day), a date that exists (years 1970 to 9999).
    fn from_str(text: &str) -> Result<Period, Error> {
        let bad = || Error::without_path(ErrorKind::InvalidPeriod { text: text.to_owned() });
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
        period.exists().then_some(period).ok_or_else(bad)
    }
}

/// What a Binance file name says: symbol and period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinanceName {
    /// Trading pair in upper case, e.g. `BTCUSDT`, or a COIN-M contract such as `BTCUSD_PERP`.
    pub symbol: String,
    /// Covered period.
    pub period: Period,
}

/// Extensions of aggTrades files, lower case, longest first.
const INPUT_EXTENSIONS: [&str; 5] = [".csv.zstd", ".csv.zst", ".csv.gz", ".csv", ".zip"];

/// The separator between symbol and date, compared without regard to case.
const AGG_TRADES: &str = "-aggtrades-";

/// The symbol of a name that is not a Binance name but begins like one (`BTCUSDT-aggTrades-2026-01-01.head5000.csv`,
/// a renamed copy): what comes before `-aggTrades-`, when it is a symbol. Given by name, such a file keeps its
/// symbol (trial finding 31); in a directory it is a near miss, an error.
pub fn symbol_of_near_miss(path: &Path) -> Option<String> {
    let lower = path.file_name()?.to_str()?.to_ascii_lowercase();
    let symbol = &lower[..lower.find(AGG_TRADES)?];
    let symbol_ok = !symbol.is_empty() && symbol.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    symbol_ok.then(|| symbol.to_ascii_uppercase())
}

/// Parses `SYMBOL-aggTrades-YYYY-MM[-DD].{zip,csv,csv.zst}`: the spot, USD-M and COIN-M names of Binance
/// Vision. Extension, symbol and `aggTrades` are matched without regard to case; the symbol is upper-cased.
pub fn parse_binance_name(path: &Path) -> Option<BinanceName> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let extension = INPUT_EXTENSIONS.iter().find(|ext| lower.ends_with(*ext))?;
    let stem = &lower[..lower.len() - extension.len()];
    let split = stem.find(AGG_TRADES)?;
    let (symbol, date) = (&stem[..split], &stem[split + AGG_TRADES.len()..]);
    let symbol_ok = !symbol.is_empty() && symbol.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let parts: Vec<&str> = date.split('-').collect();
    let number = |text: &str, len: usize| {
        (text.len() == len && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse::<u16>().ok()).flatten()
    };
    let year = number(parts.first()?, 4)?;
    let month = u8::try_from(number(parts.get(1)?, 2)?).ok().filter(|m| (1..=12).contains(m))?;
    let period = match parts.len() {
        2 => Period::Month(year, month),
        3 => Period::Day(year, month, u8::try_from(number(parts[2], 2)?).ok().filter(|d| (1..=31).contains(d))?),
        _ => return None,
    };
    symbol_ok.then(|| BinanceName { symbol: symbol.to_ascii_uppercase(), period })
}

/// What a directory scan does with a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NameClass {
    /// A Binance aggTrades file: read it.
    Binance(BinanceName),
    /// Not an input: skip it, and say why.
    Ignored(&'static str),
    /// Looks like an aggTrades file but its name does not parse: an error, with what is wrong.
    NearMiss(&'static str),
}

/// Why a `.CHECKSUM` beside an archive is skipped (front ends may say it more quietly than other skips).
pub const CHECKSUM_FILE: &str = "checksum file";

/// Classifies a file found in a directory.
pub(crate) fn classify(path: &Path) -> NameClass {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    if name.starts_with('.') {
        return NameClass::Ignored("hidden file (a download or a run still in progress?)");
    }
    if !lower.contains("aggtrades") {
        return NameClass::Ignored("not an aggTrades file name");
    }
    if lower.ends_with(".checksum") {
        return NameClass::Ignored(CHECKSUM_FILE);
    }
    if lower.ends_with(".part") {
        return NameClass::Ignored("unfinished download of `barsmith fetch`; run the same fetch again to resume it");
    }
    if let Some(name) = parse_binance_name(path) {
        return NameClass::Binance(name);
    }
    NameClass::NearMiss(if lower.contains(" (") || lower.contains("(1)") {
        "looks like a second copy of a download (a browser's ` (1)`); remove or rename it"
    } else if !INPUT_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)) {
        "the extension is not .zip, .csv, .csv.zst or .csv.gz (bzip2 and xz are not read); recompress it or move it away"
    } else {
        "expected SYMBOL-aggTrades-YYYY-MM[-DD].zip|csv|csv.zst|csv.gz; rename it, or move it out of the directory"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binance_names() {
        let daily = parse_binance_name(Path::new("data/BTCUSDT-aggTrades-2026-01-02.zip")).unwrap();
        assert_eq!(daily, BinanceName { symbol: "BTCUSDT".into(), period: Period::Day(2026, 1, 2) });
        let monthly = parse_binance_name(Path::new("ETHUSDT-aggTrades-2025-12.csv.zst")).unwrap();
        assert_eq!(monthly.period, Period::Month(2025, 12));
        let coin_m = parse_binance_name(Path::new("BTCUSD_PERP-aggTrades-2026-01-01.zip")).unwrap();
        assert_eq!(coin_m.symbol, "BTCUSD_PERP");
        for (name, symbol) in
            [("btcusdt-aggTrades-2026-01-01.zip", "BTCUSDT"), ("BTCUSDT-aggTrades-2026-01-02.CSV", "BTCUSDT")]
        {
            assert_eq!(parse_binance_name(Path::new(name)).unwrap().symbol, symbol, "{name}");
        }
        for bad in [
            "BTCUSDT-trades-2026-01-01.zip",
            "BTCUSDT-aggTrades-2026-13-01.zip",
            "BTCUSDT-aggTrades-2026-01-01.txt",
            "BTCUSDT-aggTrades-26-01-01.zip",
            "BTCUSDT-aggTrades-2026-01-02 (1).csv",
            "trades.csv",
        ] {
            assert_eq!(parse_binance_name(Path::new(bad)), None, "{bad}");
        }
    }

    #[test]
    fn periods_parse_strictly() {
        assert_eq!("2024-03".parse::<Period>().unwrap(), Period::Month(2024, 3));
        assert_eq!("2024-02-29".parse::<Period>().unwrap(), Period::Day(2024, 2, 29));
        for bad in ["2024-13", "2023-02-29", "2024-3", "24-03", "2024-03-01-02", "", "2024/03", "1969-12"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!(Period::Day(2024, 2, 3).to_string(), "2024-02-03");
        assert_eq!(
            "2024-13".parse::<Period>().unwrap_err().to_string(),
            "\"2024-13\" is not a date: expected YYYY-MM or YYYY-MM-DD (e.g. 2024-03-01)"
        );
    }

    #[test]
    fn classifies_directory_entries() {
        assert!(matches!(classify(Path::new("BTCUSDT-aggTrades-2026-01-02.zip")), NameClass::Binance(_)));
        assert!(matches!(classify(Path::new("BTCUSDT-aggTrades-2026-01-02.zip.CHECKSUM")), NameClass::Ignored(_)));
        // Trial finding 9: what an interrupted fetch leaves is skipped with the remedy, not a near miss.
        let part = classify(Path::new("BTCUSDT-aggTrades-2026-01-02.zip.part"));
        assert!(matches!(part, NameClass::Ignored(reason) if reason.contains("run the same fetch again")), "{part:?}");
        assert!(matches!(classify(Path::new("notes.txt")), NameClass::Ignored(_)));
        assert!(matches!(classify(Path::new(".BTCUSDT-aggTrades-2026-01-02.zip.x.partial")), NameClass::Ignored(_)));
        assert!(matches!(classify(Path::new("BTCUSDT-aggTrades-2026-01-02 (1).csv")), NameClass::NearMiss(_)));
        assert!(matches!(classify(Path::new("BTCUSDT-aggTrades-2026-01-02.csv.gz")), NameClass::Binance(_)));
        assert!(matches!(classify(Path::new("BTCUSDT-aggTrades-2026-01-02.csv.bz2")), NameClass::NearMiss(_)));
    }
}
