//! AVX-512 backend (8 × f64), with `std::arch::x86_64`: AVX-512 F (arithmetic, compares into mask registers,
//! shuffles, 64-bit integer min/max/abs/shift), DQ (i64 → f64 conversion, sign masks) and POPCNT (the
//! permutation-entropy pattern counts). No AVX-512 VL instruction is used.

use std::arch::x86_64::*;

use crate::arch::{Isa, assert_room, assert_rows};

crate::dispatch::std_arch_backend!(
    /// Token proving AVX-512 F + DQ and POPCNT: only constructible in code compiled with those features.
    Avx512,
    detect: is_x86_feature_detected,
    features: ["avx512f", "avx512dq", "popcnt"]
);

/// Every kernel on the generic SIMD code.
static TABLE: crate::dispatch::Table = GENERATED;

// SAFETY (every `unsafe` block below): a `Avx512` value exists only where `Avx512::new` could be called, i.e. in
// functions compiled with avx512f+avx512dq+popcnt, which only this module's `TABLE` reaches, and `checked_table()` hands that
// out only after runtime detection of every feature. Pointer accesses follow a bounds assertion.
impl Isa for Avx512 {
    const LANES: usize = 8;
    /// zmm0–zmm31.
    const REGISTERS: usize = 32;
    type F = __m512d;
    type I = __m512i;

    crate::arch::memory_methods!(8, __m512d, __m512i; _mm512_loadu_pd, _mm512_loadu_si512, _mm512_storeu_pd, _mm512_storeu_si512);
    crate::arch::methods! { unsafe:
        (self, v: f64) -> __m512d => (v) { splat = _mm512_set1_pd }
        (self, v: i64) -> __m512i => (v) { splat_i64 = _mm512_set1_epi64 }
        (self, a: __m512d) -> __m512d => (a) { abs = _mm512_abs_pd, sqrt = _mm512_sqrt_pd }
        (self, a: __m512d, b: __m512d) -> __m512d => (a, b) {
            add = _mm512_add_pd, sub = _mm512_sub_pd, mul = _mm512_mul_pd, div = _mm512_div_pd,
            min = _mm512_min_pd, max = _mm512_max_pd,
        }
        (self, a: __m512d, b: __m512d, c: __m512d) -> __m512d => (a, b, c) { mul_add = _mm512_fmadd_pd }
        (self, a: __m512d) -> f64 => (a) {
            sum_lanes = _mm512_reduce_add_pd, min_lanes = _mm512_reduce_min_pd, max_lanes = _mm512_reduce_max_pd,
        }
        (self, a: __m512d, b: __m512d) -> u64 => (a, b) {
            gt_mask => { u64::from(_mm512_cmp_pd_mask::<_CMP_GT_OQ>(a, b)) },
            ne_mask => { u64::from(_mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(a, b)) },
        }
        (self, a: __m512d) -> u64 => (a) { nan_mask => { u64::from(_mm512_cmp_pd_mask::<_CMP_UNORD_Q>(a, a)) } }
        (self, a: __m512i, b: __m512i) -> __m512i => (a, b) {
            add_i64 = _mm512_add_epi64, sub_i64 = _mm512_sub_epi64, min_i64 = _mm512_min_epi64,
            max_i64 = _mm512_max_epi64, xor_i64 = _mm512_xor_si512, and_i64 = _mm512_and_si512,
            mul_low_u32 = _mm512_mul_epu32,
        }
        (self, a: __m512i) -> __m512i => (a) {
            abs_i64 = _mm512_abs_epi64, high_signed = _mm512_srai_epi64::<32>, high_unsigned = _mm512_srli_epi64::<32>,
        }
        (self, a: __m512i) -> u64 => (a) { sign_mask_i64 => { u64::from(_mm512_movepi64_mask(a)) } }
        (self, a: __m512i, b: __m512i) -> u64 => (a, b) { gt_mask_i64 => { u64::from(_mm512_cmpgt_epi64_mask(a, b)) } }
        // AVX-512DQ converts i64 lanes to f64 directly.
        (self, a: __m512i) -> __m512d => (a) { to_f64 = _mm512_cvtepi64_pd }
    }
    /// `rsqrt14` (relative error < 2^-14) refined by two Newton steps `y ← y (3/2 - (a/2) y²)`: the error
    /// after them is ~1.5·(1.5·2^-28)² < 2^-55 plus the steps' own rounding (docs/SIMD.md, "R/S without
    /// division").
    #[inline(always)]
    fn rsqrt(self, a: __m512d) -> __m512d {
        // SAFETY: the token proves AVX-512F; no memory is touched.
        unsafe {
            let (half, three_halves) = (_mm512_set1_pd(0.5), _mm512_set1_pd(1.5));
            let half_a = _mm512_mul_pd(a, half);
            let mut y = _mm512_rsqrt14_pd(a);
            for _ in 0..2 {
                let step = _mm512_fnmadd_pd(_mm512_mul_pd(half_a, y), y, three_halves);
                y = _mm512_mul_pd(y, step);
            }
            y
        }
    }
    #[inline(always)]
    fn transpose(self, x: &[f64], base: usize, stride: usize, out: &mut [f64], at: usize) {
        assert_rows(x.len(), base, stride, 8, 8);
        assert_room(out.len(), at, 64);
        // SAFETY: rows `base + k·stride .. + 8` (k < 8) and `out[at..at + 64]` are in bounds (checked above).
        unsafe {
            let src = x.as_ptr().add(base);
            let (r0, r1, r2, r3) = (
                _mm512_loadu_pd(src),
                _mm512_loadu_pd(src.add(stride)),
                _mm512_loadu_pd(src.add(2 * stride)),
                _mm512_loadu_pd(src.add(3 * stride)),
            );
            let (r4, r5, r6, r7) = (
                _mm512_loadu_pd(src.add(4 * stride)),
                _mm512_loadu_pd(src.add(5 * stride)),
                _mm512_loadu_pd(src.add(6 * stride)),
                _mm512_loadu_pd(src.add(7 * stride)),
            );
            // Pairs of rows interleaved: lo01 = r0[0] r1[0] | r0[2] r1[2] | r0[4] r1[4] | r0[6] r1[6], etc.
            let (lo01, hi01) = (_mm512_unpacklo_pd(r0, r1), _mm512_unpackhi_pd(r0, r1));
            let (lo23, hi23) = (_mm512_unpacklo_pd(r2, r3), _mm512_unpackhi_pd(r2, r3));
            let (lo45, hi45) = (_mm512_unpacklo_pd(r4, r5), _mm512_unpackhi_pd(r4, r5));
            let (lo67, hi67) = (_mm512_unpacklo_pd(r6, r7), _mm512_unpackhi_pd(r6, r7));
            // 128-bit lanes regrouped (0x88: lanes 0, 2 of a then of b; 0xDD: lanes 1, 3): c04a holds columns 0
            // and 4 of rows 0-3, c26a columns 2 and 6, c15a 1 and 5, c37a 3 and 7; the `b` versions rows 4-7.
            let (c04a, c26a) = (_mm512_shuffle_f64x2::<0x88>(lo01, lo23), _mm512_shuffle_f64x2::<0xDD>(lo01, lo23));
            let (c15a, c37a) = (_mm512_shuffle_f64x2::<0x88>(hi01, hi23), _mm512_shuffle_f64x2::<0xDD>(hi01, hi23));
            let (c04b, c26b) = (_mm512_shuffle_f64x2::<0x88>(lo45, lo67), _mm512_shuffle_f64x2::<0xDD>(lo45, lo67));
            let (c15b, c37b) = (_mm512_shuffle_f64x2::<0x88>(hi45, hi67), _mm512_shuffle_f64x2::<0xDD>(hi45, hi67));
            let dst = out.as_mut_ptr().add(at);
            _mm512_storeu_pd(dst, _mm512_shuffle_f64x2::<0x88>(c04a, c04b));
            _mm512_storeu_pd(dst.add(8), _mm512_shuffle_f64x2::<0x88>(c15a, c15b));
            _mm512_storeu_pd(dst.add(16), _mm512_shuffle_f64x2::<0x88>(c26a, c26b));
            _mm512_storeu_pd(dst.add(24), _mm512_shuffle_f64x2::<0x88>(c37a, c37b));
            _mm512_storeu_pd(dst.add(32), _mm512_shuffle_f64x2::<0xDD>(c04a, c04b));
            _mm512_storeu_pd(dst.add(40), _mm512_shuffle_f64x2::<0xDD>(c15a, c15b));
            _mm512_storeu_pd(dst.add(48), _mm512_shuffle_f64x2::<0xDD>(c26a, c26b));
            _mm512_storeu_pd(dst.add(56), _mm512_shuffle_f64x2::<0xDD>(c37a, c37b));
        }
    }
    #[inline(always)]
    fn bool_mask(self, x: &[bool], at: usize) -> __m512i {
        assert_room(x.len(), at, 8);
        // SAFETY: `x[at..][..8]` is in bounds (checked above), and a `bool` is one byte holding 0 or 1, so the eight
        // bytes read as a `u64` are initialised; AVX-512F available.
        unsafe {
            let bytes = x.as_ptr().add(at).cast::<u64>().read_unaligned();
            let ones = _mm512_cvtepu8_epi64(_mm_cvtsi64_si128(bytes as i64));
            _mm512_sub_epi64(_mm512_setzero_si512(), ones)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Avx512, checked_table};
    use crate::arch::Isa;

    /// The largest relative error of [`Isa::rsqrt`] against `1/sqrt(a)`, in units of `f64::EPSILON`, over
    /// mantissas from a SplitMix64 stream at every exponent a normal `f64` has.
    #[target_feature(enable = "avx512f", enable = "avx512dq", enable = "popcnt")]
    fn worst_rsqrt_error() -> f64 {
        let s = Avx512::new();
        let (mut state, mut worst) = (0x9e37_79b9_7f4a_7c15u64, 0.0f64);
        for exponent in -1022..=1023 {
            let mut a = [0.0; 8];
            for slot in &mut a {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                *slot = (1.0 + (state >> 11) as f64 / (1u64 << 53) as f64) * 2f64.powi(exponent);
            }
            let got = s.lanes_f64(s.rsqrt(s.load(&a, 0)));
            for (&y, &a) in got.as_slice().iter().zip(&a) {
                let want = 1.0 / a.sqrt();
                worst = worst.max(((y - want) / want).abs() / f64::EPSILON);
            }
        }
        worst
    }

    #[test]
    fn rsqrt_is_within_four_ulp() {
        if checked_table().is_none() {
            eprintln!("NOT RUN: avx512 rsqrt: this CPU has no AVX-512");
            return;
        }
        // SAFETY: the CPU has every feature the function is compiled with (checked above).
        let worst = unsafe { worst_rsqrt_error() };
        assert!(worst <= 4.0, "rsqrt: {worst} ulp");
        eprintln!("avx512 rsqrt: worst {worst} ulp of 1/sqrt");
    }
}
