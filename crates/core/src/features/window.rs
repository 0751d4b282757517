//! The window features: one function computing the same set on any run of records.
//!
//! It is applied to the bar's own records (`intra_*`) and to the lookback records (`lookback_*`).
//! Sums over prices, quantities and times are exact integers; the float estimators (moments, OLS,
//! permutation entropy, Hurst) are the `barsmith-kernels` ones, run on `f64` columns filled from the
//! record history in a reusable scratch.

use crate::features::config::FeatureConfig;
use crate::features::history::{RecordHistory, Segment, is_buy};
use crate::features::window_stream::{STREAM_FROM, streamed_estimators, streamed_moments};
use barsmith_kernels::Kernels;

/// A run of records as parallel columns (raw fixed-point prices and quantities, µs timestamps).
#[derive(Clone, Copy, Debug)]
pub struct WindowRecords<'a> {
    /// Raw prices (scale 10^8).
    pub price: &'a [i64],
    /// Raw quantities (scale 10^8).
    pub quantity: &'a [i64],
    /// Timestamps (µs), non-decreasing.
    pub time_us: &'a [i64],
    /// `true` for a buy (the aggressor bought, i.e. not buyer-maker).
    pub is_buy: &'a [bool],
}

impl WindowRecords<'_> {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.price.len()
    }

    /// `true` when the window holds no record.
    pub fn is_empty(&self) -> bool {
        self.price.is_empty()
    }
}

/// The window features; `None` is a value undefined for the window (see `docs/FEATURES.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WindowFeatures {
    /// Number of records `n`.
    pub record_count: u64,
    /// `t_n − t_1` (µs); null for an empty window.
    pub duration_us: Option<i64>,
    /// `n` per second of duration; null if the duration is 0.
    pub record_intensity: Option<f64>,
    /// `(Σv_buy − Σv_sell)/Σv`.
    pub ofi: Option<f64>,
    /// `(#buy − #sell)/n` over records.
    pub record_imbalance: Option<f64>,
    /// `Σ p·v / Σ v` from the exact integer sums.
    pub vwap: Option<f64>,
    /// `(vwap − min p)/(max p − min p)`.
    pub vwap_position: Option<f64>,
    /// OLS slope of `ln(p_i/p_{i−1})` on the record's signed quantity.
    pub kyle_lambda: Option<f64>,
    /// `(σ − μ)/(σ + μ)` of the inter-arrival times.
    pub burstiness: Option<f64>,
    /// Population skewness of the quantities.
    pub volume_skew: Option<f64>,
    /// Population excess kurtosis of the quantities.
    pub volume_kurt: Option<f64>,
    /// `(max p − min p)/p_1`.
    pub price_range: Option<f64>,
    /// Garman–Klass volatility with `O = p_1`, `C = p_n`, `H`, `L` of the window.
    pub garman_klass_vol: Option<f64>,
    /// Kaufman efficiency ratio `|p_n − p_1| / Σ|p_{i+1} − p_i|`.
    pub kaufman_er: Option<f64>,
    /// Normalised permutation entropy of the prices.
    pub permutation_entropy: Option<f64>,
    /// DFA exponent of the log returns.
    pub hurst_dfa: Option<f64>,
    /// Corrected R/S exponent of the log returns.
    pub hurst_rs: Option<f64>,
    /// `max(1 − p_i / running max)`.
    pub max_drawdown: Option<f64>,
    /// `max(1 − running min / p_i)`.
    pub max_runup: Option<f64>,
}

/// Reusable columns, so that computing a window allocates nothing in the steady state. Buffers that grew
/// beyond [`KEEP_SCRATCH`] elements for a long window are freed after it, so a single long bar does not
/// keep its memory for the rest of the stream.
#[derive(Clone, Debug, Default)]
pub(crate) struct WindowScratch {
    /// The quantities of a window that spans several history chunks.
    quantities: Vec<i64>,
    /// The prices (for permutation entropy), then the log returns.
    series: Vec<f64>,
    signed_quantities: Vec<f64>,
}

/// Elements a scratch buffer keeps between windows.
const KEEP_SCRATCH: usize = 1 << 16;

impl WindowScratch {
    fn release_large(&mut self) {
        fn release<T>(buffer: &mut Vec<T>) {
            if buffer.capacity() > KEEP_SCRATCH {
                *buffer = Vec::new();
            }
        }
        release(&mut self.quantities);
        release(&mut self.series);
        release(&mut self.signed_quantities);
    }
}

/// The exact integer summary of a window, gathered in one pass.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct IntegerSummary {
    first_price: i64,
    last_price: i64,
    low: i64,
    high: i64,
    volume: i128,
    buy_volume: i128,
    buys: u64,
    turnover: i128,
    /// Σ |p_{i+1} − p_i|.
    path: i128,
    /// Σ Δt of the inter-arrival times: `t_n − t_1`.
    duration: i128,
    /// Σ Δt² of the inter-arrival times.
    gap_squares: i128,
    /// `(p, running max)` at the deepest drawdown (smallest ratio p / max).
    drawdown: (i64, i64),
    /// `(running min, p)` at the highest run-up (smallest ratio min / p).
    runup: (i64, i64),
}

impl IntegerSummary {
    /// The summary of the held records `[from, to)` (at least one).
    fn of(history: &RecordHistory, from: u64, to: u64) -> IntegerSummary {
        let p0 = history.segments(from, to).next().expect("a window holds at least one record").price[0];
        let mut s = IntegerSummary::starting(p0);
        for segment in history.segments(from, to) {
            let columns = segment.price.iter().zip(segment.quantity).zip(segment.packed).enumerate();
            for (i, ((&p, &q), &packed)) in columns {
                let position = segment.position + i as u64;
                // The first record's gap reaches outside the window.
                let gap = if position == from { 0 } else { i128::from(history.gap(position, packed)) };
                s.add(p, q, gap, is_buy(packed));
            }
        }
        s
    }

    /// The summary before any record of a window whose first price is `p0` (then add every record, the
    /// first one with gap 0).
    pub(crate) fn starting(p0: i64) -> IntegerSummary {
        IntegerSummary {
            first_price: p0,
            last_price: p0,
            low: p0,
            high: p0,
            volume: 0,
            buy_volume: 0,
            buys: 0,
            turnover: 0,
            path: 0,
            duration: 0,
            gap_squares: 0,
            drawdown: (p0, p0),
            runup: (p0, p0),
        }
    }

    /// The lowest price so far.
    pub(crate) fn low(&self) -> i64 {
        self.low
    }

    #[inline]
    pub(crate) fn add(&mut self, p: i64, q: i64, gap: i128, buy: bool) {
        let s = self;
        s.high = s.high.max(p);
        s.low = s.low.min(p);
        let q = i128::from(q);
        s.volume += q;
        s.buy_volume += if buy { q } else { 0 };
        s.buys += u64::from(buy);
        s.turnover += i128::from(p) * q;
        s.path += i128::from((p - s.last_price).abs());
        s.duration += gap;
        s.gap_squares += gap * gap;
        s.last_price = p;
        // p / high < best_p / best_high, compared exactly (prices are positive when used).
        if i128::from(p) * i128::from(s.drawdown.1) < i128::from(s.drawdown.0) * i128::from(s.high) {
            s.drawdown = (p, s.high);
        }
        if i128::from(s.low) * i128::from(s.runup.1) < i128::from(s.runup.0) * i128::from(p) {
            s.runup = (s.low, p);
        }
    }
}

/// Computes every window feature enabled in `config` for the held records `[from, to)` of `history`.
pub(crate) fn compute_window(
    history: &RecordHistory,
    (from, to): (u64, u64),
    config: &FeatureConfig,
    kernels: &Kernels,
    scratch: &mut WindowScratch,
) -> WindowFeatures {
    let n = (to - from) as usize;
    if n == 0 {
        return WindowFeatures::default();
    }
    let summary = IntegerSummary::of(history, from, to);
    let mut features = exact_features(n, &summary);
    let positive = summary.low > 0;
    if n > STREAM_FROM {
        if let Some(moments) = streamed_moments(history, (from, to)).filter(|m| m.count >= 2 && m.m2 > 0.0) {
            features.volume_skew = finite(moments.skewness());
            features.volume_kurt = finite(moments.excess_kurtosis());
        }
        streamed_estimators(history, (from, to), config, positive, &mut features);
        return features;
    }
    let moments = match single_segment(history, from, to) {
        Some(segment) => kernels.moments_i64(segment.quantity),
        None => {
            scratch.quantities.clear();
            history.segments(from, to).for_each(|s| scratch.quantities.extend_from_slice(s.quantity));
            let moments = kernels.moments_i64(&scratch.quantities);
            scratch.release_large();
            moments
        }
    };
    if let Some(moments) = moments.filter(|m| m.count >= 2 && m.m2 > 0.0) {
        features.volume_skew = finite(moments.skewness());
        features.volume_kurt = finite(moments.excess_kurtosis());
    }
    if config.permutation_entropy && n >= config.pe_min_records {
        fill_prices(history, (from, to), &mut scratch.series);
        features.permutation_entropy =
            kernels.permutation_entropy(&scratch.series, config.pe_order, 1).and_then(finite);
    }
    // One buffer holds the prices, then the returns; the signed quantities are filled only for Kyle's lambda,
    // after the Hurst kernels have returned their working memory.
    let hurst = config.hurst && n >= config.hurst_min_records;
    if positive && (n >= 3 || hurst) {
        fill_returns(history, (from, to), &mut scratch.series);
        if hurst {
            features.hurst_dfa = kernels.hurst_dfa(&scratch.series, None).and_then(finite);
            features.hurst_rs = kernels.hurst_rs(&scratch.series, None).and_then(finite);
        }
        if n >= 3 {
            fill_signed_quantities(history, (from, to), &mut scratch.signed_quantities);
            features.kyle_lambda = kernels.kyle_lambda(&scratch.series, &scratch.signed_quantities).and_then(finite);
        }
    }
    scratch.release_large();
    features
}

/// The window as one segment, when it lies inside one history chunk.
fn single_segment(history: &RecordHistory, from: u64, to: u64) -> Option<Segment<'_>> {
    let mut segments = history.segments(from, to);
    let first = segments.next()?;
    segments.next().is_none().then_some(first)
}

/// `Some(x)` for a finite `x`: an estimator that cannot give a number gives null, never NaN.
pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The features that are closed forms of the exact integer summary of `n` records.
pub(crate) fn exact_features(n: usize, s: &IntegerSummary) -> WindowFeatures {
    let (first_price, last_price) = (s.first_price, s.last_price);
    let duration_us = s.duration as i64;
    let positive = s.low > 0;
    let ratio = |numerator: i128, denominator: i128| (denominator != 0).then(|| numerator as f64 / denominator as f64);
    // vwap = turnover / volume exactly: integer quotient plus the fraction of the remainder.
    let vwap_raw = (s.volume > 0).then(|| {
        let (quotient, remainder) = (s.turnover / s.volume, s.turnover % s.volume);
        (quotient, remainder as f64 / s.volume as f64)
    });
    let range = i128::from(s.high) - i128::from(s.low);
    // Burstiness: with m gaps, σ·m = sqrt(m·ΣΔt² − (ΣΔt)²) and μ·m = ΣΔt; the m cancels.
    let gaps = n as i128 - 1;
    let sum_gaps = i128::from(duration_us);
    let spread = ((gaps * s.gap_squares - sum_gaps * sum_gaps) as f64).sqrt();
    let log_ratio = |a: i64, b: i64| ((a - b) as f64 / b as f64).ln_1p();
    WindowFeatures {
        record_count: n as u64,
        duration_us: Some(duration_us),
        record_intensity: (duration_us > 0).then(|| n as f64 / (duration_us as f64 * 1e-6)),
        ofi: ratio(s.buy_volume - (s.volume - s.buy_volume), s.volume),
        record_imbalance: ratio(2 * i128::from(s.buys) - n as i128, n as i128),
        vwap: vwap_raw.map(|(q, fraction)| (q as f64 + fraction) / crate::fixed_point::SCALE as f64),
        vwap_position: vwap_raw
            .filter(|_| range > 0)
            .map(|(q, fraction)| ((q - i128::from(s.low)) as f64 + fraction) / range as f64),
        burstiness: (gaps >= 1 && spread + sum_gaps as f64 > 0.0)
            .then(|| (spread - sum_gaps as f64) / (spread + sum_gaps as f64)),
        price_range: positive.then(|| range as f64 / first_price as f64),
        garman_klass_vol: positive.then(|| {
            let (high_low, close_open) = (log_ratio(s.high, s.low), log_ratio(last_price, first_price));
            let coefficient = 2.0 * std::f64::consts::LN_2 - 1.0;
            (0.5 * high_low * high_low - coefficient * close_open * close_open).sqrt()
        }),
        kaufman_er: ratio((i128::from(last_price) - i128::from(first_price)).abs(), s.path),
        max_drawdown: positive
            .then(|| ratio(i128::from(s.drawdown.1 - s.drawdown.0), i128::from(s.drawdown.1)))
            .flatten(),
        max_runup: positive.then(|| ratio(i128::from(s.runup.1 - s.runup.0), i128::from(s.runup.1))).flatten(),
        ..WindowFeatures::default()
    }
}

/// The raw prices as `f64` (exact below 2^53).
fn fill_prices(history: &RecordHistory, (from, to): (u64, u64), out: &mut Vec<f64>) {
    out.clear();
    for segment in history.segments(from, to) {
        out.extend(segment.price.iter().map(|&p| p as f64));
    }
}

/// The log returns `ln(p_i/p_{i−1}) = ln_1p((p_i − p_{i−1})/p_{i−1})`, i = 2..n (prices positive).
fn fill_returns(history: &RecordHistory, (from, to): (u64, u64), out: &mut Vec<f64>) {
    out.clear();
    let mut previous: Option<i64> = None;
    for segment in history.segments(from, to) {
        for &p in segment.price {
            if let Some(q) = previous {
                out.push(((p - q) as f64 / q as f64).ln_1p());
            }
            previous = Some(p);
        }
    }
}

/// The signed quantity (in units, not raw) of records i = 2..n: positive for a buy.
fn fill_signed_quantities(history: &RecordHistory, (from, to): (u64, u64), out: &mut Vec<f64>) {
    out.clear();
    let unit = crate::fixed_point::SCALE as f64;
    for segment in history.segments(from, to) {
        let skip = usize::from(segment.position == from);
        let records = segment.quantity.iter().zip(segment.packed).skip(skip);
        out.extend(records.map(|(&q, &packed)| if is_buy(packed) { q as f64 / unit } else { -(q as f64) / unit }));
    }
}

/// The window features of `records` under `config` (copies the records into a history first; the
/// pipeline computes its windows in place).
pub fn window_features(records: &WindowRecords<'_>, config: &FeatureConfig, kernels: &Kernels) -> WindowFeatures {
    let history = RecordHistory::of_records(records);
    compute_window(&history, (0, records.len() as u64), config, kernels, &mut WindowScratch::default())
}
