//! Reading a checkpoint file, with what is wrong said in words (never a JSON parser's line and column): text
//! that is not JSON, JSON that is not a checkpoint, a version this build does not read, a damaged stream.

use barsmith_core::BarSpec;
use barsmith_core::features::{FEATURE_CHECKPOINT_VERSION, FeatureCheckpoint};
use serde_json::{Map, Value};

use serde::Deserialize;

use super::{CHECKPOINT_FILE_VERSION, ChainSettings, CheckpointFile, LiveCheckpoint, StreamCheckpoint};

/// What the reasons suggest a checkpoint is.
pub(super) const WHAT_IT_IS: &str =
    "a checkpoint is the JSON file a run writes as its checkpoint_out, or the bytes of BarBuilder.checkpoint()";

/// The layout `BarBuilder.checkpoint()` wrote before it wrote the checkpoint file format (read and converted).
#[derive(serde::Deserialize)]
struct BuilderStateV1 {
    symbol: String,
    rows: u64,
    pipelines: Vec<FeatureCheckpoint>,
}

/// Reads checkpoint text; the error is the reason in words.
pub(super) fn parse(text: &str) -> Result<CheckpointFile, String> {
    if text.trim().is_empty() {
        return Err(format!("is empty; {WHAT_IT_IS}"));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => {
            "is cut short (its JSON text ends early): was it copied or written completely?".to_string()
        }
        _ => format!("is not JSON text, so not a barsmith checkpoint; {WHAT_IT_IS}"),
    })?;
    let Value::Object(object) = value else {
        return Err(format!(
            "holds JSON but not a checkpoint (expected an object with `version` and `streams`); {WHAT_IT_IS}"
        ));
    };
    if object.get("format").and_then(Value::as_str) == Some("barsmith.BarBuilder") {
        return legacy_builder(object);
    }
    let version = match object.get("version") {
        None => return Err(format!("has no `version`, so it is not a barsmith checkpoint; {WHAT_IT_IS}")),
        Some(v) => v.as_u64().ok_or_else(|| format!("its `version` is {v}, not a version number"))?,
    };
    if version != u64::from(CHECKPOINT_FILE_VERSION) {
        return Err(unsupported_version(version));
    }
    let streams = match object.get("streams") {
        Some(Value::Array(streams)) => streams.iter().enumerate().map(|(i, s)| stream(i, s)).collect(),
        Some(_) => Err("its `streams` is not a list".to_string()),
        None => Err(format!("has no `streams` list, so it is not a barsmith checkpoint; {WHAT_IT_IS}")),
    }?;
    let chain = match object.get("chain") {
        None | Some(Value::Null) => None,
        Some(chain) => {
            Some(ChainSettings::deserialize_from(chain).map_err(|e| format!("its chain settings do not read ({e})"))?)
        }
    };
    let rows = match object.get("rows") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| format!("its `rows` is {v}, not a count"))?),
    };
    let live = match object.get("live") {
        None | Some(Value::Null) => None,
        Some(live) => Some(
            LiveCheckpoint::deserialize(live)
                .map_err(|e| format!("its live part (trade-id cursors and output lengths) does not read: {e}"))?,
        ),
    };
    Ok(CheckpointFile { version: CHECKPOINT_FILE_VERSION, streams, chain, rows, live })
}

fn unsupported_version(version: u64) -> String {
    if version > u64::from(CHECKPOINT_FILE_VERSION) {
        format!(
            "is version {version}, written by a newer barsmith; this build reads version {CHECKPOINT_FILE_VERSION}: upgrade barsmith to resume from it"
        )
    } else {
        format!("is version {version}, which this build does not read (it reads version {CHECKPOINT_FILE_VERSION})")
    }
}

/// One stream: its symbol, threshold and state, each checked with a reason naming the stream.
fn stream(index: usize, value: &Value) -> Result<StreamCheckpoint, String> {
    let place = format!("stream {} of the file", index + 1);
    let Value::Object(fields) = value else { return Err(format!("{place} is not an object")) };
    let symbol = match fields.get("symbol") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("{place}: its symbol {other} is not text")),
    };
    let bars = match fields.get("bars") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            Some(text.parse::<BarSpec>().map_err(|e| format!("{place}: its bars {text:?} do not parse ({e})"))?)
        }
        Some(other) => return Err(format!("{place}: its bars {other} is not text")),
    };
    let threshold_dbps = match fields.get("threshold_dbps") {
        _ if bars.is_some() => 0,
        Some(v) => v
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("{place}: its threshold_dbps {v} is not a threshold in dbps"))?,
        None => return Err(format!("{place} has no threshold_dbps")),
    };
    let spec = bars.map_or_else(|| format!("{threshold_dbps} dbps"), |s| s.to_string());
    let label = format!("{} at {spec}", symbol.as_deref().unwrap_or("(no symbol)"));
    let state = fields.get("state").ok_or_else(|| format!("{place} ({label}) has no state"))?;
    Ok(StreamCheckpoint { symbol, threshold_dbps, bars, state: feature_state(state, &label)? })
}

/// A stream's state, its version checked before its fields (an older state says so, not which field it lacks).
pub(super) fn feature_state(state: &Value, label: &str) -> Result<FeatureCheckpoint, String> {
    let version = state.get("version").and_then(Value::as_u64);
    if version != Some(u64::from(FEATURE_CHECKPOINT_VERSION)) {
        let found = version.map_or("no version".to_string(), |v| format!("version {v}"));
        return Err(format!(
            "{label}: its state has {found}, but this build reads state version {FEATURE_CHECKPOINT_VERSION} (written by another barsmith version: rebuild the chain from its first file with this one)"
        ));
    }
    serde_json::from_value(state.clone())
        .map_err(|e| format!("{label}: its state is damaged ({e}); use the file as barsmith wrote it"))
}

/// A checkpoint of `BarBuilder` before it wrote this format: converted (one symbol; `""` is none).
fn legacy_builder(object: Map<String, Value>) -> Result<CheckpointFile, String> {
    let label = "the BarBuilder checkpoint";
    match object.get("version").and_then(Value::as_u64) {
        Some(1) => {}
        Some(version) => return Err(format!("{label} (an earlier layout) {}", unsupported_version(version))),
        None => return Err(format!("{label} (an earlier layout) has no version")),
    }
    if let Some(pipelines) = object.get("pipelines").and_then(Value::as_array) {
        for state in pipelines {
            feature_state(state, label)?;
        }
    }
    let state: BuilderStateV1 = serde_json::from_value(Value::Object(object))
        .map_err(|e| format!("{label} (an earlier layout) is damaged ({e}); use the bytes as barsmith wrote them"))?;
    let symbol = Some(state.symbol).filter(|s| !s.is_empty());
    let streams = state
        .pipelines
        .into_iter()
        .map(|p| StreamCheckpoint {
            symbol: symbol.clone(),
            threshold_dbps: p.builder.config.threshold().map_or(0, |t| t.dbps()),
            bars: Some(p.builder.config.spec).filter(|s| s.threshold().is_none()),
            state: p,
        })
        .collect();
    Ok(CheckpointFile { version: CHECKPOINT_FILE_VERSION, streams, chain: None, rows: Some(state.rows), live: None })
}
