//! The Hurst estimators' parameters and fits as nolds 0.6.2 defines them, shared by every backend: default and
//! validated window sizes (DFA, R/S), the Anis-Lloyd-Peters expected R/S value, and the least-squares slope of
//! the final log-log fit. None of these touch the input series, so they are written once, in scalar code.

/// Default DFA window sizes for a series of `n` points, as `nolds.dfa` 0.6.2 chooses them:
/// `logarithmic_n(4, 0.1 n, 1.2)` when `n > 70`, `[4, 5, 6, 7, 8, 9]` when `n > 10`, else `[n-2, n-1]`.
pub fn default_dfa_nvals(n: usize) -> Vec<usize> {
    if n > 70 {
        logarithmic_n(4, 0.1 * n as f64, 1.2)
    } else if n > 10 {
        (4..=9).collect()
    } else {
        vec![n.saturating_sub(2), n.saturating_sub(1)]
    }
}

/// `nolds.logarithmic_n(min_n, max_n, factor)`: `floor(min_n * factor^i)` for `i` in
/// `0..=floor(ln(max_n / min_n) / ln(factor))`, keeping only strictly increasing values.
fn logarithmic_n(min_n: usize, max_n: f64, factor: f64) -> Vec<usize> {
    let steps = ((max_n / min_n as f64).ln() / factor.ln()).floor();
    let mut out = vec![min_n];
    if steps < 0.0 {
        return out;
    }
    let cached = (min_n, factor) == (4, 1.2) && (steps as usize) < DFA_POWERS;
    for i in 0..=steps as i32 {
        let n = if cached { dfa_powers()[i as usize] } else { power_step(min_n, factor, i) };
        if n > *out.last().expect("out starts non-empty") {
            out.push(n);
        }
    }
    out
}

/// The `i`-th candidate of nolds' default DFA sizes, `floor(4 · 1.2^i)` (the default sizes for `n > 70` are
/// the strictly increasing ones among these up to `0.1 n`).
pub(crate) fn dfa_default_step(i: usize) -> usize {
    if i < DFA_POWERS { dfa_powers()[i] } else { power_step(4, 1.2, i as i32) }
}

/// `floor(min_n * factor^i)`, with `powf` as Python's `**`.
fn power_step(min_n: usize, factor: f64, i: i32) -> usize {
    (min_n as f64 * factor.powf(f64::from(i))).floor() as usize
}

/// Exponents whose default DFA step `floor(4 * 1.2^i)` is tabulated (up to ~6e8 points).
const DFA_POWERS: usize = 100;

/// `floor(4 * 1.2^i)` for `i < DFA_POWERS`, computed once by [`power_step`] (the default DFA sizes are needed
/// on every call and `powf` is not free).
fn dfa_powers() -> &'static [usize] {
    static TABLE: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..DFA_POWERS as i32).map(|i| power_step(4, 1.2, i)).collect())
}

/// Default R/S window sizes for a series of `n` points, as `nolds.hurst_rs` 0.6.2 chooses them:
/// `logmid_n(n, ratio = 1/4, nsteps = 15)`: 15 log-spaced sizes over the middle quarter of `[0, ln n]`,
/// rounded half to even, deduplicated and sorted.
pub fn default_rs_nvals(n: usize) -> Vec<usize> {
    thread_local! {
        /// The last `(n, sizes)` computed on this thread: feature pipelines call R/S on windows of one length.
        static LAST: std::cell::Cell<(usize, Vec<usize>)> = const { std::cell::Cell::new((0, Vec::new())) };
    }
    let (last_n, last) = LAST.take();
    let out = if last_n == n && n > 0 { last.clone() } else { logmid_n(n) };
    LAST.set((n, out.clone()));
    out
}

/// nolds' `logmid_n(n, ratio = 1/4, nsteps = 15)`, evaluated.
fn logmid_n(n: usize) -> Vec<usize> {
    const RATIO: f64 = 1.0 / 4.0;
    const STEPS: usize = 15;
    let log_n = (n as f64).ln();
    let span = log_n * RATIO;
    let start = log_n * (1.0 - RATIO) * 0.5;
    let mut out: Vec<usize> = (0..STEPS)
        .map(|k| (start + k as f64 / STEPS as f64 * span).exp().round_ties_even())
        .map(|v| if v.is_finite() && v > 0.0 { v as usize } else { 0 })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Anis-Lloyd-Peters expected (R/S)_n of white noise, as `nolds.expected_rs`:
/// `(n - 1/2)/n * Γ((n-1)/2) / (√π Γ(n/2)) * Σ_{i=1}^{n-1} √((n-i)/i)`, with the gamma ratio replaced by
/// `1/√(nπ/2)` above n = 340. The gamma ratio is computed by the exact recurrence
/// `g(n+2) = g(n) (n-1)/n` from `g(2) = 1`, `g(3) = 2/π`, which avoids a gamma function.
pub fn expected_rs(n: usize) -> f64 {
    match expected_rs_table().get(n) {
        Some(&value) => value,
        None => expected_rs_direct(n),
    }
}

/// Sizes whose [`expected_rs`] is tabulated: the sum over `i < n` costs `n` square roots and divisions, and
/// every R/S call needs it for each of its sizes.
const EXPECTED_RS_TABLE: usize = 1024;

/// [`expected_rs_direct`] for `n < EXPECTED_RS_TABLE`, computed once (bit-identical to computing it each time).
fn expected_rs_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..EXPECTED_RS_TABLE).map(expected_rs_direct).collect())
}

/// `(ln w, ln expected_rs(w))`, from a table for `w < EXPECTED_RS_TABLE` (the same values, computed once).
fn log_terms(w: usize) -> (f64, f64) {
    static TABLE: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        expected_rs_table().iter().enumerate().map(|(w, &expected)| ((w as f64).ln(), expected.ln())).collect()
    });
    match table.get(w) {
        Some(&terms) => terms,
        None => ((w as f64).ln(), expected_rs_direct(w).ln()),
    }
}

/// The formula of [`expected_rs`], evaluated.
fn expected_rs_direct(n: usize) -> f64 {
    let nf = n as f64;
    let front = (nf - 0.5) / nf;
    let back: f64 = (1..n).map(|i| ((nf - i as f64) / i as f64).sqrt()).sum();
    let middle = if n <= 340 { gamma_ratio_over_sqrt_pi(n) } else { 1.0 / (nf * std::f64::consts::PI * 0.5).sqrt() };
    front * middle * back
}

/// `Γ((n-1)/2) / (√π Γ(n/2))` for `2 <= n <= 340`.
fn gamma_ratio_over_sqrt_pi(n: usize) -> f64 {
    let (mut k, mut g) = if n.is_multiple_of(2) { (2, 1.0) } else { (3, 2.0 / std::f64::consts::PI) };
    while k < n {
        g *= (k as f64 - 1.0) / k as f64;
        k += 2;
    }
    g
}

/// Least-squares slope of `y` on `x` (with intercept), two-pass: `Σ(x-x̄)(y-ȳ) / Σ(x-x̄)²`.
/// `None` when fewer than two points or all `x` are equal.
pub fn ols_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for &(x, y) in points {
        sxy += (x - mean_x) * (y - mean_y);
        sxx += (x - mean_x) * (x - mean_x);
    }
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Validated window sizes for DFA, following nolds' checks: at least two sizes, all `>= 2`, all `< n`.
pub fn dfa_nvals(n: usize, nvals: Option<&[usize]>) -> Option<Vec<usize>> {
    let nvals = nvals.map_or_else(|| default_dfa_nvals(n), <[usize]>::to_vec);
    let valid = nvals.len() >= 2 && nvals.iter().all(|&w| w >= 2 && w < n);
    valid.then_some(nvals)
}

/// Validated window sizes for R/S, following nolds: every size must satisfy `1 <= size <= n` (nolds raises
/// otherwise). Size 1 is accepted and contributes nothing (its range is always zero).
pub fn rs_nvals(n: usize, nvals: Option<&[usize]>) -> Option<Vec<usize>> {
    let nvals = nvals.map_or_else(|| default_rs_nvals(n), <[usize]>::to_vec);
    let valid = !nvals.is_empty() && nvals.iter().all(|&w| w >= 1 && w <= n);
    valid.then_some(nvals)
}

/// The DFA exponent from `(window size, F(n))` pairs: zero fluctuations are dropped (as nolds does), then the
/// slope of `ln F` on `ln n`. `None` when fewer than two distinct sizes remain.
pub fn dfa_exponent(fluctuations: &[(usize, f64)]) -> Option<f64> {
    let points: Vec<(f64, f64)> =
        fluctuations.iter().filter(|p| p.1 != 0.0).map(|&(w, f)| ((w as f64).ln(), f.ln())).collect();
    ols_slope(&points)
}

/// The corrected R/S Hurst exponent from `(window size, mean R/S)` pairs (`None` entries had no usable
/// window): slope of `ln(R/S) - ln(E[R/S])` on `ln n`, plus 1/2. `None` when fewer than two distinct sizes
/// remain.
pub fn rs_exponent(ratios: &[(usize, Option<f64>)]) -> Option<f64> {
    let points: Vec<(f64, f64)> = ratios
        .iter()
        .filter_map(|&(w, rs)| {
            rs.map(|rs| {
                let (ln_w, ln_expected) = log_terms(w);
                (ln_w, rs.ln() - ln_expected)
            })
        })
        .collect();
    ols_slope(&points).map(|slope| slope + 0.5)
}
