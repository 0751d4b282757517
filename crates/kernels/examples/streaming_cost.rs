//! Time of the streaming forms against the block kernels (best backend) on white-noise returns:
//! `cargo run --release -p barsmith-kernels --example streaming_cost -- 4096 100000 1000000` (the streams
//! take slices of 4096 values, as the feature pipeline gives them).

mod common;

use barsmith_kernels::Kernels;
use barsmith_kernels::streaming::{DfaStream, KyleStream, PermutationStream, RescaledRangeBlocks};
use std::time::Instant;

/// Mean seconds per call of `f` over `repeat` calls (its results kept alive with `black_box`).
fn time<T>(repeat: usize, mut f: impl FnMut() -> T) -> f64 {
    let start = Instant::now();
    for _ in 0..repeat {
        std::hint::black_box(f());
    }
    start.elapsed().as_secs_f64() / repeat as f64
}

/// `stream` after every value of `x` was pushed into it, in slices of 4096 (as the feature pipeline gives them).
fn fed<S>(mut stream: S, x: &[f64], push: impl Fn(&mut S, &[f64])) -> S {
    x.chunks(4096).for_each(|slice| push(&mut stream, slice));
    stream
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
        let kyle_stream = || {
            let mut d = KyleStream::new();
            x.iter().zip(&q).for_each(|(&p, &v)| d.push(p, v));
            d.finish()
        };
        type Run<'a> = &'a dyn Fn() -> Option<f64>;
        let rows: [(&str, Run<'_>, Run<'_>); 4] = [
            ("dfa", &|| k.hurst_dfa(&x, None), &|| fed(DfaStream::for_length(n), &x, DfaStream::push_slice).finish()),
            ("rs", &|| k.hurst_rs(&x, None), &|| {
                fed(RescaledRangeBlocks::new(n), &x, RescaledRangeBlocks::push_slice).finish()
            }),
            ("pe", &|| k.permutation_entropy(&x, 3, 1), &|| {
                fed(PermutationStream::new(3, 1), &x, |d, slice| slice.iter().for_each(|&v| d.push(v))).finish()
            }),
            ("kyle", &|| k.kyle_lambda(&x, &q), &kyle_stream),
        ];
        for (kernel, block, stream) in rows {
            let per = |seconds: f64| seconds * 1e9 / n as f64;
            println!("| {n} | {kernel} | {:.2} | {:.2} |", per(time(repeat, block)), per(time(repeat, stream)));
        }
    }
}
