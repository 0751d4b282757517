//! Versioned JSON checkpoints of the feature pipeline: the builder's checkpoint plus the feature state.

use std::collections::VecDeque;

use crate::builder::RangeBarBuilder;
use crate::checkpoint::Checkpoint;
use crate::error::{Error, ErrorKind};
use crate::features::config::FeatureConfig;
use crate::features::gap::GapTracker;
use crate::features::history::{HistoryState, RecordHistory};
use crate::features::pipeline::{FeaturePipeline, FeatureState};
use barsmith_kernels::Kernels;

/// The feature checkpoint format version written by this build.
pub const FEATURE_CHECKPOINT_VERSION: u32 = 2;

/// The pipeline's complete state: the builder's [`Checkpoint`], the feature configuration, the
/// record history (lookback and forming-bar records), and the recent bar openings for `bars:K`.
///
/// A stream split anywhere, with a checkpoint written and restored in between, gives bit-identical
/// bars and features to a single pass.
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
    lookback_start: u64,
    recent_opens: Vec<u64>,
    /// The forming bar's `max_gap_us` state (added in version 2; defaulted so that a version-1 file reaches
    /// the version check and gets its clear error).
    #[serde(default)]
    gap: GapTracker,
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
}

impl FeaturePipeline {
    /// The pipeline's state as a checkpoint.
    pub fn checkpoint(&self) -> FeatureCheckpoint {
        let state = &self.state;
        FeatureCheckpoint {
            version: FEATURE_CHECKPOINT_VERSION,
            builder: self.builder.checkpoint(),
            config: state.config,
            history: state.history.state(),
            open_position: state.open_position,
            lookback_start: state.lookback_start,
            recent_opens: state.recent_opens.iter().copied().collect(),
            gap: state.gap,
        }
    }

    /// A pipeline that continues exactly where the checkpointed one stopped.
    pub fn from_checkpoint(checkpoint: &FeatureCheckpoint, kernels: Kernels) -> Result<FeaturePipeline, Error> {
        checkpoint.check_version()?;
        let config: FeatureConfig = checkpoint.config;
        config.validate().map_err(|e| checkpoint_error(e.to_string()))?;
        let mut builder = RangeBarBuilder::from_checkpoint(&checkpoint.builder)?;
        builder.set_kernels(kernels);
        let history = RecordHistory::from_state(&checkpoint.history)
            .ok_or_else(|| checkpoint_error("history columns have different lengths"))?;
        let (first, end) = (history.first_position(), history.end_position());
        if builder.incomplete_bar().is_some() != checkpoint.open_position.is_some() {
            return Err(checkpoint_error("the forming bar and the feature state disagree"));
        }
        if config.any_window() {
            let open = checkpoint.open_position.unwrap_or(end);
            let in_range = |p: u64| (first..=end).contains(&p);
            if !in_range(open) || !in_range(checkpoint.lookback_start) || checkpoint.lookback_start > open {
                return Err(checkpoint_error("window positions outside the held history"));
            }
        }
        let state = FeatureState {
            config,
            history,
            open_position: checkpoint.open_position,
            lookback_start: checkpoint.lookback_start,
            recent_opens: checkpoint.recent_opens.iter().copied().collect::<VecDeque<u64>>(),
            gap: checkpoint.gap,
        };
        Ok(FeaturePipeline::from_parts(builder, state, kernels))
    }
}
