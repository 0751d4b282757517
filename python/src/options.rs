//! Keyword arguments to the library's [`barsmith::Settings`]: `barsmith._options` converts each keyword to the
//! text the library parses ([`barsmith::Settings::set`]), so that a setting added to the library needs no code
//! here; a bad argument is a `ValueError` naming it.

use std::collections::HashMap;

use barsmith::output::OutputSchema;
use barsmith::pipeline::PipelineConfig;
use barsmith::settings::{Flag, SETTINGS};
use barsmith::{Kernels, Threshold};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A checked configuration: thresholds, features, gate, the kernels backend, sort/dedupe and threads.
#[pyclass(frozen, module = "barsmith._barsmith")]
#[derive(Clone, Debug)]
pub struct Settings {
    pub settings: barsmith::Settings,
}

#[pymethods]
impl Settings {
    /// `thresholds` in dbps, `values`: setting name → its text (`barsmith._options` builds both), and `bars`:
    /// further bar specifications (`dollar:1e7`), built after the thresholds.
    #[new]
    #[pyo3(signature = (thresholds, values, bars = Vec::new()))]
    fn new(thresholds: Vec<i64>, values: HashMap<String, String>, bars: Vec<String>) -> PyResult<Settings> {
        let mut specs: Vec<barsmith::core::BarSpec> =
            self::thresholds(&thresholds, !bars.is_empty())?.into_iter().map(barsmith::core::BarSpec::Range).collect();
        for text in &bars {
            specs.extend(barsmith::Settings::parse_bars(text).map_err(|e| PyValueError::new_err(e.to_string()))?);
        }
        let mut settings = barsmith::Settings::of_bars(specs);
        // In the library's order, so that errors come in the order the settings are listed.
        for info in &SETTINGS {
            if let Some(value) = values.get(info.name) {
                settings.set(info.name, value).map_err(|e| PyValueError::new_err(e.to_string()))?;
            }
        }
        if let Some(name) = values.keys().find(|name| !SETTINGS.iter().any(|info| info.name == *name)) {
            return Err(PyValueError::new_err(format!("unknown setting {name:?}")));
        }
        settings.check().map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Settings { settings })
    }

    /// Every setting with a default: `(name, kind, default as text or None, the CLI's flag)`, in the
    /// library's order.
    #[staticmethod]
    fn defaults() -> Vec<(&'static str, &'static str, Option<String>, &'static str)> {
        let flag = |info: &barsmith::settings::SettingInfo| match info.flag {
            Flag::Value(flag) | Flag::On(flag) | Flag::Off(flag) => flag,
        };
        SETTINGS
            .iter()
            .zip(barsmith::Settings::defaults())
            .map(|(info, (_, value))| (info.name, info.kind, value, flag(info)))
            .collect()
    }

    /// The range thresholds in decimal basis points, in the order given.
    #[getter]
    fn thresholds(&self) -> Vec<u32> {
        self.settings.thresholds.iter().filter_map(|t| t.threshold()).map(|t| t.dbps()).collect()
    }

    /// Every bar specification in its canonical text (`range:250`, `dollar:10000000`), in the order built.
    #[getter]
    fn bars(&self) -> Vec<String> {
        self.settings.thresholds.iter().map(|t| t.to_string()).collect()
    }

    /// The kernels backend that computes the features.
    #[getter]
    fn backend(&self) -> &'static str {
        self.settings.stream.kernels.backend().name()
    }

    /// The lookback mode as text (`count:500`).
    #[getter]
    fn lookback(&self) -> String {
        self.settings.stream.features.lookback_mode.to_string()
    }

    /// Every setting as text (`threads` absent when left to the default).
    fn values(&self) -> HashMap<&'static str, String> {
        SETTINGS.iter().filter_map(|info| Some((info.name, self.settings.value(info.name)?))).collect()
    }

    fn __repr__(&self) -> String {
        format!("Settings(thresholds={:?}, backend={:?})", self.thresholds(), self.backend())
    }
}

impl Settings {
    /// The pipeline's configuration.
    pub fn pipeline(&self) -> PipelineConfig {
        self.settings.pipeline()
    }

    /// The columns of the output tables.
    pub fn output_schema(&self) -> OutputSchema {
        OutputSchema::of(&self.settings)
    }
}

fn thresholds(values: &[i64], other_bars: bool) -> PyResult<Vec<Threshold>> {
    if values.is_empty() && !other_bars {
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

/// The named backend (`None` or `auto` = the best of this CPU); an unavailable one is a `ValueError`.
pub fn kernels(name: Option<&str>) -> PyResult<Kernels> {
    Kernels::from_name(name).map_err(|e| PyValueError::new_err(format!("backend: {e}")))
}
