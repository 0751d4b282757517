//! Achieved GFLOP/s and GB/s of DFA, R/S, PE and Kyle λ on every available backend, from the operation and
//! byte counts their algorithms need (see docs/PERFORMANCE.md, "Roofline"):
//! `cargo run --release -p barsmith-kernels --example roofline -- 500 4096`.
//!
//! Counts per call (n values, sizes from nolds' defaults):
//! * DFA: profile 2 flops per value; per size `w` one visit per point (detrend by the block chord 3, Σz 1,
//!   Σrz 2, Σz² 2 = 8 flops) and ~40 flops per window (2n/w windows); bytes: 8 per value and size (one read
//!   of the profile per size; the transposed copy is extra traffic of the implementation).
//! * R/S: per size and point, the shifted sum (2) and the deviation pass (shift 2, running sum 1, max/min 2,
//!   Σd² 2) = 9 flops; per block ~10 (mean, ratio, sqrt); bytes: 16 per value and size (two passes).
//! * PE (order 3): 3 comparisons per embedding vector (counted as operations); bytes: 8 per value.
//! * Kyle: 2 shifts, 2 sums, 3 products summed (FMA = 2) = 10 flops per pair; bytes: 16 per pair.

mod common;

use barsmith_kernels::{Backend, Kernels, default_dfa_nvals, default_rs_nvals};
use std::hint::black_box;
use std::time::Instant;

fn seconds(repeat: usize, mut f: impl FnMut() -> Option<f64>) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..40 {
        let start = Instant::now();
        for _ in 0..repeat {
            black_box(f());
        }
        best = best.min(start.elapsed().as_secs_f64() / repeat as f64);
    }
    best
}

fn main() {
    let mut uniform = common::uniform(42);
    println!("| kernel | n | backend | time | Gop/s | GB/s | ops | bytes |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|");
    for n in std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a length")) {
        let mut price = 87_650.0;
        let prices: Vec<f64> = (0..n)
            .map(|_| {
                price += (uniform() * 5.0).round() * 0.01;
                price
            })
            .collect();
        let returns: Vec<f64> = (0..n).map(|_| uniform() * 1e-4).collect();
        let signed: Vec<f64> = returns.iter().map(|r| r * 3e3 + uniform()).collect();
        let nf = n as f64;
        let dfa_ops: f64 =
            2.0 * nf + default_dfa_nvals(n).iter().map(|&w| 8.0 * nf + 40.0 * 2.0 * nf / w as f64).sum::<f64>();
        let dfa_bytes = 8.0 * nf * default_dfa_nvals(n).len() as f64;
        let rs_ops: f64 = default_rs_nvals(n).iter().map(|&w| 9.0 * nf + 10.0 * nf / w as f64).sum();
        let rs_bytes = 16.0 * nf * default_rs_nvals(n).len() as f64;
        let repeat = (100_000 / n).max(3);
        for backend in Backend::ALL.iter().filter(|b| b.is_available()) {
            let k = Kernels::new(*backend).expect("available");
            let rows: [(&str, f64, f64, f64); 4] = [
                ("dfa", dfa_ops, dfa_bytes, seconds(repeat, || k.hurst_dfa(&returns, None))),
                ("rs", rs_ops, rs_bytes, seconds(repeat, || k.hurst_rs(&returns, None))),
                ("pe_m3", 3.0 * (nf - 2.0), 8.0 * nf, seconds(repeat, || k.permutation_entropy(&prices, 3, 1))),
                ("kyle", 10.0 * nf, 16.0 * nf, seconds(repeat, || k.kyle_lambda(&returns, &signed))),
            ];
            for (name, ops, bytes, t) in rows {
                println!(
                    "| {name} | {n} | {} | {:.2} µs | {:.2} | {:.1} | {:.0} | {:.0} |",
                    backend.name(),
                    t * 1e6,
                    ops / t * 1e-9,
                    bytes / t * 1e-9,
                    ops,
                    bytes
                );
            }
        }
    }
}
