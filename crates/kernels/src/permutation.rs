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
/// `[0, 1]` like antropy.
pub fn normalized_entropy(counts: impl IntoIterator<Item = u32>, total: usize, order: usize) -> f64 {
    let total = total as f64;
    let mut h = 0.0;
    for c in counts {
        if c > 0 {
            let p = f64::from(c) / total;
            h -= p * p.ln();
        }
    }
    (h / (factorial(order) as f64).ln()).clamp(0.0, 1.0)
}
