//! Kyle lambda as a regression slope, scalar reference.

/// OLS slope (with intercept) of `dp` on `q`, two-pass: `Σ(q-q̄)(dp-dp̄) / Σ(q-q̄)²`.
///
/// Both series are first shifted by their first value (exact for values within a factor of two of it), so
/// the means are taken over small numbers and a large common offset costs no accuracy.
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
    let (q0, p0) = (q[0], dp[0]);
    let mean_q = q.iter().map(|v| v - q0).sum::<f64>() / n;
    let mean_dp = dp.iter().map(|p| p - p0).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (&p, &v) in dp.iter().zip(q) {
        let dq = (v - q0) - mean_q;
        sxy += dq * ((p - p0) - mean_dp);
        sxx += dq * dq;
    }
    Some(sxy / sxx)
}
