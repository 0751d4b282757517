//! Column conversions of the Python front end (Arrow columns to barsmith's exact integers), scalar reference:
//! floats to fixed point at 10^8, `Decimal128` to `i64`, integer copies with a sign check, millisecond to
//! microsecond timestamps, and the order check of a run of trades.
//!
//! Each kernel converts every value and says whether all of them took the fast route; when one did not, the
//! caller redoes the column value by value on its exact path (which also names the offending value), so a
//! `false` never loses anything. Every loop is branch-free (its flag is an `&`/`|` fold), which lets the
//! compiler vectorize it; `src/simd/convert.rs` runs these same loops inside each backend's
//! `#[target_feature]` entry, so every backend returns exactly these values.

use std::ops::Range;

/// The scale of barsmith's fixed point, 10^8, as a float.
const SCALE: f64 = 100_000_000.0;

/// Below this magnitude (2^50 / 10^8 ≈ 1.1 × 10^7) a float `x` that is a decimal with at most 8 places has
/// `round(x · 10^8)` as its scaled value: the product's rounding error is far below 0.5.
pub const FLOAT_TO_SCALED_LIMIT: f64 = (1u64 << 50) as f64 / SCALE;

/// `1 - 2^-50`: the margin that makes the test of [`float_to_scaled`] exact despite the rounding of its
/// residual.
const MARGIN: f64 = 1.0 - 1.0 / (1u64 << 50) as f64;

/// `out[i] = round(values[i] · 10^8)` (ties to even; 0 when that is NaN or not below 2^51 in magnitude);
/// `true` when every candidate `r` is the scaled decimal of its float `x` (the decimal `r · 10^-8` reads back
/// as exactly `x`), `x` is in `0..FLOAT_TO_SCALED_LIMIT` and `r >= least`.
///
/// The test needs no division: `r · 10^-8` rounds to `x` when it lies within half the spacing of the floats
/// around `x` (the spacing below a power of two is half the one above). With `D = r - x · 10^8` (one fused
/// multiply-add: `d = fl(D)`, relative error ≤ 2^-53) and `T = 10^8 · spacing / 2` (exact), the test
/// `|d| < T · (1 - 2^-50)` implies `|D| < T`. A value it does not accept (ties, a negative, huge or
/// non-finite value, a float that is no such decimal) makes the result `false`. `x < 1.1 · 10^7` keeps
/// `x · 10^8` below 2^50, so that `r` is exact and the nearest integer to it.
///
/// # Panics
/// When `values` and `out` differ in length.
#[inline(always)]
pub(crate) fn float_to_scaled(values: &[f64], out: &mut [i64], least: i64) -> bool {
    assert_lengths(values.len(), out.len());
    const EXPONENT: u64 = 0x7FF0_0000_0000_0000;
    const MANTISSA: u64 = 0x000F_FFFF_FFFF_FFFF;
    const TWO_POW_51: f64 = (1u64 << 51) as f64;
    // 1.5 · 2^52: an integer `r` with |r| < 2^51 added to it gives a float with spacing 1 whose bits are
    // `MAGIC`'s plus `r`, so the conversion is an addition and an integer subtraction (no saturation).
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let mut ok = true;
    for (o, &x) in out.iter_mut().zip(values) {
        // Ties do not matter: the test accepts only the candidate that is the decimal.
        let scaled = (x * SCALE).round_ties_even();
        let residual = (-x).mul_add(SCALE, scaled);
        let bits = x.to_bits();
        // The spacing above x, 2^(E - 1075); 0 for the smallest exponents (then nothing passes).
        let above = f64::from_bits((bits & EXPONENT).saturating_sub(52 << 52));
        let spacing = if residual < 0.0 && bits & MANTISSA == 0 { above * 0.5 } else { above };
        // Below 2^51 and not NaN (the comparison is false for NaN); anything else fails the test below.
        let small = if scaled.abs() < TWO_POW_51 { scaled } else { 0.0 };
        let raw = (small + MAGIC).to_bits() as i64 - MAGIC.to_bits() as i64;
        ok &= (0.0..FLOAT_TO_SCALED_LIMIT).contains(&x)
            & ((residual.abs() < spacing * (SCALE * 0.5) * MARGIN) | (x == 0.0))
            & (raw >= least);
        *o = raw;
    }
    ok
}

/// `out[i]` = the low 64 bits of the `i`-th i128, for `Decimal128(_, 8)` values given as `halves`: each i128
/// as its two i64 halves in memory order (what Arrow's `Buffer::typed_data::<i64>()` gives for a `Decimal128`
/// buffer; low half first on little-endian targets). `true` when every value fits an `i64` (its high half is
/// the sign extension of its low half) and is at least `least`. Reading halves rather than `i128`s lets the
/// compiler vectorize the loop (it measured 1.0 against 1.8 ns per value with AVX-512).
///
/// # Panics
/// When `halves` does not hold two values per slot of `out`.
#[inline(always)]
pub(crate) fn i128_to_i64(halves: &[i64], out: &mut [i64], least: i64) -> bool {
    assert_lengths(halves.len(), out.len().saturating_mul(2));
    let (low, high) = if cfg!(target_endian = "little") { (0, 1) } else { (1, 0) };
    let mut ok = true;
    for (o, pair) in out.iter_mut().zip(halves.chunks_exact(2)) {
        ok &= (pair[high] == pair[low] >> 63) & (pair[low] >= least);
        *o = pair[low];
    }
    ok
}

/// Copies `values` into `out`; `true` when none is negative.
///
/// # Panics
/// When `values` and `out` differ in length.
#[inline(always)]
pub(crate) fn non_negative(values: &[i64], out: &mut [i64]) -> bool {
    assert_lengths(values.len(), out.len());
    let mut all = 0;
    for (o, &v) in out.iter_mut().zip(values) {
        all |= v;
        *o = v;
    }
    all >= 0
}

/// `out[i] = values[i] as i64` (wrapping); `true` when every value is below 2^63, i.e. none wrapped.
///
/// # Panics
/// When `values` and `out` differ in length.
#[inline(always)]
pub(crate) fn u64_to_i64(values: &[u64], out: &mut [i64]) -> bool {
    assert_lengths(values.len(), out.len());
    let mut all = 0;
    for (o, &v) in out.iter_mut().zip(values) {
        all |= v as i64;
        *o = v as i64;
    }
    all >= 0
}

/// Integer timestamps by the file rule: `out[i] = values[i] · 1000` (wrapping) when `values[i] < cutoff`
/// (milliseconds), else `values[i]` (microseconds); `true` when no value is negative and every `out[i]` is in
/// `range`.
///
/// # Panics
/// When `values` and `out` differ in length.
#[inline(always)]
pub(crate) fn millis_to_micros(values: &[i64], out: &mut [i64], cutoff: i64, range: Range<i64>) -> bool {
    assert_lengths(values.len(), out.len());
    let (start, end) = (range.start, range.end);
    let mut ok = true;
    for (o, &t) in out.iter_mut().zip(values) {
        let us = if t < cutoff { t.wrapping_mul(1000) } else { t };
        ok &= (us >= start) & (us < end) & (t >= 0);
        *o = us;
    }
    ok
}

/// `true` when every time is in `range`, `ids` strictly increase, `times` never decrease (both after
/// `previous`, the id and time of the record before them, if any) and `last_ids[i] >= first_ids[i]`.
/// Columns of different lengths are compared over their common length (`ids` with `times`, `first_ids` with
/// `last_ids`); every time is checked against `range`.
#[inline(always)]
pub(crate) fn records_ok(
    ids: &[i64],
    times: &[i64],
    first_ids: &[i64],
    last_ids: &[i64],
    previous: Option<(i64, i64)>,
    range: Range<i64>,
) -> bool {
    let (start, end) = (range.start, range.end);
    let mut bad = false;
    if let (Some((id, time)), Some(&first_id), Some(&first_time)) = (previous, ids.first(), times.first()) {
        bad |= (first_id <= id) | (first_time < time);
    }
    let n = ids.len().min(times.len());
    for (next, id) in ids[1.min(n)..n].iter().zip(&ids[..n.saturating_sub(1)]) {
        bad |= next <= id;
    }
    for (next, time) in times[1.min(n)..n].iter().zip(&times[..n.saturating_sub(1)]) {
        bad |= next < time;
    }
    for &t in times {
        bad |= (t < start) | (t >= end);
    }
    for (f, l) in first_ids.iter().zip(last_ids) {
        bad |= l < f;
    }
    !bad
}

/// The conversions write one output per input; a length mismatch is a caller bug.
fn assert_lengths(input: usize, output: usize) {
    assert!(input == output, "input and output of different lengths: {input}, {output}");
}
