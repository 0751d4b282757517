//! Hurst exponent by rescaled range (R/S), scalar reference.

use crate::nolds::{rs_exponent, rs_nvals};

/// Corrected R/S Hurst exponent over non-overlapping blocks, nolds' definition (see the crate docs).
pub(crate) fn hurst_rs(x: &[f64], nvals: Option<&[usize]>) -> Option<f64> {
    let nvals = rs_nvals(x.len(), nvals)?;
    if x.iter().any(|v| !v.is_finite()) {
        return Some(f64::NAN);
    }
    let ratios: Vec<(usize, Option<f64>)> = nvals.iter().map(|&w| (w, mean_rescaled_range(x, w))).collect();
    rs_exponent(&ratios)
}

/// Mean of R/S over the `len / w` complete blocks; blocks with zero range are skipped, `None` if all are.
fn mean_rescaled_range(x: &[f64], w: usize) -> Option<f64> {
    let (mut total, mut used) = (0.0, 0usize);
    for block in x.chunks_exact(w) {
        if let Some(ratio) = rs_block(block) {
            total += ratio;
            used += 1;
        }
    }
    (used > 0).then(|| total / used as f64)
}

/// R/S of one block: range of the cumulative deviations from the block mean divided by the sample standard
/// deviation (ddof = 1). `None` when all values are equal (the range is zero by definition) or the block has
/// a single value. Values are shifted by the block's first value before the mean is taken, so an offset
/// (prices near 1e5) costs no accuracy.
pub(crate) fn rs_block(block: &[f64]) -> Option<f64> {
    let first = block[0];
    if block.len() < 2 || block.iter().all(|&v| v == first) {
        return None;
    }
    let n = block.len() as f64;
    let mean = block.iter().map(|&v| v - first).sum::<f64>() / n;
    let (mut acc, mut hi, mut lo, mut ss) = (0.0, f64::NEG_INFINITY, f64::INFINITY, 0.0);
    for &v in block {
        let d = (v - first) - mean;
        acc += d;
        hi = hi.max(acc);
        lo = lo.min(acc);
        ss += d * d;
    }
    let range = hi - lo;
    (range != 0.0).then(|| range / (ss / (n - 1.0)).sqrt())
}
