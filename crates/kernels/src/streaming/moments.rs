//! Population moments of an `i64` series as values arrive: Terriberry's one-pass update inside blocks of
//! [`BLOCK`] values, blocks combined pairwise (Chan et al. / Pébay) in a binary counter.

use crate::Moments;

/// Values per block updated one at a time; full blocks are combined pairwise.
const BLOCK: usize = 1024;

/// The central sums of a run of values: count, mean, `M2 = Σ(x − x̄)²`, `M3`, `M4`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Partial {
    count: usize,
    mean: f64,
    m2: f64,
    m3: f64,
    m4: f64,
}

impl Partial {
    /// Terriberry's update (Pébay 2008, eq. 1.5) by one value.
    #[inline]
    fn push(&mut self, x: f64) {
        let n0 = self.count as f64;
        self.count += 1;
        let n = self.count as f64;
        let delta = x - self.mean;
        let delta_n = delta / n;
        let delta_n2 = delta_n * delta_n;
        let term = delta * delta_n * n0;
        self.mean += delta_n;
        self.m4 += term * delta_n2 * (n * n - 3.0 * n + 3.0) + 6.0 * delta_n2 * self.m2 - 4.0 * delta_n * self.m3;
        self.m3 += term * delta_n * (n - 2.0) - 3.0 * delta_n * self.m2;
        self.m2 += term;
    }

    /// The sums of `self`'s values followed by `other`'s (Pébay 2008, eqs. 2.1–2.4).
    fn combine(&self, other: &Partial) -> Partial {
        if self.count == 0 {
            return *other;
        }
        if other.count == 0 {
            return *self;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        let (d2, nab) = (delta * delta, na * nb);
        Partial {
            count: self.count + other.count,
            mean: self.mean + delta * nb / n,
            m2: self.m2 + other.m2 + d2 * nab / n,
            m3: self.m3
                + other.m3
                + d2 * delta * nab * (na - nb) / (n * n)
                + 3.0 * delta * (na * other.m2 - nb * self.m2) / n,
            m4: self.m4
                + other.m4
                + d2 * d2 * nab * (na * na - nab + nb * nb) / (n * n * n)
                + 6.0 * d2 * (na * na * other.m2 + nb * nb * self.m2) / (n * n)
                + 4.0 * delta * (na * other.m3 - nb * self.m3) / n,
        }
    }
}

/// The moments of `moments_i64` over values that arrive one at a time, without holding them.
///
/// Values are shifted by the first one exactly (`i128`); the mean is the exact shifted sum divided once, as in
/// the block kernel. The central sums are updated per value by Terriberry's extension of Welford's method
/// inside blocks of 1 024 values (each update adds products of the deviation from the block's running mean,
/// so no sum holds a power of an offset), and full blocks are combined pairwise, like pairwise summation: a
/// value's rounding passes through at most 1 024 updates and log2(n/1 024) combinations, which bounds the
/// relative error of each central sum by about `(1 024 + 8·log2(n/1 024))·ε` whatever `n`
/// (`docs/SIMD.md`, "Streaming forms"). State: O(log n) partial sums (~40 bytes each).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MomentsStream {
    origin: i64,
    shifted_sum: i128,
    block: Partial,
    /// `levels[k]`: the combined sums of `2^k` full blocks, when held.
    levels: Vec<Option<Partial>>,
}

impl MomentsStream {
    /// An empty stream.
    pub fn new() -> MomentsStream {
        MomentsStream::default()
    }

    /// Adds the next value.
    #[inline]
    pub fn push(&mut self, value: i64) {
        if self.is_empty() {
            self.origin = value;
        }
        let shifted = i128::from(value) - i128::from(self.origin);
        self.shifted_sum += shifted;
        self.block.push(shifted as f64);
        if self.block.count == BLOCK {
            self.carry();
        }
    }

    /// Moves the full block into the binary counter of combined blocks.
    fn carry(&mut self) {
        let mut carried = std::mem::take(&mut self.block);
        for level in &mut self.levels {
            match level.take() {
                Some(older) => carried = older.combine(&carried),
                None => {
                    *level = Some(carried);
                    return;
                }
            }
        }
        self.levels.push(Some(carried));
    }

    /// Number of values pushed.
    pub fn len(&self) -> usize {
        self.block.count + self.levels.iter().flatten().map(|p| p.count).sum::<usize>()
    }

    /// `true` before the first value.
    pub fn is_empty(&self) -> bool {
        self.block.count == 0 && self.levels.is_empty()
    }

    /// The moments (`None` before the first value), as `Kernels::moments_i64` on the values pushed.
    pub fn finish(&self) -> Option<Moments> {
        if self.is_empty() {
            return None;
        }
        // Oldest (largest) partial first, in the order the values came.
        let total =
            self.levels.iter().rev().flatten().fold(Partial::default(), |a, b| a.combine(b)).combine(&self.block);
        let n = total.count as f64;
        let non_negative = |v: f64| if v < 0.0 { 0.0 } else { v };
        let mean = (self.shifted_sum + i128::from(self.origin) * total.count as i128) as f64 / n;
        Some(Moments {
            count: total.count,
            mean,
            m2: non_negative(total.m2 / n),
            m3: total.m3 / n,
            m4: non_negative(total.m4 / n),
        })
    }
}
