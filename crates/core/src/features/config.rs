//! What the feature layer computes: groups, costly estimators, and the lookback window.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, LookbackProblem, Setting};

/// Which records form the lookback window of a bar.
///
/// The window always ends just before the bar's opening record and holds only records that came
/// earlier in the stream, so it never leaks information from the bar itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LookbackMode {
    /// The `N` records before the opening record (fewer at the start of the stream). Text: `count:N`.
    Count(u64),
    /// Records before the opening record whose timestamp is at least `open_time − duration_us`.
    /// Text: `time:DURATION`, e.g. `time:30s`, `time:500ms`, `time:5m`.
    Time {
        /// Width of the window in microseconds (at least 1).
        duration_us: i64,
    },
    /// The records of the `K` previous completed bars (fewer at the start of the stream). Text: `bars:K`.
    Bars(u64),
}

impl Default for LookbackMode {
    /// `count:500`.
    fn default() -> LookbackMode {
        LookbackMode::Count(500)
    }
}

impl FromStr for LookbackMode {
    type Err = Error;

    fn from_str(text: &str) -> Result<LookbackMode, Error> {
        let error = |problem| Error::new(ErrorKind::InvalidLookback { text: text.to_owned(), problem });
        let (kind, value) = text.split_once(':').ok_or_else(|| error(LookbackProblem::MissingColon))?;
        let positive_count = |value: &str| match value.parse::<u64>() {
            Ok(0) => Err(error(LookbackProblem::ZeroCount)),
            Ok(n) => Ok(n),
            Err(_) => Err(error(LookbackProblem::CountNotWhole)),
        };
        match kind {
            "count" => positive_count(value).map(LookbackMode::Count),
            "bars" => positive_count(value).map(LookbackMode::Bars),
            "time" => parse_duration_us(value).map(|duration_us| LookbackMode::Time { duration_us }).map_err(error),
            _ => Err(error(LookbackProblem::UnknownKind)),
        }
    }
}

/// Parses `<whole number><unit>` with unit `us`, `ms`, `s`, `m` or `h` into microseconds (> 0).
pub(crate) fn parse_duration_us(text: &str) -> Result<i64, LookbackProblem> {
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or(LookbackProblem::DurationWithoutUnit)?;
    let (digits, unit) = text.split_at(split);
    let amount: i64 = digits.parse().map_err(|_| LookbackProblem::DurationNotWhole)?;
    let unit_us: i64 = match unit {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return Err(LookbackProblem::UnknownDurationUnit),
    };
    match amount.checked_mul(unit_us) {
        Some(0) => Err(LookbackProblem::DurationNotPositive),
        Some(us) => Ok(us),
        None => Err(LookbackProblem::DurationTooLarge),
    }
}

impl fmt::Display for LookbackMode {
    /// The text form accepted by [`LookbackMode::from_str`]; durations are written in the largest exact unit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LookbackMode::Count(n) => write!(f, "count:{n}"),
            LookbackMode::Bars(k) => write!(f, "bars:{k}"),
            LookbackMode::Time { duration_us } => {
                let units = [(3_600_000_000, "h"), (60_000_000, "m"), (1_000_000, "s"), (1_000, "ms")];
                let (scale, unit) = units.into_iter().find(|(scale, _)| duration_us % scale == 0).unwrap_or((1, "us"));
                write!(f, "time:{}{unit}", duration_us / scale)
            }
        }
    }
}

/// Which feature groups are computed, and the settings of the costly estimators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeatureConfig {
    /// Bar-level features from the bar's own accumulators (`ofi`, `price_impact`, …).
    pub bar: bool,
    /// Window features on the bar's own records (`intra_*` columns).
    pub intra: bool,
    /// Window features on the lookback records (`lookback_*` columns).
    pub lookback: bool,
    /// Which records form the lookback window.
    pub lookback_mode: LookbackMode,
    /// Compute `permutation_entropy`.
    pub permutation_entropy: bool,
    /// Compute `hurst_dfa` and `hurst_rs`.
    pub hurst: bool,
    /// Order (embedding dimension) of the permutation entropy, 2..=7.
    pub pe_order: usize,
    /// Fewest records a window needs for `permutation_entropy` (null below).
    pub pe_min_records: usize,
    /// Fewest records a window needs for `hurst_dfa` and `hurst_rs` (null below).
    pub hurst_min_records: usize,
    /// Most records a window may hold: a longer window (a bar's own records, or its lookback) gets null
    /// window features, and the record history never holds more than this many records before the newest
    /// one. Bars do not depend on it. Each held record costs 20 bytes, and computing a window of n records
    /// takes about 48·n bytes more while it runs (its `f64` returns, and the DFA kernel's working memory,
    /// measured at 40 bytes per point with valgrind massif; see docs/FEATURES.md).
    pub max_window_records: u64,
}

impl Default for FeatureConfig {
    /// Every group and estimator on, PE order 3, `count:500`, minimum windows PE 60 and Hurst 64.
    fn default() -> FeatureConfig {
        FeatureConfig {
            bar: true,
            intra: true,
            lookback: true,
            lookback_mode: LookbackMode::default(),
            permutation_entropy: true,
            hurst: true,
            pe_order: 3,
            pe_min_records: 60,
            hurst_min_records: 64,
            max_window_records: DEFAULT_MAX_WINDOW_RECORDS,
        }
    }
}

/// Default [`FeatureConfig::max_window_records`]: 20 million records (at most 400 MB of history plus about
/// 1 GB while the longest window is computed), beyond the records of any one day of BTCUSDT.
pub const DEFAULT_MAX_WINDOW_RECORDS: u64 = 20_000_000;

/// Largest supported permutation-entropy order (the kernels' limit, 7! = 5 040 patterns).
pub const MAX_PE_ORDER: usize = *barsmith_kernels::PE_ORDERS.end();

impl FeatureConfig {
    /// Checks the settings that cannot be expressed by the types.
    pub fn validate(&self) -> Result<(), Error> {
        let check = |setting: Setting, value: usize, min: usize, max: usize| {
            let clamp = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                let (value, min, max) = (clamp(value), clamp(min), clamp(max));
                Err(Error::new(ErrorKind::InvalidSetting { setting, value, min, max }))
            }
        };
        check(Setting::PeOrder, self.pe_order, 2, MAX_PE_ORDER)?;
        check(Setting::PeMinRecords, self.pe_min_records, self.pe_order, usize::MAX)?;
        check(Setting::HurstMinRecords, self.hurst_min_records, 16, usize::MAX)?;
        let max_window = usize::try_from(self.max_window_records).unwrap_or(usize::MAX);
        check(Setting::MaxWindowRecords, max_window, 1, usize::MAX)?;
        match self.lookback_mode {
            LookbackMode::Count(0) | LookbackMode::Bars(0) => check(Setting::LookbackCount, 0, 1, usize::MAX),
            LookbackMode::Time { duration_us } if duration_us <= 0 => Err(Error::new(ErrorKind::InvalidSetting {
                setting: Setting::LookbackDurationUs,
                value: duration_us,
                min: 1,
                max: i64::MAX,
            })),
            _ => Ok(()),
        }
    }
}

/// One named feature group, as the CLI spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeatureGroup {
    /// `bar`
    Bar,
    /// `intra`
    Intra,
    /// `lookback`
    Lookback,
}

impl FromStr for FeatureGroup {
    type Err = Error;
    fn from_str(text: &str) -> Result<FeatureGroup, Error> {
        match text {
            "bar" => Ok(FeatureGroup::Bar),
            "intra" => Ok(FeatureGroup::Intra),
            "lookback" => Ok(FeatureGroup::Lookback),
            _ => Err(Error::new(ErrorKind::UnknownFeatureGroup { text: text.to_owned() })),
        }
    }
}

impl FeatureConfig {
    /// Turns exactly the listed groups on and the others off (e.g. from `--features bar,intra`).
    pub fn with_groups(mut self, groups: &[FeatureGroup]) -> FeatureConfig {
        self.bar = groups.contains(&FeatureGroup::Bar);
        self.intra = groups.contains(&FeatureGroup::Intra);
        self.lookback = groups.contains(&FeatureGroup::Lookback);
        self
    }

    /// `true` when the intra or lookback group is on.
    pub fn any_window(&self) -> bool {
        self.intra || self.lookback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lookback_modes() {
        assert_eq!("count:500".parse(), Ok(LookbackMode::Count(500)));
        assert_eq!("bars:3".parse(), Ok(LookbackMode::Bars(3)));
        assert_eq!("time:30s".parse(), Ok(LookbackMode::Time { duration_us: 30_000_000 }));
        assert_eq!("time:500ms".parse(), Ok(LookbackMode::Time { duration_us: 500_000 }));
        assert_eq!("time:5m".parse(), Ok(LookbackMode::Time { duration_us: 300_000_000 }));
        assert_eq!("time:2h".parse(), Ok(LookbackMode::Time { duration_us: 7_200_000_000 }));
        assert_eq!("time:250us".parse(), Ok(LookbackMode::Time { duration_us: 250 }));
    }

    #[test]
    fn rejects_bad_lookback_modes_with_reasons() {
        for (text, reason) in [
            ("count", "missing ':'"),
            ("count:0", "at least 1"),
            ("count:-3", "not a whole number"),
            ("bars:x", "not a whole number"),
            ("time:30", "no unit"),
            ("time:30d", "unknown duration unit"),
            ("time:0s", "positive"),
            ("time:s", "whole number"),
            ("window:5", "unknown kind"),
            ("time:99999999999999999h", "too large"),
        ] {
            let message = text.parse::<LookbackMode>().unwrap_err().to_string();
            assert!(message.contains(reason), "{text}: {message}");
            assert!(message.contains(text), "{text}: {message}");
        }
    }

    #[test]
    fn lookback_modes_round_trip_through_text() {
        for text in ["count:7", "bars:2", "time:30s", "time:500ms", "time:5m", "time:1h", "time:1500us"] {
            let mode: LookbackMode = text.parse().unwrap();
            assert_eq!(mode.to_string(), text);
        }
    }

    #[test]
    fn validates_settings() {
        assert!(FeatureConfig::default().validate().is_ok());
        assert!(FeatureConfig { pe_order: 8, ..FeatureConfig::default() }.validate().is_err());
        assert!(FeatureConfig { pe_order: 1, ..FeatureConfig::default() }.validate().is_err());
        assert!(FeatureConfig { pe_min_records: 2, ..FeatureConfig::default() }.validate().is_err());
        assert!(FeatureConfig { hurst_min_records: 8, ..FeatureConfig::default() }.validate().is_err());
        let groups = FeatureConfig::default().with_groups(&["bar".parse().unwrap()]);
        assert!(groups.bar && !groups.intra && !groups.lookback);
    }
}
