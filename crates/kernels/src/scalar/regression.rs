//! Kyle lambda as a regression slope, scalar reference.

/// OLS slope (with intercept) of `dp` on `q`, two-pass: `Σ(q-q̄)(dp-dp̄) / Σ(q-q̄)²`.
pub(crate) fn kyle_lambda(dp: &[f64], q: &[f64]) -> Option<f64> {
    assert_eq!(dp.len(), q.len(), "kyle_lambda: dp and q must have the same length");
    if q.len() < 2 {
        return None;
    }
    if dp.iter().chain(q).any(|v| !v.is_finite()) {
        return Some(f64::NAN);
    }
    if q.iter().all(|&v| v == q[0]) {
        return None;
    }
    let n = q.len() as f64;
    let mean_q = q.iter().sum::<f64>() / n;
    let mean_dp = dp.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (&p, &v) in dp.iter().zip(q) {
        let dq = v - mean_q;
        sxy += dq * (p - mean_dp);
        sxx += dq * dq;
    }
    Some(sxy / sxx)
}
