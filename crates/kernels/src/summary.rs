//! Result types of the reductions.

/// Smallest and largest value of a non-empty slice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinMax<T> {
    /// The smallest value (NaN for f64 input containing NaN).
    pub min: T,
    /// The largest value (NaN for f64 input containing NaN).
    pub max: T,
}

/// Mean and population central moments of a non-empty sample: `m_k = Σ (x - mean)^k / count`.
///
/// Computed in two passes (mean first, then the centred sums), which keeps the variance accurate for data
/// with a large offset (prices near 1e5 with cent-sized moves).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of values.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Second central moment (population variance).
    pub m2: f64,
    /// Third central moment.
    pub m3: f64,
    /// Fourth central moment.
    pub m4: f64,
}

impl Moments {
    /// Variance with `ddof` delta degrees of freedom (`0` population, `1` sample); NaN when `count <= ddof`.
    pub fn variance(&self, ddof: usize) -> f64 {
        if self.count <= ddof {
            return f64::NAN;
        }
        self.m2 * self.count as f64 / (self.count - ddof) as f64
    }

    /// Standard deviation with `ddof` delta degrees of freedom.
    pub fn std(&self, ddof: usize) -> f64 {
        self.variance(ddof).sqrt()
    }

    /// Biased sample skewness `m3 / m2^1.5` (scipy's `skew(bias=True)`); NaN when `m2 == 0`.
    pub fn skewness(&self) -> f64 {
        if self.m2 == 0.0 { f64::NAN } else { self.m3 / (self.m2 * self.m2.sqrt()) }
    }

    /// Biased excess kurtosis `m4 / m2² - 3` (scipy's `kurtosis(fisher=True, bias=True)`); NaN when `m2 == 0`.
    pub fn excess_kurtosis(&self) -> f64 {
        if self.m2 == 0.0 { f64::NAN } else { self.m4 / (self.m2 * self.m2) - 3.0 }
    }
}

/// Exact sums of `w`, `v·w` over all positions and over the selected positions (see
/// [`crate::Kernels::product_sums`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProductSums {
    /// `Σ w`.
    pub weights: i128,
    /// `Σ v·w`.
    pub products: i128,
    /// `Σ w` where selected.
    pub selected_weights: i128,
    /// `Σ v·w` where selected.
    pub selected_products: i128,
}

impl std::ops::AddAssign for ProductSums {
    fn add_assign(&mut self, other: ProductSums) {
        self.weights += other.weights;
        self.products = self.products.wrapping_add(other.products);
        self.selected_weights += other.selected_weights;
        self.selected_products = self.selected_products.wrapping_add(other.selected_products);
    }
}

/// Exact sums of the inclusive spans `last - first + 1`, over all positions and over the selected ones (see
/// [`crate::Kernels::span_sums`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpanSums {
    /// `Σ (last - first + 1)`.
    pub spans: i128,
    /// `Σ (last - first + 1)` where selected.
    pub selected_spans: i128,
}

impl std::ops::AddAssign for SpanSums {
    fn add_assign(&mut self, other: SpanSums) {
        self.spans += other.spans;
        self.selected_spans += other.selected_spans;
    }
}
