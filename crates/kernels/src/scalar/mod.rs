//! The scalar reference backend: the readable definition of every kernel. The SIMD backends are tested
//! against these functions; these functions are tested against golden files written by independent oracles
//! (antropy, nolds, numpy).

mod columns;
mod entropy;
mod hurst;
mod reductions;
mod regression;

pub(crate) use columns::{assert_columns, first_outside_i64, first_unordered_pair, product_sums, span_sums};
pub(crate) use entropy::permutation_entropy;
pub(crate) use hurst::{hurst_dfa, hurst_rs};
pub(crate) use reductions::{
    abs_diff_sum_f64, abs_diff_sum_i64, diff_moments_f64, diff_moments_i64, min_max_f64, min_max_i64, moments_f64,
    moments_from_power_sums, moments_i64, sum_f64, sum_i64,
};
pub(crate) use regression::kyle_lambda;
