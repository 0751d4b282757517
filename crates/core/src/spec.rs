//! Bar specifications: which rule closes a bar (`range:250`, `tick:1000`, `volume:50.5`, `dollar:1e7`,
//! `time:1m`, `tick-imbalance:…`, `volume-run:…`, …), parsed from and written as text.
//!
//! Thresholds are exact: a decimal amount is held as an integer in the raw unit of its measure (records for
//! ticks, 10^-8 of the base asset for volume, 10^-16 of the quote asset for dollars), so running sums are exact
//! `i128` comparisons. docs/BARS.md has each rule with a worked example.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};
use crate::threshold::Threshold;

/// What a bar counts: records, base quantity, or quote value (price × quantity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// aggTrades records (raw unit: one record).
    Tick,
    /// Base quantity (raw unit: 10^-8).
    Volume,
    /// Quote value, price × quantity (raw unit: 10^-16).
    Dollar,
}

impl Measure {
    /// Decimal digits of the raw unit (0, 8, 16).
    pub fn scale_digits(self) -> u32 {
        match self {
            Measure::Tick => 0,
            Measure::Volume => 8,
            Measure::Dollar => 16,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Measure::Tick => "tick",
            Measure::Volume => "volume",
            Measure::Dollar => "dollar",
        }
    }
}

/// How a record's sign (+1 buy, −1 sell) is found for imbalance and run bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SignRule {
    /// The aggressor side: `is_buyer_maker == false` is +1, `true` is −1 (exact for aggTrades; the default).
    #[default]
    Aggressor,
    /// The tick rule: the sign of the price change from the previous record, or the previous sign when the
    /// price did not change (0 until the stream's first price change).
    TickRule,
}

/// The threshold of an imbalance or run bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expected {
    /// A fixed threshold in the measure's raw unit.
    Fixed(i128),
    /// AFML's expected threshold: `E[T] × |E[flow]|` (imbalance) or `E[T] × max(P·E[buy], (1−P)·E[sell])` (run),
    /// each expectation an exponentially weighted moving average over the completed bars.
    Ewma {
        /// Warm-up: the first bar closes after this many records and seeds every average.
        init: u64,
        /// The averages' span N: each completed bar weighs α = 2 / (N + 1).
        span: u32,
    },
}

impl Expected {
    /// The default warm-up length (records of the first bar).
    pub const DEFAULT_INIT: u64 = 1000;
    /// The default span of the averages (bars).
    pub const DEFAULT_SPAN: u32 = 20;
}

/// A bar specification: the rule that closes a bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BarSpec {
    /// `range:DBPS`: the bar closes on the first record at or beyond `open ± threshold` (docs/RANGE_BARS.md).
    Range(Threshold),
    /// `tick:N`, `volume:Q`, `dollar:V`: the bar closes on the record at which the running total reaches
    /// `amount` (raw unit of `measure`). With `carry`, the total beyond `amount` starts the next bar.
    Total {
        /// What is summed.
        measure: Measure,
        /// The threshold in the measure's raw unit (> 0).
        amount: i128,
        /// Carry the excess into the next bar.
        carry: bool,
    },
    /// `time:DURATION`: one bar per UTC-aligned interval holding records; it ends with the interval's last
    /// record and is complete when a record of a later interval arrives.
    Time {
        /// The interval in microseconds (> 0); intervals start at multiples of it since the Unix epoch.
        interval_us: i64,
    },
    /// `tick-imbalance`, `volume-imbalance`, `dollar-imbalance`: closes when |Σ sign × flow| reaches the threshold.
    Imbalance {
        /// The flow: 1, quantity, or price × quantity.
        measure: Measure,
        /// Fixed or expected threshold.
        threshold: Expected,
        /// How a record's sign is found.
        sign: SignRule,
    },
    /// `tick-run`, `volume-run`, `dollar-run`: closes when max(Σ buy flow, Σ sell flow) reaches the threshold.
    Run {
        /// The flow: 1, quantity, or price × quantity.
        measure: Measure,
        /// Fixed or expected threshold.
        threshold: Expected,
        /// How a record's sign is found.
        sign: SignRule,
    },
}

impl BarSpec {
    /// `range:DBPS`.
    pub fn range(threshold: Threshold) -> BarSpec {
        BarSpec::Range(threshold)
    }

    /// The range threshold, for range bars.
    pub fn threshold(&self) -> Option<Threshold> {
        match self {
            BarSpec::Range(threshold) => Some(*threshold),
            _ => None,
        }
    }
}

fn bad(text: &str, reason: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidBarSpec { text: text.to_string(), reason: reason.into() })
}

impl FromStr for BarSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<BarSpec, Error> {
        let mut parts = text.trim().split(':');
        let kind = parts.next().unwrap_or_default();
        let Some(value) = parts.next() else {
            return Err(bad(text, "no `:` between the kind and its threshold"));
        };
        let options: Vec<&str> = parts.collect();
        let (measure_name, family) = match kind.split_once('-') {
            Some((m, f)) => (m, f),
            None => (kind, ""),
        };
        match (kind, family) {
            ("range", _) => {
                no_options(text, &options)?;
                let dbps: u32 =
                    value.parse().map_err(|_| bad(text, "the range threshold is a whole number of dbps"))?;
                Threshold::from_dbps(dbps).map(BarSpec::Range).map_err(|e| bad(text, e.to_string()))
            }
            ("time", _) => {
                no_options(text, &options)?;
                Ok(BarSpec::Time { interval_us: parse_duration(value).map_err(|reason| bad(text, reason))? })
            }
            ("tick" | "volume" | "dollar", _) => {
                let measure = measure_of(measure_name).expect("matched");
                let carry = match options.as_slice() {
                    [] => false,
                    ["carry"] => true,
                    _ => return Err(bad(text, "the only option of tick, volume and dollar bars is `carry`")),
                };
                Ok(BarSpec::Total { measure, amount: parse_amount(text, value, measure)?, carry })
            }
            (_, "imbalance" | "run") => {
                let measure = measure_of(measure_name).ok_or_else(|| bad(text, unknown_kind()))?;
                let (threshold, sign) = parse_expected(text, value, &options, measure)?;
                Ok(if family == "run" {
                    BarSpec::Run { measure, threshold, sign }
                } else {
                    BarSpec::Imbalance { measure, threshold, sign }
                })
            }
            _ => Err(bad(text, unknown_kind())),
        }
    }
}

fn unknown_kind() -> String {
    "unknown kind (expected range, tick, volume, dollar, time, or tick-, volume-, dollar- with -imbalance or -run)"
        .into()
}

fn measure_of(name: &str) -> Option<Measure> {
    match name {
        "tick" => Some(Measure::Tick),
        "volume" => Some(Measure::Volume),
        "dollar" => Some(Measure::Dollar),
        _ => None,
    }
}

fn no_options(text: &str, options: &[&str]) -> Result<(), Error> {
    match options.first() {
        None => Ok(()),
        Some(option) => Err(bad(text, format!("unexpected option `{option}`"))),
    }
}

/// `FIXED` or `ewma` with options `init=N`, `span=N`, and `tick-rule` in any order.
fn parse_expected(text: &str, value: &str, options: &[&str], measure: Measure) -> Result<(Expected, SignRule), Error> {
    let mut sign = SignRule::Aggressor;
    let (mut init, mut span) = (Expected::DEFAULT_INIT, Expected::DEFAULT_SPAN);
    for option in options {
        match option.split_once('=') {
            None if *option == "tick-rule" => sign = SignRule::TickRule,
            Some(("init", n)) if value == "ewma" => {
                init = n.parse().ok().filter(|&n| n > 0).ok_or_else(|| bad(text, "init is a whole number ≥ 1"))?
            }
            Some(("span", n)) if value == "ewma" => {
                span = n.parse().ok().filter(|&n| n > 0).ok_or_else(|| bad(text, "span is a whole number ≥ 1"))?
            }
            _ => {
                return Err(bad(
                    text,
                    format!("unexpected option `{option}` (options: tick-rule; with ewma also init=N, span=N)"),
                ));
            }
        }
    }
    let threshold = if value == "ewma" {
        Expected::Ewma { init, span }
    } else {
        Expected::Fixed(parse_amount(text, value, measure)?)
    };
    Ok((threshold, sign))
}

/// A positive decimal (`50.5`, `10000000`, `1e7`, `2.5E-3`) as an exact integer at the measure's scale.
fn parse_amount(text: &str, value: &str, measure: Measure) -> Result<i128, Error> {
    let digits = measure.scale_digits();
    let unit = match measure {
        Measure::Tick => "a whole number of records",
        Measure::Volume => "a positive decimal with at most 8 decimals (base quantity)",
        Measure::Dollar => "a positive decimal with at most 16 decimals (quote value)",
    };
    let fail = || bad(text, format!("the threshold is {unit}, e.g. 1000, 50.5 or 1e7"));
    let (mantissa, exponent) = match value.find(['e', 'E']) {
        Some(at) => (&value[..at], value[at + 1..].parse::<i32>().map_err(|_| fail())?),
        None => (value, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(fail());
    }
    // value = (whole ‖ fraction) × 10^(exponent − len(fraction)); in raw units × 10^digits.
    let shift = i64::from(exponent) - fraction.len() as i64 + i64::from(digits);
    let significant = format!("{whole}{fraction}");
    let significant = significant.trim_start_matches('0');
    let mut raw: i128 = if significant.is_empty() { 0 } else { significant.parse().map_err(|_| fail())? };
    if shift >= 0 {
        let scale = u32::try_from(shift).ok().and_then(|s| 10i128.checked_pow(s)).ok_or_else(fail)?;
        raw = raw.checked_mul(scale).ok_or_else(fail)?;
    } else {
        let scale = u32::try_from(-shift).ok().and_then(|s| 10i128.checked_pow(s));
        match scale {
            Some(scale) if raw % scale == 0 => raw /= scale,
            _ if raw == 0 => {}
            _ => return Err(fail()),
        }
    }
    if raw <= 0 {
        return Err(bad(text, "the threshold must be positive"));
    }
    if raw > 10i128.pow(36) {
        return Err(bad(text, "the threshold is too large (at most 10^36 raw units)"));
    }
    Ok(raw)
}

/// `<whole number><unit>` with unit `us`, `ms`, `s`, `m`, `h` or `d`, in microseconds (> 0).
pub fn parse_duration(text: &str) -> Result<i64, String> {
    if let Some(days) = text.strip_suffix('d') {
        let days: i64 = days.parse().map_err(|_| "the duration does not start with a whole number".to_string())?;
        return match days.checked_mul(crate::DAY_US) {
            Some(us) if us > 0 => Ok(us),
            Some(_) => Err("the duration must be positive".into()),
            None => Err("the duration is too large".into()),
        };
    }
    crate::features::parse_duration_us(text).map_err(|problem| problem.to_string())
}

/// A duration in the largest unit that holds it exactly (`5m`, `1500ms`, `1d`).
pub fn format_duration(us: i64) -> String {
    let units =
        [(crate::DAY_US, "d"), (3_600_000_000, "h"), (60_000_000, "m"), (1_000_000, "s"), (1_000, "ms"), (1, "us")];
    let (scale, unit) = units.into_iter().find(|(scale, _)| us % scale == 0).expect("1 divides");
    format!("{}{unit}", us / scale)
}

/// An exact raw amount as a decimal at the measure's scale (`50.5`, `10000000`).
fn format_amount(raw: i128, measure: Measure) -> String {
    let scale = 10u128.pow(measure.scale_digits());
    let (whole, fraction) = (raw.unsigned_abs() / scale, raw.unsigned_abs() % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = measure.scale_digits() as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

impl fmt::Display for BarSpec {
    /// The canonical text [`BarSpec::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BarSpec::Range(threshold) => write!(f, "range:{}", threshold.dbps()),
            BarSpec::Time { interval_us } => write!(f, "time:{}", format_duration(interval_us)),
            BarSpec::Total { measure, amount, carry } => {
                write!(f, "{}:{}{}", measure.name(), format_amount(amount, measure), if carry { ":carry" } else { "" })
            }
            BarSpec::Imbalance { measure, threshold, sign } | BarSpec::Run { measure, threshold, sign } => {
                let family = if matches!(self, BarSpec::Run { .. }) { "run" } else { "imbalance" };
                write!(f, "{}-{family}:", measure.name())?;
                match threshold {
                    Expected::Fixed(amount) => write!(f, "{}", format_amount(amount, measure))?,
                    Expected::Ewma { init, span } => write!(f, "ewma:init={init}:span={span}")?,
                }
                if sign == SignRule::TickRule {
                    write!(f, ":tick-rule")?;
                }
                Ok(())
            }
        }
    }
}

impl serde::Serialize for BarSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for BarSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<BarSpec, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
