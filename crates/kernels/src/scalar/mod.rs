//! The scalar reference backend: the readable definition of every kernel, one family per file (named as in
//! `src/simd/`). The SIMD backends are tested against these functions; these functions are tested against
//! golden files written by independent oracles (antropy, nolds, numpy).

pub(crate) mod columns;
pub(crate) mod convert;
pub(crate) mod dfa;
pub(crate) mod entropy;
pub(crate) mod kyle;
pub(crate) mod reductions;
pub(crate) mod rescaled_range;
