//! The kernels tests' comparison helpers (backends, PRNG and real data come from `barsmith-test-support`).
#![allow(dead_code)]

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
