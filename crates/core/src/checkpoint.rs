//! Versioned JSON checkpoints of the builder's state.

use crate::builder::{BuilderConfig, FormingBar, RangeBarBuilder, RuleState};
use crate::error::{Error, ErrorKind};

/// The checkpoint format version written by this build.
pub const CHECKPOINT_VERSION: u32 = 1;

/// The builder's complete state: configuration, the forming bar and its levels, the last key.
///
/// A stream split at any record, with a checkpoint written and restored in between, produces the
/// same bars as a single pass.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Format version ([`CHECKPOINT_VERSION`]).
    pub version: u32,
    /// The builder's configuration.
    pub config: BuilderConfig,
    forming: Option<FormingBar>,
    last_key: Option<(i64, i64)>,
    /// Running sums and expectations of the kinds that keep them (absent for range and time bars).
    #[serde(default, skip_serializing_if = "RuleState::is_empty")]
    rule: RuleState,
}

impl Checkpoint {
    /// Serialises to pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("checkpoint serialisation cannot fail")
    }

    /// Reads a checkpoint, rejecting unknown versions.
    pub fn from_json(text: &str) -> Result<Checkpoint, Error> {
        let checkpoint: Checkpoint =
            serde_json::from_str(text).map_err(|e| Error::new(ErrorKind::Checkpoint { reason: e.to_string() }))?;
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(Error::new(ErrorKind::Checkpoint {
                reason: format!(
                    "version {} is not supported (this build reads version {CHECKPOINT_VERSION})",
                    checkpoint.version
                ),
            }));
        }
        Ok(checkpoint)
    }

    /// The (timestamp µs, agg_trade_id) of the last record the builder took, if any.
    pub fn last_key(&self) -> Option<(i64, i64)> {
        self.last_key
    }
}

impl RangeBarBuilder {
    /// The builder's state as a checkpoint.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            version: CHECKPOINT_VERSION,
            config: self.config,
            forming: self.forming,
            last_key: self.last_key,
            rule: self.rule,
        }
    }

    /// A builder that continues exactly where the checkpointed one stopped, on the best kernel backend of
    /// this CPU (see [`RangeBarBuilder::set_kernels`]).
    pub fn from_checkpoint(checkpoint: &Checkpoint) -> Result<RangeBarBuilder, Error> {
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(Error::new(ErrorKind::Checkpoint {
                reason: format!("version {} is not supported", checkpoint.version),
            }));
        }
        Ok(RangeBarBuilder {
            config: checkpoint.config,
            forming: checkpoint.forming,
            last_key: checkpoint.last_key,
            rule: checkpoint.rule,
            kernels: barsmith_kernels::Kernels::detect(),
        })
    }
}
