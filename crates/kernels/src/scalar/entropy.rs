//! Permutation entropy (Bandt and Pompe), scalar reference.

use crate::permutation::{embedding_vectors, factorial, normalized_entropy};

/// Normalised permutation entropy of `x` for embedding dimension `order` and lag `delay`.
///
/// Each embedding vector `(x[i], x[i+τ], …, x[i+(m-1)τ])` is mapped to the Lehmer code of its ordinal
/// pattern: digit `a` counts the later elements that are strictly smaller than element `a`, so equal values
/// keep their positional order (the earlier ranks lower), like a stable argsort.
pub(crate) fn permutation_entropy(x: &[f64], order: usize, delay: usize) -> Option<f64> {
    let vectors = embedding_vectors(x.len(), order, delay)?;
    if x.iter().any(|v| v.is_nan()) {
        return Some(f64::NAN);
    }
    let mut counts = vec![0u32; factorial(order)];
    for i in 0..vectors {
        let mut code = 0;
        for a in 0..order {
            let value = x[i + a * delay];
            let smaller_later = (a + 1..order).filter(|&b| x[i + b * delay] < value).count();
            code = code * (order - a) + smaller_later;
        }
        counts[code] += 1;
    }
    Some(normalized_entropy(counts, vectors, order))
}
