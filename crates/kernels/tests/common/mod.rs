//! Shared test support: the list of backends to test and the tolerances.
#![allow(dead_code)]

use barsmith_kernels::{Backend, Kernels};

/// Every available backend. Prints the ones skipped; a backend named in `BARSMITH_REQUIRE_BACKENDS`
/// (comma-separated, e.g. `avx2,avx512`) that is unavailable fails the test.
pub fn kernels() -> Vec<Kernels> {
    let required: Vec<Backend> = std::env::var("BARSMITH_REQUIRE_BACKENDS")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse().unwrap_or_else(|e| panic!("BARSMITH_REQUIRE_BACKENDS: {e}")))
        .collect();
    let mut out = Vec::new();
    for backend in Backend::ALL {
        match Kernels::new(backend) {
            Ok(k) => out.push(k),
            Err(e) => {
                assert!(!required.contains(&backend), "required backend skipped: {e}");
                eprintln!("skipping backend {backend}: {e}");
            }
        }
    }
    out
}

/// Every available SIMD backend (all but scalar).
pub fn simd_kernels() -> Vec<Kernels> {
    kernels().into_iter().filter(|k| k.backend() != Backend::Scalar).collect()
}

pub fn scalar() -> Kernels {
    Kernels::new(Backend::Scalar).expect("scalar is always available")
}

/// `|a - b| <= tol * max(|b|, floor)`, with NaN == NaN and exact equality of infinities.
pub fn close(a: f64, b: f64, rel: f64, floor: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= rel * b.abs().max(floor)
}

pub fn close_opt(a: Option<f64>, b: Option<f64>, rel: f64, floor: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => close(a, b, rel, floor),
        _ => false,
    }
}

/// The real-data sample, when present (tests using it skip with a message otherwise).
pub fn real_data_path() -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/BTCUSDT-aggTrades-2026-01-01.head5000.csv");
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping real-data cases: {} is absent", path.display());
        None
    }
}

/// Deterministic pseudo-random numbers (SplitMix64).
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> i64 {
        (self.next_u64() % n) as i64
    }
}
