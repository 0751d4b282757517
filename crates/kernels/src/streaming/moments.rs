//! Population moments of an `i64` series as values arrive (Terriberry's one-pass update).

use crate::Moments;

/// The moments of `moments_i64` over values that arrive one at a time, without holding them.
///
/// Values are shifted by the first one exactly (`i128`); the mean is the exact shifted sum divided once, as
/// in the block kernel. The central sums `M2`, `M3`, `M4` are updated per value by Terriberry's extension of
/// Welford's method (Pébay 2008, eq. 1.5): each update adds products of the deviation from the running mean,
/// so no sum holds a power of an offset. The result equals the two-pass block kernel's within rounding of
/// the order of `n·ε` relative in each central moment (`docs/SIMD.md`, "Streaming forms"). State: seven numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MomentsStream {
    count: usize,
    origin: i64,
    shifted_sum: i128,
    mean: f64,
    m2: f64,
    m3: f64,
    m4: f64,
}

impl MomentsStream {
    /// An empty stream.
    pub fn new() -> MomentsStream {
        MomentsStream::default()
    }

    /// Adds the next value.
    #[inline]
    pub fn push(&mut self, value: i64) {
        if self.count == 0 {
            self.origin = value;
        }
        let shifted = i128::from(value) - i128::from(self.origin);
        self.shifted_sum += shifted;
        let x = shifted as f64;
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

    /// Number of values pushed.
    pub fn len(&self) -> usize {
        self.count
    }

    /// `true` before the first value.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The moments (`None` before the first value), as `Kernels::moments_i64` on the values pushed.
    pub fn finish(&self) -> Option<Moments> {
        if self.count == 0 {
            return None;
        }
        let n = self.count as f64;
        let non_negative = |v: f64| if v < 0.0 { 0.0 } else { v };
        let mean = (self.shifted_sum + i128::from(self.origin) * self.count as i128) as f64 / n;
        Some(Moments {
            count: self.count,
            mean,
            m2: non_negative(self.m2 / n),
            m3: self.m3 / n,
            m4: non_negative(self.m4 / n),
        })
    }
}
