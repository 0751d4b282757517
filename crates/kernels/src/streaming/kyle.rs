//! Kyle λ as pairs arrive: Welford's co-moments of the shifted series.

/// The OLS slope of `dp` on `q` over pairs that arrive one at a time.
///
/// Both series are shifted by their first value (as the scalar reference does), then the means and the
/// centred sums `Cqq = Σ(q − q̄)²`, `Cqp = Σ(q − q̄)(dp − dp̄)` are updated per pair (Welford): each update
/// adds `δq·(dp − dp̄_new)` with `δq = q − q̄_old`, a product of two deviations, so no sum ever holds the
/// square of an offset and the rounding is of the size of the two-pass form's (`docs/SIMD.md`). State: five
/// numbers and the first pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KyleStream {
    len: usize,
    first: (f64, f64),
    mean_q: f64,
    mean_p: f64,
    cqq: f64,
    cqp: f64,
    varied: bool,
    finite: bool,
}

impl KyleStream {
    /// An empty stream.
    pub fn new() -> KyleStream {
        KyleStream { finite: true, ..KyleStream::default() }
    }

    /// Adds the pair `(dp, q)`.
    pub fn push(&mut self, dp: f64, q: f64) {
        if self.len == 0 {
            self.first = (dp, q);
        }
        self.len += 1;
        self.finite &= dp.is_finite() && q.is_finite();
        self.varied |= q != self.first.1;
        let (p, q) = (dp - self.first.0, q - self.first.1);
        let n = self.len as f64;
        let delta_q = q - self.mean_q;
        self.mean_q += delta_q / n;
        self.mean_p += (p - self.mean_p) / n;
        self.cqq += delta_q * (q - self.mean_q);
        self.cqp += delta_q * (p - self.mean_p);
    }

    /// Number of pairs pushed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` before the first pair.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slope: `None` for fewer than two pairs or a constant `q`, `Some(NaN)` after a NaN or ±∞.
    pub fn finish(&self) -> Option<f64> {
        if self.len < 2 {
            return None;
        }
        if !self.finite {
            return Some(f64::NAN);
        }
        self.varied.then(|| self.cqp / self.cqq)
    }
}
