//! The list of kernels, written once, and what is generated from it: the dispatch table type, each backend's
//! table, and the methods of [`crate::Kernels`]. Plus the one `match` from a [`Backend`] to its table, which
//! hands a table out only after the running CPU was checked.
//!
//! Adding a kernel: write its scalar reference in `src/scalar/<family>.rs` and its generic SIMD version (same
//! name, a leading `s: S` argument for the [`Isa`](crate::arch::Isa) token) in `src/simd/<family>.rs`, then add
//! one line to [`for_each_kernel!`]. A backend may override any entry of its table (see `arch/pulp.rs`).

use crate::Error;
use crate::backend::Backend;

/// Expands `$callback! { { $($args)* } <one line per kernel> }`. Each line is the documentation of the
/// [`crate::Kernels`] method, then `family::name(arguments) -> result;`: the scalar reference is
/// `crate::scalar::family::name` and the generic SIMD version `crate::simd::family::name`.
macro_rules! for_each_kernel {
    ($($callback:ident)::+ ! { $($args:tt)* }) => {
        $($callback)::+! { { $($args)* }
            /// Normalised permutation entropy of order `order` (2..=7) and delay `delay` (≥ 1); see the crate docs.
            entropy::permutation_entropy(x: &[f64], order: usize, delay: usize) -> Option<f64>;
            /// DFA-1 Hurst exponent (nolds' `dfa`); `nvals = None` for nolds' default window sizes.
            dfa::hurst_dfa(x: &[f64], nvals: Option<&[usize]>) -> Option<f64>;
            /// Corrected R/S Hurst exponent (nolds' `hurst_rs`); `nvals = None` for nolds' default block sizes.
            rescaled_range::hurst_rs(x: &[f64], nvals: Option<&[usize]>) -> Option<f64>;
            /// Kyle lambda: OLS slope with intercept of `dp` on `q`. Panics if the lengths differ.
            kyle::kyle_lambda(dp: &[f64], q: &[f64]) -> Option<f64>;
            /// Smallest and largest value (NaN for both if any NaN); `None` when empty.
            reductions::min_max_f64(x: &[f64]) -> Option<crate::MinMax<f64>>;
            /// Sum (IEEE: NaN and ∞ propagate).
            reductions::sum_f64(x: &[f64]) -> f64;
            /// Mean and central moments; `None` when empty.
            reductions::moments_f64(x: &[f64]) -> Option<crate::Moments>;
            /// `Σ |x[i+1] - x[i]|` (0 for fewer than two values).
            reductions::abs_diff_sum_f64(x: &[f64]) -> f64;
            /// Mean and central moments of `x[i+1] - x[i]`; `None` for fewer than two values.
            reductions::diff_moments_f64(x: &[f64]) -> Option<crate::Moments>;
            /// Smallest and largest value; `None` when empty.
            reductions::min_max_i64(x: &[i64]) -> Option<crate::MinMax<i64>>;
            /// Exact sum.
            reductions::sum_i64(x: &[i64]) -> i128;
            /// Mean (from the exact sum) and central moments of the values as f64; `None` when empty.
            reductions::moments_i64(x: &[i64]) -> Option<crate::Moments>;
            /// Exact `Σ |x[i+1] - x[i]|`.
            reductions::abs_diff_sum_i64(x: &[i64]) -> u128;
            /// Moments of the exact consecutive differences (as f64); `None` for fewer than two values.
            reductions::diff_moments_i64(x: &[i64]) -> Option<crate::Moments>;
            /// First position `i >= 1` where the pairs `(major[i], minor[i])` do not increase strictly
            /// (lexicographically) over position `i - 1`; `None` when the whole column pair is strictly
            /// increasing. Panics when the columns differ in length.
            columns::first_unordered_pair(major: &[i64], minor: &[i64]) -> Option<usize>;
            /// Position of the first value outside the open interval `(lower, upper)`: the first `x <= lower`
            /// or `x >= upper`; `None` when every value is strictly inside.
            columns::first_outside_i64(x: &[i64], lower: i64, upper: i64) -> Option<usize>;
            /// Exact `Σ w`, `Σ v·w` and the same sums over the positions where `selected` is true
            /// (`v = values`, `w = weights`). Panics when the three columns differ in length.
            columns::product_sums(values: &[i64], weights: &[i64], selected: &[bool]) -> crate::ProductSums;
            /// Exact `Σ (last - first + 1)` and the same sum over the positions where `selected` is true.
            /// Panics when the three columns differ in length.
            columns::span_sums(first: &[i64], last: &[i64], selected: &[bool]) -> crate::SpanSums;
            /// `out[i] = round(values[i] · 10^8)`, ties to even (0 when that is NaN or not below 2^51 in
            /// magnitude); `true` when every value is in
            /// `0..`[`FLOAT_TO_SCALED_LIMIT`](crate::FLOAT_TO_SCALED_LIMIT), is exactly the float nearest to the
            /// decimal `out[i] · 10^-8` and gives `out[i] >= least`. Panics when `values` and `out` differ in
            /// length.
            convert::float_to_scaled(values: &[f64], out: &mut [i64], least: i64) -> bool;
            /// `out[i]` = the `i`-th i128 of `halves` (each as its two i64 halves in memory order, as Arrow's
            /// `Buffer::typed_data::<i64>()` gives a `Decimal128` buffer) as an i64; `true` when every value fits
            /// an `i64` and is at least `least`. Panics unless `halves.len() == 2 · out.len()`.
            convert::i128_to_i64(halves: &[i64], out: &mut [i64], least: i64) -> bool;
            /// Copies `values` into `out`; `true` when none is negative. Panics when the lengths differ.
            convert::non_negative(values: &[i64], out: &mut [i64]) -> bool;
            /// `out[i] = values[i] as i64` (wrapping); `true` when every value is below 2^63. Panics when the
            /// lengths differ.
            convert::u64_to_i64(values: &[u64], out: &mut [i64]) -> bool;
            /// `out[i] = values[i] · 1000` (wrapping) when `values[i] < cutoff` (milliseconds), else `values[i]`;
            /// `true` when no value is negative and every `out[i]` is in `range`. Panics when the lengths differ.
            convert::millis_to_micros(
                values: &[i64], out: &mut [i64], cutoff: i64, range: std::ops::Range<i64>
            ) -> bool;
            /// `true` when every time is in `range`, `ids` strictly increase and `times` never decrease (both
            /// after `previous`, the id and time of the record before, if any), and `last_ids[i] >= first_ids[i]`.
            convert::records_ok(
                ids: &[i64], times: &[i64], first_ids: &[i64], last_ids: &[i64],
                previous: Option<(i64, i64)>, range: std::ops::Range<i64>
            ) -> bool;
        }
    };
}
pub(crate) use for_each_kernel;

/// The table type: one `unsafe fn` pointer per kernel. A pointer may require CPU features (the SIMD entries
/// are `#[target_feature]` functions), so calling one is sound only when the table came from
/// [`checked_table`]; [`crate::Kernels`] keeps such a table in a private field and is the only caller.
macro_rules! define_table {
    ({} $( $(#[$doc:meta])* $family:ident :: $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty; )*) => {
        /// Function pointers of one backend (see [`for_each_kernel!`]).
        pub(crate) struct Table {
            $( pub(crate) $name: unsafe fn($($ty),*) -> $ret, )*
        }
    };
}
for_each_kernel!(define_table! {});

/// The methods of [`crate::Kernels`]: one call through the table each.
macro_rules! kernel_methods {
    ({} $( $(#[$doc:meta])* $family:ident :: $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty; )*) => {
        impl crate::Kernels {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> $ret {
                    // SAFETY: `self.table` is private and set only by `Kernels::new` from `checked_table`, which
                    // returns a backend's table only after confirming every CPU feature its entries need.
                    unsafe { (self.table.$name)($($arg),*) }
                }
            )*
        }
    };
}
for_each_kernel!(kernel_methods! {});

/// The scalar reference backend's table.
macro_rules! scalar_table {
    ({} $( $(#[$doc:meta])* $family:ident :: $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty; )*) => {
        static SCALAR: Table = Table { $( $name: crate::scalar::$family::$name, )* };
    };
}
for_each_kernel!(scalar_table! {});

/// Applies `#[target_feature(enable = …)]` for each listed feature to an item.
macro_rules! with_target_features {
    ([$($feature:literal),+] $item:item) => {
        $(#[target_feature(enable = $feature)])+
        $item
    };
}
pub(crate) use with_target_features;

/// `const GENERATED: Table` of a `std::arch` backend: per kernel, a `#[target_feature]` function (which may
/// construct the backend's token, whose constructor has the same features) running the generic SIMD kernel.
macro_rules! target_feature_table {
    ({ token: $token:ident, features: $features:tt }
     $( $(#[$doc:meta])* $family:ident :: $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty; )*) => {
        mod entry {
            #[allow(unused_imports)]
            use super::*;
            $(
                crate::dispatch::with_target_features! { $features
                    pub(super) fn $name($($arg: $ty),*) -> $ret {
                        crate::simd::$family::$name($token::new(), $($arg),*)
                    }
                }
            )*
        }
        /// Every kernel on this backend's generic SIMD code (a backend's `TABLE` may override entries).
        const GENERATED: crate::dispatch::Table = crate::dispatch::Table { $( $name: entry::$name, )* };
    };
}
pub(crate) use target_feature_table;

/// `const GENERATED: Table` of a backend whose token is always available (no CPU check, no `unsafe`).
#[cfg(feature = "wide")]
macro_rules! portable_table {
    ({ isa: $isa:expr } $( $(#[$doc:meta])* $family:ident :: $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty; )*) => {
        mod entry {
            #[allow(unused_imports)]
            use super::*;
            $(
                pub(super) fn $name($($arg: $ty),*) -> $ret {
                    crate::simd::$family::$name($isa, $($arg),*)
                }
            )*
        }
        /// Every kernel on this backend's generic SIMD code (a backend's `TABLE` may override entries).
        const GENERATED: crate::dispatch::Table = crate::dispatch::Table { $( $name: entry::$name, )* };
    };
}
#[cfg(feature = "wide")]
pub(crate) use portable_table;

/// Defines a `std::arch` backend from its token name, its CPU features and the detection macro: the token
/// (constructible only in code compiled with the features), `FEATURES`, `GENERATED` (see
/// [`target_feature_table!`]) and `checked_table()`, which returns the module's `TABLE` only when the running
/// CPU has every feature. The features are written once here, for the code, the detection and
/// [`Backend::cpu_features`].
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! std_arch_backend {
    ($(#[$doc:meta])* $token:ident, detect: $detect:ident, features: [$($feature:tt),+]) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub(crate) struct $token(());

        impl $token {
            /// Only callable from code compiled with every feature in [`FEATURES`].
            $(#[target_feature(enable = $feature)])+
            fn new() -> $token {
                $token(())
            }
        }

        /// The CPU features this backend is compiled with and requires.
        pub(crate) const FEATURES: &[&str] = &[$($feature),+];

        /// This backend's `TABLE`, when the running CPU has every feature in [`FEATURES`].
        pub(crate) fn checked_table() -> Option<&'static crate::dispatch::Table> {
            (true $(&& std::arch::$detect!($feature))+).then_some(&TABLE)
        }

        crate::dispatch::for_each_kernel!(crate::dispatch::target_feature_table! { token: $token, features: [$($feature),+] });
    };
}
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) use std_arch_backend;

/// The one `match` from a backend to its code: the backend's table when this build contains it and the running
/// CPU supports it, else why not.
pub(crate) fn checked_table(backend: Backend) -> Result<&'static Table, Error> {
    let table = match backend {
        Backend::Scalar => Some(&SCALAR),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => crate::arch::x86_64::avx2::checked_table(),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => crate::arch::x86_64::avx512::checked_table(),
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => crate::arch::aarch64::neon::checked_table(),
        #[cfg(feature = "pulp")]
        Backend::Pulp => Some(&crate::arch::pulp::TABLE),
        #[cfg(feature = "wide")]
        Backend::Wide => Some(&crate::arch::wide::TABLE),
        #[allow(unreachable_patterns)]
        _ => return Err(Error::not_compiled(backend)),
    };
    table.ok_or_else(|| Error::unsupported_cpu(backend))
}

/// CPU features a backend requires beyond the target's baseline (empty for scalar, pulp and wide, which
/// choose or fix their instructions themselves); empty when the backend is not compiled into this build.
pub(crate) fn cpu_features(backend: Backend) -> &'static [&'static str] {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => crate::arch::x86_64::avx2::FEATURES,
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => crate::arch::x86_64::avx512::FEATURES,
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => crate::arch::aarch64::neon::FEATURES,
        _ => &[],
    }
}
