//! Reductions over f64 and i64 columns, generic over [`Isa`]. Each loop keeps several independent vector
//! accumulators so that the adds are not serialised on their latency; the last partial vector is finished
//! with scalar code.

use super::sources::{
    AbsDiffsI64, Diffs, DiffsI64, Shifted, ShiftedI64, Source, SourceI64, TimesZero, Values, ValuesI64,
};
use crate::arch::Isa;
use crate::scalar::reductions as scalar;
use crate::scalar::reductions::moments_from_power_sums;
use crate::summary::{MinMax, Moments};

/// Accumulators per loop.
pub(crate) const UNROLL: usize = 4;

/// Sum of a source: `UNROLL` vector accumulators, then one, then scalar for the last partial vector.
#[inline(always)]
fn vector_sum<S: Isa>(s: S, src: &impl Source<S>) -> f64 {
    let len = src.len();
    let mut acc = [s.splat(0.0); UNROLL];
    let step = S::LANES * UNROLL;
    let mut i = 0;
    while i + step <= len {
        for (k, a) in acc.iter_mut().enumerate() {
            *a = s.add(*a, src.vector(s, i + k * S::LANES));
        }
        i += step;
    }
    while i + S::LANES <= len {
        acc[0] = s.add(acc[0], src.vector(s, i));
        i += S::LANES;
    }
    let total = s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3]));
    let mut sum = s.sum_lanes(total);
    for j in i..len {
        sum += src.value(j);
    }
    sum
}

#[inline(always)]
pub(crate) fn sum_f64<S: Isa>(s: S, x: &[f64]) -> f64 {
    vector_sum(s, &Values(x))
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
fn power_sums<S: Isa>(s: S, src: &impl Source<S>, centre: f64) -> [f64; 4] {
    let len = src.len();
    let c = s.splat(centre);
    let zero = s.splat(0.0);
    let (mut a, mut b) = ([zero; 4], [zero; 4]);
    let mut i = 0;
    while i + 2 * S::LANES <= len {
        accumulate_powers(s, &mut a, s.sub(src.vector(s, i), c));
        accumulate_powers(s, &mut b, s.sub(src.vector(s, i + S::LANES), c));
        i += 2 * S::LANES;
    }
    if i + S::LANES <= len {
        accumulate_powers(s, &mut a, s.sub(src.vector(s, i), c));
        i += S::LANES;
    }
    let mut sums = [0.0; 4];
    for k in 0..4 {
        sums[k] = s.sum_lanes(s.add(a[k], b[k]));
    }
    for j in i..len {
        let d = src.value(j) - centre;
        let d2 = d * d;
        sums[0] += d;
        sums[1] += d2;
        sums[2] += d2 * d;
        sums[3] += d2 * d2;
    }
    sums
}

/// Adds `d, d², d³, d⁴` to the four accumulators.
#[inline(always)]
fn accumulate_powers<S: Isa>(s: S, acc: &mut [S::F; 4], d: S::F) {
    let d2 = s.mul(d, d);
    acc[0] = s.add(acc[0], d);
    acc[1] = s.add(acc[1], d2);
    acc[2] = s.mul_add(d2, d, acc[2]);
    acc[3] = s.mul_add(d2, d2, acc[3]);
}

#[inline(always)]
pub(crate) fn moments_f64<S: Isa>(s: S, x: &[f64]) -> Option<Moments> {
    let &origin = x.first()?;
    let shifted = Shifted { x, origin };
    let shifted_mean = vector_sum(s, &shifted) / x.len() as f64;
    let sums = power_sums(s, &shifted, shifted_mean);
    let moments = moments_from_power_sums(x.len(), shifted_mean, sums);
    Some(Moments { mean: origin + moments.mean, ..moments })
}

#[inline(always)]
pub(crate) fn abs_diff_sum_f64<S: Isa>(s: S, x: &[f64]) -> f64 {
    vector_sum(s, &Diffs { x, absolute: true })
}

#[inline(always)]
pub(crate) fn diff_moments_f64<S: Isa>(s: S, x: &[f64]) -> Option<Moments> {
    if x.len() < 2 {
        return None;
    }
    let count = x.len() - 1;
    let diffs = Diffs { x, absolute: false };
    let mean = vector_sum(s, &diffs) / count as f64;
    let sums = power_sums(s, &diffs, mean);
    Some(moments_from_power_sums(count, mean, sums))
}

/// `true` when any value is NaN or infinite: `v * 0` is NaN exactly for those, and NaN survives a sum.
#[inline(always)]
pub(crate) fn any_non_finite<S: Isa>(s: S, x: &[f64]) -> bool {
    vector_sum(s, &TimesZero(x)).is_nan()
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
fn exact_sum<S: Isa>(s: S, len: usize, src: &impl SourceI64<S>, unsigned: bool) -> (i128, usize) {
    let low_mask = s.splat_i64(0xFFFF_FFFF);
    let (mut hi, mut lo) = (s.splat_i64(0), s.splat_i64(0));
    let mut i = 0;
    while i + S::LANES <= len {
        let v = src.vector_i64(s, i);
        let high = if unsigned { s.high_unsigned(v) } else { s.high_signed(v) };
        hi = s.add_i64(hi, high);
        lo = s.add_i64(lo, s.and_i64(v, low_mask));
        i += S::LANES;
    }
    (lane_sum(s, hi) * (1i128 << 32) + lane_sum(s, lo), i)
}

/// Sum of the lanes of an i64 vector, in i128.
#[inline(always)]
fn lane_sum<S: Isa>(s: S, v: S::I) -> i128 {
    let lanes = s.lanes_i64(v);
    let mut total = 0i128;
    for &l in lanes.as_slice() {
        total += i128::from(l);
    }
    total
}

#[inline(always)]
pub(crate) fn sum_i64<S: Isa>(s: S, x: &[i64]) -> i128 {
    assert!(x.len() < 1 << 31, "sum_i64: more than 2^31 values");
    let (total, done) = exact_sum(s, x.len(), &ValuesI64(x), false);
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
    let (total, done) = exact_sum(s, pairs, &AbsDiffsI64(x), true);
    let tail: u128 = (done..pairs).map(|i| (i128::from(x[i + 1]) - i128::from(x[i])).unsigned_abs()).sum();
    total as u128 + tail
}

#[inline(always)]
pub(crate) fn moments_i64<S: Isa>(s: S, x: &[i64]) -> Option<Moments> {
    let &first = x.first()?;
    let origin = s.splat_i64(first);
    let shifted = ShiftedI64 { x, origin: first };
    // Deviations from x[0] must fit in i64 for the vector path.
    let mut overflow = 0u64;
    let mut i = 0;
    while i + S::LANES <= x.len() {
        let v = s.load_i64(x, i);
        let d = s.sub_i64(v, origin);
        overflow |= s.sign_mask_i64(s.and_i64(s.xor_i64(v, origin), s.xor_i64(v, d)));
        i += S::LANES;
    }
    if overflow != 0 || x.len() >= 1 << 31 {
        return scalar::moments_i64(x);
    }
    let n = x.len() as f64;
    let (vector_part, done) = exact_sum(s, x.len(), &shifted, false);
    let shifted_sum = vector_part + x[done..].iter().map(|&v| i128::from(v) - i128::from(first)).sum::<i128>();
    let shifted_mean = shifted_sum as f64 / n;
    let sums = power_sums(s, &shifted, shifted_mean);
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
    let sums = power_sums(s, &DiffsI64(x), mean);
    Some(Moments { mean, ..moments_from_power_sums(count, mean, sums) })
}
