//! How the generated price moves: in ticks (the sample model, byte for byte as earlier versions wrote it), or
//! relative to the price with a persistent trend that sets the daily volatility (`GenConfig::volatility`).
//!
//! Where the numbers come from (see also `docs/GENERATOR.md`):
//! * the per-record steps (40 % none, 30 % one tick, 30 % heavy-tailed jumps, sweeps, regimes) and the arrival
//!   times are the sample model's, calibrated on the first 5 000 rows of Binance spot BTCUSDT aggTrades of
//!   2026-01-01; in the relative walk a "tick" is the sample's tick as a fraction of the sample's price;
//! * their variance per event and the events per day follow from the model's distributions (below), so the
//!   relative walk knows how much daily variance the steps alone make (~0.44 % a day);
//! * the trend (an Ornstein–Uhlenbeck drift with a 5-minute memory) adds the rest of `volatility²`: locally
//!   straight, so short stretches keep the sample's texture, and a random walk over hours and days.

use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, StandardNormal};

use barsmith_core::FixedPoint;

use super::GenConfig;

/// Microseconds in a day.
pub const DAY_US: f64 = 86_400e6;
/// One tick (0.01) of the calibration sample's first price (87 648.21), as a fraction of the price.
pub const REFERENCE_TICK: f64 = 0.01 / 87_648.21;
/// Mean time from one event (a record that does not continue a sweep) to the next in the sample model, µs:
/// the log-normal(11.27, 1.45) inter-arrival clamped to 1 µs–5 s (217 215 µs) plus the gaps (probability
/// 0.0002 of 30–600 s: 63 000 µs).
pub const SAMPLE_EVENT_US: f64 = ARRIVAL_US + GAP_US;
/// The inter-arrival part of [`SAMPLE_EVENT_US`] (scaled to set the rate) and the gaps' part (outages: not scaled).
const ARRIVAL_US: f64 = 217_215.0;
const GAP_US: f64 = 63_000.0;
/// Records per event: one, plus sweeps (probability 0.045 of 1–11 more records, 6 on average).
pub const RECORDS_PER_EVENT: f64 = 1.27;
/// Records per day of the sample model: 86 400 s / 0.280 215 s × 1.27 ≈ 391 600.
pub const SAMPLE_RECORDS_PER_DAY: f64 = DAY_US / SAMPLE_EVENT_US * RECORDS_PER_EVENT;
/// Default records per day of the relative walk: the calibration sample's rate, 4 999 intervals between its
/// 5 000 rows in 739.308 s (00:00:00.039–00:12:19.347 UTC) ≈ 584 200 a day.
pub const DEFAULT_RECORDS_PER_DAY: f64 = 4_999.0 * DAY_US / 739_307_988.0;
/// Variance of one event's step in reference ticks², without the jumps: 30 % one tick.
const ONE_TICK_VARIANCE: f64 = 0.3;
/// … of the jumps: 30 % of events × E[J²] of log-normal(ln 30, 1.1) (900·e^2.42 = 10 121) × the regimes'
/// mean squared factor (stationary shares 4/9, 4/9, 1/9 of 0.5², 1², 3²: 1.5556).
const JUMP_VARIANCE: f64 = 0.3 * 10_121.27 * 1.555_556;
/// … of the sweeps: probability 0.045 × E[(sum of 1–11 steps of 0–2 ticks)²] ≈ 50.
const SWEEP_VARIANCE: f64 = 2.25;
/// Memory of the trend (correlation time of the drift), µs: 5 minutes. A modelling choice, not a measurement:
/// below it the trend is nearly straight, above it the price is a random walk at the daily volatility.
pub const TREND_TIME_US: f64 = 300e6;

/// The price process.
#[derive(Debug)]
pub(super) enum Walk {
    /// The sample model: the price in ticks, steps in ticks.
    Ticks(i64),
    /// Relative steps and a trend.
    Relative(Relative),
}

/// State of the relative walk.
#[derive(Debug)]
pub(super) struct Relative {
    /// ln of the raw fixed-point price (not rounded to the tick).
    ln_price: f64,
    /// Factor on the jumps (1 unless the volatility is below what the steps alone make).
    jump_factor: f64,
    /// Drift of ln price per µs, and its stationary variance.
    drift: f64,
    drift_variance: f64,
    /// Factor on the inter-arrival times (not on the gaps), from the configured records per day.
    time_factor: f64,
}

/// Daily variance of ln price that the steps alone make at `events_per_day`, with jumps scaled by `factor`.
fn step_variance_per_day(events_per_day: f64, factor: f64) -> f64 {
    (ONE_TICK_VARIANCE + SWEEP_VARIANCE + JUMP_VARIANCE * factor * factor) * events_per_day * REFERENCE_TICK.powi(2)
}

impl Walk {
    pub(super) fn new(config: &GenConfig) -> Walk {
        let tick = config.tick.0.max(1);
        let start_ticks = (config.start_price.0 / tick).max(1);
        let Some(sigma) = config.volatility else { return Walk::Ticks(start_ticks) };
        let records_per_day = config.records_per_day.unwrap_or(DEFAULT_RECORDS_PER_DAY);
        let event_us = DAY_US * RECORDS_PER_EVENT / records_per_day;
        let time_factor = ((event_us - GAP_US) / ARRIVAL_US).max(1e-3);
        let events_per_day = DAY_US / (ARRIVAL_US * time_factor + GAP_US);
        let target = sigma * sigma;
        let steps = step_variance_per_day(events_per_day, 1.0);
        let (jump_factor, trend_variance) = if target >= steps {
            (1.0, target - steps)
        } else {
            let fixed = step_variance_per_day(events_per_day, 0.0);
            (((target - fixed).max(0.0) / (steps - fixed)).sqrt(), 0.0)
        };
        // Over T ≫ τ, the integral of an OU drift of stationary variance V has variance 2·V·τ·T.
        let drift_variance = trend_variance / (2.0 * TREND_TIME_US * DAY_US);
        Walk::Relative(Relative {
            ln_price: ((start_ticks * tick) as f64).ln(),
            jump_factor,
            drift: 0.0,
            drift_variance,
            time_factor,
        })
    }

    /// The current price on the grid of `tick` (at least one tick).
    pub(super) fn price(&self, tick: i64) -> FixedPoint {
        match self {
            Walk::Ticks(ticks) => FixedPoint(ticks * tick),
            Walk::Relative(walk) => FixedPoint(((walk.ln_price.exp() / tick as f64).round() as i64).max(1) * tick),
        }
    }

    /// A jump of `size` (log-normal × regime factor) in reference ticks: rounded, at least one, in ticks;
    /// scaled and unrounded in the relative walk.
    pub(super) fn jump(&self, size: f64) -> f64 {
        match self {
            Walk::Ticks(_) => ((size.round() as i64).max(1)) as f64,
            Walk::Relative(walk) => size * walk.jump_factor,
        }
    }

    /// Moves the price by `step` reference ticks plus a crash's `drift` (rounded in ticks).
    pub(super) fn shift(&mut self, step: f64, drift: f64) {
        match self {
            Walk::Ticks(ticks) => *ticks = (*ticks + step as i64 + drift.round() as i64).max(1),
            Walk::Relative(walk) => walk.ln_price += (step + drift) * REFERENCE_TICK,
        }
    }

    /// A flash crash's drift per record, in reference ticks: a fall by `fraction` over `records`.
    pub(super) fn crash_drift(&self, fraction: f64, records: u32) -> f64 {
        match self {
            Walk::Ticks(ticks) => -(fraction * *ticks as f64) / f64::from(records),
            Walk::Relative(_) => (1.0 - fraction).ln() / REFERENCE_TICK / f64::from(records),
        }
    }

    /// A time step of the sample model (µs) at the configured rate.
    pub(super) fn scale_time(&self, sample_us: f64) -> f64 {
        match self {
            Walk::Ticks(_) => sample_us,
            Walk::Relative(walk) => sample_us * walk.time_factor,
        }
    }

    /// Lets `dt_us` pass: the trend moves the price and its drift evolves (nothing in ticks).
    pub(super) fn pass_time(&mut self, dt_us: i64, rng: &mut ChaCha12Rng) {
        let Walk::Relative(walk) = self else { return };
        if walk.drift_variance == 0.0 || dt_us <= 0 {
            return;
        }
        // Steps of at most τ/16, so that the drift is nearly constant over each (a gap can last many τ).
        let mut left = dt_us as f64;
        while left > 0.0 {
            let dt = left.min(TREND_TIME_US / 16.0);
            left -= dt;
            let keep = (-dt / TREND_TIME_US).exp();
            let noise: f64 = StandardNormal.sample(rng);
            let next = keep * walk.drift + (walk.drift_variance * (1.0 - keep * keep)).sqrt() * noise;
            walk.ln_price += 0.5 * (walk.drift + next) * dt;
            walk.drift = next;
        }
    }

    /// Draws the first drift from its stationary distribution (nothing in ticks).
    pub(super) fn start(&mut self, rng: &mut ChaCha12Rng) {
        if let Walk::Relative(walk) = self {
            let noise: f64 = StandardNormal.sample(rng);
            walk.drift = walk.drift_variance.sqrt() * noise;
        }
    }
}
