//! NEON backend (2 × f64), with `std::arch::aarch64`.

use std::arch::aarch64::*;

use crate::arch::Isa;

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

    crate::arch::memory_methods!(2, float64x2_t, int64x2_t; vld1q_f64, vld1q_s64, vst1q_f64, vst1q_s64);
    crate::arch::methods! { unsafe:
        (self, v: f64) -> float64x2_t => (v) { splat = vdupq_n_f64 }
        (self, v: i64) -> int64x2_t => (v) { splat_i64 = vdupq_n_s64 }
        (self, a: float64x2_t) -> float64x2_t => (a) { abs = vabsq_f64, sqrt = vsqrtq_f64 }
        (self, a: float64x2_t, b: float64x2_t) -> float64x2_t => (a, b) {
            add = vaddq_f64, sub = vsubq_f64, mul = vmulq_f64, div = vdivq_f64, min = vminq_f64, max = vmaxq_f64,
        }
        (self, a: float64x2_t, b: float64x2_t, c: float64x2_t) -> float64x2_t => (a, b, c) {
            mul_add => { vfmaq_f64(c, a, b) },
        }
        (self, a: float64x2_t) -> f64 => (a) { sum_lanes = vaddvq_f64, min_lanes = vminvq_f64, max_lanes = vmaxvq_f64 }
        (self, a: float64x2_t, b: float64x2_t) -> u64 => (a, b) {
            gt_mask => { mask_bits(vcgtq_f64(a, b)) },
            ne_mask => { !mask_bits(vceqq_f64(a, b)) & 0b11 },
        }
        (self, a: float64x2_t) -> u64 => (a) { nan_mask => { !mask_bits(vceqq_f64(a, a)) & 0b11 } }
        (self, a: int64x2_t, b: int64x2_t) -> int64x2_t => (a, b) {
            add_i64 = vaddq_s64, sub_i64 = vsubq_s64, xor_i64 = veorq_s64, and_i64 = vandq_s64,
            min_i64 => { vbslq_s64(vcgtq_s64(a, b), b, a) },
            max_i64 => { vbslq_s64(vcgtq_s64(a, b), a, b) },
        }
        // ABS wraps i64::MIN to itself.
        (self, a: int64x2_t) -> int64x2_t => (a) {
            abs_i64 = vabsq_s64, high_signed = vshrq_n_s64::<32>,
            high_unsigned => { vreinterpretq_s64_u64(vshrq_n_u64::<32>(vreinterpretq_u64_s64(a))) },
        }
        (self, a: int64x2_t) -> u64 => (a) { sign_mask_i64 => { mask_bits(vshrq_n_u64::<63>(vreinterpretq_u64_s64(a))) } }
        (self, a: int64x2_t) -> float64x2_t => (a) { to_f64 = vcvtq_f64_s64 }
    }
}
