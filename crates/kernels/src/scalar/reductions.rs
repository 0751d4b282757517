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

/// Mean and central moments, two-pass over the values shifted by `x[0]` (so a large offset costs no
/// accuracy); `None` for an empty slice.
pub(crate) fn moments_f64(x: &[f64]) -> Option<Moments> {
    let origin = *x.first()?;
    let shifted_mean = x.iter().map(|&v| v - origin).sum::<f64>() / x.len() as f64;
    let moments = central_moments(x.iter().map(|&v| (v - origin) - shifted_mean), x.len(), shifted_mean);
    Some(Moments { mean: origin + moments.mean, ..moments })
}

/// Completes [`Moments`] from deviations `d = x - provisional mean`.
fn central_moments(deviations: impl Iterator<Item = f64>, count: usize, mean: f64) -> Moments {
    let mut sums = [0.0; 4];
    for d in deviations {
        let d2 = d * d;
        sums[0] += d;
        sums[1] += d2;
        sums[2] += d2 * d;
        sums[3] += d2 * d2;
    }
    moments_from_power_sums(count, mean, sums)
}

/// [`Moments`] from the power sums `[Σd, Σd², Σd³, Σd⁴]` of the deviations from a provisional mean.
///
/// The provisional mean carries the rounding error of the first pass; `c = Σd / n` is that error, and the
/// binomial shift to `d - c` removes it (the corrected two-pass algorithm of Chan, Golub and LeVeque). Without
/// it, prices near 1e5 lose up to 1e-8 relative in the third moment.
pub(crate) fn moments_from_power_sums(count: usize, mean: f64, sums: [f64; 4]) -> Moments {
    let n = count as f64;
    let [s1, s2, s3, s4] = sums;
    let c = s1 / n;
    let m2 = (s2 - c * s1) / n;
    let m3 = (s3 - 3.0 * c * s2 + 2.0 * c * c * s1) / n;
    let m4 = (s4 - 4.0 * c * s3 + 6.0 * c * c * s2 - 3.0 * c * c * c * s1) / n;
    // Clamp rounding below zero, but keep NaN (f64::max would drop it).
    let non_negative = |v: f64| if v < 0.0 { 0.0 } else { v };
    Moments { count, mean: mean + c, m2: non_negative(m2), m3, m4: non_negative(m4) }
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

/// Mean (the exact sum divided by the count, rounded) and central moments of the values; `None` when empty.
///
/// The deviations are taken from `x[0]` in exact integer arithmetic before rounding to f64, so timestamps
/// near 1.7e15 µs keep their sub-unit moments.
pub(crate) fn moments_i64(x: &[i64]) -> Option<Moments> {
    let origin = i128::from(*x.first()?);
    let n = x.len() as f64;
    let shifted_sum: i128 = x.iter().map(|&v| i128::from(v) - origin).sum();
    let shifted_mean = shifted_sum as f64 / n;
    let moments = central_moments(x.iter().map(|&v| (i128::from(v) - origin) as f64 - shifted_mean), x.len(), 0.0);
    Some(Moments { mean: (shifted_sum + origin * x.len() as i128) as f64 / n, ..moments })
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
    Some(Moments { mean, ..central_moments(diffs, count, mean) })
}
