//! Permutation entropy as values arrive: the histogram of ordinal patterns, updated per value.

use crate::permutation::{embedding_vectors, factorial, normalized_entropy};
use std::collections::VecDeque;

/// The ordinal-pattern histogram of a series that arrives one value at a time.
///
/// Each new value completes one embedding vector (the values `τ` apart ending at it); its Lehmer code is
/// computed as in the scalar reference, so the histogram — and the entropy — are identical to
/// `Kernels::permutation_entropy` on the scalar backend. State: `m!` counts and the last `(m−1)τ + 1` values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PermutationStream {
    order: usize,
    delay: usize,
    recent: VecDeque<f64>,
    counts: Vec<u32>,
    len: usize,
    nan: bool,
}

impl PermutationStream {
    /// A stream for order `m` and delay `τ`. Invalid parameters (`m ∉ 2..=7`, `τ = 0`) are accepted here and
    /// give `None` at [`finish`](Self::finish), like the block kernel.
    pub fn new(order: usize, delay: usize) -> PermutationStream {
        let valid = crate::PE_ORDERS.contains(&order) && delay > 0;
        let span = if valid { (order - 1) * delay + 1 } else { 1 };
        let counts = if valid { vec![0; factorial(order)] } else { Vec::new() };
        PermutationStream { order, delay, recent: VecDeque::with_capacity(span), counts, len: 0, nan: false }
    }

    /// Adds the next value.
    pub fn push(&mut self, x: f64) {
        self.len += 1;
        self.nan |= x.is_nan();
        if self.counts.is_empty() {
            return;
        }
        let span = (self.order - 1) * self.delay + 1;
        if self.recent.len() == span {
            self.recent.pop_front();
        }
        self.recent.push_back(x);
        if self.recent.len() == span {
            let mut code = 0;
            for a in 0..self.order {
                let value = self.recent[a * self.delay];
                let smaller_later = (a + 1..self.order).filter(|&b| self.recent[b * self.delay] < value).count();
                code = code * (self.order - a) + smaller_later;
            }
            self.counts[code] += 1;
        }
    }

    /// Number of values pushed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` before the first value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The normalised permutation entropy of the values pushed so far (the block kernel's `Option`).
    pub fn finish(&self) -> Option<f64> {
        let vectors = embedding_vectors(self.len, self.order, self.delay)?;
        if self.nan {
            return Some(f64::NAN);
        }
        Some(normalized_entropy(self.counts.iter().copied(), vectors, self.order))
    }
}
