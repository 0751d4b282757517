//! The float estimators of a long window, read from the record history in one pass through the kernels'
//! streaming forms (`barsmith_kernels::streaming`), so that no per-record buffer is built: the working
//! memory of a window beyond [`STREAM_FROM`] records is a few hundred kilobytes whatever its length
//! (R/S holds one block per size, at most 15 · n^(5/8) values), against ~48 bytes per record for the
//! block kernels' columns and working memory.

use crate::features::config::FeatureConfig;
use crate::features::history::{RecordHistory, is_buy};
use crate::features::window::WindowFeatures;
use barsmith_kernels::Moments;
use barsmith_kernels::streaming::{DfaStream, KyleStream, PermutationStream, RescaledRangeBlocks, moments_i64_chunks};

/// Windows of more records than this are computed by the streaming forms; shorter ones by the block
/// kernels (whose working memory, ~48 bytes per record, is then at most ~6 MB).
pub(crate) const STREAM_FROM: usize = 1 << 17;

/// Returns computed at a time (32 KB), handed to the streams as one slice.
const PIECE: usize = 4096;

/// The quantities' moments of the held records `[from, to)`, without copying them.
pub(crate) fn streamed_moments(history: &RecordHistory, (from, to): (u64, u64)) -> Option<Moments> {
    moments_i64_chunks(|| history.segments(from, to).map(|s| s.quantity))
}

/// Permutation entropy, Hurst (DFA, R/S) and Kyle λ of the held records `[from, to)` (`n` of them, prices
/// positive when `positive`), into `features`, under the same switches as the block path.
pub(crate) fn streamed_estimators(
    history: &RecordHistory,
    (from, to): (u64, u64),
    config: &FeatureConfig,
    positive: bool,
    features: &mut WindowFeatures,
) {
    let n = (to - from) as usize;
    let mut pe =
        (config.permutation_entropy && n >= config.pe_min_records).then(|| PermutationStream::new(config.pe_order, 1));
    let hurst = positive && config.hurst && n >= config.hurst_min_records;
    let returns = n.saturating_sub(1);
    let (mut dfa, mut rs) = if hurst {
        (Some(DfaStream::for_length(returns)), Some(RescaledRangeBlocks::new(returns)))
    } else {
        (None, None)
    };
    let mut kyle = (positive && n >= 3).then(KyleStream::new);
    let unit = crate::fixed_point::SCALE as f64;
    let mut previous: Option<i64> = None;
    let mut returns = Vec::with_capacity(PIECE);
    for segment in history.segments(from, to) {
        let records = segment.price.chunks(PIECE).zip(segment.quantity.chunks(PIECE)).zip(segment.packed.chunks(PIECE));
        for ((prices, quantities), packed) in records {
            returns.clear();
            for ((&p, &q), &packed) in prices.iter().zip(quantities).zip(packed) {
                if let Some(pe) = pe.as_mut() {
                    pe.push(p as f64);
                }
                if let Some(before) = previous {
                    let r = ((p - before) as f64 / before as f64).ln_1p();
                    returns.push(r);
                    if let Some(kyle) = kyle.as_mut() {
                        kyle.push(r, if is_buy(packed) { q as f64 / unit } else { -(q as f64) / unit });
                    }
                }
                previous = Some(p);
            }
            if let (Some(dfa), Some(rs)) = (dfa.as_mut(), rs.as_mut()) {
                dfa.push_slice(&returns);
                rs.push_slice(&returns);
            }
        }
    }
    let finite = |x: f64| x.is_finite().then_some(x);
    features.permutation_entropy = pe.and_then(|s| s.finish()).and_then(finite);
    features.hurst_dfa = dfa.and_then(|s| s.finish()).and_then(finite);
    features.hurst_rs = rs.and_then(|s| s.finish()).and_then(finite);
    features.kyle_lambda = kyle.and_then(|s| s.finish()).and_then(finite);
}
