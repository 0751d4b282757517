//! Permutation-entropy helpers shared by every backend (as antropy defines them): the number of embedding
//! vectors, `m!`, and the normalised entropy of pattern counts. None of these touch the input series, so they
//! are written once, in scalar code.

/// Number of embedding vectors for permutation entropy, or `None` when the parameters are outside
/// [`crate::PE_ORDERS`] / `delay >= 1`, or the series is too short for one vector.
pub fn embedding_vectors(len: usize, order: usize, delay: usize) -> Option<usize> {
    if !crate::PE_ORDERS.contains(&order) || delay == 0 {
        return None;
    }
    let span = (order - 1).checked_mul(delay)?;
    len.checked_sub(span).filter(|&v| v >= 1)
}

/// `m!` for the supported orders.
pub fn factorial(m: usize) -> usize {
    (1..=m).product()
}

/// Normalised Shannon entropy of pattern counts: `-Σ p ln p / ln(m!)` with `p = count / total`, clamped to
/// `[0, 1]` like antropy. `ln p` is taken as `ln count - ln total`, with the logarithms of counts below
/// [`LN_TABLE`] from a table (the same values `f64::ln` returns, computed once): a call then costs one
/// logarithm, not one per pattern present. Against `ln(count / total)` each term moves by at most
/// `3 p · ulp(ln total)`, so the entropy by at most `3 ulp(ln total) / ln 2`: 7.7e-15 at n = 4096, 3.1e-14
/// for any total below 2^53 (docs/SIMD.md, "Numerical choices").
pub fn normalized_entropy(counts: impl IntoIterator<Item = u32>, total: usize, order: usize) -> f64 {
    let ln_total = (total as f64).ln();
    let total = total as f64;
    let mut h = 0.0;
    for c in counts {
        if c > 0 {
            let p = f64::from(c) / total;
            h -= p * (ln_count(c) - ln_total);
        }
    }
    (h / (factorial(order) as f64).ln()).clamp(0.0, 1.0)
}

/// Counts whose logarithm [`normalized_entropy`] takes from a table.
const LN_TABLE: usize = 1024;

/// `ln c`, from a table below [`LN_TABLE`].
#[inline]
fn ln_count(c: u32) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| (0..LN_TABLE).map(|c| (c as f64).ln()).collect());
    table.get(c as usize).copied().unwrap_or_else(|| f64::from(c).ln())
}
