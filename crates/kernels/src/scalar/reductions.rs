//! Reductions over f64 and i64 columns, scalar reference.

use crate::summary::{MinMax, Moments};

/// Smallest and largest value; both NaN when any value is NaN; `None` for an empty slice.
pub(crate) fn min_max_f64(x: &[f64]) -> Option<MinMax<f64>> {
    let first = *x.first()?;
    if x.iter().any(|v| v.is_nan()) {
        return Some(MinMax { min: f64::NAN, max: f64::NAN });
    }
    let (min, max) = x.iter().fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    Some(MinMax { min, max })
}

/// Sum in IEEE arithmetic (NaN and infinities propagate).
pub(crate) fn sum_f64(x: &[f64]) -> f64 {
    x.iter().sum()
}

/// Mean and central moments, two-pass; `None` for an empty slice.
pub(crate) fn moments_f64(x: &[f64]) -> Option<Moments> {
    if x.is_empty() {
        return None;
    }
    let mean = sum_f64(x) / x.len() as f64;
    Some(central_moments(x.iter().map(|&v| v - mean), x.len(), mean))
}

/// Completes [`Moments`] from the deviations `x - mean`.
fn central_moments(deviations: impl Iterator<Item = f64>, count: usize, mean: f64) -> Moments {
    let (mut s2, mut s3, mut s4) = (0.0, 0.0, 0.0);
    for d in deviations {
        let d2 = d * d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    let n = count as f64;
    Moments { count, mean, m2: s2 / n, m3: s3 / n, m4: s4 / n }
}

/// `Σ |x[i+1] - x[i]|` (0 for fewer than two values).
pub(crate) fn abs_diff_sum_f64(x: &[f64]) -> f64 {
    x.windows(2).map(|w| (w[1] - w[0]).abs()).sum()
}

/// Moments of the consecutive differences `x[i+1] - x[i]`; `None` for fewer than two values.
pub(crate) fn diff_moments_f64(x: &[f64]) -> Option<Moments> {
    if x.len() < 2 {
        return None;
    }
    let count = x.len() - 1;
    let mean = x.windows(2).map(|w| w[1] - w[0]).sum::<f64>() / count as f64;
    Some(central_moments(x.windows(2).map(|w| (w[1] - w[0]) - mean), count, mean))
}

/// Smallest and largest value; `None` for an empty slice.
pub(crate) fn min_max_i64(x: &[i64]) -> Option<MinMax<i64>> {
    Some(MinMax { min: *x.iter().min()?, max: *x.iter().max()? })
}

/// Exact sum.
pub(crate) fn sum_i64(x: &[i64]) -> i128 {
    x.iter().map(|&v| i128::from(v)).sum()
}

/// Mean (from the exact sum) and central moments of the values as f64; `None` for an empty slice.
pub(crate) fn moments_i64(x: &[i64]) -> Option<Moments> {
    if x.is_empty() {
        return None;
    }
    let mean = sum_i64(x) as f64 / x.len() as f64;
    Some(central_moments(x.iter().map(|&v| v as f64 - mean), x.len(), mean))
}

/// Exact `Σ |x[i+1] - x[i]|`.
pub(crate) fn abs_diff_sum_i64(x: &[i64]) -> u128 {
    x.windows(2).map(|w| (i128::from(w[1]) - i128::from(w[0])).unsigned_abs()).sum()
}

/// Moments of the consecutive differences (each difference exact, then rounded to f64); the mean is the
/// exact sum of the differences, `x[last] - x[0]`, divided by their count. `None` for fewer than two values.
pub(crate) fn diff_moments_i64(x: &[i64]) -> Option<Moments> {
    if x.len() < 2 {
        return None;
    }
    let count = x.len() - 1;
    let mean = (i128::from(x[count]) - i128::from(x[0])) as f64 / count as f64;
    let diffs = x.windows(2).map(move |w| (i128::from(w[1]) - i128::from(w[0])) as f64 - mean);
    Some(central_moments(diffs, count, mean))
}
