//! Time of the streaming forms against the block kernels (best backend) on white-noise returns:
//! `cargo run --release -p barsmith-kernels --example streaming_cost -- 4096 100000 1000000` (the streams
//! take slices of 4096 values, as the feature pipeline gives them).

mod common;

use barsmith_kernels::Kernels;
use barsmith_kernels::streaming::{DfaStream, KyleStream, PermutationStream, RescaledRangeBlocks};
use std::time::Instant;

fn time<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let start = Instant::now();
    let mut out = std::hint::black_box(f());
    for _ in 1..repeat {
        out = std::hint::black_box(f());
    }
    (start.elapsed().as_secs_f64() / repeat as f64, out)
}

fn main() {
    let k = Kernels::detect();
    let mut uniform = common::uniform(0x9e37_79b9_7f4a_7c15);
    println!("backend {}; ns per value", k.backend());
    println!("| n | kernel | block | stream |");
    for n in std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a length")) {
        let x: Vec<f64> = (0..n).map(|_| uniform()).collect();
        let q: Vec<f64> = (0..n).map(|_| uniform()).collect();
        let repeat = (20_000_000 / n).clamp(1, 2000);
        let per = |s: f64| s * 1e9 / n as f64;
        let (b, _) = time(repeat, || k.hurst_dfa(&x, None));
        let (s, _) = time(repeat, || {
            let mut d = DfaStream::for_length(n);
            x.chunks(4096).for_each(|c| d.push_slice(c));
            d.finish()
        });
        println!("| {n} | dfa | {:.2} | {:.2} |", per(b), per(s));
        let (b, _) = time(repeat, || k.hurst_rs(&x, None));
        let (s, _) = time(repeat, || {
            let mut d = RescaledRangeBlocks::new(n);
            x.chunks(4096).for_each(|c| d.push_slice(c));
            d.finish()
        });
        println!("| {n} | rs | {:.2} | {:.2} |", per(b), per(s));
        let (b, _) = time(repeat, || k.permutation_entropy(&x, 3, 1));
        let (s, _) = time(repeat, || {
            let mut d = PermutationStream::new(3, 1);
            x.iter().for_each(|&v| d.push(v));
            d.finish()
        });
        println!("| {n} | pe | {:.2} | {:.2} |", per(b), per(s));
        let (b, _) = time(repeat, || k.kyle_lambda(&x, &q));
        let (s, _) = time(repeat, || {
            let mut d = KyleStream::new();
            x.iter().zip(&q).for_each(|(&p, &v)| d.push(p, v));
            d.finish()
        });
        println!("| {n} | kyle | {:.2} | {:.2} |", per(b), per(s));
    }
}
