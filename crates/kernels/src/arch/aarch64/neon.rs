//! NEON backend (2 × f64), with `std::arch::aarch64`.

use std::arch::aarch64::*;

use crate::arch::{Isa, LaneArray, assert_room};

crate::dispatch::std_arch_backend!(
    /// Token proving NEON: only constructible in code compiled with it.
    Neon,
    detect: is_aarch64_feature_detected,
    features: ["neon"]
);

/// Every kernel on the generic SIMD code.
static TABLE: crate::dispatch::Table = GENERATED;

/// Bits of a lane mask (all-ones or zero per lane).
#[inline(always)]
fn mask_bits(m: uint64x2_t) -> u64 {
    // SAFETY: NEON is available wherever a `Neon` token exists (callers hold one).
    unsafe { (vgetq_lane_u64::<0>(m) & 1) | ((vgetq_lane_u64::<1>(m) & 1) << 1) }
}

// SAFETY (every `unsafe` block below): a `Neon` value exists only where `Neon::new` could be called, i.e. in
// functions compiled with NEON, which the dispatch table runs only after runtime detection. Pointer reads are
// preceded by a bounds assertion.
impl Isa for Neon {
    const LANES: usize = 2;
    type F = float64x2_t;
    type I = int64x2_t;

    #[inline(always)]
    fn splat(self, v: f64) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_f64(v) }
    }
    #[inline(always)]
    fn load(self, x: &[f64], at: usize) -> float64x2_t {
        assert_room(x.len(), at, 2);
        // SAFETY: `x[at..][..2]` is in bounds (checked above).
        unsafe { vld1q_f64(x.as_ptr().add(at)) }
    }
    #[inline(always)]
    fn add(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_f64(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vsubq_f64(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vmulq_f64(a, b) }
    }
    #[inline(always)]
    fn div(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vdivq_f64(a, b) }
    }
    #[inline(always)]
    fn mul_add(self, a: float64x2_t, b: float64x2_t, c: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vfmaq_f64(c, a, b) }
    }
    #[inline(always)]
    fn min(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vminq_f64(a, b) }
    }
    #[inline(always)]
    fn max(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vmaxq_f64(a, b) }
    }
    #[inline(always)]
    fn abs(self, a: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vabsq_f64(a) }
    }
    #[inline(always)]
    fn sqrt(self, a: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vsqrtq_f64(a) }
    }
    #[inline(always)]
    fn lanes_f64(self, a: float64x2_t) -> LaneArray<f64> {
        let mut values = [0.0; 8];
        // SAFETY: `values` has room for 2 f64.
        unsafe { vst1q_f64(values.as_mut_ptr(), a) };
        LaneArray { values, len: 2 }
    }
    #[inline(always)]
    fn sum_lanes(self, a: float64x2_t) -> f64 {
        // SAFETY: see the impl comment.
        unsafe { vaddvq_f64(a) }
    }
    #[inline(always)]
    fn min_lanes(self, a: float64x2_t) -> f64 {
        // SAFETY: see the impl comment.
        unsafe { vminvq_f64(a) }
    }
    #[inline(always)]
    fn max_lanes(self, a: float64x2_t) -> f64 {
        // SAFETY: see the impl comment.
        unsafe { vmaxvq_f64(a) }
    }
    #[inline(always)]
    fn gt_mask(self, a: float64x2_t, b: float64x2_t) -> u64 {
        // SAFETY: see the impl comment.
        mask_bits(unsafe { vcgtq_f64(a, b) })
    }
    #[inline(always)]
    fn ne_mask(self, a: float64x2_t, b: float64x2_t) -> u64 {
        // SAFETY: see the impl comment.
        !mask_bits(unsafe { vceqq_f64(a, b) }) & 0b11
    }
    #[inline(always)]
    fn nan_mask(self, a: float64x2_t) -> u64 {
        // SAFETY: see the impl comment.
        !mask_bits(unsafe { vceqq_f64(a, a) }) & 0b11
    }

    #[inline(always)]
    fn load_i64(self, x: &[i64], at: usize) -> int64x2_t {
        assert_room(x.len(), at, 2);
        // SAFETY: `x[at..][..2]` is in bounds (checked above).
        unsafe { vld1q_s64(x.as_ptr().add(at)) }
    }
    #[inline(always)]
    fn splat_i64(self, v: i64) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_s64(v) }
    }
    #[inline(always)]
    fn add_i64(self, a: int64x2_t, b: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_s64(a, b) }
    }
    #[inline(always)]
    fn sub_i64(self, a: int64x2_t, b: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vsubq_s64(a, b) }
    }
    #[inline(always)]
    fn min_i64(self, a: int64x2_t, b: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_s64(vcgtq_s64(a, b), b, a) }
    }
    #[inline(always)]
    fn max_i64(self, a: int64x2_t, b: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_s64(vcgtq_s64(a, b), a, b) }
    }
    #[inline(always)]
    fn xor_i64(self, a: int64x2_t, b: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { veorq_s64(a, b) }
    }
    #[inline(always)]
    fn and_i64(self, a: int64x2_t, b: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vandq_s64(a, b) }
    }
    #[inline(always)]
    fn abs_i64(self, a: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment (ABS wraps i64::MIN to itself).
        unsafe { vabsq_s64(a) }
    }
    #[inline(always)]
    fn high_signed(self, a: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vshrq_n_s64::<32>(a) }
    }
    #[inline(always)]
    fn high_unsigned(self, a: int64x2_t) -> int64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vreinterpretq_s64_u64(vshrq_n_u64::<32>(vreinterpretq_u64_s64(a))) }
    }
    #[inline(always)]
    fn sign_mask_i64(self, a: int64x2_t) -> u64 {
        // SAFETY: see the impl comment.
        mask_bits(unsafe { vshrq_n_u64::<63>(vreinterpretq_u64_s64(a)) })
    }
    #[inline(always)]
    fn to_f64(self, a: int64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vcvtq_f64_s64(a) }
    }
    #[inline(always)]
    fn lanes_i64(self, a: int64x2_t) -> LaneArray<i64> {
        let mut values = [0i64; 8];
        // SAFETY: `values` has room for 2 i64.
        unsafe { vst1q_s64(values.as_mut_ptr(), a) };
        LaneArray { values, len: 2 }
    }
}
