//! Versioned JSON checkpoints of the feature pipeline: per threshold, the builder's checkpoint plus the
//! feature state and the records that threshold can still read.

use std::collections::VecDeque;

use crate::builder::RangeBarBuilder;
use crate::checkpoint::Checkpoint;
use crate::error::{Error, ErrorKind};
use crate::features::config::FeatureConfig;
use crate::features::gap::GapTracker;
use crate::features::history::{HistoryState, RecordHistory};
use crate::features::intra_stream::IntraStream;
use crate::features::pipeline::{BarWindows, FeaturePipeline, SymbolPipeline, ThresholdState};
use crate::features::window::WindowFeatures;
use barsmith_kernels::Kernels;

/// The feature checkpoint format version written by this build.
pub const FEATURE_CHECKPOINT_VERSION: u32 = 3;

/// One threshold's complete state: the builder's [`Checkpoint`], the feature configuration, the records
/// it can still read (forming bar and future lookback windows), the forming bar's lookback features
/// (computed when it opened) and the recent bar openings for `bars:K`.
///
/// A stream split anywhere, with a checkpoint written and restored in between, gives bit-identical
/// bars and features to a single pass. The checkpoints of several thresholds of one stream restore
/// one [`SymbolPipeline`] with one shared history.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureCheckpoint {
    /// Format version ([`FEATURE_CHECKPOINT_VERSION`]).
    pub version: u32,
    /// The builder's own checkpoint.
    pub builder: Checkpoint,
    /// The feature configuration the state was built with.
    pub config: FeatureConfig,
    history: HistoryState,
    open_position: Option<u64>,
    lookback: Option<WindowFeatures>,
    lookback_overflow: bool,
    recent_opens: Vec<u64>,
    /// The forming bar's `max_gap_us` state (defaulted so that an older file reaches the version check and
    /// gets its clear error).
    #[serde(default)]
    gap: GapTracker,
    /// The forming bar's streamed intra features, when it streams them (the history then holds its records
    /// only from the first one not yet fed; a build without this field rejects such a checkpoint, as its
    /// forming bar's opening lies before the held records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    intra: Option<Box<IntraStream>>,
}

fn checkpoint_error(reason: impl Into<String>) -> Error {
    Error::new(ErrorKind::Checkpoint { reason: reason.into() })
}

impl FeatureCheckpoint {
    /// Serialises to JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("checkpoint serialisation cannot fail")
    }

    /// Reads a checkpoint, rejecting unknown versions.
    pub fn from_json(text: &str) -> Result<FeatureCheckpoint, Error> {
        let checkpoint: FeatureCheckpoint = serde_json::from_str(text).map_err(|e| checkpoint_error(e.to_string()))?;
        checkpoint.check_version()?;
        Ok(checkpoint)
    }

    fn check_version(&self) -> Result<(), Error> {
        if self.version == FEATURE_CHECKPOINT_VERSION {
            return Ok(());
        }
        Err(checkpoint_error(format!(
            "feature checkpoint version {} is not supported (this build reads version {FEATURE_CHECKPOINT_VERSION})",
            self.version
        )))
    }

    /// Position after the newest record the checkpoint has seen.
    fn end_position(&self) -> u64 {
        self.history.first_position + self.history.price.len() as u64
    }
}

impl SymbolPipeline {
    /// The state of threshold `index` as a checkpoint.
    pub fn checkpoint(&self, index: usize) -> FeatureCheckpoint {
        let threshold = &self.thresholds[index];
        let windows = &threshold.windows;
        FeatureCheckpoint {
            version: FEATURE_CHECKPOINT_VERSION,
            builder: threshold.builder.checkpoint(),
            config: self.config,
            history: self.history.state_from(self.claim(threshold)),
            open_position: windows.open_position,
            lookback: windows.lookback,
            lookback_overflow: windows.lookback_overflow,
            recent_opens: windows.recent_opens.iter().copied().collect(),
            gap: threshold.gap,
            intra: windows.intra.clone(),
        }
    }

    /// A pipeline that continues exactly where the checkpointed thresholds (of one stream, with one
    /// feature configuration) stopped.
    pub fn from_checkpoints(checkpoints: &[FeatureCheckpoint], kernels: Kernels) -> Result<SymbolPipeline, Error> {
        let first = checkpoints.first().ok_or_else(|| checkpoint_error("no checkpoint to resume from"))?;
        for checkpoint in checkpoints {
            checkpoint.check_version()?;
        }
        let config: FeatureConfig = first.config;
        config.validate().map_err(|e| checkpoint_error(e.to_string()))?;
        if checkpoints.iter().any(|c| c.config != config) {
            return Err(checkpoint_error("the thresholds of one stream were saved with different feature settings"));
        }
        let history = shared_history(checkpoints)?;
        let thresholds = checkpoints
            .iter()
            .map(|checkpoint| restore_threshold(checkpoint, &config, kernels))
            .collect::<Result<Vec<_>, _>>()?;
        if thresholds.iter().any(|t| t.builder.last_key() != thresholds[0].builder.last_key()) {
            return Err(checkpoint_error("the thresholds' checkpoints stop at different records"));
        }
        Ok(SymbolPipeline::from_parts(config, kernels, history, thresholds))
    }
}

/// The longest of the checkpoints' histories, after checking that all of them end at the same record and
/// hold the same records where they overlap.
fn shared_history(checkpoints: &[FeatureCheckpoint]) -> Result<RecordHistory, Error> {
    let longest = checkpoints.iter().min_by_key(|c| c.history.first_position).expect("at least one");
    let end = longest.end_position();
    for checkpoint in checkpoints {
        let (h, l) = (&checkpoint.history, &longest.history);
        let skip = (h.first_position - l.first_position) as usize;
        let same = checkpoint.end_position() == end
            && h.price[..] == l.price[skip..]
            && h.quantity[..] == l.quantity[skip..]
            && h.time_us[..] == l.time_us[skip..]
            && h.is_buy[..] == l.is_buy[skip..];
        if !same {
            return Err(checkpoint_error("the thresholds' checkpoints hold different records (not one stream)"));
        }
    }
    RecordHistory::from_state(&longest.history)
        .ok_or_else(|| checkpoint_error("history columns have different lengths"))
}

fn restore_threshold(
    checkpoint: &FeatureCheckpoint,
    config: &FeatureConfig,
    kernels: Kernels,
) -> Result<ThresholdState, Error> {
    let mut builder = RangeBarBuilder::from_checkpoint(&checkpoint.builder)?;
    builder.set_kernels(kernels);
    if builder.incomplete_bar().is_some() != checkpoint.open_position.is_some() {
        return Err(checkpoint_error("the forming bar and the feature state disagree"));
    }
    let (first, end) = (checkpoint.history.first_position, checkpoint.end_position());
    let streamed = checkpoint.intra.as_ref().map(|stream| stream.fed());
    if checkpoint.intra.is_some() && !(config.intra && checkpoint.open_position.is_some()) {
        return Err(checkpoint_error("streamed intra features without a forming bar"));
    }
    if config.intra
        && let Some(open) = checkpoint.open_position
        && !(first..=end).contains(&streamed.unwrap_or(open))
        && end - open <= config.max_window_records
    {
        return Err(checkpoint_error("window positions outside the held history"));
    }
    let forming_lookback = checkpoint.lookback.is_some() || checkpoint.lookback_overflow;
    if config.lookback && checkpoint.open_position.is_some() != forming_lookback {
        return Err(checkpoint_error("the forming bar and its lookback features disagree"));
    }
    let windows = BarWindows {
        open_position: checkpoint.open_position,
        lookback: checkpoint.lookback,
        lookback_overflow: checkpoint.lookback_overflow,
        recent_opens: checkpoint.recent_opens.iter().copied().collect::<VecDeque<u64>>(),
        intra: checkpoint.intra.clone(),
    };
    Ok(ThresholdState { builder, windows, gap: checkpoint.gap })
}

impl FeaturePipeline {
    /// The pipeline's state as a checkpoint.
    pub fn checkpoint(&self) -> FeatureCheckpoint {
        self.inner.checkpoint(0)
    }

    /// A pipeline that continues exactly where the checkpointed one stopped.
    pub fn from_checkpoint(checkpoint: &FeatureCheckpoint, kernels: Kernels) -> Result<FeaturePipeline, Error> {
        Ok(FeaturePipeline::wrap(SymbolPipeline::from_checkpoints(std::slice::from_ref(checkpoint), kernels)?))
    }
}
