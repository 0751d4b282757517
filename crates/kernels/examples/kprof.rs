mod common;
use barsmith_kernels::{Backend, Kernels};
use std::hint::black_box;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (kernel, n, backend, iters): (&str, usize, Backend, usize) =
        (&a[1], a[2].parse().unwrap(), a[3].parse().unwrap(), a[4].parse().unwrap());
    let mut u = common::uniform(42);
    let mut price = 87_650.0;
    let prices: Vec<f64> = (0..n)
        .map(|_| {
            price += (u() * 5.0).round() * 0.01;
            price
        })
        .collect();
    let returns: Vec<f64> = (0..n).map(|_| u() * 1e-4).collect();
    let k = Kernels::new(backend).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..iters {
        black_box(match kernel {
            "dfa" => k.hurst_dfa(black_box(&returns), None),
            "rs" => k.hurst_rs(black_box(&returns), None),
            _ => k.permutation_entropy(black_box(&prices), 3, 1),
        });
    }
    eprintln!("{:.1} ns", t.elapsed().as_secs_f64() / iters as f64 * 1e9);
}
