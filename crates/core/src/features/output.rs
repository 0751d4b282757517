//! A bar's features and their output columns.

use crate::bar::RangeBar;
use crate::features::bar_level::BarLevelFeatures;
use crate::features::config::FeatureConfig;
use crate::features::window::WindowFeatures;

/// The features of one bar; a group is `None` when it is turned off in the configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BarFeatures {
    /// Bar-level features (`bar` group).
    pub bar: Option<BarLevelFeatures>,
    /// Window features of the bar's own records (`intra` group).
    pub intra: Option<WindowFeatures>,
    /// Window features of the lookback records (`lookback` group).
    pub lookback: Option<WindowFeatures>,
}

/// A completed (or forming) bar with its features.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeaturedBar {
    /// The bar.
    pub bar: RangeBar,
    /// Its features.
    pub features: BarFeatures,
    /// The longest time in µs between two consecutive records of the bar; `None` for a one-record bar.
    pub max_gap_us: Option<i64>,
}

/// One output column: its name, and whether its values are whole numbers (print as integers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureColumn {
    /// Column name, e.g. `ofi`, `intra_hurst_dfa`, `lookback_record_count`.
    pub name: &'static str,
    /// `true` for integer-valued columns (`duration_us`, `*_record_count`, `*_duration_us`).
    pub integer: bool,
}

const BAR_FEATURE_COLUMNS: [&str; 10] = [
    "duration_us",
    "ofi",
    "vwap_close_deviation",
    "price_impact",
    "kyle_lambda_proxy",
    "trade_intensity",
    "volume_per_trade",
    "aggression_ratio",
    "aggregation_density",
    "turnover_imbalance",
];

macro_rules! window_columns {
    ($prefix:literal) => {
        [
            concat!($prefix, "record_count"),
            concat!($prefix, "duration_us"),
            concat!($prefix, "record_intensity"),
            concat!($prefix, "ofi"),
            concat!($prefix, "record_imbalance"),
            concat!($prefix, "vwap"),
            concat!($prefix, "vwap_position"),
            concat!($prefix, "kyle_lambda"),
            concat!($prefix, "burstiness"),
            concat!($prefix, "volume_skew"),
            concat!($prefix, "volume_kurt"),
            concat!($prefix, "price_range"),
            concat!($prefix, "garman_klass_vol"),
            concat!($prefix, "kaufman_er"),
            concat!($prefix, "permutation_entropy"),
            concat!($prefix, "hurst_dfa"),
            concat!($prefix, "hurst_rs"),
            concat!($prefix, "max_drawdown"),
            concat!($prefix, "max_runup"),
        ]
    };
}

const INTRA_COLUMNS: [&str; 19] = window_columns!("intra_");
const LOOKBACK_COLUMNS: [&str; 19] = window_columns!("lookback_");
/// Index of `permutation_entropy` and of the two Hurst columns in a window column list.
const PE_COLUMN: usize = 14;
const HURST_COLUMNS: [usize; 2] = [15, 16];

/// Whether window column `index` is produced under `config`.
fn window_column_on(index: usize, config: &FeatureConfig) -> bool {
    (index != PE_COLUMN || config.permutation_entropy) && (!HURST_COLUMNS.contains(&index) || config.hurst)
}

/// The output columns under `config`, in the order of [`BarFeatures::values`].
///
/// Groups that are off, and the permutation-entropy / Hurst columns when their switch is off, are left out.
pub fn feature_columns(config: &FeatureConfig) -> Vec<FeatureColumn> {
    let mut columns = Vec::new();
    if config.bar {
        columns
            .extend(BAR_FEATURE_COLUMNS.iter().enumerate().map(|(i, &name)| FeatureColumn { name, integer: i == 0 }));
    }
    for (on, names) in [(config.intra, &INTRA_COLUMNS), (config.lookback, &LOOKBACK_COLUMNS)] {
        if on {
            let kept = names.iter().enumerate().filter(|&(i, _)| window_column_on(i, config));
            columns.extend(kept.map(|(i, &name)| FeatureColumn { name, integer: i < 2 }));
        }
    }
    columns
}

impl BarLevelFeatures {
    fn values(&self) -> [Option<f64>; 10] {
        [
            Some(self.duration_us as f64),
            Some(self.ofi),
            Some(self.vwap_close_deviation),
            Some(self.price_impact),
            Some(self.kyle_lambda_proxy),
            Some(self.trade_intensity),
            Some(self.volume_per_trade),
            Some(self.aggression_ratio),
            Some(self.aggregation_density),
            Some(self.turnover_imbalance),
        ]
    }
}

impl WindowFeatures {
    fn values(&self) -> [Option<f64>; 19] {
        [
            Some(self.record_count as f64),
            self.duration_us.map(|d| d as f64),
            self.record_intensity,
            self.ofi,
            self.record_imbalance,
            self.vwap,
            self.vwap_position,
            self.kyle_lambda,
            self.burstiness,
            self.volume_skew,
            self.volume_kurt,
            self.price_range,
            self.garman_klass_vol,
            self.kaufman_er,
            self.permutation_entropy,
            self.hurst_dfa,
            self.hurst_rs,
            self.max_drawdown,
            self.max_runup,
        ]
    }
}

impl BarFeatures {
    /// Appends the values in the order of [`feature_columns`]`(config)` (`None` = null).
    ///
    /// `config` must be the one the features were computed with. Integer columns hold whole numbers
    /// (exact below 2^53).
    pub fn push_values(&self, config: &FeatureConfig, out: &mut Vec<Option<f64>>) {
        if config.bar {
            out.extend(self.bar.map_or([None; 10], |bar| bar.values()));
        }
        for (on, window) in [(config.intra, &self.intra), (config.lookback, &self.lookback)] {
            if on {
                let values = window.map_or([None; 19], |w| w.values());
                let kept = values.into_iter().enumerate().filter(|&(i, _)| window_column_on(i, config));
                out.extend(kept.map(|(_, value)| value));
            }
        }
    }

    /// The values in the order of [`feature_columns`]`(config)`.
    pub fn values(&self, config: &FeatureConfig) -> Vec<Option<f64>> {
        let mut out = Vec::new();
        self.push_values(config, &mut out);
        out
    }
}
