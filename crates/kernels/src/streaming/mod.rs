//! Streaming forms of the window estimators: values are pushed one at a time, the state does not grow with
//! the number of values (except where stated), and `finish` gives the block kernel's answer within the
//! bounds stated in `docs/SIMD.md` ("Streaming forms").
//!
//! | type | state | equals |
//! | --- | --- | --- |
//! | [`PermutationStream`] | `m!` counts + the last `(m−1)τ + 1` values | the scalar reference's histogram, exactly |
//! | [`KyleStream`] | five numbers | the two-pass slope, within rounding (Welford co-moments) |
//! | [`MomentsStream`] | seven numbers | `moments_i64`, within rounding (Terriberry's one-pass central sums) |
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
mod moments;
mod rescaled_range;

pub use dfa::DfaStream;
pub use entropy::PermutationStream;
pub use kyle::KyleStream;
pub use moments::MomentsStream;
pub use rescaled_range::RescaledRangeBlocks;

use crate::Moments;

/// Population moments of an `i64` series given as consecutive slices, read twice (exact sum, then the power
/// sums of the deviations in order): the scalar reference's `moments_i64` on their concatenation, bit for bit,
/// without a copy. `None` when the slices hold no value.
pub fn moments_i64_chunks<'a, I>(chunks: impl Fn() -> I) -> Option<Moments>
where
    I: Iterator<Item = &'a [i64]>,
{
    let origin = i128::from(*chunks().flatten().next()?);
    let (mut count, mut shifted_sum) = (0usize, 0i128);
    for chunk in chunks() {
        count += chunk.len();
        shifted_sum += chunk.iter().map(|&v| i128::from(v) - origin).sum::<i128>();
    }
    let n = count as f64;
    let shifted_mean = shifted_sum as f64 / n;
    let mut sums = [0.0; 4];
    for &v in chunks().flatten() {
        let d = (i128::from(v) - origin) as f64 - shifted_mean;
        let d2 = d * d;
        sums[0] += d;
        sums[1] += d2;
        sums[2] += d2 * d;
        sums[3] += d2 * d2;
    }
    let moments = crate::scalar::reductions::moments_from_power_sums(count, 0.0, sums);
    Some(Moments { mean: (shifted_sum + origin * count as i128) as f64 / n, ..moments })
}
