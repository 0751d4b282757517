//! Streaming forms of the window estimators: values are pushed one at a time, the state does not grow with
//! the number of values (except where stated), and `finish` gives the block kernel's answer within the
//! bounds stated in `docs/SIMD.md` ("Streaming forms").
//!
//! | type | state | equals |
//! | --- | --- | --- |
//! | [`PermutationStream`] | `m!` counts + the last `(m−1)τ + 1` values | the scalar reference's histogram, exactly |
//! | [`KyleStream`] | five numbers | the two-pass slope, within rounding (Welford co-moments) |
//! | [`DfaStream`] | ~15 numbers per half-window size `h ≤ n` (O(log n)) + the first 71 values | nolds' DFA, within the bound of `docs/SIMD.md` |
//! | [`RescaledRangeBlocks`] | one block per size (`Σ w`, ≤ 15 · n^(5/8) values) | the scalar reference, bit for bit |
//!
//! R/S is not streamed before the series' length is known: nolds' sizes (`logmid_n`) move with `n`, so no
//! block is final before the end. [`RescaledRangeBlocks`] takes the length first and then reads the values
//! once, holding one block per size, so a caller that can replay the series (the record history) needs no
//! copy of it.

mod dfa;
mod entropy;
mod kyle;
mod rescaled_range;

pub use dfa::DfaStream;
pub use entropy::PermutationStream;
pub use kyle::KyleStream;
pub use rescaled_range::RescaledRangeBlocks;
