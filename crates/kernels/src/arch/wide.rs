//! Backend on the `wide` crate: 4 × f64 lanes (`wide::f64x4`, `wide::i64x4`). `wide` selects its instructions
//! at compile time from the enabled target features, so on a default x86_64 build (SSE2 only) each f64x4 is
//! two SSE2 registers and `i64x4` operations without an SSE2 form run lane by lane; build with
//! `-Ctarget-cpu=native` (or `-Ctarget-feature=+avx2,+fma`) to get AVX2 code. No `unsafe` here.

use wide::{f64x4, i64x4};

use crate::arch::{Isa, LaneArray};

/// Token for the generic kernels over `wide` types (always available).
#[derive(Clone, Copy)]
pub(crate) struct Wide;

crate::dispatch::for_each_kernel!(crate::dispatch::portable_table! { isa: Wide });

/// Every kernel on the generic SIMD code.
pub(crate) static TABLE: crate::dispatch::Table = GENERATED;

#[inline(always)]
fn mask_bits(m: f64x4) -> u64 {
    u64::from(m.to_bitmask())
}

#[inline(always)]
fn array4<T: Copy>(x: &[T], at: usize) -> [T; 4] {
    x[at..][..4].try_into().expect("slice of length 4")
}

impl Isa for Wide {
    const LANES: usize = 4;
    type F = f64x4;
    type I = i64x4;

    crate::arch::methods! { safe:
        (self, v: f64) -> f64x4 => (v) { splat = f64x4::splat }
        (self, v: i64) -> i64x4 => (v) { splat_i64 = i64x4::splat }
        (self, a: f64x4) -> f64x4 => (a) { abs = f64x4::abs, sqrt = f64x4::sqrt }
        (self, a: f64x4, b: f64x4) -> f64x4 => (a, b) {
            add => { a + b }, sub => { a - b }, mul => { a * b }, div => { a / b },
            min = f64x4::fast_min, max = f64x4::fast_max,
        }
        (self, a: f64x4, b: f64x4, c: f64x4) -> f64x4 => (a, b, c) { mul_add = f64x4::mul_add }
        (self, a: f64x4) -> f64 => (a) {
            sum_lanes = f64x4::reduce_add,
            min_lanes => { a.to_array().into_iter().fold(f64::INFINITY, f64::min) },
            max_lanes => { a.to_array().into_iter().fold(f64::NEG_INFINITY, f64::max) },
        }
        (self, a: f64x4, b: f64x4) -> u64 => (a, b) {
            gt_mask => { mask_bits(a.simd_gt(b)) },
            ne_mask => { !mask_bits(a.simd_eq(b)) & 0b1111 },
        }
        (self, a: f64x4) -> u64 => (a) { nan_mask => { mask_bits(a.is_nan()) } }
        (self, a: i64x4, b: i64x4) -> i64x4 => (a, b) {
            add_i64 => { a + b }, sub_i64 => { a - b }, xor_i64 => { a ^ b }, and_i64 => { a & b },
            min_i64 = i64x4::min, max_i64 = i64x4::max,
        }
        (self, a: i64x4) -> i64x4 => (a) {
            abs_i64 = i64x4::abs,
            high_signed => { a >> 32u32 },
            high_unsigned => { i64x4::new(a.to_array().map(|v| ((v as u64) >> 32) as i64)) },
        }
        (self, a: i64x4) -> u64 => (a) {
            sign_mask_i64 => {
                let negative = a.simd_lt(i64x4::splat(0)).to_array();
                negative.iter().enumerate().fold(0, |bits, (k, &m)| bits | u64::from(m != 0) << k)
            },
        }
        (self, a: i64x4) -> f64x4 => (a) { to_f64 = i64x4::round_float }
    }
    #[inline(always)]
    fn load(self, x: &[f64], at: usize) -> f64x4 {
        f64x4::new(array4(x, at))
    }
    #[inline(always)]
    fn lanes_f64(self, a: f64x4) -> LaneArray<f64> {
        let mut values = [0.0; 8];
        values[..4].copy_from_slice(&a.to_array());
        LaneArray { values, len: 4 }
    }
    #[inline(always)]
    fn load_i64(self, x: &[i64], at: usize) -> i64x4 {
        i64x4::new(array4(x, at))
    }
    #[inline(always)]
    fn lanes_i64(self, a: i64x4) -> LaneArray<i64> {
        let mut values = [0i64; 8];
        values[..4].copy_from_slice(&a.to_array());
        LaneArray { values, len: 4 }
    }
}
