//! The thresholds of one [`SymbolPipeline`](crate::features::SymbolPipeline) built on the current rayon pool
//! (cargo feature `rayon`).
//!
//! Each threshold is an independent builder over the same batch; the shared record history is only read
//! while they run (the batch was appended before, and records are discarded after). Every threshold gets its
//! own window scratch and its own output list, and the lists are concatenated in threshold order, so the
//! output is exactly the sequential one.

use crate::error::Error;
use crate::features::output::FeaturedBar;
use crate::features::pipeline::{
    BatchContext, SymbolPipeline, ThresholdState, ThresholdWork, WindowOverflow, push_threshold,
};
use crate::features::window::WindowScratch;

impl SymbolPipeline {
    /// Builds the thresholds in parallel on the current rayon pool (`true`), or one after another (`false`,
    /// the default). The output is the same either way; in parallel, each threshold holds its own window
    /// scratch memory (up to a few MB while a long window is computed).
    pub fn set_parallel_thresholds(&mut self, parallel: bool) {
        self.parallel = parallel.then(Vec::new);
    }

    /// Whether the thresholds are built in parallel.
    pub fn parallel_thresholds(&self) -> bool {
        self.parallel.is_some()
    }
}

/// [`push_threshold`] for every threshold, one rayon task each; results in threshold order.
pub(crate) fn push_thresholds(
    thresholds: &mut [ThresholdState],
    scratches: &mut Vec<WindowScratch>,
    context: BatchContext<'_>,
    overflows: &mut Vec<WindowOverflow>,
    out: &mut Vec<(usize, FeaturedBar)>,
) -> Result<(), Error> {
    use rayon::prelude::*;
    scratches.resize_with(thresholds.len(), WindowScratch::default);
    type Done = (Result<(), Error>, Vec<WindowOverflow>, Vec<(usize, FeaturedBar)>);
    let results: Vec<Done> = thresholds
        .par_iter_mut()
        .zip(scratches.par_iter_mut())
        .enumerate()
        .map(|(index, (threshold, scratch))| {
            let (mut own_overflows, mut bars) = (Vec::new(), Vec::new());
            let work = ThresholdWork { scratch, overflows: &mut own_overflows, out: &mut bars };
            (push_threshold(index, threshold, context, work), own_overflows, bars)
        })
        .collect();
    for (result, own_overflows, bars) in results {
        result?;
        overflows.extend(own_overflows);
        out.extend(bars);
    }
    Ok(())
}
