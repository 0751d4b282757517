//! Numeric kernels over plain slices for the barsmith feature layer: permutation entropy, Hurst exponents by
//! DFA and R/S, Kyle lambda, reductions over f64 and i64 columns, the range-bar builder's integer column
//! kernels, and the Python front end's column conversions (Arrow floats, decimals, integers and times to
//! barsmith's exact integers).
//!
//! Every kernel has one readable scalar definition (the [`Backend::Scalar`] backend), proven equal to an
//! independent oracle by golden files (`fixtures/golden/`, written by `tools/oracles/`), and SIMD backends that
//! are tested against the scalar definition. All of the crate's `unsafe` is SIMD: the intrinsics in `src/arch/`
//! and the one call through the dispatch table in each [`Kernels`] method. The workspace's only other `unsafe`
//! is `barsmith-ingest`'s memory map and the Python extension's Arrow C-interface import
//! (`python/src/arrow_ffi.rs`), neither of them SIMD. See `docs/SIMD.md` for the layout, the dispatch design,
//! the safety contract and how to add a kernel or a backend.
//!
//! # Use
//!
//! ```
//! use barsmith_kernels::{Backend, Kernels};
//!
//! let k = Kernels::detect(); // best backend of this CPU, detected once per process
//! let pe = k.permutation_entropy(&[4.0, 7.0, 9.0, 10.0, 6.0, 11.0, 3.0], 3, 1).unwrap();
//! assert!((pe - 0.588762155916).abs() < 1e-12);
//!
//! let scalar = Kernels::new(Backend::Scalar).unwrap(); // always available
//! assert_eq!(scalar.backend(), Backend::Scalar);
//! ```
//!
//! A [`Kernels`] value proves that its backend runs on this CPU, so all its methods are safe. Pick one per
//! process (or per thread) and keep it; building one is cheap but not free.
//!
//! # Definitions
//!
//! * [`Kernels::permutation_entropy`]`(x, m, τ)`: Shannon entropy of the ordinal patterns of the
//!   `n - (m-1)τ` embedding vectors `(x[i], x[i+τ], …, x[i+(m-1)τ])`, divided by `ln(m!)`. Ties rank by
//!   position (the earlier of two equal values ranks lower). Equals
//!   `antropy.perm_entropy(x, order=m, delay=τ, normalize=True)` within 1e-12 absolute.
//!   `None` when `m ∉ 2..=7` ([`PE_ORDERS`]), `τ == 0`, or there is not one full embedding vector.
//! * [`Kernels::hurst_dfa`]`(x, nvals)`: DFA-1 exponent, equal to
//!   `nolds.dfa(x, nvals, overlap=True, order=1, fit_trend="poly", fit_exp="poly")` (nolds 0.6.2) within
//!   1e-9 relative; `nvals = None` uses nolds' defaults ([`default_dfa_nvals`]). Windows of size `w` start
//!   every `w/2` points while `start < n - w`. `None` where nolds raises (fewer than two sizes, a size `< 2`
//!   or `>= n`), for a constant series, and when fewer than two sizes have a non-zero fluctuation.
//! * [`Kernels::hurst_rs`]`(x, nvals)`: corrected R/S Hurst exponent, equal to
//!   `nolds.hurst_rs(x, nvals, fit="poly", corrected=True, unbiased=True)` within 1e-9 relative; defaults
//!   from [`default_rs_nvals`]. A block whose values are all equal has zero range and is skipped (exactly,
//!   not up to rounding). `None` where nolds raises (a size of 0 or larger than `n`) and when fewer than two
//!   sizes have a usable block.
//! * [`Kernels::kyle_lambda`]`(dp, q)`: least-squares slope with intercept of `dp` on `q`,
//!   `numpy.polyfit(q, dp, 1)[0]`, within 1e-12 relative. `None` when `n < 2` or all `q` are equal.
//!   Panics when the slices differ in length.
//! * Reductions over f64 and i64: [`Kernels::min_max_f64`], [`Kernels::sum_f64`], [`Kernels::moments_f64`]
//!   (mean and central moments, two-pass), [`Kernels::abs_diff_sum_f64`] (`Σ|x[i+1]-x[i]|`),
//!   [`Kernels::diff_moments_f64`] (moments of consecutive differences, whose mean/std are the mean/std of
//!   `Δx`), and the i64 versions (exact integer sums, moments in f64).
//! * Integer column kernels of the range-bar builder, identical in every backend:
//!   [`Kernels::first_unordered_pair`] (first position where `(major, minor)` pairs stop increasing strictly),
//!   [`Kernels::first_outside_i64`] (first value `<= lower` or `>= upper`), [`Kernels::product_sums`] (exact
//!   `Σw`, `Σv·w` and their parts over a selection) and [`Kernels::span_sums`] (exact `Σ(last - first + 1)`
//!   and its selected part).
//! * Column conversions of the Python front end, identical in every backend: each converts a whole column and
//!   returns `true` when every value took its fast route (the caller redoes the column on its exact path
//!   otherwise): [`Kernels::float_to_scaled`] (`round(x · 10^8)`, accepted only when that decimal reads back
//!   as exactly `x`, proven with one fused multiply-add, below [`FLOAT_TO_SCALED_LIMIT`]),
//!   [`Kernels::i128_to_i64`], [`Kernels::non_negative`], [`Kernels::u64_to_i64`],
//!   [`Kernels::millis_to_micros`] and [`Kernels::records_ok`] (the order and range check of a run of trades).
//!
//! # Non-finite input
//!
//! * Permutation entropy: any NaN gives `Some(NaN)` (antropy agrees); ±∞ are ordinary ordered values.
//! * DFA, R/S, Kyle lambda: any NaN or ±∞ gives `Some(NaN)`, after the length/parameter checks that give
//!   `None`.
//! * f64 reductions follow IEEE arithmetic (NaN and ∞ propagate; `∞ - ∞` is NaN); `min_max_f64` returns NaN
//!   for both ends when any value is NaN.
//!
//! # Agreement between backends
//!
//! SIMD backends sum in a different order than the scalar reference, so results differ by rounding only:
//! within 1e-12 relative for the kernels (Hurst exponents relative to `max(|H|, 1)`), and within 1e-12 of the
//! sum of magnitudes for sums and odd moments (whose value can cancel to near zero). Integer results are
//! identical. The SIMD DFA uses an equivalent O(n)-per-size formulation (half-window block sums, see
//! `docs/SIMD.md`) whose cancellation is bounded like the reference's; where an input makes some size's
//! fluctuation pure rounding noise (exactly linear stretches from runs of equal values), the exponent is
//! noise in every implementation, nolds included, and backends may differ.

#![cfg_attr(not(any(target_arch = "x86_64", target_arch = "aarch64")), forbid(unsafe_code))]

mod arch;
mod backend;
mod dispatch;
mod error;
mod nolds;
mod permutation;
mod scalar;
mod simd;
pub mod streaming;
mod summary;

pub use backend::{Backend, CpuReport, cpu_report};
pub use error::{Error, ErrorKind};
pub use nolds::{default_dfa_nvals, default_rs_nvals, expected_rs};
pub use scalar::convert::FLOAT_TO_SCALED_LIMIT;
pub use summary::{MinMax, Moments, ProductSums, SpanSums};

/// Embedding dimensions accepted by [`Kernels::permutation_entropy`].
pub const PE_ORDERS: std::ops::RangeInclusive<usize> = 2..=7;

/// A handle on one available backend. Copy it freely; holding one proves the backend runs on this CPU.
///
/// The kernel methods (one per line of the kernel list in `src/dispatch.rs`) each make one call through the
/// backend's dispatch table.
#[derive(Clone, Copy)]
pub struct Kernels {
    backend: Backend,
    /// The backend's table, from [`dispatch::checked_table`] only: the proof that its entries' CPU features
    /// are present.
    table: &'static dispatch::Table,
}

impl std::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernels").field("backend", &self.backend).finish()
    }
}

/// Two handles are equal when they run the same backend.
impl PartialEq for Kernels {
    fn eq(&self, other: &Kernels) -> bool {
        self.backend == other.backend
    }
}

impl Eq for Kernels {}

impl Kernels {
    /// The best backend of this CPU among the hand-written ones (AVX-512, AVX2, NEON, else scalar),
    /// detected once per process.
    pub fn detect() -> Kernels {
        Kernels::new(backend::detected()).expect("the detected backend is available")
    }

    /// The given backend, or an error saying why it cannot run here.
    pub fn new(backend: Backend) -> Result<Kernels, Error> {
        Ok(Kernels { backend, table: dispatch::checked_table(backend)? })
    }

    /// The backend a user named: `None` or `auto` give [`Kernels::detect`]; any other name
    /// (one of [`Backend::name`], any case) that backend, or an error saying why it cannot run here. The one
    /// way every front end turns a name into kernels; reading `BARSMITH_BACKEND` stays with the front ends
    /// (the library reads no environment).
    ///
    /// ```
    /// use barsmith_kernels::Kernels;
    /// assert_eq!(Kernels::from_name(Some("scalar")).unwrap().backend().name(), "scalar");
    /// assert_eq!(Kernels::from_name(Some("auto")).unwrap(), Kernels::detect());
    /// assert!(Kernels::from_name(Some("sse9")).is_err());
    /// ```
    pub fn from_name(name: Option<&str>) -> Result<Kernels, Error> {
        match name.map(str::trim) {
            None => Ok(Kernels::detect()),
            Some(name) if name.eq_ignore_ascii_case("auto") => Ok(Kernels::detect()),
            Some(name) => Kernels::new(name.parse()?),
        }
    }

    /// The backend behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}
