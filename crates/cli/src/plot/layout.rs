//! What the chart shows, before any drawing: the selected bars, grouped into candles when there are more bars
//! than the plot has room for, the feature series per candle, and the texts.

use std::ops::Range;

use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::table::BarTable;

/// Which bars to draw: the window `[from, to)` of open times, then the last `last` of those.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection {
    /// First open time drawn (µs since the epoch, inclusive).
    pub from_us: Option<i64>,
    /// Open times before this are drawn (µs since the epoch, exclusive).
    pub to_us: Option<i64>,
    /// Keep only the last N bars of the window.
    pub last: Option<usize>,
}

impl Selection {
    /// The contiguous range of bar indices selected; an empty selection is an error that says what the file holds.
    pub fn apply(&self, table: &BarTable) -> Result<Range<usize>> {
        let times = &table.open_time;
        if table.is_empty() {
            bail!("the file has no bars");
        }
        check_in_days("--from", self.from_us, times)?;
        check_in_days("--to", self.to_us, times)?;
        let start = self.from_us.map_or(0, |from| times.iter().position(|&t| t >= from).unwrap_or(times.len()));
        let end = self.to_us.map_or(times.len(), |to| times.iter().rposition(|&t| t < to).map_or(0, |i| i + 1));
        let mut range = start..end.max(start);
        if let Some(last) = self.last {
            range.start = range.end.saturating_sub(last).max(range.start);
        }
        if range.is_empty() {
            bail!(
                "no bars in the selection: the file's {} bars open from {} to {} UTC",
                times.len(),
                format_time(times[0], TimeStyle::Full),
                format_time(times[times.len() - 1], TimeStyle::Full)
            );
        }
        Ok(range)
    }
}

const DAY_US: i64 = 86_400_000_000;

/// Refuses a `--from`/`--to` time outside the UTC days the bars open in (from the first day's midnight to the
/// midnight after the last day, both included): a time there selects everything or nothing, and is most often
/// a slip, such as ms since the epoch read as µs (then the µs value is suggested).
fn check_in_days(flag: &str, time: Option<i64>, times: &[i64]) -> Result<()> {
    let (Some(time), Some(&first), Some(&last)) = (time, times.first(), times.last()) else { return Ok(()) };
    let days = first.div_euclid(DAY_US) * DAY_US..=(last.div_euclid(DAY_US) + 1) * DAY_US;
    if days.contains(&time) {
        return Ok(());
    }
    let as_ms = time.checked_mul(1000).filter(|us| days.contains(us)).map_or(String::new(), |us| {
        format!(
            "; {time} looks like ms since the epoch: the µs value is {us} ({} UTC)",
            format_time(us, TimeStyle::Full)
        )
    });
    bail!(
        "{flag} {} UTC ({time} µs) is outside the days the file covers (its {} bars open from {} to {} UTC){as_ms}; give a time within them (2026-01-01, 2026-01-01T12:30 or µs since the epoch)",
        format_time(time, TimeStyle::Full),
        times.len(),
        format_time(first, TimeStyle::Full),
        format_time(last, TimeStyle::Full)
    )
}

/// Parses a time for `--from`/`--to`: `2026-01-01`, `2026-01-01T12:30`, `2026-01-01 12:30:05.25`, with an
/// optional trailing `Z` (all UTC), or a number of µs since the epoch (as in the `open_time` column).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    if let Ok(micros) = trimmed.parse::<i64>() {
        return Ok(micros);
    }
    let body = trimmed.strip_suffix('Z').unwrap_or(trimmed);
    let formats = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"];
    let parsed = formats
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(body, f).ok())
        .or_else(|| NaiveDate::parse_from_str(body, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)));
    parsed.map(|t| t.and_utc().timestamp_micros()).ok_or_else(|| {
        format!("`{text}` is not a time: use 2026-01-01, 2026-01-01T12:30[:05[.25]] (UTC) or µs since the epoch")
    })
}

/// How much of a time a label shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    /// `2026-01-01 12:30:05`
    Full,
    /// `01-01 12:30`, for spans of a day or more
    DayMinute,
    /// `12:30:05`
    Second,
}

/// A UTC time as text.
pub fn format_time(micros: i64, style: TimeStyle) -> String {
    let Some(time) = DateTime::from_timestamp_micros(micros) else {
        return format!("{micros} µs");
    };
    let pattern = match style {
        TimeStyle::Full => "%Y-%m-%d %H:%M:%S",
        TimeStyle::DayMinute => "%m-%d %H:%M",
        TimeStyle::Second => "%H:%M:%S",
    };
    time.format(pattern).to_string()
}

/// One candle: one bar, or `group` consecutive bars merged (first open, highest high, lowest low, last close,
/// summed volumes).
#[derive(Debug, Clone, Copy)]
pub struct Candle {
    /// Middle of its bars on the bar-index axis.
    pub x: f64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub buy_volume: f64,
    pub sell_volume: f64,
    /// False for the forming bar written by `--include-incomplete`.
    pub complete: bool,
}

/// A feature panel's values, one per candle (the mean of a group's non-null values; `None` when all are null).
#[derive(Debug)]
pub struct FeaturePoints {
    pub name: String,
    pub values: Vec<Option<f64>>,
    /// Nulls among the selected bars.
    pub nulls: usize,
}

/// Everything the chart shows.
#[derive(Debug)]
pub struct ChartPlan {
    pub candles: Vec<Candle>,
    /// Bars per candle (1 unless there are more bars than room).
    pub group: usize,
    pub features: Vec<FeaturePoints>,
    /// The selected bar indices.
    pub bars: Range<usize>,
    /// Open times of the selected bars (µs), for the axis labels.
    pub open_times: Vec<i64>,
    /// Title: symbol, threshold, time span.
    pub title: String,
    /// Subtitle: which bars, and whether they were merged.
    pub subtitle: String,
    /// How much of a time the axis labels show.
    pub time_style: TimeStyle,
    /// Holes in the data among the selected bars, marked on the time axis.
    pub holes: Vec<Hole>,
}

/// The shortest time without a record that the chart marks as a hole: 1 hour (an outage, an exchange halt, a
/// missing file), far above the quiet spells of a liquid market. The bar-number axis would hide it.
pub const HOLE_US: f64 = 3_600_000_000.0;

/// A hole in the data: at least [`HOLE_US`] without a record, inside a bar (its `max_gap_us`, at the bar) or
/// between two bars (the previous bar's close to the next one's open, between them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hole {
    /// Where on the bar-index axis.
    pub x: f64,
    /// How long, in hours.
    pub hours: f64,
}

/// The holes among `bars`.
fn holes(table: &BarTable, bars: &Range<usize>) -> Vec<Hole> {
    let mut found = Vec::new();
    for i in bars.clone() {
        if i > bars.start {
            let between = (table.open_time[i] - table.close_time[i - 1]) as f64;
            if between >= HOLE_US {
                found.push(Hole { x: i as f64 - 0.5, hours: between / 3_600_000_000.0 });
            }
        }
        if let Some(Some(gap)) = table.max_gap_us.get(i)
            && *gap >= HOLE_US
        {
            found.push(Hole { x: i as f64, hours: gap / 3_600_000_000.0 });
        }
    }
    found
}

/// Names the chart's symbol and threshold when the file does not say them.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub symbol: Option<String>,
    pub threshold_dbps: Option<u32>,
}

impl ChartPlan {
    /// Plans a chart of `bars` with at most `max_candles` candles.
    pub fn new(table: &BarTable, bars: Range<usize>, max_candles: usize, labels: &Labels) -> ChartPlan {
        let count = bars.len();
        let group = count.div_ceil(max_candles.max(1)).max(1);
        let candles =
            (bars.start..bars.end).step_by(group).map(|s| merge(table, s..(s + group).min(bars.end))).collect();
        let features = table
            .features
            .iter()
            .map(|series| {
                let selected = &series.values[bars.clone()];
                FeaturePoints {
                    name: series.name.clone(),
                    values: selected.chunks(group).map(mean_of_present).collect(),
                    nulls: selected.iter().filter(|v| v.is_none()).count(),
                }
            })
            .collect();
        let first_open = table.open_time[bars.start];
        let last_close = table.close_time[bars.end - 1];
        let time_style =
            if last_close - first_open >= 86_400_000_000 { TimeStyle::DayMinute } else { TimeStyle::Second };
        let holes = holes(table, &bars);
        let mut subtitle = subtitle(&bars, table.len(), group);
        if !holes.is_empty() {
            subtitle.push_str(&format!(
                " · {} hole(s) of 1 h or more without records, marked by dashed lines",
                holes.len()
            ));
        }
        ChartPlan {
            candles,
            group,
            features,
            holes,
            title: title(table, labels, first_open, last_close),
            subtitle,
            open_times: table.open_time[bars.clone()].to_vec(),
            bars,
            time_style,
        }
    }

    /// The axis label of bar index `x` (absolute): `#1234 12:30:05`, or nothing between bars.
    pub fn x_label(&self, x: f64) -> String {
        let index = x.round();
        if (x - index).abs() > 1e-6 || index < self.bars.start as f64 || index >= self.bars.end as f64 {
            return String::new();
        }
        let index = index as usize;
        format!("#{index}  {}", format_time(self.open_times[index - self.bars.start], self.time_style))
    }
}

fn merge(table: &BarTable, bars: Range<usize>) -> Candle {
    let last = bars.end - 1;
    let high = table.high()[bars.clone()].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let low = table.low()[bars.clone()].iter().copied().fold(f64::INFINITY, f64::min);
    Candle {
        x: (bars.start + last) as f64 / 2.0,
        open: table.open()[bars.start],
        high,
        low,
        close: table.close()[last],
        buy_volume: table.buy_volume()[bars.clone()].iter().sum(),
        sell_volume: table.sell_volume()[bars.clone()].iter().sum(),
        complete: table.is_complete.as_ref().is_none_or(|c| c[bars].iter().all(|&v| v)),
    }
}

fn mean_of_present(values: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

/// `0.25 %` for 250 dbps (1 dbps = 0.001 %), without trailing zeros.
pub fn percent_of_dbps(dbps: u32) -> String {
    let text = format!("{}.{:03}", dbps / 1000, dbps % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn title(table: &BarTable, labels: &Labels, first_open: i64, last_close: i64) -> String {
    let symbol = labels
        .symbol
        .clone()
        .or_else(|| table.symbol.clone())
        .unwrap_or_else(|| "symbol not recorded (--symbol)".to_owned());
    let threshold = match (labels.threshold_dbps.or(table.threshold_dbps), &table.bars) {
        (None, Some(spec)) => format!("{spec} bars"),
        (Some(dbps), _) => format!("range bars {dbps} dbps ({} %)", percent_of_dbps(dbps)),
        (None, None) => "range bars (threshold not recorded: --threshold-dbps)".to_owned(),
    };
    format!(
        "{symbol} · {threshold} · {} → {} UTC",
        format_time(first_open, TimeStyle::Full),
        format_time(last_close, TimeStyle::Full)
    )
}

fn subtitle(bars: &Range<usize>, total: usize, group: usize) -> String {
    let mut text = format!("{} bars, #{}–#{} of {total}", bars.len(), bars.start, bars.end - 1);
    if group > 1 {
        text.push_str(&format!(
            " · thinned: each candle merges {group} consecutive bars (more bars than pixels), features show their mean"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_with_times(times: &[i64]) -> BarTable {
        BarTable { open_time: times.to_vec(), close_time: times.to_vec(), ..BarTable::default() }
    }

    #[test]
    fn selection_by_time_and_count() {
        let table = table_with_times(&[10, 20, 30, 40, 50]);
        let select = |from, to, last| Selection { from_us: from, to_us: to, last }.apply(&table);
        assert_eq!(select(None, None, None).unwrap(), 0..5);
        assert_eq!(select(Some(20), Some(50), None).unwrap(), 1..4);
        assert_eq!(select(Some(21), None, Some(2)).unwrap(), 3..5);
        assert_eq!(select(None, None, Some(99)).unwrap(), 0..5);
        assert!(select(Some(51), None, None).is_err());
        assert!(select(None, Some(10), None).is_err());
        assert!(select(None, None, Some(0)).is_err());
    }

    #[test]
    fn times_parse_as_utc() {
        assert_eq!(parse_time("1767225600000000"), Ok(1_767_225_600_000_000));
        assert_eq!(parse_time("2026-01-01"), Ok(1_767_225_600_000_000));
        assert_eq!(parse_time("2026-01-01T00:00:01Z"), Ok(1_767_225_601_000_000));
        assert_eq!(parse_time("2026-01-01 00:01"), Ok(1_767_225_660_000_000));
        assert_eq!(parse_time("2026-01-01T00:00:00.25"), Ok(1_767_225_600_250_000));
        assert!(parse_time("yesterday").is_err());
        assert_eq!(format_time(1_767_225_601_000_000, TimeStyle::Full), "2026-01-01 00:00:01");
    }

    #[test]
    fn percent_text() {
        assert_eq!(percent_of_dbps(250), "0.25");
        assert_eq!(percent_of_dbps(10), "0.01");
        assert_eq!(percent_of_dbps(1000), "1");
        assert_eq!(percent_of_dbps(1), "0.001");
    }
}
