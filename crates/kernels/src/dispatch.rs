//! The one place that maps a [`Backend`] to its implementation: a table of function pointers per backend,
//! chosen once when a [`crate::Kernels`] is built, so every kernel call costs one indirect call and no
//! per-element dispatch.

use crate::Backend;
use crate::summary::{MinMax, Moments, ProductSums, SpanSums};

/// Function pointers of one backend. The SIMD tables hold safe wrappers whose soundness rests on the table
/// being reachable only through [`checked_table`](crate::backend::checked_table), which verifies CPU support.
#[derive(Debug)]
pub(crate) struct Table {
    pub permutation_entropy: fn(&[f64], usize, usize) -> Option<f64>,
    pub hurst_dfa: fn(&[f64], Option<&[usize]>) -> Option<f64>,
    pub hurst_rs: fn(&[f64], Option<&[usize]>) -> Option<f64>,
    pub kyle_lambda: fn(&[f64], &[f64]) -> Option<f64>,
    pub min_max_f64: fn(&[f64]) -> Option<MinMax<f64>>,
    pub sum_f64: fn(&[f64]) -> f64,
    pub moments_f64: fn(&[f64]) -> Option<Moments>,
    pub abs_diff_sum_f64: fn(&[f64]) -> f64,
    pub diff_moments_f64: fn(&[f64]) -> Option<Moments>,
    pub min_max_i64: fn(&[i64]) -> Option<MinMax<i64>>,
    pub sum_i64: fn(&[i64]) -> i128,
    pub moments_i64: fn(&[i64]) -> Option<Moments>,
    pub abs_diff_sum_i64: fn(&[i64]) -> u128,
    pub diff_moments_i64: fn(&[i64]) -> Option<Moments>,
    pub first_unordered_pair: fn(&[i64], &[i64]) -> Option<usize>,
    pub first_outside_i64: fn(&[i64], i64, i64) -> Option<usize>,
    pub product_sums: fn(&[i64], &[i64], &[bool]) -> ProductSums,
    pub span_sums: fn(&[i64], &[i64], &[bool]) -> SpanSums,
}

static SCALAR: Table = {
    use crate::scalar as s;
    Table {
        permutation_entropy: s::permutation_entropy,
        hurst_dfa: s::hurst_dfa,
        hurst_rs: s::hurst_rs,
        kyle_lambda: s::kyle_lambda,
        min_max_f64: s::min_max_f64,
        sum_f64: s::sum_f64,
        moments_f64: s::moments_f64,
        abs_diff_sum_f64: s::abs_diff_sum_f64,
        diff_moments_f64: s::diff_moments_f64,
        min_max_i64: s::min_max_i64,
        sum_i64: s::sum_i64,
        moments_i64: s::moments_i64,
        abs_diff_sum_i64: s::abs_diff_sum_i64,
        diff_moments_i64: s::diff_moments_i64,
        first_unordered_pair: s::first_unordered_pair,
        first_outside_i64: s::first_outside_i64,
        product_sums: s::product_sums,
        span_sums: s::span_sums,
    }
};

/// The table of a backend compiled into this build (CPU support not checked).
pub(crate) fn table(backend: Backend) -> Option<&'static Table> {
    match backend {
        Backend::Scalar => Some(&SCALAR),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => Some(&crate::simd::avx2::TABLE),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => Some(&crate::simd::avx512::TABLE),
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => Some(&crate::simd::neon::TABLE),
        #[cfg(feature = "pulp")]
        Backend::Pulp => Some(&crate::simd::pulp::TABLE),
        #[cfg(feature = "wide")]
        Backend::Wide => Some(&crate::simd::wide::TABLE),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Whether the running CPU has what the backend's table needs.
pub(crate) fn cpu_supports(backend: Backend) -> bool {
    match backend {
        Backend::Scalar | Backend::Pulp | Backend::Wide => true,
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => crate::simd::avx2::detected(),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => crate::simd::avx512::detected(),
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => std::arch::is_aarch64_feature_detected!("neon"),
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

/// CPU features the backends care about, with their detection result.
pub(crate) fn cpu_features() -> Vec<(&'static str, bool)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        vec![
            ("sse2", has!("sse2")),
            ("avx", has!("avx")),
            ("avx2", has!("avx2")),
            ("fma", has!("fma")),
            ("bmi2", has!("bmi2")),
            ("popcnt", has!("popcnt")),
            ("avx512f", has!("avx512f")),
            ("avx512dq", has!("avx512dq")),
            ("avx512vl", has!("avx512vl")),
            ("avx512bw", has!("avx512bw")),
            ("avx512cd", has!("avx512cd")),
            ("avx512vpopcntdq", has!("avx512vpopcntdq")),
        ]
    }
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as has;
        vec![("neon", has!("neon")), ("sve", has!("sve")), ("sve2", has!("sve2"))]
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        Vec::new()
    }
}
