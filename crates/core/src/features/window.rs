//! The window features: one function computing the same set on any run of records.
//!
//! It is applied to the bar's own records (`intra_*`) and to the lookback records (`lookback_*`).
//! Sums over prices, quantities and times are exact integers; the float estimators (moments, OLS,
//! permutation entropy, Hurst) are the `barsmith-kernels` ones, run on `f64` columns filled once per
//! window in a reusable scratch.

use crate::features::config::FeatureConfig;
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
    pub trade_count: u64,
    /// `t_n − t_1` (µs); null for an empty window.
    pub duration_us: Option<i64>,
    /// `n` per second of duration; null if the duration is 0.
    pub intensity: Option<f64>,
    /// `(Σv_buy − Σv_sell)/Σv`.
    pub ofi: Option<f64>,
    /// `(#buy − #sell)/n` over records.
    pub count_imbalance: Option<f64>,
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

/// Reusable `f64` columns, so that computing a window allocates nothing in the steady state.
#[derive(Clone, Debug, Default)]
pub(crate) struct WindowScratch {
    prices: Vec<f64>,
    returns: Vec<f64>,
    signed_quantities: Vec<f64>,
}

/// The exact integer summary of a window, gathered in one pass.
#[derive(Clone, Copy, Debug)]
struct IntegerSummary {
    low: i64,
    high: i64,
    volume: i128,
    buy_volume: i128,
    buys: u64,
    turnover: i128,
    /// Σ |p_{i+1} − p_i|.
    path: i128,
    /// Σ Δt² of the inter-arrival times.
    gap_squares: i128,
    /// `(p, running max)` at the deepest drawdown (smallest ratio p / max).
    drawdown: (i64, i64),
    /// `(running min, p)` at the highest run-up (smallest ratio min / p).
    runup: (i64, i64),
}

impl IntegerSummary {
    fn of(records: &WindowRecords<'_>) -> IntegerSummary {
        let p0 = records.price[0];
        let mut s = IntegerSummary {
            low: p0,
            high: p0,
            volume: 0,
            buy_volume: 0,
            buys: 0,
            turnover: 0,
            path: 0,
            gap_squares: 0,
            drawdown: (p0, p0),
            runup: (p0, p0),
        };
        let (mut previous_price, mut previous_time) = (p0, records.time_us[0]);
        let columns = records.price.iter().zip(records.quantity).zip(records.time_us).zip(records.is_buy);
        for (((&p, &q), &t), &buy) in columns {
            s.high = s.high.max(p);
            s.low = s.low.min(p);
            let q = i128::from(q);
            s.volume += q;
            s.buy_volume += if buy { q } else { 0 };
            s.buys += u64::from(buy);
            s.turnover += i128::from(p) * q;
            s.path += i128::from((p - previous_price).abs());
            let gap = i128::from(t - previous_time);
            s.gap_squares += gap * gap;
            (previous_price, previous_time) = (p, t);
            // p / high < best_p / best_high, compared exactly (prices are positive when used).
            if i128::from(p) * i128::from(s.drawdown.1) < i128::from(s.drawdown.0) * i128::from(s.high) {
                s.drawdown = (p, s.high);
            }
            if i128::from(s.low) * i128::from(s.runup.1) < i128::from(s.runup.0) * i128::from(p) {
                s.runup = (s.low, p);
            }
        }
        s
    }
}

/// Computes every window feature enabled in `config` for `records`.
pub(crate) fn compute_window(
    records: &WindowRecords<'_>,
    config: &FeatureConfig,
    kernels: &Kernels,
    scratch: &mut WindowScratch,
) -> WindowFeatures {
    let n = records.len();
    if n == 0 {
        return WindowFeatures::default();
    }
    let summary = IntegerSummary::of(records);
    let mut features = exact_features(records, &summary);
    let positive = summary.low > 0;
    fill_scratch(records, scratch, positive);
    if let Some(moments) = kernels.moments_i64(records.quantity).filter(|m| m.count >= 2 && m.m2 > 0.0) {
        features.volume_skew = finite(moments.skewness());
        features.volume_kurt = finite(moments.excess_kurtosis());
    }
    if positive && n >= 3 {
        features.kyle_lambda = kernels.kyle_lambda(&scratch.returns, &scratch.signed_quantities).and_then(finite);
    }
    if config.permutation_entropy && n >= config.pe_min_records {
        features.permutation_entropy =
            kernels.permutation_entropy(&scratch.prices, config.pe_order, 1).and_then(finite);
    }
    if config.hurst && positive && n >= config.hurst_min_records {
        features.hurst_dfa = kernels.hurst_dfa(&scratch.returns, None).and_then(finite);
        features.hurst_rs = kernels.hurst_rs(&scratch.returns, None).and_then(finite);
    }
    features
}

/// `Some(x)` for a finite `x`: an estimator that cannot give a number gives null, never NaN.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The features that are closed forms of the exact integer summary.
fn exact_features(records: &WindowRecords<'_>, s: &IntegerSummary) -> WindowFeatures {
    let n = records.len();
    let (first_price, last_price) = (records.price[0], records.price[n - 1]);
    let duration_us = records.time_us[n - 1] - records.time_us[0];
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
        trade_count: n as u64,
        duration_us: Some(duration_us),
        intensity: (duration_us > 0).then(|| n as f64 / (duration_us as f64 * 1e-6)),
        ofi: ratio(s.buy_volume - (s.volume - s.buy_volume), s.volume),
        count_imbalance: ratio(2 * i128::from(s.buys) - n as i128, n as i128),
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

/// Fills the `f64` columns: prices (raw, exact), and when prices are positive the
/// log returns `ln(p_i/p_{i−1}) = ln_1p((p_i − p_{i−1})/p_{i−1})` with the signed quantity (in units,
/// not raw) of record `i`.
fn fill_scratch(records: &WindowRecords<'_>, scratch: &mut WindowScratch, positive: bool) {
    scratch.prices.clear();
    scratch.prices.extend(records.price.iter().map(|&p| p as f64));
    scratch.returns.clear();
    scratch.signed_quantities.clear();
    if !positive {
        return;
    }
    let pairs = records.price.windows(2);
    scratch.returns.extend(pairs.map(|p| ((p[1] - p[0]) as f64 / p[0] as f64).ln_1p()));
    let signed = records.quantity[1..].iter().zip(&records.is_buy[1..]);
    let unit = crate::fixed_point::SCALE as f64;
    scratch.signed_quantities.extend(signed.map(|(&q, &buy)| if buy { q as f64 / unit } else { -(q as f64) / unit }));
}

/// The window features of `records` under `config` (allocates a scratch; the pipeline reuses one).
pub fn window_features(records: &WindowRecords<'_>, config: &FeatureConfig, kernels: &Kernels) -> WindowFeatures {
    compute_window(records, config, kernels, &mut WindowScratch::default())
}
