//! The settings of a run, in one place: the type every front end fills ([`Settings`]), its defaults, and the
//! list of what a user can set ([`SETTINGS`]), by name and in the text the command line spells.
//!
//! A front end spells each setting its own way (the CLI `--pe-order 4`, Python `pe_order=4`); the names, the
//! defaults, the parsing and the checks are here. The CLI's tests assert that every entry of [`SETTINGS`] has a
//! flag with this default, the Python tests that every entry is a keyword with this default.
//!
//! ```
//! use barsmith::settings::Settings;
//! use barsmith::Threshold;
//!
//! let mut settings = Settings::new(vec![Threshold::from_dbps(250).unwrap()]);
//! settings.set("hurst_min_records", "256").unwrap();
//! settings.set("features", "bar,intra").unwrap();
//! assert_eq!(settings.stream.features.hurst_min_records, 256);
//! assert_eq!(settings.value("features").as_deref(), Some("bar,intra"));
//! settings.check().unwrap();
//! settings.set("pe_order", "9").unwrap(); // checked with the others: the PE order bounds pe_min_records
//! assert!(settings.check().is_err());
//! ```

use barsmith_core::features::{FeatureConfig, FeatureGroup, LookbackMode, MAX_PE_ORDER};
use barsmith_core::{BarSpec, Named, Threshold, format_duration, parse_duration};
use barsmith_ingest::IngestOptions;
use barsmith_kernels::Kernels;

use crate::error::Error;
use crate::pipeline::{PipelineConfig, StreamSettings, feature_groups};

/// Everything a user chooses about a run: the thresholds, what is built from each stream, how inputs are
/// read, and how many threads do it. [`Settings::new`] gives the defaults.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The bar specifications built in one pass (no default: a run names at least one): range bars at a
    /// threshold (`BarSpec::Range`, the CLI's `--threshold-dbps`), or any other kind (the setting `bars`).
    pub thresholds: Vec<BarSpec>,
    /// Gate, incomplete bars, features, kernels.
    pub stream: StreamSettings,
    /// How inputs are read: `sort` and `dedupe` are settings; the rest (memory maps, batch size) is how a
    /// front end reads, and shapes no output.
    pub ingest: IngestOptions,
    /// Worker threads, at least 1; `None`: every core. Symbols run in parallel; with more threads than
    /// symbols, a symbol's files are cut into shards joined exactly (`crate::parallel`).
    pub threads: Option<usize>,
    /// Outputs begin with the columns `symbol` and `threshold_dbps` (`crate::output::IDENTITY_COLUMNS`), so
    /// that files read together (a glob over a dataset) stay self-describing. Off by default.
    pub identity_columns: bool,
    /// Whether a symbol with threads to spare runs its files as shards: when measured to pay (`auto`), or
    /// `always` (`crate::parallel::Sharding`). Shapes no output.
    pub sharding: crate::parallel::Sharding,
}

/// How a setting is spelled on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// `--flag VALUE`.
    Value(&'static str),
    /// `--flag` turns the setting on (its default is `false`).
    On(&'static str),
    /// `--no-…` turns the setting off (its default is `true`).
    Off(&'static str),
}

/// One setting: its name (Python's keyword), its command-line flag, its value type, and the key it is recorded
/// under in output metadata.
#[derive(Clone, Copy, Debug)]
pub struct SettingInfo {
    /// The name: [`Settings::set`] and [`Settings::value`] take it.
    pub name: &'static str,
    /// The command-line spelling.
    pub flag: Flag,
    /// The value type, for front ends that convert their own values to text: `bool`, `count`, `text`,
    /// `list` (comma-separated) or `backend`.
    pub kind: &'static str,
    /// Recorded in Parquet and Arrow metadata as `barsmith.KEY` with this key, in this list's order, after the
    /// fixed keys (`None`: recorded among the fixed keys, like `gate`, `lookback` and `backend`, or not at all,
    /// like `threads`, which shapes no output).
    pub recorded: Option<&'static str>,
}

/// Every setting with a default, in the order outputs record them. Adding a setting: an entry here, its arm in
/// [`Settings::set`] and [`Settings::value`], and its flag in the CLI; the Python keywords follow from this list.
pub const SETTINGS: [SettingInfo; 17] = {
    const fn info(name: &'static str, flag: Flag, kind: &'static str, recorded: Option<&'static str>) -> SettingInfo {
        SettingInfo { name, flag, kind, recorded }
    }
    [
        info("features", Flag::Value("--features"), "list", Some("features")),
        info("pe", Flag::Off("--no-pe"), "bool", Some("permutation_entropy")),
        info("hurst", Flag::Off("--no-hurst"), "bool", Some("hurst")),
        info("pe_order", Flag::Value("--pe-order"), "count", Some("pe_order")),
        info("pe_min_records", Flag::Value("--pe-min-records"), "count", Some("pe_min_records")),
        info("hurst_min_records", Flag::Value("--hurst-min-records"), "count", Some("hurst_min_records")),
        info("max_window_records", Flag::Value("--max-window-records"), "count", Some("max_window_records")),
        info("include_incomplete", Flag::On("--include-incomplete"), "bool", Some("include_incomplete")),
        info("sort", Flag::On("--sort"), "bool", Some("sort")),
        info("dedupe", Flag::On("--dedupe"), "bool", Some("dedupe")),
        info("identity_columns", Flag::On("--identity-columns"), "bool", None),
        info("gate", Flag::Off("--no-gate"), "bool", None),
        info("min_duration", Flag::Value("--min-duration"), "text", None),
        info("lookback", Flag::Value("--lookback"), "text", None),
        info("backend", Flag::Value("--backend"), "backend", None),
        info("threads", Flag::Value("--threads"), "count", None),
        info("sharding", Flag::Value("--sharding"), "text", None),
    ]
};

/// What a run is given besides [`SETTINGS`] (the thresholds, and where output goes), by the names messages
/// use for them, with their command-line spelling. Messages name settings of either list
/// ([`barsmith_core::Named`]); [`flag`] spells them for the command line.
pub const RUN_SETTINGS: [(&str, &str); 7] = [
    ("threshold_dbps", "--threshold-dbps"),
    ("bars", "--bars"),
    ("symbol", "--symbol"),
    ("output", "-o"),
    ("format", "--format"),
    ("checkpoint_in", "--checkpoint-in"),
    ("checkpoint_out", "--checkpoint-out"),
];

/// The command-line flag of the setting `name` (of [`SETTINGS`] or [`RUN_SETTINGS`]): the flag that sets a
/// value, or the one that turns it on or off (`--sort`, `--no-pe`); `None` for another name.
pub fn flag(name: &str) -> Option<&'static str> {
    if let Some(info) = SETTINGS.iter().find(|info| info.name == name) {
        let (Flag::Value(flag) | Flag::On(flag) | Flag::Off(flag)) = info.flag;
        return Some(flag);
    }
    RUN_SETTINGS.iter().find(|(run, _)| *run == name).map(|(_, flag)| *flag)
}

impl Settings {
    /// The defaults: gate on, completed bars only, every feature ([`FeatureConfig::default`]), the best
    /// kernels of this CPU, inputs read as given, every core.
    pub fn new(thresholds: Vec<Threshold>) -> Settings {
        Settings::of_bars(thresholds.into_iter().map(BarSpec::Range).collect())
    }

    /// The defaults of [`Settings::new`], building bars of `specs`.
    pub fn of_bars(specs: Vec<BarSpec>) -> Settings {
        Settings {
            thresholds: specs,
            stream: StreamSettings {
                same_timestamp_gate: true,
                include_incomplete: false,
                features: FeatureConfig::default(),
                kernels: Kernels::detect(),
                min_duration_us: 0,
            },
            ingest: IngestOptions::default(),
            threads: None,
            identity_columns: false,
            sharding: crate::parallel::Sharding::Auto,
        }
    }

    /// Parses a comma-separated list of bar specifications (`range:250,dollar:1e7,time:5m`); an error names
    /// the setting `bars` and the specification.
    pub fn parse_bars(list: &str) -> Result<Vec<BarSpec>, Error> {
        list.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|text| {
                text.parse::<BarSpec>().map_err(|e| {
                    Error::usage(
                        Named::from_setting("bars").then(format!(": {}", e.to_string().trim_start_matches("bars: "))),
                    )
                })
            })
            .collect()
    }

    /// The pipeline's part: thresholds, gate, incomplete bars, features, kernels.
    pub fn pipeline(&self) -> PipelineConfig {
        PipelineConfig { thresholds: self.thresholds.clone(), settings: self.stream }
    }

    /// Every setting's default as text, `None` for those whose default the front end decides (`backend`:
    /// `BARSMITH_BACKEND`, else the best of this CPU; `threads`: every core).
    pub fn defaults() -> Vec<(&'static str, Option<String>)> {
        let defaults = Settings::new(Vec::new());
        SETTINGS
            .iter()
            .map(|info| match info.name {
                "backend" | "threads" => (info.name, None),
                name => (name, defaults.value(name)),
            })
            .collect()
    }

    /// The setting `name` as text (as [`Settings::set`] takes it); `None` for an unknown name or threads left
    /// to the default.
    pub fn value(&self, name: &str) -> Option<String> {
        let features = &self.stream.features;
        Some(match name {
            "gate" => self.stream.same_timestamp_gate.to_string(),
            "min_duration" => match self.stream.min_duration_us {
                0 => "0".to_string(),
                us => format_duration(us),
            },
            "include_incomplete" => self.stream.include_incomplete.to_string(),
            "sort" => self.ingest.sort.to_string(),
            "dedupe" => self.ingest.dedupe.to_string(),
            "identity_columns" => self.identity_columns.to_string(),
            "features" => feature_groups(features),
            "lookback" => features.lookback_mode.to_string(),
            "pe" => features.permutation_entropy.to_string(),
            "hurst" => features.hurst.to_string(),
            "pe_order" => features.pe_order.to_string(),
            "pe_min_records" => features.pe_min_records.to_string(),
            "hurst_min_records" => features.hurst_min_records.to_string(),
            "max_window_records" => features.max_window_records.to_string(),
            "backend" => self.stream.kernels.backend().name().to_string(),
            "threads" => self.threads?.to_string(),
            "sharding" => self.sharding.name().to_string(),
            _ => return None,
        })
    }

    /// Sets `name` from its text (`true`/`false`, a whole number, a comma-separated list, a lookback, a
    /// backend name). An error names the setting and says what it takes; the feature settings are checked
    /// together by [`Settings::check`].
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let bad = |what: &str| Error::usage(format!("{name} {value}: {what}"));
        let flag = || value.parse::<bool>().map_err(|_| bad("expected true or false"));
        let count = || value.parse::<usize>().map_err(|_| bad("expected a whole number"));
        let features = &mut self.stream.features;
        match name {
            "gate" => self.stream.same_timestamp_gate = flag()?,
            "min_duration" => {
                self.stream.min_duration_us = match value {
                    "0" => 0,
                    _ => parse_duration(value)
                        .map_err(|e| bad(&format!("{e} (expected a duration such as 2s, 500ms, 1m, or 0 for none)")))?,
                }
            }
            "include_incomplete" => self.stream.include_incomplete = flag()?,
            "sort" => self.ingest.sort = flag()?,
            "dedupe" => self.ingest.dedupe = flag()?,
            "identity_columns" => self.identity_columns = flag()?,
            "features" => *features = features.with_groups(&parse_groups(value).map_err(|e| bad(&e))?),
            "lookback" => {
                features.lookback_mode = value
                    .parse::<LookbackMode>()
                    .map_err(|e| bad(&format!("{e} (expected count:N, time:DURATION or bars:K)")))?
            }
            "pe" => features.permutation_entropy = flag()?,
            "hurst" => features.hurst = flag()?,
            "pe_order" => features.pe_order = count()?,
            "pe_min_records" => features.pe_min_records = count()?,
            "hurst_min_records" => features.hurst_min_records = count()?,
            "max_window_records" => features.max_window_records = count()? as u64,
            "backend" => self.stream.kernels = Kernels::from_name(Some(value)).map_err(|e| bad(&e.to_string()))?,
            "threads" => self.threads = Some(Some(count()?).filter(|&n| n > 0).ok_or_else(|| bad(THREADS_ZERO))?),
            "sharding" => self.sharding = value.parse().map_err(|e: String| bad(&e))?,
            _ => return Err(Error::usage(format!("unknown setting {name:?}"))),
        }
        Ok(())
    }

    /// Checks the settings that depend on each other: at least one threshold, no threshold twice, the PE
    /// order, and the feature settings ([`FeatureConfig::validate`]).
    pub fn check(&self) -> Result<(), Error> {
        if self.thresholds.is_empty() {
            return Err(Error::usage("no threshold given"));
        }
        for (i, spec) in self.thresholds.iter().enumerate() {
            if self.thresholds[..i].contains(spec) {
                return Err(Error::usage(match spec {
                    BarSpec::Range(threshold) => format!("threshold {} dbps is given twice", threshold.dbps()),
                    other => format!("bars: {other} is given twice"),
                }));
            }
        }
        if self.identity_columns && self.thresholds.iter().any(|s| s.threshold().is_none()) {
            let message = Named::from_setting("identity_columns")
                .then(" writes a threshold_dbps column, which only range bars have; leave it off with ")
                .setting("bars")
                .then(" of other kinds");
            return Err(Error::usage(message));
        }
        let features = &self.stream.features;
        if !(2..=MAX_PE_ORDER).contains(&features.pe_order) {
            return Err(Error::usage(format!("pe_order {}: must be between 2 and {MAX_PE_ORDER}", features.pe_order)));
        }
        if self.threads == Some(0) {
            return Err(Error::usage(format!("threads 0: {THREADS_ZERO}")));
        }
        features.validate().map_err(Error::from)
    }
}

/// What a thread count of 0 is told.
const THREADS_ZERO: &str = "give at least 1 (or leave it out to use every core)";

/// The feature groups of a comma-separated list: `none` alone, or any of bar, intra, lookback.
pub fn parse_groups(list: &str) -> Result<Vec<FeatureGroup>, String> {
    let tokens: Vec<&str> = list.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
    if tokens.contains(&"none") {
        if tokens.len() > 1 {
            return Err(
                "`none` cannot be combined with groups; give `none` alone or a list of bar, intra, lookback".into()
            );
        }
        return Ok(Vec::new());
    }
    tokens
        .iter()
        .map(|g| g.parse().map_err(|_| format!("unknown group {g:?} (expected bar, intra, lookback or none)")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_reads_back_what_was_set() {
        let mut settings = Settings::new(vec![Threshold::from_dbps(10).unwrap()]);
        let values = [
            ("gate", "false"),
            ("min_duration", "2s"),
            ("include_incomplete", "true"),
            ("sort", "true"),
            ("dedupe", "true"),
            ("identity_columns", "true"),
            ("features", "bar,lookback"),
            ("lookback", "time:30s"),
            ("pe", "false"),
            ("hurst", "false"),
            ("pe_order", "4"),
            ("pe_min_records", "70"),
            ("hurst_min_records", "256"),
            ("max_window_records", "1000"),
            ("backend", "scalar"),
            ("threads", "3"),
            ("sharding", "always"),
        ];
        assert_eq!(values.len(), SETTINGS.len());
        for (name, value) in values {
            assert!(SETTINGS.iter().any(|s| s.name == name), "{name} is listed");
            settings.set(name, value).unwrap();
            assert_eq!(settings.value(name).as_deref(), Some(value), "{name}");
        }
        settings.check().unwrap();
    }

    #[test]
    fn defaults_are_those_of_the_library_types() {
        let defaults = Settings::defaults();
        let get = |name: &str| defaults.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        assert_eq!(get("features").as_deref(), Some("bar,intra,lookback"));
        assert_eq!(get("lookback").as_deref(), Some("count:500"));
        assert_eq!(get("hurst_min_records"), Some(FeatureConfig::default().hurst_min_records.to_string()));
        assert_eq!(get("backend"), None);
        assert_eq!(get("threads"), None);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let mut settings = Settings::new(vec![Threshold::from_dbps(10).unwrap()]);
        let error = settings.set("features", "bar,none").unwrap_err().to_string();
        assert!(error.starts_with("features bar,none: `none` cannot be combined"), "{error}");
        assert!(settings.set("threads", "0").unwrap_err().to_string().starts_with("threads 0: give at least 1"));
        assert!(settings.set("pe_order", "x").unwrap_err().to_string().contains("pe_order x"));
        assert!(settings.set("nope", "1").is_err());
    }
}
