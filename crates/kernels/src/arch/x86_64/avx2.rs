//! AVX2 + FMA backend (4 × f64), with `std::arch::x86_64`.

use std::arch::x86_64::*;

use crate::arch::{Isa, assert_room, assert_rows};

crate::dispatch::std_arch_backend!(
    /// Token proving AVX2, FMA and POPCNT: only constructible in code compiled with those features.
    Avx2,
    detect: is_x86_feature_detected,
    features: ["avx2", "fma", "popcnt"]
);

/// Every kernel on the generic SIMD code.
static TABLE: crate::dispatch::Table = GENERATED;

// SAFETY (every `unsafe` block below): a `Avx2` value exists only where `Avx2::new` could be called, i.e. in
// functions compiled with avx2+fma+popcnt, which only this module's `TABLE` reaches, and `checked_table()` hands that
// out only after runtime detection of every feature. Pointer accesses follow a bounds assertion.
impl Isa for Avx2 {
    const LANES: usize = 4;
    type F = __m256d;
    type I = __m256i;

    crate::arch::memory_methods!(4, __m256d, __m256i; _mm256_loadu_pd, _mm256_loadu_si256, _mm256_storeu_pd, _mm256_storeu_si256);
    crate::arch::methods! { unsafe:
        (self, v: f64) -> __m256d => (v) { splat = _mm256_set1_pd }
        (self, v: i64) -> __m256i => (v) { splat_i64 = _mm256_set1_epi64x }
        (self, a: __m256d) -> __m256d => (a) {
            abs => { _mm256_andnot_pd(_mm256_set1_pd(-0.0), a) },
            sqrt = _mm256_sqrt_pd,
        }
        (self, a: __m256d, b: __m256d) -> __m256d => (a, b) {
            add = _mm256_add_pd, sub = _mm256_sub_pd, mul = _mm256_mul_pd, div = _mm256_div_pd,
            min = _mm256_min_pd, max = _mm256_max_pd,
        }
        (self, a: __m256d, b: __m256d, c: __m256d) -> __m256d => (a, b, c) { mul_add = _mm256_fmadd_pd }
        (self, a: __m256d) -> f64 => (a) {
            sum_lanes => {
                let pair = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd::<1>(a));
                _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)))
            },
            min_lanes => {
                let pair = _mm_min_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd::<1>(a));
                _mm_cvtsd_f64(_mm_min_sd(pair, _mm_unpackhi_pd(pair, pair)))
            },
            max_lanes => {
                let pair = _mm_max_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd::<1>(a));
                _mm_cvtsd_f64(_mm_max_sd(pair, _mm_unpackhi_pd(pair, pair)))
            },
        }
        (self, a: __m256d, b: __m256d) -> u64 => (a, b) {
            gt_mask => { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(a, b)) as u64 },
            ne_mask => { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_NEQ_UQ>(a, b)) as u64 },
        }
        (self, a: __m256d) -> u64 => (a) { nan_mask => { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_UNORD_Q>(a, a)) as u64 } }
        (self, a: __m256i, b: __m256i) -> __m256i => (a, b) {
            add_i64 = _mm256_add_epi64, sub_i64 = _mm256_sub_epi64, xor_i64 = _mm256_xor_si256,
            and_i64 = _mm256_and_si256, mul_low_u32 = _mm256_mul_epu32,
            min_i64 => { _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b)) },
            max_i64 => { _mm256_blendv_epi8(b, a, _mm256_cmpgt_epi64(a, b)) },
        }
        (self, a: __m256i) -> __m256i => (a) {
            abs_i64 => {
                let negative = _mm256_cmpgt_epi64(_mm256_setzero_si256(), a);
                _mm256_sub_epi64(_mm256_xor_si256(a, negative), negative)
            },
            // AVX2 has no 64-bit arithmetic shift: take the high word into the low half and the sign of the
            // high word (32-bit arithmetic shift by 31) into the high half.
            high_signed => { _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(a), _mm256_srai_epi32::<31>(a)) },
            high_unsigned = _mm256_srli_epi64::<32>,
        }
        (self, a: __m256i) -> u64 => (a) { sign_mask_i64 => { _mm256_movemask_pd(_mm256_castsi256_pd(a)) as u64 } }
        (self, a: __m256i, b: __m256i) -> u64 => (a, b) {
            gt_mask_i64 => { _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(a, b))) as u64 },
        }
        // AVX2 has no i64 -> f64 conversion. Split a = hi·2^32 + lo: the signed high words convert exactly
        // with the i32 conversion, the unsigned low words exactly through the 2^52 exponent trick, and one
        // fused multiply-add rounds hi·2^32 + lo once, which is the correctly rounded result.
        (self, a: __m256i) -> __m256d => (a) {
            to_f64 => {
                let odd_words = _mm256_setr_epi32(1, 3, 5, 7, 0, 0, 0, 0);
                let high_words = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(a, odd_words));
                let high = _mm256_cvtepi32_pd(high_words);
                let two52 = _mm256_set1_epi64x(0x4330_0000_0000_0000);
                let low_bits = _mm256_blend_epi32::<0b1010_1010>(a, two52);
                let low = _mm256_sub_pd(_mm256_castsi256_pd(low_bits), _mm256_set1_pd(4_503_599_627_370_496.0));
                _mm256_fmadd_pd(high, _mm256_set1_pd(4_294_967_296.0), low)
            },
        }
    }
    #[inline(always)]
    fn transpose(self, x: &[f64], base: usize, stride: usize, out: &mut [f64], at: usize) {
        assert_rows(x.len(), base, stride, 4, 4);
        assert_room(out.len(), at, 16);
        // SAFETY: rows `base + k·stride .. + 4` (k < 4) and `out[at..at + 16]` are in bounds (checked above).
        unsafe {
            let src = x.as_ptr().add(base);
            let (r0, r1) = (_mm256_loadu_pd(src), _mm256_loadu_pd(src.add(stride)));
            let (r2, r3) = (_mm256_loadu_pd(src.add(2 * stride)), _mm256_loadu_pd(src.add(3 * stride)));
            // lo01 = r0[0] r1[0] r0[2] r1[2], hi01 = r0[1] r1[1] r0[3] r1[3]; then 128-bit halves regrouped.
            let (lo01, hi01) = (_mm256_unpacklo_pd(r0, r1), _mm256_unpackhi_pd(r0, r1));
            let (lo23, hi23) = (_mm256_unpacklo_pd(r2, r3), _mm256_unpackhi_pd(r2, r3));
            let dst = out.as_mut_ptr().add(at);
            _mm256_storeu_pd(dst, _mm256_permute2f128_pd::<0x20>(lo01, lo23));
            _mm256_storeu_pd(dst.add(4), _mm256_permute2f128_pd::<0x20>(hi01, hi23));
            _mm256_storeu_pd(dst.add(8), _mm256_permute2f128_pd::<0x31>(lo01, lo23));
            _mm256_storeu_pd(dst.add(12), _mm256_permute2f128_pd::<0x31>(hi01, hi23));
        }
    }
    #[inline(always)]
    fn bool_mask(self, x: &[bool], at: usize) -> __m256i {
        assert_room(x.len(), at, 4);
        // SAFETY: `x[at..][..4]` is in bounds (checked above), and a `bool` is one byte holding 0 or 1, so the four
        // bytes read as a `u32` are initialised; AVX2 available.
        unsafe {
            let bytes = x.as_ptr().add(at).cast::<u32>().read_unaligned();
            let ones = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(bytes as i32));
            _mm256_sub_epi64(_mm256_setzero_si256(), ones)
        }
    }
}
