//! Permutation entropy's two SIMD plane builders against the scalar reference: one comparison word per lag
//! (`(m-2)τ < 64`, funnel-shifted per pair) and one comparison per pair (longer spans), at lengths around the
//! 64-vector blocks and the lag words' partial last word, with ties and with a NaN at every kind of position
//! (first operands, the last `τ` values that only the lag-`τ` words' second operands read, and positions in
//! no embedding vector).

mod common;

use barsmith_test_support::{SplitMix, backends};
use common::close_opt;

/// Delays on both sides of the lag-word limit `(m-2)τ < 64`, for every order.
fn delays(order: usize) -> Vec<usize> {
    let limit = 64usize.div_ceil((order - 2).max(1));
    let mut out = vec![1, 2, 3, limit.saturating_sub(1).max(1), limit, limit + 1];
    out.sort_unstable();
    out.dedup();
    out
}

/// Lengths around the blocks for `order` and `delay`: one vector, block edges, a partial last word.
fn lengths(order: usize, delay: usize) -> Vec<usize> {
    let span = (order - 1) * delay;
    [1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200, 500].iter().map(|v| span + v).collect()
}

#[test]
fn lag_planes_and_pair_planes_match_the_reference() {
    let reference = backends::scalar();
    let mut rng = SplitMix(0x51ed_270b_2d3a_9f41);
    let mut checked = 0;
    for k in backends::simd() {
        for order in 2..=7 {
            for delay in delays(order) {
                for n in lengths(order, delay) {
                    // Small integers: many ties.
                    let x: Vec<f64> = (0..n).map(|_| rng.below(4) as f64).collect();
                    let (got, want) =
                        (k.permutation_entropy(&x, order, delay), reference.permutation_entropy(&x, order, delay));
                    assert!(
                        close_opt(got, want, 1e-12, 1e-15),
                        "{} m={order} τ={delay} n={n}: {got:?} vs {want:?}",
                        k.backend()
                    );
                    checked += 1;
                }
            }
        }
    }
    eprintln!("{checked} cases");
}

#[test]
fn a_nan_anywhere_gives_nan() {
    let mut rng = SplitMix(0x2545_f491_4f6c_dd1d);
    for k in backends::simd() {
        for order in [3, 5, 7] {
            for (delay, extra) in delays(order).into_iter().flat_map(|d| [(d, 1), (d, 130)]) {
                let n = (order - 1) * delay + extra;
                let base: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
                let mut positions = vec![0, 1, 63, 64, 65, n / 2, n - delay - 1, n - 1];
                positions.extend(n.saturating_sub(delay)..n);
                for at in positions.into_iter().filter(|&at| at < n) {
                    let mut x = base.clone();
                    x[at] = f64::NAN;
                    let got = k.permutation_entropy(&x, order, delay);
                    assert!(
                        got.is_some_and(f64::is_nan),
                        "{} m={order} τ={delay} n={n} NaN at {at}: {got:?}",
                        k.backend()
                    );
                }
            }
        }
    }
}
