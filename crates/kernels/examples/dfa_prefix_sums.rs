//! Measures what stands in the way of an O(n + windows) DFA: the window sums taken from prefix sums of the
//! profile, in plain f64 and in double-double arithmetic, against the scalar reference (which detrends every
//! window by its own chord), on the stress families of `barsmith_test_support::series` (those of `tests/long_series.rs`), and their speed.
//!
//! `cargo run --release -p barsmith-kernels --example dfa_prefix_sums -- 100000`
//!
//! Window `[s, s + w)` of the profile `y`: `A = Σy`, `B = Σ r y` (`r = i - s`), `C = Σy²` from prefix sums at
//! `s` and `s + w`, then `RSS = C - A²/w - (B - (w-1)/2 A)² / Σt²`. The three terms are of the size of the
//! profile squared, the residual can be many orders of magnitude smaller, so the rounding of the prefix sums
//! (f64: ~1e-16 of `Σ y²` over the whole series) lands on the residual amplified by that ratio. Double-double
//! prefix sums (error ~1e-32 of the same) push the ratio at which this bites out by 16 orders of magnitude.
//! This is a measurement tool, not a kernel: scalar, unoptimised.

use std::time::Instant;

use barsmith_kernels::{Backend, Kernels, default_dfa_nvals};
use barsmith_test_support::series::stress_series;

fn main() {
    let n: usize = std::env::args().nth(1).map_or(100_000, |v| v.parse().expect("length"));
    let reference = Kernels::new(Backend::Scalar).expect("scalar is always available");
    println!("| series (n = {n}) | reference H | f64 prefix: relative error | double-double prefix: relative error |");
    println!("|---|---|---|---|");
    for (name, x) in stress_series(n) {
        let want = reference.hurst_dfa(&x, None).expect("defined");
        let plain = dfa_from_prefix_sums::<f64>(&x);
        let double = dfa_from_prefix_sums::<DoubleDouble>(&x);
        let rel = |got: f64| (got - want).abs() / want.abs();
        println!("| {name} | {want:.6} | {:.1e} | {:.1e} |", rel(plain), rel(double));
    }
    let returns = stress_series(n).swap_remove(0).1;
    let time = |f: &dyn Fn() -> f64| {
        let reps = (2_000_000 / n).max(3);
        let start = Instant::now();
        let mut sink = 0.0;
        for _ in 0..reps {
            sink += f();
        }
        (start.elapsed().as_secs_f64() / reps as f64 * 1e6, sink)
    };
    let fastest = Kernels::detect();
    let (t_ref, _) = time(&|| reference.hurst_dfa(&returns, None).unwrap_or(0.0));
    let (t_simd, _) = time(&|| fastest.hurst_dfa(&returns, None).unwrap_or(0.0));
    let (t_plain, _) = time(&|| dfa_from_prefix_sums::<f64>(&returns));
    let (t_double, _) = time(&|| dfa_from_prefix_sums::<DoubleDouble>(&returns));
    println!();
    println!("| white noise, n = {n} | µs per call |");
    println!("|---|---|");
    println!("| scalar reference (per-window chords) | {t_ref:.1} |");
    println!("| {:?} kernel (block sums, one pass per size) | {t_simd:.1} |", fastest.backend());
    println!("| scalar, f64 prefix sums, O(n + windows) | {t_plain:.1} |");
    println!("| scalar, double-double prefix sums, O(n + windows) | {t_double:.1} |");
}

/// Arithmetic the prefix sums are kept in.
trait Sum: Copy {
    fn zero() -> Self;
    /// `self + a·b`, with `a·b` as exact as the type allows.
    fn add_product(self, a: f64, b: f64) -> Self;
    fn sub(self, other: Self) -> Self;
    fn mul_f64(self, k: f64) -> Self;
    fn square_over(self, k: f64) -> Self;
    fn value(self) -> f64;
}

impl Sum for f64 {
    fn zero() -> f64 {
        0.0
    }
    fn add_product(self, a: f64, b: f64) -> f64 {
        self + a * b
    }
    fn sub(self, other: f64) -> f64 {
        self - other
    }
    fn mul_f64(self, k: f64) -> f64 {
        self * k
    }
    fn square_over(self, k: f64) -> f64 {
        self * self / k
    }
    fn value(self) -> f64 {
        self
    }
}

/// `hi + lo` with `|lo| <= ulp(hi)/2` (Dekker/Knuth two-sum and FMA two-product).
#[derive(Clone, Copy)]
struct DoubleDouble {
    hi: f64,
    lo: f64,
}

fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

impl DoubleDouble {
    fn add(self, other: DoubleDouble) -> DoubleDouble {
        let (s, e) = two_sum(self.hi, other.hi);
        let (hi, lo) = two_sum(s, e + self.lo + other.lo);
        DoubleDouble { hi, lo }
    }
    fn product(a: f64, b: f64) -> DoubleDouble {
        let p = a * b;
        DoubleDouble { hi: p, lo: a.mul_add(b, -p) }
    }
    fn times(self, k: f64) -> DoubleDouble {
        let p = DoubleDouble::product(self.hi, k);
        let (hi, lo) = two_sum(p.hi, p.lo + self.lo * k);
        DoubleDouble { hi, lo }
    }
}

impl Sum for DoubleDouble {
    fn zero() -> DoubleDouble {
        DoubleDouble { hi: 0.0, lo: 0.0 }
    }
    fn add_product(self, a: f64, b: f64) -> DoubleDouble {
        self.add(DoubleDouble::product(a, b))
    }
    fn sub(self, other: DoubleDouble) -> DoubleDouble {
        self.add(DoubleDouble { hi: -other.hi, lo: -other.lo })
    }
    fn mul_f64(self, k: f64) -> DoubleDouble {
        self.times(k)
    }
    fn square_over(self, k: f64) -> DoubleDouble {
        // (hi + lo)² / k, the square exact to double-double precision, then one division.
        let square = DoubleDouble::product(self.hi, self.hi).add(DoubleDouble::product(2.0 * self.hi, self.lo));
        let q = square.hi / k;
        let remainder = square.sub(DoubleDouble::product(q, k));
        DoubleDouble { hi: q, lo: 0.0 }.add(DoubleDouble { hi: remainder.hi / k, lo: 0.0 })
    }
    fn value(self) -> f64 {
        self.hi + self.lo
    }
}

/// DFA-1 exponent (nolds' default sizes, half-overlapping windows) with every window's sums from prefix sums.
fn dfa_from_prefix_sums<T: Sum>(x: &[f64]) -> f64 {
    let n = x.len();
    let mean = x.iter().sum::<f64>() / n as f64;
    let mut walk = Vec::with_capacity(n);
    let mut acc = 0.0;
    for &v in x {
        acc += v - mean;
        walk.push(acc);
    }
    let (mut s0, mut s1, mut s2) = (vec![T::zero()], vec![T::zero()], vec![T::zero()]);
    for (i, &y) in walk.iter().enumerate() {
        s0.push(s0[i].add_product(y, 1.0));
        s1.push(s1[i].add_product(y, i as f64));
        s2.push(s2[i].add_product(y, y));
    }
    let mut points = Vec::new();
    for w in default_dfa_nvals(n) {
        let (wf, mut total, mut windows) = (w as f64, 0.0, 0usize);
        let stt = wf * (wf * wf - 1.0) / 12.0;
        for start in (0..n - w).step_by(w / 2) {
            let end = start + w;
            let a = s0[end].sub(s0[start]);
            let b = s1[end].sub(s1[start]).sub(a.mul_f64(start as f64));
            let c = s2[end].sub(s2[start]);
            let trend = b.sub(a.mul_f64((wf - 1.0) * 0.5));
            let rss = c.sub(a.square_over(wf)).sub(trend.square_over(stt)).value().max(0.0);
            total += rss / wf;
            windows += 1;
        }
        let f = (total / windows as f64).sqrt();
        if f > 0.0 {
            points.push((wf.ln(), f.ln()));
        }
    }
    slope(&points)
}

fn slope(points: &[(f64, f64)]) -> f64 {
    let k = points.len() as f64;
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / k, points.iter().map(|p| p.1).sum::<f64>() / k);
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}
