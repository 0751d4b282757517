//! Hurst exponent by detrended fluctuation analysis (DFA-1), scalar reference.

use crate::nolds::{dfa_exponent, dfa_nvals};

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
pub(crate) fn window_rss_from_sums(w: usize, s0: f64, s1: f64, s2: f64) -> f64 {
    let wf = w as f64;
    let centre = (wf - 1.0) * 0.5;
    let stt = wf * (wf * wf - 1.0) / 12.0;
    let stz = s1 - centre * s0;
    (s2 - s0 * s0 / wf - stz * stz / stt).max(0.0)
}
