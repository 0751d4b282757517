//! Reductions and the Kyle regression, generic over [`Isa`]. Each loop keeps several independent vector
//! accumulators so that the adds are not serialised on their latency; the last partial vector is finished
//! with scalar code.

use super::Isa;
use crate::scalar;
use crate::scalar::moments_from_power_sums;
use crate::summary::{MinMax, Moments};

/// Accumulators per loop.
const UNROLL: usize = 4;

/// Sum of `f(i)` over the vector starts `i = 0, L, 2L, …` with `i + L <= len`, plus `tail(i)` for the
/// remaining indices, where `f` yields a vector and `tail` a scalar.
#[inline(always)]
fn vector_sum<S: Isa>(s: S, len: usize, f: impl Fn(usize) -> S::F, tail: impl Fn(usize) -> f64) -> f64 {
    let mut acc = [s.splat(0.0); UNROLL];
    let step = S::LANES * UNROLL;
    let mut i = 0;
    while i + step <= len {
        for (k, a) in acc.iter_mut().enumerate() {
            *a = s.add(*a, f(i + k * S::LANES));
        }
        i += step;
    }
    while i + S::LANES <= len {
        acc[0] = s.add(acc[0], f(i));
        i += S::LANES;
    }
    let total = s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3]));
    s.sum_lanes(total) + (i..len).map(tail).sum::<f64>()
}

#[inline(always)]
pub(crate) fn sum_f64<S: Isa>(s: S, x: &[f64]) -> f64 {
    vector_sum(s, x.len(), |i| s.load(x, i), |i| x[i])
}

#[inline(always)]
pub(crate) fn min_max_f64<S: Isa>(s: S, x: &[f64]) -> Option<MinMax<f64>> {
    let first = *x.first()?;
    let (mut lo, mut hi, mut nan) = (s.splat(first), s.splat(first), 0u64);
    let mut i = 0;
    while i + S::LANES <= x.len() {
        let v = s.load(x, i);
        nan |= s.nan_mask(v);
        lo = s.min(lo, v);
        hi = s.max(hi, v);
        i += S::LANES;
    }
    let tail = &x[i..];
    if nan != 0 || tail.iter().any(|v| v.is_nan()) {
        return Some(MinMax { min: f64::NAN, max: f64::NAN });
    }
    let min = tail.iter().fold(s.min_lanes(lo), |a, &b| a.min(b));
    let max = tail.iter().fold(s.max_lanes(hi), |a, &b| a.max(b));
    Some(MinMax { min, max })
}

/// Power sums `[Σd, Σd², Σd³, Σd⁴]` of `d = value(i) - centre` over `i < len`.
#[inline(always)]
fn power_sums<S: Isa>(
    s: S,
    len: usize,
    centre: f64,
    vector: impl Fn(usize) -> S::F,
    scalar: impl Fn(usize) -> f64,
) -> [f64; 4] {
    let c = s.splat(centre);
    let zero = s.splat(0.0);
    let (mut a, mut b) = ([zero; 4], [zero; 4]);
    let accumulate = |acc: &mut [S::F; 4], v: S::F| {
        let d = s.sub(v, c);
        let d2 = s.mul(d, d);
        acc[0] = s.add(acc[0], d);
        acc[1] = s.add(acc[1], d2);
        acc[2] = s.mul_add(d2, d, acc[2]);
        acc[3] = s.mul_add(d2, d2, acc[3]);
    };
    let mut i = 0;
    while i + 2 * S::LANES <= len {
        accumulate(&mut a, vector(i));
        accumulate(&mut b, vector(i + S::LANES));
        i += 2 * S::LANES;
    }
    if i + S::LANES <= len {
        accumulate(&mut a, vector(i));
        i += S::LANES;
    }
    let mut sums = [0.0; 4];
    for k in 0..4 {
        sums[k] = s.sum_lanes(s.add(a[k], b[k]));
    }
    for j in i..len {
        let d = scalar(j) - centre;
        let d2 = d * d;
        sums[0] += d;
        sums[1] += d2;
        sums[2] += d2 * d;
        sums[3] += d2 * d2;
    }
    sums
}

#[inline(always)]
pub(crate) fn moments_f64<S: Isa>(s: S, x: &[f64]) -> Option<Moments> {
    let &origin = x.first()?;
    let o = s.splat(origin);
    let shifted = |i| s.sub(s.load(x, i), o);
    let shifted_mean = vector_sum(s, x.len(), shifted, |i| x[i] - origin) / x.len() as f64;
    let sums = power_sums(s, x.len(), shifted_mean, shifted, |i| x[i] - origin);
    let moments = moments_from_power_sums(x.len(), shifted_mean, sums);
    Some(Moments { mean: origin + moments.mean, ..moments })
}

#[inline(always)]
pub(crate) fn abs_diff_sum_f64<S: Isa>(s: S, x: &[f64]) -> f64 {
    let pairs = x.len().saturating_sub(1);
    vector_sum(s, pairs, |i| s.abs(s.sub(s.load(x, i + 1), s.load(x, i))), |i| (x[i + 1] - x[i]).abs())
}

#[inline(always)]
pub(crate) fn diff_moments_f64<S: Isa>(s: S, x: &[f64]) -> Option<Moments> {
    if x.len() < 2 {
        return None;
    }
    let count = x.len() - 1;
    let diff = |i| s.sub(s.load(x, i + 1), s.load(x, i));
    let mean = vector_sum(s, count, diff, |i| x[i + 1] - x[i]) / count as f64;
    let sums = power_sums(s, count, mean, diff, |i| x[i + 1] - x[i]);
    Some(moments_from_power_sums(count, mean, sums))
}

/// `true` when any value is NaN or infinite: `v * 0` is NaN exactly for those, and NaN survives a sum.
#[inline(always)]
pub(crate) fn any_non_finite<S: Isa>(s: S, x: &[f64]) -> bool {
    let zero = s.splat(0.0);
    vector_sum(s, x.len(), |i| s.mul(s.load(x, i), zero), |i| x[i] * 0.0).is_nan()
}

/// `true` when every value equals `x[0]` (vacuously for an empty slice).
#[inline(always)]
pub(crate) fn all_equal<S: Isa>(s: S, x: &[f64]) -> bool {
    let Some(&first) = x.first() else { return true };
    let f = s.splat(first);
    let mut differ = 0u64;
    let mut i = 0;
    while i + S::LANES <= x.len() {
        differ |= s.ne_mask(s.load(x, i), f);
        i += S::LANES;
    }
    differ == 0 && x[i..].iter().all(|&v| v == first)
}

#[inline(always)]
pub(crate) fn kyle_lambda<S: Isa>(s: S, dp: &[f64], q: &[f64]) -> Option<f64> {
    assert_eq!(dp.len(), q.len(), "kyle_lambda: dp and q must have the same length");
    let n = q.len();
    if n < 2 {
        return None;
    }
    if any_non_finite(s, dp) || any_non_finite(s, q) {
        return Some(f64::NAN);
    }
    if all_equal(s, q) {
        return None;
    }
    // Shift both series by their first value, as the scalar reference does.
    let (q0, p0) = (q[0], dp[0]);
    let (q0v, p0v) = (s.splat(q0), s.splat(p0));
    let mean_q = vector_sum(s, n, |i| s.sub(s.load(q, i), q0v), |i| q[i] - q0) / n as f64;
    let mean_dp = vector_sum(s, n, |i| s.sub(s.load(dp, i), p0v), |i| dp[i] - p0) / n as f64;
    let (mq, mp) = (s.splat(mean_q), s.splat(mean_dp));
    let zero = s.splat(0.0);
    let (mut sxy, mut sxx) = ([zero; 2], [zero; 2]);
    let mut i = 0;
    while i + S::LANES <= n {
        let k = (i / S::LANES) & 1;
        let dq = s.sub(s.sub(s.load(q, i), q0v), mq);
        sxy[k] = s.mul_add(dq, s.sub(s.sub(s.load(dp, i), p0v), mp), sxy[k]);
        sxx[k] = s.mul_add(dq, dq, sxx[k]);
        i += S::LANES;
    }
    let (mut xy, mut xx) = (s.sum_lanes(s.add(sxy[0], sxy[1])), s.sum_lanes(s.add(sxx[0], sxx[1])));
    for j in i..n {
        let dq = (q[j] - q0) - mean_q;
        xy += dq * ((dp[j] - p0) - mean_dp);
        xx += dq * dq;
    }
    Some(xy / xx)
}

#[inline(always)]
pub(crate) fn min_max_i64<S: Isa>(s: S, x: &[i64]) -> Option<MinMax<i64>> {
    let first = *x.first()?;
    let (mut lo, mut hi) = (s.splat_i64(first), s.splat_i64(first));
    let mut i = 0;
    while i + S::LANES <= x.len() {
        let v = s.load_i64(x, i);
        lo = s.min_i64(lo, v);
        hi = s.max_i64(hi, v);
        i += S::LANES;
    }
    let tail = &x[i..];
    let min = s.lanes_i64(lo).as_slice().iter().chain(tail).copied().min()?;
    let max = s.lanes_i64(hi).as_slice().iter().chain(tail).copied().max()?;
    Some(MinMax { min, max })
}

/// Exact sum of the values `value(i)` (vectors from `vector`) for `i < len`: each value is split into its
/// signed high and unsigned low 32-bit halves, summed in separate i64 lanes (exact below 2^31 values), and
/// recombined in i128.
#[inline(always)]
fn exact_sum<S: Isa>(s: S, len: usize, vector: impl Fn(usize) -> S::I, unsigned: bool) -> (i128, usize) {
    let low_mask = s.splat_i64(0xFFFF_FFFF);
    let (mut hi, mut lo) = (s.splat_i64(0), s.splat_i64(0));
    let mut i = 0;
    while i + S::LANES <= len {
        let v = vector(i);
        let high = if unsigned { s.high_unsigned(v) } else { s.high_signed(v) };
        hi = s.add_i64(hi, high);
        lo = s.add_i64(lo, s.and_i64(v, low_mask));
        i += S::LANES;
    }
    let sum = |v: S::I| s.lanes_i64(v).as_slice().iter().map(|&l| i128::from(l)).sum::<i128>();
    (sum(hi) * (1i128 << 32) + sum(lo), i)
}

#[inline(always)]
pub(crate) fn sum_i64<S: Isa>(s: S, x: &[i64]) -> i128 {
    assert!(x.len() < 1 << 31, "sum_i64: more than 2^31 values");
    let (total, done) = exact_sum(s, x.len(), |i| s.load_i64(x, i), false);
    total + x[done..].iter().map(|&v| i128::from(v)).sum::<i128>()
}

/// Wrapping differences `x[i+1] - x[i]` for lanes starting at `i`, and the lanes where they overflowed.
#[inline(always)]
fn wrapping_diffs<S: Isa>(s: S, x: &[i64], i: usize) -> (S::I, u64) {
    let (a, b) = (s.load_i64(x, i + 1), s.load_i64(x, i));
    let d = s.sub_i64(a, b);
    // a - b overflows exactly when a and b differ in sign and the result's sign differs from a's.
    let overflow = s.sign_mask_i64(s.and_i64(s.xor_i64(a, b), s.xor_i64(a, d)));
    (d, overflow)
}

/// `true` when some consecutive difference does not fit in i64 (the SIMD paths then defer to scalar).
#[inline(always)]
fn diffs_overflow<S: Isa>(s: S, x: &[i64]) -> bool {
    let pairs = x.len().saturating_sub(1);
    let mut overflow = 0u64;
    let mut i = 0;
    while i + S::LANES <= pairs {
        overflow |= wrapping_diffs(s, x, i).1;
        i += S::LANES;
    }
    overflow != 0
}

#[inline(always)]
pub(crate) fn abs_diff_sum_i64<S: Isa>(s: S, x: &[i64]) -> u128 {
    let pairs = x.len().saturating_sub(1);
    if pairs >= 1 << 31 || diffs_overflow(s, x) {
        return scalar::abs_diff_sum_i64(x);
    }
    let (total, done) = exact_sum(s, pairs, |i| s.abs_i64(wrapping_diffs(s, x, i).0), true);
    let tail: u128 = (done..pairs).map(|i| (i128::from(x[i + 1]) - i128::from(x[i])).unsigned_abs()).sum();
    total as u128 + tail
}

#[inline(always)]
pub(crate) fn moments_i64<S: Isa>(s: S, x: &[i64]) -> Option<Moments> {
    let &first = x.first()?;
    let origin = s.splat_i64(first);
    let shifted = |i| s.sub_i64(s.load_i64(x, i), origin);
    // Deviations from x[0] must fit in i64 for the vector path.
    let mut overflow = 0u64;
    let mut i = 0;
    while i + S::LANES <= x.len() {
        let v = s.load_i64(x, i);
        overflow |= s.sign_mask_i64(s.and_i64(s.xor_i64(v, origin), s.xor_i64(v, shifted(i))));
        i += S::LANES;
    }
    if overflow != 0 || x.len() >= 1 << 31 {
        return scalar::moments_i64(x);
    }
    let n = x.len() as f64;
    let (vector_part, done) = exact_sum(s, x.len(), shifted, false);
    let shifted_sum = vector_part + x[done..].iter().map(|&v| i128::from(v) - i128::from(first)).sum::<i128>();
    let shifted_mean = shifted_sum as f64 / n;
    let scalar_dev = |j: usize| (i128::from(x[j]) - i128::from(first)) as f64;
    let sums = power_sums(s, x.len(), shifted_mean, |j| s.to_f64(shifted(j)), scalar_dev);
    let moments = moments_from_power_sums(x.len(), 0.0, sums);
    let mean = (shifted_sum + i128::from(first) * x.len() as i128) as f64 / n;
    Some(Moments { mean, ..moments })
}

#[inline(always)]
pub(crate) fn diff_moments_i64<S: Isa>(s: S, x: &[i64]) -> Option<Moments> {
    if x.len() < 2 {
        return None;
    }
    if diffs_overflow(s, x) {
        return scalar::diff_moments_i64(x);
    }
    let count = x.len() - 1;
    let mean = (i128::from(x[count]) - i128::from(x[0])) as f64 / count as f64;
    let scalar_diff = |j: usize| (i128::from(x[j + 1]) - i128::from(x[j])) as f64;
    let sums = power_sums(s, count, mean, |j| s.to_f64(wrapping_diffs(s, x, j).0), scalar_diff);
    Some(Moments { mean, ..moments_from_power_sums(count, mean, sums) })
}
