//! Hurst exponents by detrended fluctuation analysis (DFA-1) and rescaled range (R/S), scalar reference.

use crate::scales::{dfa_exponent, dfa_nvals, rs_exponent, rs_nvals};

/// DFA-1 exponent with half-overlapping windows, nolds' definition (see the crate docs).
pub(crate) fn hurst_dfa(x: &[f64], nvals: Option<&[usize]>) -> Option<f64> {
    let nvals = dfa_nvals(x.len(), nvals)?;
    if x.iter().any(|v| !v.is_finite()) {
        return Some(f64::NAN);
    }
    if x.iter().all(|&v| v == x[0]) {
        return None;
    }
    let walk = profile(x);
    let fluctuations: Vec<(usize, f64)> = nvals.iter().map(|&w| (w, fluctuation(&walk, w))).collect();
    dfa_exponent(&fluctuations)
}

/// The DFA profile: cumulative sum of the deviations from the mean.
fn profile(x: &[f64]) -> Vec<f64> {
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let mut acc = 0.0;
    x.iter()
        .map(|&v| {
            acc += v - mean;
            acc
        })
        .collect()
}

/// F(w): root of the mean over windows (start step `w/2`, starts `< len - w`) of the mean squared residual
/// of a least-squares line fitted to the profile inside the window.
fn fluctuation(walk: &[f64], w: usize) -> f64 {
    let (mut total, mut windows) = (0.0, 0usize);
    for start in (0..walk.len() - w).step_by(w / 2) {
        total += dfa_window_rss(&walk[start..start + w]) / w as f64;
        windows += 1;
    }
    (total / windows as f64).sqrt()
}

/// Residual sum of squares of the least-squares line through `y` against `0..len`.
///
/// The chord through the window's end points is subtracted first (`z_r = y_r - y_0 - r (y_{w-1} - y_0)/(w-1)`);
/// the residual is unchanged by removing a line, and `z` is of the size of the residual itself, so the
/// one-pass formula `Σz² - (Σz)²/w - (Σ t z)²/Σt²` (t centred) loses at most a factor ~4w to cancellation
/// instead of the ratio between the profile's magnitude and its residual.
fn dfa_window_rss(y: &[f64]) -> f64 {
    let w = y.len();
    let first = y[0];
    let slope = (y[w - 1] - first) / (w - 1) as f64;
    let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for (r, &v) in y.iter().enumerate() {
        let z = (v - first) - slope * r as f64;
        s0 += z;
        s1 += r as f64 * z;
        s2 += z * z;
    }
    window_rss_from_sums(w, s0, s1, s2)
}

/// `RSS = Σz² - (Σz)²/w - (Σ t_c z)² / Σ t_c²` with `t_c = r - (w-1)/2`, from `Σz`, `Σ r z`, `Σz²`.
fn window_rss_from_sums(w: usize, s0: f64, s1: f64, s2: f64) -> f64 {
    let wf = w as f64;
    let centre = (wf - 1.0) * 0.5;
    let stt = wf * (wf * wf - 1.0) / 12.0;
    let stz = s1 - centre * s0;
    (s2 - s0 * s0 / wf - stz * stz / stt).max(0.0)
}

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
fn rs_block(block: &[f64]) -> Option<f64> {
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
