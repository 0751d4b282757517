//! Deterministic, realistic synthetic aggTrades (`barsmith gen`).
//!
//! The model is calibrated on the first 5 000 rows of Binance spot BTCUSDT aggTrades for
//! 2026-01-01 (see `docs/GENERATOR.md` for the statistics matched):
//! * prices on a 0.01 tick grid, a random walk whose step scale switches between volatility regimes;
//! * bursts of same-timestamp *sweeps*: one aggressor walking the book in one direction;
//! * log-normal quantities on a 10^-5 lot grid;
//! * 1–3 individual trades per record; persistent aggressor side;
//! * log-normal inter-arrival times and occasional long time gaps.
//!
//! The same seed always gives the same trades, byte for byte.

use std::io::{self, Write};

use barsmith_core::{FixedPoint, Trade};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, LogNormal};

pub mod walk;
use walk::Walk;

/// Raw fixed-point value of one price tick (0.01).
const TICK: i64 = 1_000_000;
/// Raw fixed-point value of one quantity lot (0.00001).
const LOT: i64 = 1_000;

/// The file layout to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFormat {
    /// Binance spot: 8 columns, no header, microsecond timestamps, `True`/`False`.
    Spot,
    /// Binance USD-M futures: 7 columns, header row, millisecond timestamps, `true`/`false`.
    Um,
}

impl GenFormat {
    /// Every layout, in the order `--help` lists them.
    pub const ALL: [GenFormat; 2] = [GenFormat::Spot, GenFormat::Um];

    /// The lower-case name (`spot`, `um`) that [`str::parse`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            GenFormat::Spot => "spot",
            GenFormat::Um => "um",
        }
    }
}

impl std::str::FromStr for GenFormat {
    type Err = crate::Error;

    fn from_str(text: &str) -> Result<GenFormat, crate::Error> {
        GenFormat::ALL
            .into_iter()
            .find(|format| format.name() == text)
            .ok_or_else(|| crate::Error::usage(format!("unknown generator format {text:?} (expected spot or um)")))
    }
}

impl std::fmt::Display for GenFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parameters of the synthetic stream.
#[derive(Clone, Debug, PartialEq)]
pub struct GenConfig {
    /// Seed of the random stream.
    pub seed: u64,
    /// Number of aggTrades records to produce.
    pub trades: u64,
    /// Price of the first record.
    pub start_price: FixedPoint,
    /// Timestamp of the first record (µs).
    pub start_time_us: i64,
    /// agg_trade_id of the first record.
    pub first_agg_trade_id: i64,
    /// first_trade_id of the first record.
    pub first_trade_id: i64,
    /// Probability that an event is a same-timestamp sweep.
    pub sweep_probability: f64,
    /// Probability of a long time gap (30 s – 10 min) before an event.
    pub gap_probability: f64,
    /// Probability per event of a flash crash: a fast 3–8 % fall followed by a partial recovery.
    pub flash_crash_probability: f64,
    /// Price grid (every price is a multiple of it); default 0.01.
    pub tick: FixedPoint,
    /// The stream ends before the first record at or after this time (µs), if it has not ended before.
    pub end_time_us: Option<i64>,
    /// Daily standard deviation of log returns (0.025 = 2.5 %), or `None` for the sample model alone: the
    /// stream of earlier versions, in ticks, whose long-run volatility is ~0.44 % a day at BTC's price.
    /// With a value, prices move relative to the price (any price scale and tick) and a persistent trend
    /// brings the daily volatility to the value (see [`walk`] and `docs/GENERATOR.md`).
    pub volatility: Option<f64>,
    /// Mean records per day of time (`None`: the calibration sample's rate, [`walk::DEFAULT_RECORDS_PER_DAY`]).
    /// Only with [`volatility`](Self::volatility) set.
    pub records_per_day: Option<f64>,
}

impl Default for GenConfig {
    fn default() -> GenConfig {
        GenConfig {
            seed: 42,
            trades: 100_000,
            start_price: FixedPoint(8_764_821_000_000),
            start_time_us: 1_767_225_600_000_000, // 2026-01-01T00:00:00Z
            first_agg_trade_id: 1_000_000_000,
            first_trade_id: 5_000_000_000,
            sweep_probability: 0.045,
            gap_probability: 0.000_2,
            flash_crash_probability: 0.0,
            tick: FixedPoint(TICK),
            end_time_us: None,
            volatility: None,
            records_per_day: None,
        }
    }
}

/// Volatility regimes: multiplier of the jump size, and the chance per event to leave the regime.
const REGIMES: [(f64, f64); 3] = [(0.5, 0.000_5), (1.0, 0.000_5), (3.0, 0.002)];
/// Share of events with no price change, and with a one-tick change (either way); the rest jump.
const STILL_SHARE: f64 = 0.40;
const ONE_TICK_SHARE: f64 = 0.30;

/// An infinite, deterministic iterator of synthetic trades (take `config.trades` of them).
#[derive(Debug)]
pub struct TradeGenerator {
    config: GenConfig,
    rng: ChaCha12Rng,
    produced: u64,
    /// The end time was reached.
    ended: bool,
    walk: Walk,
    time_us: i64,
    agg_id: i64,
    trade_id: i64,
    regime: usize,
    sell_side: bool,
    /// Remaining records of the current sweep and its direction in ticks per record.
    sweep: Option<(u32, i64)>,
    /// Remaining records of a flash crash and their drift in ticks per record.
    crash: Option<(u32, f64)>,
    quantity: LogNormal<f64>,
    jump: LogNormal<f64>,
    inter_arrival: LogNormal<f64>,
}

impl TradeGenerator {
    /// A generator for `config`.
    pub fn new(config: GenConfig) -> TradeGenerator {
        let mut rng = ChaCha12Rng::seed_from_u64(config.seed);
        let mut walk = Walk::new(&config);
        walk.start(&mut rng);
        TradeGenerator {
            rng,
            produced: 0,
            ended: false,
            walk,
            time_us: config.start_time_us,
            agg_id: config.first_agg_trade_id,
            trade_id: config.first_trade_id,
            regime: 1,
            sell_side: false,
            sweep: None,
            crash: None,
            // ln(quantity in BTC): mean -6.9, sd 2.2 (measured on the sample).
            quantity: LogNormal::new(-6.9, 2.2).expect("valid log-normal"),
            // Jumps: median 30 ticks, heavy tail; with the shares above, ~45 ticks per-record sd.
            jump: LogNormal::new(30f64.ln(), 1.1).expect("valid log-normal"),
            // Inter-arrival between distinct timestamps: median ~78 ms, mean ~235 ms.
            inter_arrival: LogNormal::new(11.27, 1.45).expect("valid log-normal"),
            config,
        }
    }

    fn next_trade(&mut self) -> Trade {
        let same_time = self.advance_event();
        if !same_time {
            let sample = self.inter_arrival.sample(&mut self.rng);
            self.pass_time(self.walk.scale_time(sample).clamp(1.0, self.walk.scale_time(5e6)) as i64);
        }
        let quantity_btc = self.quantity.sample(&mut self.rng).min(50.0);
        let quantity = ((quantity_btc * 1e8) as i64 / LOT).max(1) * LOT;
        let individual = match self.rng.random_range(0..100) {
            0..75 => 1,
            75..85 => 2,
            _ => 3,
        };
        let trade = Trade {
            agg_trade_id: self.agg_id,
            price: self.walk.price(self.config.tick.0.max(1)),
            quantity: FixedPoint(quantity),
            first_trade_id: self.trade_id,
            last_trade_id: self.trade_id + individual - 1,
            timestamp_us: self.time_us,
            is_buyer_maker: self.sell_side,
        };
        self.agg_id += 1;
        self.trade_id += individual;
        trade
    }

    /// Moves price, side and regime to the next record; returns `true` when it shares the previous
    /// record's timestamp (inside a sweep).
    fn advance_event(&mut self) -> bool {
        if let Some((left, step)) = self.sweep {
            self.sweep = (left > 1).then_some((left - 1, step));
            let jump = step * self.rng.random_range(0..=2);
            self.walk.shift(jump as f64, 0.0);
            return true;
        }
        if self.rng.random_bool(self.config.gap_probability) {
            let gap: i64 = self.rng.random_range(30_000_000..600_000_000);
            self.pass_time(gap);
        }
        let (scale, leave) = REGIMES[self.regime];
        if self.rng.random_bool(leave) {
            self.regime = self.rng.random_range(0..REGIMES.len());
        }
        if self.rng.random_bool(0.2) {
            self.sell_side = !self.sell_side;
        }
        let mut drift = 0.0;
        if let Some((left, per_record)) = self.crash {
            self.crash = (left > 1).then_some((left - 1, per_record));
            drift = per_record;
        } else if self.config.flash_crash_probability > 0.0 && self.rng.random_bool(self.config.flash_crash_probability)
        {
            let fraction = self.rng.random_range(0.03..0.08);
            let records = self.rng.random_range(200..800);
            self.crash = Some((records, self.walk.crash_drift(fraction, records)));
        }
        let step = self.price_step(scale);
        self.walk.shift(step, drift);
        if self.rng.random_bool(self.config.sweep_probability) {
            let length = self.rng.random_range(1..12);
            let direction = if self.sell_side { -1 } else { 1 };
            self.sweep = Some((length, direction));
        }
        false
    }
}

impl TradeGenerator {
    /// A price change in ticks: none, one tick, or a heavy-tailed jump scaled by the regime.
    fn price_step(&mut self, scale: f64) -> f64 {
        let sign = if self.rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let u: f64 = self.rng.random();
        if u < STILL_SHARE {
            0.0
        } else if u < STILL_SHARE + ONE_TICK_SHARE {
            sign
        } else {
            sign * self.walk.jump(self.jump.sample(&mut self.rng) * scale)
        }
    }

    /// Advances the clock by `dt_us` (the trend of the relative walk moves with it).
    fn pass_time(&mut self, dt_us: i64) {
        self.time_us += dt_us;
        self.walk.pass_time(dt_us, &mut self.rng);
    }
}

impl Iterator for TradeGenerator {
    type Item = Trade;
    fn next(&mut self) -> Option<Trade> {
        if self.produced >= self.config.trades || self.ended {
            return None;
        }
        let trade = self.next_trade();
        if self.config.end_time_us.is_some_and(|end| trade.timestamp_us >= end) {
            self.ended = true;
            return None;
        }
        self.produced += 1;
        Some(trade)
    }
}

/// Header row of the USD-M futures layout.
pub const UM_HEADER: &str = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker";

/// Writes one trade as a CSV row in `format`.
pub fn write_row(out: &mut impl Write, trade: &Trade, format: GenFormat) -> io::Result<()> {
    match format {
        GenFormat::Spot => writeln!(
            out,
            "{},{},{},{},{},{},{},True",
            trade.agg_trade_id,
            trade.price,
            trade.quantity,
            trade.first_trade_id,
            trade.last_trade_id,
            trade.timestamp_us,
            if trade.is_buyer_maker { "True" } else { "False" }
        ),
        GenFormat::Um => writeln!(
            out,
            "{},{},{},{},{},{},{}",
            trade.agg_trade_id,
            trim_decimal(&trade.price.to_string()),
            trim_decimal(&trade.quantity.to_string()),
            trade.first_trade_id,
            trade.last_trade_id,
            trade.timestamp_us / 1000,
            trade.is_buyer_maker
        ),
    }
}

/// Drops trailing fractional zeros (`87648.20000000` → `87648.2`, `3.00000000` → `3`), as futures files do.
fn trim_decimal(text: &str) -> &str {
    text.trim_end_matches('0').trim_end_matches('.')
}

/// Writes `config.trades` synthetic records in `format` (with the header row for [`GenFormat::Um`]).
pub fn write_trades(out: &mut impl Write, config: &GenConfig, format: GenFormat) -> io::Result<u64> {
    if format == GenFormat::Um {
        writeln!(out, "{UM_HEADER}")?;
    }
    let mut written = 0;
    for trade in TradeGenerator::new(config.clone()) {
        write_row(out, &trade, format)?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_strict_order() {
        let config = GenConfig { trades: 20_000, ..GenConfig::default() };
        let a: Vec<Trade> = TradeGenerator::new(config.clone()).collect();
        let b: Vec<Trade> = TradeGenerator::new(config).collect();
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| (w[0].timestamp_us, w[0].agg_trade_id) < (w[1].timestamp_us, w[1].agg_trade_id)));
        assert!(a.windows(2).all(|w| w[1].first_trade_id == w[0].last_trade_id + 1));
        assert!(a.iter().all(|t| t.price.0 % TICK == 0 && t.price.0 > 0 && t.quantity.0 > 0));
    }

    #[test]
    fn statistics_resemble_the_calibration_sample() {
        let trades: Vec<Trade> = TradeGenerator::new(GenConfig { trades: 200_000, ..GenConfig::default() }).collect();
        let n = trades.len() as f64;
        let same_ts = trades.windows(2).filter(|w| w[0].timestamp_us == w[1].timestamp_us).count() as f64 / n;
        let sells = trades.iter().filter(|t| t.is_buyer_maker).count() as f64 / n;
        let singles = trades.iter().filter(|t| t.individual_trade_count() == 1).count() as f64 / n;
        assert!((0.15..0.5).contains(&same_ts), "same-timestamp share {same_ts}");
        assert!((0.3..0.7).contains(&sells), "sell share {sells}");
        assert!((0.65..0.85).contains(&singles), "single-trade share {singles}");
    }

    #[test]
    fn um_rows_use_milliseconds_and_lowercase_booleans() {
        let trade = TradeGenerator::new(GenConfig::default()).next().unwrap();
        let mut row = Vec::new();
        write_row(&mut row, &trade, GenFormat::Um).unwrap();
        let text = String::from_utf8(row).unwrap();
        let fields: Vec<&str> = text.trim_end().split(',').collect();
        assert_eq!(fields.len(), 7);
        assert_eq!(fields[5], (trade.timestamp_us / 1000).to_string());
        assert!(fields[6] == "true" || fields[6] == "false");
    }
}
