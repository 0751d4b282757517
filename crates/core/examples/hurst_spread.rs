//! The spread of the two Hurst estimators (DFA, corrected R/S) against window length.
//!
//! A window of `n` records gives the kernels `n − 1` log returns. Two inputs:
//! * `white noise`: Gaussian increments, i.e. the returns of a random-walk price (true H = 0.5);
//! * `random walk`: the cumulative sum of those increments fed as if it were the returns (a non-stationary
//!   input: DFA tends to 1.5, R/S to 1).
//!
//! For each length it prints the mean, standard deviation, 1st and 99th percentiles, extremes and the share
//! of windows without an estimate, as the Markdown table in `docs/FEATURES.md`.
//!
//! ```sh
//! cargo run --release -p barsmith-core --example hurst_spread -- 2000
//! ```
//! (the argument is the number of windows per length; the series are seeded, so the table is reproducible
//! up to the last digit on any backend).

use barsmith_core::Kernels;
use barsmith_test_support::SplitMix;

/// Box–Muller normal deviates from test-support's SplitMix64.
struct Gaussian(SplitMix);

impl Gaussian {
    /// Uniform in `(0, 1)` (never 0, for the logarithm).
    fn uniform(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

struct Spread {
    mean: f64,
    sd: f64,
    p01: f64,
    p99: f64,
    min: f64,
    max: f64,
    missing: f64,
}

fn spread(mut values: Vec<f64>, trials: usize) -> Spread {
    values.sort_by(f64::total_cmp);
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let at = |q: f64| values.get(((values.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN);
    Spread {
        mean,
        sd,
        p01: at(0.01),
        p99: at(0.99),
        min: at(0.0),
        max: at(1.0),
        missing: 1.0 - values.len() as f64 / trials as f64,
    }
}

fn main() {
    let trials: usize = std::env::args().nth(1).map_or(2_000, |a| a.parse().expect("windows per length"));
    let kernels = Kernels::detect();
    println!("backend {}, {trials} windows per length", kernels.backend().name());
    println!();
    println!("| records n | input | estimator | mean | sd | p1 | p99 | min | max | null |");
    println!("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in [32usize, 64, 96, 128, 192, 256, 384, 512, 1_024, 2_048, 4_096] {
        let mut generator = Gaussian(SplitMix(n as u64));
        let mut estimates = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
        for _ in 0..trials {
            let noise: Vec<f64> = (0..n - 1).map(|_| generator.normal()).collect();
            let walk: Vec<f64> = noise.iter().scan(0.0, |sum, x| Some(*sum + x).inspect(|s| *sum = *s)).collect();
            for (input, series) in [&noise, &walk].into_iter().enumerate() {
                let results = [kernels.hurst_dfa(series, None), kernels.hurst_rs(series, None)];
                for (estimator, result) in results.into_iter().enumerate() {
                    if let Some(h) = result.filter(|h| h.is_finite()) {
                        estimates[input][estimator].push(h);
                    }
                }
            }
        }
        for (input, name) in ["white noise", "random walk"].into_iter().enumerate() {
            for (estimator, label) in ["DFA", "R/S"].into_iter().enumerate() {
                let s = spread(std::mem::take(&mut estimates[input][estimator]), trials);
                println!(
                    "| {n} | {name} | {label} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1} % |",
                    s.mean,
                    s.sd,
                    s.p01,
                    s.p99,
                    s.min,
                    s.max,
                    100.0 * s.missing
                );
            }
        }
    }
}
