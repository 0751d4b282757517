//! Keyword arguments to a pipeline configuration; a bad argument is a `ValueError` naming it.

use barsmith::pipeline::{PipelineConfig, StreamSettings};
use barsmith::sink::OutputSchema;
use barsmith::{Backend, FeatureConfig, FeatureGroup, Kernels, LookbackMode, Threshold};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A checked configuration: thresholds, features, gate and the kernels backend.
#[pyclass(frozen, module = "barsmith._barsmith")]
#[derive(Clone, Debug)]
pub struct Settings {
    pub config: PipelineConfig,
}

/// The arguments that make a [`Settings`], read from a dict built by `barsmith._options`.
#[derive(Debug, FromPyObject)]
#[pyo3(from_item_all)]
struct SettingArgs {
    thresholds: Vec<i64>,
    features: Vec<String>,
    lookback: String,
    pe: bool,
    hurst: bool,
    pe_order: usize,
    gate: bool,
    include_incomplete: bool,
    backend: Option<String>,
}

#[pymethods]
impl Settings {
    #[new]
    fn new(args: SettingArgs) -> PyResult<Settings> {
        Ok(Settings { config: pipeline_config(&args)? })
    }

    /// The thresholds in decimal basis points, in the order given.
    #[getter]
    fn thresholds(&self) -> Vec<u32> {
        self.config.thresholds.iter().map(|t| t.dbps()).collect()
    }

    /// The kernels backend that computes the features.
    #[getter]
    fn backend(&self) -> &'static str {
        self.config.settings.kernels.backend().name()
    }

    /// The lookback mode as text (`count:500`).
    #[getter]
    fn lookback(&self) -> String {
        self.config.settings.features.lookback_mode.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Settings(thresholds={:?}, backend={:?})", self.thresholds(), self.backend())
    }
}

impl Settings {
    /// The columns of the output tables.
    pub fn output_schema(&self) -> OutputSchema {
        let settings = &self.config.settings;
        OutputSchema { features: settings.features, include_incomplete: settings.include_incomplete }
    }
}

fn pipeline_config(args: &SettingArgs) -> PyResult<PipelineConfig> {
    let features = feature_config(args)?;
    Ok(PipelineConfig {
        thresholds: thresholds(&args.thresholds)?,
        settings: StreamSettings {
            same_timestamp_gate: args.gate,
            include_incomplete: args.include_incomplete,
            features,
            kernels: kernels(args.backend.as_deref())?,
        },
    })
}

fn thresholds(values: &[i64]) -> PyResult<Vec<Threshold>> {
    if values.is_empty() {
        return Err(PyValueError::new_err("threshold_dbps: give at least one threshold"));
    }
    let mut out: Vec<Threshold> = Vec::with_capacity(values.len());
    for &value in values {
        let threshold = u32::try_from(value)
            .ok()
            .and_then(|dbps| Threshold::from_dbps(dbps).ok())
            .ok_or_else(|| PyValueError::new_err(format!("threshold_dbps: {value} is outside 1..=100000")))?;
        if out.contains(&threshold) {
            return Err(PyValueError::new_err(format!("threshold_dbps: {value} is given twice")));
        }
        out.push(threshold);
    }
    Ok(out)
}

fn feature_config(args: &SettingArgs) -> PyResult<FeatureConfig> {
    let mut groups = Vec::new();
    for name in &args.features {
        if name == "none" {
            continue;
        }
        let group: FeatureGroup = name.parse().map_err(|_| {
            PyValueError::new_err(format!("features: unknown group {name:?} (expected bar, intra, lookback or none)"))
        })?;
        groups.push(group);
    }
    let lookback_mode: LookbackMode =
        args.lookback.parse().map_err(|e| PyValueError::new_err(format!("lookback: {e}")))?;
    let config = FeatureConfig {
        lookback_mode,
        permutation_entropy: args.pe,
        hurst: args.hurst,
        pe_order: args.pe_order,
        ..FeatureConfig::default()
    }
    .with_groups(&groups);
    config.validate().map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(config)
}

/// The named backend (`None` or `auto` = the best of this CPU); an unavailable one is a `ValueError`.
pub fn kernels(name: Option<&str>) -> PyResult<Kernels> {
    match name {
        None | Some("auto") | Some("") => Ok(Kernels::detect()),
        Some(name) => {
            let backend: Backend = name.parse().map_err(|e| PyValueError::new_err(format!("backend: {e}")))?;
            Kernels::new(backend).map_err(|e| PyValueError::new_err(format!("backend: {e}")))
        }
    }
}
