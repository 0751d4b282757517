//! Branch-free passes over a whole chunk of a column, which the compiler vectorizes; the AVX-512 and AVX2
//! versions are chosen at run time. Each pass converts every value and says whether all of them took the fast
//! route; when one did not, the caller redoes the chunk value by value on the exact path, which also names the
//! offending value. The results are the exact path's, bit for bit (the tests compare both).

use std::mem::MaybeUninit;

use barsmith::core::SCALE;

/// Below this magnitude (2^50 / 10^8 ≈ 1.1 × 10^7) a float `x` that is a decimal with at most 8 places has
/// `round(x · 10^8)` as its scaled value: the product's rounding error is far below 0.5.
pub(crate) const FAST_FLOAT_LIMIT: f64 = (1u64 << 50) as f64 / SCALE as f64;

const SCALE_F64: f64 = SCALE as f64;

/// Defines `fn NAME(ARGS) -> RET { BODY }` compiled three times (AVX-512, AVX2 + FMA, the build's baseline), the best
/// one the CPU has chosen at each call (the detection is cached by the standard library).
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[inline(always)]
            fn body($($arg: $ty),*) -> $ret $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw,fma")]
            fn avx512($($arg: $ty),*) -> $ret {
                body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2($($arg: $ty),*) -> $ret {
                body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU has every feature `avx512` is compiled for (checked just above).
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX2 and FMA (checked just above).
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

/// `1 - 2^-50`: the margin that makes the test of [`floats`] exact despite the rounding of its residual.
const MARGIN: f64 = 1.0 - 1.0 / (1u64 << 50) as f64;

multiversion! {
    /// `out[i] = round(values[i] · 10^8)`; `true` when every candidate `r` is the scaled decimal of its float
    /// `x` (the decimal `r · 10^-8` reads back as exactly `x`) and is at least `least`.
    ///
    /// The test needs no division: `r · 10^-8` rounds to `x` when it lies within half the spacing of the
    /// floats around `x` (the spacing below a power of two is half the one above). With `D = r - x · 10^8`
    /// (one fused multiply-add: `d = fl(D)`, relative error ≤ 2^-53) and `T = 10^8 · spacing / 2` (exact), the
    /// test `|d| < T · (1 - 2^-50)` implies `|D| < T`. A value it does not accept (ties, a negative or huge
    /// or non-finite value, a float that is no such decimal) goes to the exact path. `x < 1.1 · 10^7` keeps
    /// `x · 10^8` below 2^50, so that `r` is exact and the nearest integer to it.
    pub(crate) fn floats(values: &[f64], out: &mut [MaybeUninit<i64>], least: i64) -> bool {
        assert_eq!(values.len(), out.len(), "every slot is written");
        const EXPONENT: u64 = 0x7FF0_0000_0000_0000;
        const MANTISSA: u64 = 0x000F_FFFF_FFFF_FFFF;
        const TWO_POW_62: f64 = (1u64 << 62) as f64;
        let mut ok = true;
        for (o, &x) in out.iter_mut().zip(values) {
            // Ties do not matter: the test accepts only the candidate that is the decimal.
            let scaled = (x * SCALE_F64).round_ties_even();
            let residual = (-x).mul_add(SCALE_F64, scaled);
            let bits = x.to_bits();
            // The spacing above x, 2^(E - 1075); 0 for the smallest exponents (then nothing passes).
            let above = f64::from_bits((bits & EXPONENT).saturating_sub(52 << 52));
            let spacing = if residual < 0.0 && bits & MANTISSA == 0 { above * 0.5 } else { above };
            // In i64's range and not NaN, so that the conversion needs no saturation (which is not vectorized);
            // anything else fails the test below.
            let finite = if scaled.abs() < TWO_POW_62 { scaled } else { 0.0 };
            // SAFETY: `finite` is finite and below 2^62 in magnitude: it fits an i64.
            let raw: i64 = unsafe { finite.to_int_unchecked() };
            ok &= (0.0..FAST_FLOAT_LIMIT).contains(&x)
                & ((residual.abs() < spacing * (SCALE_F64 * 0.5) * MARGIN) | (x == 0.0))
                & (raw >= least);
            o.write(raw);
        }
        ok
    }
}

/// `out[i] = values[i]` for `Decimal128(_, 8)` values; `true` when every one fits an `i64` and is at least
/// `least`.
pub(crate) fn decimals_scale8(values: &[i128], out: &mut [MaybeUninit<i64>], least: i64) -> bool {
    // SAFETY: an i128 is two i64s in memory (the low half first on little-endian targets, the high half first
    // on big-endian ones), and i128's alignment is at least i64's: the slice covers the same memory.
    let halves = unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<i64>(), values.len() * 2) };
    decimal_halves(halves, out, least)
}

multiversion! {
    /// [`decimals_scale8`] on the halves of the i128s: a value fits an i64 when its high half is the sign
    /// extension of its low half.
    fn decimal_halves(halves: &[i64], out: &mut [MaybeUninit<i64>], least: i64) -> bool {
        assert_eq!(halves.len(), out.len() * 2, "every slot is written");
        let (low, high) = if cfg!(target_endian = "little") { (0, 1) } else { (1, 0) };
        let mut ok = true;
        for (o, pair) in out.iter_mut().zip(halves.chunks_exact(2)) {
            ok &= (pair[high] == pair[low] >> 63) & (pair[low] >= least);
            o.write(pair[low]);
        }
        ok
    }
}

/// Appends `values.len()` values to `out`, written by `fill` into the new slots (it must write every one of
/// them: the kernels here assert that their input and output have one length); returns what `fill` returns.
pub(crate) fn append(out: &mut Vec<i64>, len: usize, fill: impl FnOnce(&mut [MaybeUninit<i64>]) -> bool) -> bool {
    out.reserve(len);
    let start = out.len();
    let ok = fill(&mut out.spare_capacity_mut()[..len]);
    // SAFETY: `fill` initialized the `len` slots after `start` (reserved above), so they hold valid i64s.
    unsafe { out.set_len(start + len) };
    ok
}

multiversion! {
    /// Copies `values`; `true` when none is negative.
    pub(crate) fn non_negative(values: &[i64], out: &mut [MaybeUninit<i64>]) -> bool {
        assert_eq!(values.len(), out.len(), "every slot is written");
        let mut all = 0;
        for (o, &v) in out.iter_mut().zip(values) {
            all |= v;
            o.write(v);
        }
        all >= 0
    }
}

multiversion! {
    /// Copies `values` as i64s; `true` when all are below 2^63.
    pub(crate) fn unsigned(values: &[u64], out: &mut [MaybeUninit<i64>]) -> bool {
        assert_eq!(values.len(), out.len(), "every slot is written");
        let mut all = 0;
        for (o, &v) in out.iter_mut().zip(values) {
            all |= v as i64;
            o.write(v as i64);
        }
        all >= 0
    }
}

multiversion! {
    /// Integer timestamps by the file rule (below 10^13: milliseconds, times 1000); `true` when none is
    /// negative and all are then in `start..end`.
    pub(crate) fn timestamps(values: &[i64], out: &mut [MaybeUninit<i64>], start: i64, end: i64) -> bool {
        assert_eq!(values.len(), out.len(), "every slot is written");
        let mut ok = true;
        for (o, &t) in out.iter_mut().zip(values) {
            let us = if t < barsmith::core::MILLISECOND_CUTOFF { t.wrapping_mul(1000) } else { t };
            ok &= (us >= start) & (us < end) & (t >= 0);
            o.write(us);
        }
        ok
    }
}

multiversion! {
    /// `true` when every timestamp is in `start..end`, `ids` strictly increase (after `previous`, the id and
    /// time of the trade before them), `times` never decrease and `last_ids[i] >= first_ids[i]`.
    pub(crate) fn records_ok(
        ids: &[i64],
        times: &[i64],
        first_ids: &[i64],
        last_ids: &[i64],
        previous: Option<(i64, i64)>,
        start: i64,
        end: i64,
    ) -> bool {
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
}

/// Appends the values of a boolean array (nulls checked before) as `bool`s, a byte of bits at a time.
pub(crate) fn unpack_bits(array: &arrow_array::BooleanArray, out: &mut Vec<bool>) {
    let buffer = array.values();
    if !buffer.offset().is_multiple_of(8) {
        out.extend(buffer.iter());
        return;
    }
    let bytes = &buffer.values()[buffer.offset() / 8..];
    let start = out.len();
    out.resize(start + buffer.len(), false);
    for (chunk, &byte) in out[start..].chunks_mut(8).zip(bytes) {
        for (j, bit) in chunk.iter_mut().enumerate() {
            *bit = (byte >> j) & 1 != 0;
        }
    }
}
