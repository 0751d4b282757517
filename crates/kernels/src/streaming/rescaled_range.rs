//! R/S over a series of known length, read once, one block per size held.

use crate::nolds::{rs_exponent, rs_nvals};
use crate::scalar::rescaled_range::rs_block;

/// nolds' corrected R/S exponent of a series whose length `n` is given first and whose values then arrive
/// in order. Every size's current block is held (`Σ w` values for the sizes `default_rs_nvals(n)`, at most
/// 15 · n^(5/8)); a full block's R/S is computed by the scalar reference's block function and the per-size
/// means are summed in block order, so the result is the scalar reference's, bit for bit.
#[derive(Clone, Debug)]
pub struct RescaledRangeBlocks {
    expected: usize,
    sizes: Vec<SizeBlocks>,
    len: usize,
    finite: bool,
}

#[derive(Clone, Debug)]
struct SizeBlocks {
    size: usize,
    block: Vec<f64>,
    total: f64,
    used: usize,
}

impl SizeBlocks {
    fn add(&mut self, block: &[f64]) {
        if let Some(ratio) = rs_block(block) {
            self.total += ratio;
            self.used += 1;
        }
    }
}

impl RescaledRangeBlocks {
    /// For a series of exactly `n` values with nolds' default sizes (`None` at the end when they are
    /// invalid for `n`, as the block kernel).
    pub fn new(n: usize) -> RescaledRangeBlocks {
        let sizes = rs_nvals(n, None).unwrap_or_default();
        let sizes = sizes
            .into_iter()
            .map(|size| SizeBlocks { size, block: Vec::with_capacity(size), total: 0.0, used: 0 })
            .collect();
        RescaledRangeBlocks { expected: n, sizes, len: 0, finite: true }
    }

    /// Adds the next value.
    pub fn push(&mut self, x: f64) {
        self.push_slice(std::slice::from_ref(&x));
    }

    /// Adds the values `xs`, in order; whole blocks inside `xs` are read in place.
    pub fn push_slice(&mut self, xs: &[f64]) {
        self.len += xs.len();
        self.finite &= xs.iter().all(|x| x.is_finite());
        for s in &mut self.sizes {
            let mut rest = xs;
            while !rest.is_empty() {
                let room = s.size - s.block.len();
                if s.block.is_empty() && rest.len() >= s.size {
                    let (block, later) = rest.split_at(s.size);
                    s.add(block);
                    rest = later;
                } else {
                    let (part, later) = rest.split_at(room.min(rest.len()));
                    s.block.extend_from_slice(part);
                    rest = later;
                    if s.block.len() == s.size {
                        let block = std::mem::take(&mut s.block);
                        s.add(&block);
                        s.block = block;
                        s.block.clear();
                    }
                }
            }
        }
    }

    /// The exponent, as `Kernels::hurst_rs(x, None)`.
    ///
    /// # Panics
    /// When the number of values pushed differs from the `n` given to [`new`](Self::new).
    pub fn finish(&self) -> Option<f64> {
        assert_eq!(
            self.len, self.expected,
            "RescaledRangeBlocks: pushed {} values, announced {}",
            self.len, self.expected
        );
        if self.sizes.is_empty() {
            return None;
        }
        if !self.finite {
            return Some(f64::NAN);
        }
        let ratios: Vec<(usize, Option<f64>)> =
            self.sizes.iter().map(|s| (s.size, (s.used > 0).then(|| s.total / s.used as f64))).collect();
        rs_exponent(&ratios)
    }
}
