//! The streaming forms (`barsmith_kernels::streaming`) against the block kernels of every backend: the
//! permutation-entropy histogram and R/S are the scalar reference's exactly; Kyle λ within 1e-12 of its
//! scale; DFA within 1e-9 relative (the oracle tolerance), with the observed worst case printed and guarded
//! at 1e-11 like the SIMD block sums (`tests/long_series.rs`).

use barsmith_kernels::streaming::{DfaStream, KyleStream, PermutationStream, RescaledRangeBlocks};
use barsmith_test_support::backends;
use barsmith_test_support::series::stress_series;
use barsmith_test_support::worst::Worst;

fn relative(got: Option<f64>, want: Option<f64>) -> f64 {
    match (got, want) {
        (Some(g), Some(w)) if g.is_nan() && w.is_nan() => 0.0,
        (Some(g), Some(w)) => (g - w).abs() / w.abs().max(1.0),
        (None, None) => 0.0,
        _ => f64::INFINITY,
    }
}

fn dfa_stream(x: &[f64], announced: bool) -> Option<f64> {
    let mut s = if announced { DfaStream::for_length(x.len()) } else { DfaStream::new() };
    x.iter().for_each(|&v| s.push(v));
    // Pushed in slices of any length, the result is the same bit for bit.
    for chunk in [3, 64, 1_000] {
        let mut by_slices = if announced { DfaStream::for_length(x.len()) } else { DfaStream::new() };
        x.chunks(chunk).for_each(|c| by_slices.push_slice(c));
        assert_eq!(by_slices.finish().map(f64::to_bits), s.finish().map(f64::to_bits), "slices of {chunk}");
    }
    s.finish()
}

/// DFA: the stream against every backend's block kernel; returns the worst relative difference.
fn check_dfa(label: &str, n: usize) -> f64 {
    let mut worst = Worst::new(label);
    for (name, x) in stress_series(n) {
        let (open, announced) = (dfa_stream(&x, false), dfa_stream(&x, true));
        assert_eq!(open.map(f64::to_bits), announced.map(f64::to_bits), "{label} {name}: announced length changes DFA");
        for k in backends::available() {
            let want = k.hurst_dfa(&x, None);
            let what = format!("{} DFA {name} n={n}: stream {open:?} vs block {want:?}", k.backend());
            worst.record(relative(open, want), what);
        }
    }
    worst.finish()
}

#[test]
fn dfa_stream_agrees_with_block_kernels_on_stress_series() {
    for n in [0, 1, 5, 16, 63, 70, 71, 72, 100, 141, 500, 1_000, 4_096] {
        check_dfa(&format!("n={n}"), n);
    }
}

#[test]
fn dfa_stream_agrees_on_long_stress_series() {
    check_dfa("n=100000", 100_000);
}

#[test]
fn dfa_stream_agrees_at_every_length_up_to_400() {
    let (_, x) = stress_series(400).swap_remove(1);
    let reference = backends::scalar();
    for n in 0..=400 {
        let want = reference.hurst_dfa(&x[..n], None);
        let got = dfa_stream(&x[..n], false);
        assert!(relative(got, want) <= 1e-11, "n={n}: {got:?} vs {want:?}");
    }
}

#[test]
fn permutation_stream_equals_the_scalar_histogram() {
    let reference = backends::scalar();
    for (name, x) in stress_series(1_000).into_iter().chain([("with_nan", vec![1.0, f64::NAN, 2.0, 3.0])]) {
        for order in 1..=8 {
            for delay in 0..=3 {
                for n in [0, 1, 2, 3, 7, 64, 65, x.len()] {
                    let x = &x[..n.min(x.len())];
                    let mut s = PermutationStream::new(order, delay);
                    x.iter().for_each(|&v| s.push(v));
                    let want = reference.permutation_entropy(x, order, delay);
                    let got = s.finish();
                    let same = got.map(f64::to_bits) == want.map(f64::to_bits)
                        || got.zip(want).is_some_and(|(g, w)| g.is_nan() && w.is_nan());
                    assert!(same, "{name} m={order} tau={delay} n={n}: {got:?} vs {want:?}");
                    for k in backends::simd() {
                        let block = k.permutation_entropy(x, order, delay);
                        assert!(
                            relative(got, block) <= 1e-12,
                            "{} {name} m={order} tau={delay} n={n}: {got:?} vs {block:?}",
                            k.backend()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn kyle_stream_agrees_with_block_kernels() {
    let series = stress_series(2_000);
    for (qname, q) in &series {
        for (pname, dp) in series.iter().take(6) {
            for n in [0, 1, 2, 3, 17, 500, 2_000] {
                let (q, dp) = (&q[..n], &dp[..n]);
                let mut s = KyleStream::new();
                dp.iter().zip(q).for_each(|(&p, &v)| s.push(p, v));
                let got = s.finish();
                for k in backends::available() {
                    let want = k.kyle_lambda(dp, q);
                    let ok = match (got, want) {
                        (Some(g), Some(w)) => {
                            (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-11 * w.abs().max(f64::MIN_POSITIVE)
                        }
                        (g, w) => g.is_none() && w.is_none(),
                    };
                    assert!(ok, "{} dp={pname} q={qname} n={n}: {got:?} vs {want:?}", k.backend());
                }
            }
        }
    }
    let mut s = KyleStream::new();
    [(1.0, 2.0), (f64::INFINITY, 3.0), (2.0, 4.0)].iter().for_each(|&(p, q)| s.push(p, q));
    assert!(s.finish().is_some_and(f64::is_nan));
}

#[test]
fn rescaled_range_blocks_equal_the_scalar_reference() {
    let reference = backends::scalar();
    for n in [0, 1, 2, 10, 64, 500, 4_096, 30_000] {
        for (name, x) in stress_series(n) {
            let mut s = RescaledRangeBlocks::new(n);
            x.iter().for_each(|&v| s.push(v));
            let mut by_slices = RescaledRangeBlocks::new(n);
            x.chunks(777).for_each(|c| by_slices.push_slice(c));
            assert_eq!(by_slices.finish().map(f64::to_bits), s.finish().map(f64::to_bits), "{name} n={n}");
            let (got, want) = (s.finish(), reference.hurst_rs(&x, None));
            let same = got.map(f64::to_bits) == want.map(f64::to_bits)
                || got.zip(want).is_some_and(|(g, w)| g.is_nan() && w.is_nan());
            assert!(same, "{name} n={n}: {got:?} vs {want:?}");
        }
    }
}

#[test]
fn chunked_moments_equal_the_scalar_reference() {
    let reference = backends::scalar();
    let x: Vec<i64> = stress_series(5_000).swap_remove(4).1.iter().map(|&v| (v * 1e8) as i64).collect();
    for n in [0, 1, 2, 3, 100, 5_000] {
        for chunk in [1, 7, 64, 4_096] {
            let got = barsmith_kernels::streaming::moments_i64_chunks(|| x[..n].chunks(chunk));
            let want = reference.moments_i64(&x[..n]);
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "n={n} chunk={chunk}");
        }
    }
}

/// The adversarial case of the streaming DFA's bound (docs/SIMD.md): a jump of ~1e6 σ inside the block just
/// before quiet windows tilts the predicted slope; the residuals must still agree within the oracle tolerance.
#[test]
fn dfa_stream_after_large_jumps() {
    let (_, white) = stress_series(20_000).swap_remove(0);
    let reference = backends::scalar();
    let mut worst = 0.0f64;
    for period in [5, 13, 37, 101, 997] {
        for jump in [1e3, 1e6] {
            let x: Vec<f64> =
                white.iter().enumerate().map(|(i, v)| if i % period == period / 2 { jump } else { 1e-3 * v }).collect();
            for n in [100, 2_000, 20_000] {
                let (got, want) = (dfa_stream(&x[..n], false), reference.hurst_dfa(&x[..n], None));
                let rel = relative(got, want);
                assert!(rel <= 1e-9, "period {period} jump {jump} n={n}: {got:?} vs {want:?}");
                worst = worst.max(rel);
            }
        }
    }
    eprintln!("jumps: worst relative difference {worst:.2e}");
}
