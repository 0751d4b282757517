//! The columns of every output (CSV, Parquet, Arrow) and what an output records about its run: the exact bar
//! columns in order ([`BAR_COLUMNS`]), the schema of one output ([`OutputSchema`]), and the metadata pairs of
//! Parquet files and Arrow tables ([`RunMetadata::pairs`], the one place they are built). A leaf: it imports
//! nothing else of `output`.

use std::path::{Path, PathBuf};

use barsmith_core::features::{FeatureColumn, feature_columns};
use barsmith_core::{BarSpec, RangeBar};

use crate::settings::{SETTINGS, Settings};

/// How an exact bar column is stored and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Microseconds since the Unix epoch (CSV: an integer; Parquet: `Timestamp(Microsecond, "UTC")`).
    Timestamp,
    /// A price at scale 10^8 (CSV: 8 decimals; Parquet: `Decimal128(38, 8)` plus a `Float64` companion).
    Price,
    /// A volume at scale 10^8 (as [`ColumnKind::Price`]).
    Volume,
    /// A turnover at scale 10^16 (CSV: 16 decimals; Parquet: `Decimal128(38, 16)` plus a `Float64` companion).
    Turnover,
    /// A count or an id (CSV: an integer; Parquet: `Int64`).
    Integer,
}

impl ColumnKind {
    /// Fractional digits of a decimal column; `None` for timestamps and integers.
    pub fn decimals(self) -> Option<u8> {
        match self {
            ColumnKind::Price | ColumnKind::Volume => Some(8),
            ColumnKind::Turnover => Some(16),
            ColumnKind::Timestamp | ColumnKind::Integer => None,
        }
    }
}

/// One exact bar column: its name, kind and raw value (a count of 10^-decimals for decimal kinds).
#[derive(Clone, Copy, Debug)]
pub struct BarColumn {
    /// The column name in every output format.
    pub name: &'static str,
    /// Storage and printing.
    pub kind: ColumnKind,
    /// The exact value.
    pub raw: fn(&RangeBar) -> i128,
}

/// The exact bar columns of every output (CSV, Parquet, Arrow), in order; the feature columns follow them
/// (`barsmith_core::features::feature_columns`), then `is_complete` when incomplete bars are included.
/// See `docs/OUTPUT.md`.
pub const BAR_COLUMNS: [BarColumn; 21] = {
    use ColumnKind::{Integer, Price, Timestamp, Turnover, Volume};
    const fn column(name: &'static str, kind: ColumnKind, raw: fn(&RangeBar) -> i128) -> BarColumn {
        BarColumn { name, kind, raw }
    }
    [
        column("open_time", Timestamp, |b| b.open_time.into()),
        column("close_time", Timestamp, |b| b.close_time.into()),
        column("open", Price, |b| b.open.0.into()),
        column("high", Price, |b| b.high.0.into()),
        column("low", Price, |b| b.low.0.into()),
        column("close", Price, |b| b.close.0.into()),
        column("volume", Volume, |b| b.volume),
        column("turnover", Turnover, |b| b.turnover),
        column("buy_volume", Volume, |b| b.buy_volume),
        column("sell_volume", Volume, |b| b.sell_volume),
        column("buy_turnover", Turnover, |b| b.buy_turnover),
        column("sell_turnover", Turnover, |b| b.sell_turnover),
        column("vwap", Price, |b| b.vwap.0.into()),
        column("agg_record_count", Integer, |b| b.agg_record_count.into()),
        column("individual_trade_count", Integer, |b| b.individual_trade_count.into()),
        column("buy_trade_count", Integer, |b| b.buy_trade_count.into()),
        column("sell_trade_count", Integer, |b| b.sell_trade_count.into()),
        column("first_agg_trade_id", Integer, |b| b.first_agg_trade_id.into()),
        column("last_agg_trade_id", Integer, |b| b.last_agg_trade_id.into()),
        column("first_trade_id", Integer, |b| b.first_trade_id.into()),
        column("last_trade_id", Integer, |b| b.last_trade_id.into()),
    ]
};

/// The nullable column after the bar columns: the longest time in µs between consecutive records of the bar.
pub const MAX_GAP_COLUMN: &str = "max_gap_us";

/// The columns an output holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputSchema {
    /// Which feature columns follow the bar columns.
    pub features: barsmith_core::features::FeatureConfig,
    /// Whether an `is_complete` column is written (incomplete bars included).
    pub include_incomplete: bool,
    /// Whether the [`IDENTITY_COLUMNS`] (`symbol`, `threshold_dbps`) come first (the `identity_columns`
    /// setting), so that files read together stay self-describing.
    pub identity_columns: bool,
}

/// The columns the `identity_columns` setting puts first: the output's symbol (null for input without one)
/// and its threshold in dbps, the same in every row.
pub const IDENTITY_COLUMNS: [&str; 2] = ["symbol", "threshold_dbps"];

/// The values of the [`IDENTITY_COLUMNS`] of one output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The symbol; `None` (null) for input without one.
    pub symbol: Option<String>,
    /// The threshold in decimal basis points.
    pub threshold_dbps: u32,
}

impl Identity {
    /// The identity of the output `metadata` describes.
    pub fn of(metadata: &RunMetadata) -> Identity {
        Identity {
            symbol: Some(metadata.symbol.clone()).filter(|s| !s.is_empty()),
            threshold_dbps: metadata.spec.threshold().map_or(0, |t| t.dbps()),
        }
    }
}

impl OutputSchema {
    /// The columns of outputs built with `settings`.
    pub fn of(settings: &Settings) -> OutputSchema {
        OutputSchema {
            features: settings.stream.features,
            include_incomplete: settings.stream.include_incomplete,
            identity_columns: settings.identity_columns,
        }
    }

    /// The feature columns, in output order.
    pub fn feature_columns(&self) -> Vec<FeatureColumn> {
        feature_columns(&self.features)
    }
}

/// Key-value metadata keys written into every Parquet file and Arrow table, with what each holds. The
/// settings follow as `barsmith.NAME` (see [`RunMetadata::of_run`]), and what reading found as the run ends
/// (`barsmith.id_gaps`, `barsmith.missing_ids`, `barsmith.dropped_duplicates`).
pub mod metadata_keys {
    /// Version of the `barsmith` crate that wrote the file.
    pub const VERSION: &str = "barsmith.version";
    /// Symbol of the stream, e.g. `BTCUSDT`.
    pub const SYMBOL: &str = "barsmith.symbol";
    /// Threshold in decimal basis points, e.g. `250` (range bars).
    pub const THRESHOLD_DBPS: &str = "barsmith.threshold_dbps";
    /// The bar specification of another kind than range bars, e.g. `dollar:10000000` (in place of
    /// [`THRESHOLD_DBPS`]).
    pub const BARS: &str = "barsmith.bars";
    /// `true` or `false`: the same-timestamp gate.
    pub const SAME_TIMESTAMP_GATE: &str = "barsmith.same_timestamp_gate";
    /// Lookback mode as text, e.g. `count:500`.
    pub const LOOKBACK: &str = "barsmith.lookback";
    /// Kernel backend that computed the features, e.g. `scalar`.
    pub const BACKEND: &str = "barsmith.backend";
    /// Input files in stream order, as a JSON array of strings.
    pub const INPUTS: &str = "barsmith.inputs";
    /// Prefix of every other key.
    pub const PREFIX: &str = "barsmith.";
}

/// What produced an output (stored in Parquet metadata and Arrow schema metadata).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunMetadata {
    /// Symbol of the stream.
    pub symbol: String,
    /// The bar specification (range bars: the threshold).
    pub spec: BarSpec,
    /// Same-timestamp gate on or off.
    pub same_timestamp_gate: bool,
    /// Lookback mode as text (`count:500`, …).
    pub lookback: String,
    /// Kernel backend used for the features.
    pub backend: String,
    /// Input files in stream order.
    pub inputs: Vec<PathBuf>,
    /// Every other setting that shaped the output, as (key, value) pairs stored under `barsmith.KEY` (feature
    /// groups, PE order, minimum windows, sort, dedupe, the checkpoint resumed from, …).
    pub settings: Vec<(String, String)>,
}

impl RunMetadata {
    /// The metadata of one (symbol, threshold) output of a run with `settings` over `inputs`, resumed from the
    /// checkpoint file `resumed_from` when given: what every front end records (CLI Parquet, Python Arrow).
    /// Every setting the list records ([`crate::settings::SettingInfo::recorded`]) is in it.
    pub fn of_run(
        symbol: &str,
        spec: BarSpec,
        settings: &Settings,
        inputs: &[PathBuf],
        resumed_from: Option<&Path>,
    ) -> RunMetadata {
        let stream = &settings.stream;
        let features = &stream.features;
        let mut recorded: Vec<(String, String)> =
            SETTINGS.iter().filter_map(|info| Some((info.recorded?.to_string(), settings.value(info.name)?))).collect();
        if stream.min_duration_us > 0 && spec.threshold().is_some() {
            recorded.push(("min_duration".to_string(), settings.value("min_duration").unwrap_or_default()));
        }
        if let Some(path) = resumed_from {
            recorded.push(("resumed_from".to_string(), path.display().to_string()));
        }
        RunMetadata {
            symbol: symbol.to_string(),
            spec,
            same_timestamp_gate: stream.same_timestamp_gate,
            lookback: features.lookback_mode.to_string(),
            backend: stream.kernels.backend().name().to_string(),
            inputs: inputs.to_vec(),
            settings: recorded,
        }
    }

    /// The (key, value) pairs of the metadata, in the order they are written: the fixed keys of
    /// [`metadata_keys`], then the settings as `barsmith.KEY`. The one place they are built.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let inputs: Vec<String> = self.inputs.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let inputs = serde_json::Value::from(inputs).to_string();
        [
            (metadata_keys::VERSION, env!("CARGO_PKG_VERSION").to_string()),
            (metadata_keys::SYMBOL, self.symbol.clone()),
            match self.spec {
                BarSpec::Range(threshold) => (metadata_keys::THRESHOLD_DBPS, threshold.dbps().to_string()),
                other => (metadata_keys::BARS, other.to_string()),
            },
            (metadata_keys::SAME_TIMESTAMP_GATE, self.same_timestamp_gate.to_string()),
            (metadata_keys::LOOKBACK, self.lookback.clone()),
            (metadata_keys::BACKEND, self.backend.clone()),
            (metadata_keys::INPUTS, inputs),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .chain(self.settings.iter().map(|(key, value)| (annotation_key(key), value.clone())))
        .collect()
    }
}

/// The metadata key of a setting or an annotation ([`crate::pipeline::BarConsumer::annotate`]): `barsmith.KEY`.
pub fn annotation_key(key: &str) -> String {
    format!("{}{key}", metadata_keys::PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys and their order are those Parquet files have always had (the settings now come from the list).
    #[test]
    fn metadata_holds_every_recorded_setting_in_the_order_files_had() {
        let settings = Settings::new(vec![barsmith_core::Threshold::from_dbps(250).unwrap()]);
        let inputs = [PathBuf::from("a.csv")];
        let metadata = RunMetadata::of_run("BTCUSDT", settings.thresholds[0], &settings, &inputs, Some(Path::new("c")));
        let pairs = metadata.pairs();
        let keys: Vec<&str> = pairs.iter().map(|(key, _)| key.as_str()).collect();
        let settings = "features permutation_entropy hurst pe_order pe_min_records hurst_min_records \
                        max_window_records include_incomplete sort dedupe resumed_from";
        let fixed = "version symbol threshold_dbps same_timestamp_gate lookback backend inputs";
        let expected: Vec<String> =
            fixed.split(' ').chain(settings.split_whitespace()).map(|key| format!("barsmith.{key}")).collect();
        assert_eq!(keys, expected);
        assert_eq!(pairs[7], ("barsmith.features".to_string(), "bar,intra,lookback".to_string()));
        assert_eq!(pairs[6].1, r#"["a.csv"]"#);
    }
}
