//! Integer column kernels for the range-bar builder, generic over [`Isa`].
//!
//! * `first_unordered_pair`: each vector of pairs against the vector one position earlier (two unaligned
//!   loads per column), three comparisons and one branch per vector.
//! * `first_outside_i64`: two signed vector comparisons and one branch per vector.
//! * `product_sums`: exact `Σ w` and `Σ v·w` (and their selected parts) with no 128-bit arithmetic in the
//!   loop. Non-negative `v` and `w` are split into 32-bit limbs, `v = vh·2^32 + vl`, `w = wh·2^32 + wl`, so
//!   `v·w = vh·wh·2^64 + (vh·wl + vl·wh)·2^32 + vl·wl`, each partial product one unsigned 32 × 32 → 64-bit
//!   vector multiply. Each partial product is split again into its 32-bit halves, and halves of equal weight
//!   `2^(32k)` go into lane accumulator `k`: at most three values below 2^32 per step, so a lane (read as
//!   u64) cannot wrap within [`CHUNK`] elements, after which the limbs are flushed into `i128`. A negative
//!   `v` or `w` anywhere sends the whole call to the scalar reference, which handles every sign.
//! * `span_sums`: `last - first` as a wrapping i64 difference (an overflow anywhere defers to the scalar
//!   reference), summed exactly as signed high and unsigned low 32-bit halves; the `+ 1` per position is
//!   added as a count at the end.

use crate::arch::Isa;
use crate::scalar::columns as scalar;
use crate::summary::{ProductSums, SpanSums};

/// Elements per flush of the lane accumulators (see the module docs for the bound).
const CHUNK: usize = 1 << 28;

/// The bits of the `LANES` lanes in a mask.
#[inline(always)]
fn lane_bits<S: Isa>() -> u64 {
    (1u64 << S::LANES) - 1
}

#[inline(always)]
pub(crate) fn first_unordered_pair<S: Isa>(s: S, major: &[i64], minor: &[i64]) -> Option<usize> {
    scalar::assert_columns(major.len(), minor.len(), minor.len());
    let all = lane_bits::<S>();
    let mut i = 1;
    while i + S::LANES <= major.len() {
        let (previous, current) = (s.load_i64(major, i - 1), s.load_i64(major, i));
        let (previous_minor, current_minor) = (s.load_i64(minor, i - 1), s.load_i64(minor, i));
        // Increasing: the major key grows, or it does not fall and the minor key grows.
        let increasing = s.gt_mask_i64(current, previous)
            | (!s.gt_mask_i64(previous, current) & s.gt_mask_i64(current_minor, previous_minor));
        if increasing != all {
            return Some(i + (!increasing & all).trailing_zeros() as usize);
        }
        i += S::LANES;
    }
    let from = i - 1;
    scalar::first_unordered_pair(&major[from..], &minor[from..]).map(|j| from + j)
}

#[inline(always)]
pub(crate) fn first_outside_i64<S: Isa>(s: S, x: &[i64], lower: i64, upper: i64) -> Option<usize> {
    let (lo, hi, all) = (s.splat_i64(lower), s.splat_i64(upper), lane_bits::<S>());
    let mut i = 0;
    while i + S::LANES <= x.len() {
        let v = s.load_i64(x, i);
        let inside = s.gt_mask_i64(v, lo) & s.gt_mask_i64(hi, v);
        if inside != all {
            return Some(i + (!inside & all).trailing_zeros() as usize);
        }
        i += S::LANES;
    }
    scalar::first_outside_i64(&x[i..], lower, upper).map(|j| i + j)
}

#[inline(always)]
pub(crate) fn product_sums<S: Isa>(s: S, values: &[i64], weights: &[i64], selected: &[bool]) -> ProductSums {
    scalar::assert_columns(values.len(), weights.len(), selected.len());
    let vectored = values.len() - values.len() % S::LANES;
    let mut out = ProductSums::default();
    let mut start = 0;
    while start < vectored {
        let end = (start + CHUNK).min(vectored);
        let Some(part) = unsigned_product_sums(s, &values[start..end], &weights[start..end], &selected[start..end])
        else {
            return scalar::product_sums(values, weights, selected);
        };
        out += part;
        start = end;
    }
    out += scalar::product_sums(&values[vectored..], &weights[vectored..], &selected[vectored..]);
    out
}

/// The limb loop over whole vectors (`values.len()` a multiple of `LANES`, at most [`CHUNK`]); `None` when a
/// value or weight is negative.
#[inline(always)]
fn unsigned_product_sums<S: Isa>(s: S, values: &[i64], weights: &[i64], selected: &[bool]) -> Option<ProductSums> {
    let (zero, low) = (s.splat_i64(0), s.splat_i64(0xFFFF_FFFF));
    let (mut products, mut selected_products) = ([zero; 4], [zero; 4]);
    let (mut sums, mut selected_sums) = ([zero; 2], [zero; 2]);
    let mut negative = 0u64;
    let mut i = 0;
    while i < values.len() {
        let (v, w, chosen) = (s.load_i64(values, i), s.load_i64(weights, i), s.bool_mask(selected, i));
        negative |= s.sign_mask_i64(v) | s.sign_mask_i64(w);
        let (vh, wh) = (s.high_unsigned(v), s.high_unsigned(w));
        let (ll, lh, hl, hh) = (s.mul_low_u32(v, w), s.mul_low_u32(v, wh), s.mul_low_u32(vh, w), s.mul_low_u32(vh, wh));
        let limbs = [
            s.and_i64(ll, low),
            s.add_i64(s.add_i64(s.high_unsigned(ll), s.and_i64(lh, low)), s.and_i64(hl, low)),
            s.add_i64(s.add_i64(s.high_unsigned(lh), s.high_unsigned(hl)), s.and_i64(hh, low)),
            s.high_unsigned(hh),
        ];
        for k in 0..4 {
            products[k] = s.add_i64(products[k], limbs[k]);
            selected_products[k] = s.add_i64(selected_products[k], s.and_i64(limbs[k], chosen));
        }
        let halves = [s.and_i64(w, low), wh];
        for k in 0..2 {
            sums[k] = s.add_i64(sums[k], halves[k]);
            selected_sums[k] = s.add_i64(selected_sums[k], s.and_i64(halves[k], chosen));
        }
        i += S::LANES;
    }
    (negative == 0).then(|| ProductSums {
        weights: unsigned_limbs(s, &sums),
        products: unsigned_limbs(s, &products),
        selected_weights: unsigned_limbs(s, &selected_sums),
        selected_products: unsigned_limbs(s, &selected_products),
    })
}

/// `Σ_k (Σ lanes of limbs[k], read as u64) · 2^(32k)`, modulo 2^128 (exact when the true sum fits `i128`).
#[inline(always)]
fn unsigned_limbs<S: Isa>(s: S, limbs: &[S::I]) -> i128 {
    let mut total = 0u128;
    for (k, &limb) in limbs.iter().enumerate() {
        let mut lane_sum = 0u128;
        for &lane in s.lanes_i64(limb).as_slice() {
            lane_sum += u128::from(lane as u64);
        }
        total = total.wrapping_add(lane_sum << (32 * k));
    }
    total as i128
}

#[inline(always)]
pub(crate) fn span_sums<S: Isa>(s: S, first: &[i64], last: &[i64], selected: &[bool]) -> SpanSums {
    scalar::assert_columns(first.len(), last.len(), selected.len());
    let vectored = first.len() - first.len() % S::LANES;
    let mut out = SpanSums::default();
    let mut start = 0;
    while start < vectored {
        let end = (start + CHUNK).min(vectored);
        let Some(part) = difference_sums(s, &first[start..end], &last[start..end], &selected[start..end]) else {
            return scalar::span_sums(first, last, selected);
        };
        out += part;
        start = end;
    }
    out += scalar::span_sums(&first[vectored..], &last[vectored..], &selected[vectored..]);
    out
}

/// Span sums over whole vectors (`first.len()` a multiple of `LANES`, at most [`CHUNK`]); `None` when some
/// `last - first` does not fit in i64.
#[inline(always)]
fn difference_sums<S: Isa>(s: S, first: &[i64], last: &[i64], selected: &[bool]) -> Option<SpanSums> {
    let (zero, low) = (s.splat_i64(0), s.splat_i64(0xFFFF_FFFF));
    let (mut high_sum, mut low_sum, mut selected_high, mut selected_low) = (zero, zero, zero, zero);
    let (mut overflow, mut chosen_count) = (0u64, 0u64);
    let mut i = 0;
    while i < first.len() {
        let (a, b, chosen) = (s.load_i64(first, i), s.load_i64(last, i), s.bool_mask(selected, i));
        let d = s.sub_i64(b, a);
        // b - a overflows exactly when a and b differ in sign and the result's sign differs from b's.
        overflow |= s.sign_mask_i64(s.and_i64(s.xor_i64(b, a), s.xor_i64(b, d)));
        let (high, low_half) = (s.high_signed(d), s.and_i64(d, low));
        high_sum = s.add_i64(high_sum, high);
        low_sum = s.add_i64(low_sum, low_half);
        selected_high = s.add_i64(selected_high, s.and_i64(high, chosen));
        selected_low = s.add_i64(selected_low, s.and_i64(low_half, chosen));
        chosen_count += u64::from(s.sign_mask_i64(chosen).count_ones());
        i += S::LANES;
    }
    (overflow == 0).then(|| SpanSums {
        spans: signed_halves(s, high_sum, low_sum) + first.len() as i128,
        selected_spans: signed_halves(s, selected_high, selected_low) + i128::from(chosen_count),
    })
}

/// `Σ lanes of high · 2^32 + Σ lanes of low`, lanes read as i64.
#[inline(always)]
fn signed_halves<S: Isa>(s: S, high: S::I, low: S::I) -> i128 {
    let high: i128 = s.lanes_i64(high).as_slice().iter().map(|&h| i128::from(h)).sum();
    let low: i128 = s.lanes_i64(low).as_slice().iter().map(|&l| i128::from(l)).sum();
    high * (1 << 32) + low
}
