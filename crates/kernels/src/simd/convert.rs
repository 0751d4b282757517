//! The Python front end's column conversions, on a backend: the scalar reference's loops
//! (`src/scalar/convert.rs`), instantiated inside each backend's `#[target_feature]` entry. They are written
//! branch-free so that the compiler vectorizes them with the entry's instructions (AVX-512, AVX2 + FMA, NEON,
//! pulp's choice, wide's build target); the conversions they need (round to nearest, a fused multiply-add, bit
//! tests, integer compares) are plain Rust operations with one exact result each, so every backend returns
//! the scalar reference's values bit for bit, and no `Isa` primitive is needed.

use std::ops::Range;

use crate::arch::Isa;
use crate::scalar::convert as scalar;

#[inline(always)]
pub(crate) fn float_to_scaled<S: Isa>(_: S, values: &[f64], out: &mut [i64], least: i64) -> bool {
    scalar::float_to_scaled(values, out, least)
}

#[inline(always)]
pub(crate) fn i128_to_i64<S: Isa>(_: S, halves: &[i64], out: &mut [i64], least: i64) -> bool {
    scalar::i128_to_i64(halves, out, least)
}

#[inline(always)]
pub(crate) fn non_negative<S: Isa>(_: S, values: &[i64], out: &mut [i64]) -> bool {
    scalar::non_negative(values, out)
}

#[inline(always)]
pub(crate) fn u64_to_i64<S: Isa>(_: S, values: &[u64], out: &mut [i64]) -> bool {
    scalar::u64_to_i64(values, out)
}

#[inline(always)]
pub(crate) fn millis_to_micros<S: Isa>(_: S, values: &[i64], out: &mut [i64], cutoff: i64, range: Range<i64>) -> bool {
    scalar::millis_to_micros(values, out, cutoff, range)
}

#[inline(always)]
pub(crate) fn records_ok<S: Isa>(
    _: S,
    ids: &[i64],
    times: &[i64],
    first_ids: &[i64],
    last_ids: &[i64],
    previous: Option<(i64, i64)>,
    range: Range<i64>,
) -> bool {
    scalar::records_ok(ids, times, first_ids, last_ids, previous, range)
}
