//! Value streams for the generic reduction loops. The loops take a `Source` rather than closures: a closure
//! body is compiled as its own function without the backend's target features, and when LLVM does not
//! inline it the intrinsics inside become calls (measured: 2.5× slower than scalar on AVX2). Trait methods
//! marked `#[inline(always)]` are inlined into the `#[target_feature]` entry point.

use crate::arch::Isa;

/// `len()` values, readable a vector (`LANES` values from `i`) or one value at a time.
pub(crate) trait Source<S: Isa> {
    fn len(&self) -> usize;
    fn vector(&self, s: S, i: usize) -> S::F;
    fn value(&self, i: usize) -> f64;
}

/// The values themselves.
pub(crate) struct Values<'a>(pub &'a [f64]);

impl<S: Isa> Source<S> for Values<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn vector(&self, s: S, i: usize) -> S::F {
        s.load(self.0, i)
    }
    #[inline(always)]
    fn value(&self, i: usize) -> f64 {
        self.0[i]
    }
}

/// `x - origin`.
pub(crate) struct Shifted<'a> {
    pub x: &'a [f64],
    pub origin: f64,
}

impl<S: Isa> Source<S> for Shifted<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.x.len()
    }
    #[inline(always)]
    fn vector(&self, s: S, i: usize) -> S::F {
        s.sub(s.load(self.x, i), s.splat(self.origin))
    }
    #[inline(always)]
    fn value(&self, i: usize) -> f64 {
        self.x[i] - self.origin
    }
}

/// `x * 0`: zero for finite values, NaN for NaN and ±∞.
pub(crate) struct TimesZero<'a>(pub &'a [f64]);

impl<S: Isa> Source<S> for TimesZero<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn vector(&self, s: S, i: usize) -> S::F {
        s.mul(s.load(self.0, i), s.splat(0.0))
    }
    #[inline(always)]
    fn value(&self, i: usize) -> f64 {
        self.0[i] * 0.0
    }
}

/// Consecutive differences `x[i+1] - x[i]` (or their absolute values).
pub(crate) struct Diffs<'a> {
    pub x: &'a [f64],
    pub absolute: bool,
}

impl<S: Isa> Source<S> for Diffs<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.x.len().saturating_sub(1)
    }
    #[inline(always)]
    fn vector(&self, s: S, i: usize) -> S::F {
        let d = s.sub(s.load(self.x, i + 1), s.load(self.x, i));
        if self.absolute { s.abs(d) } else { d }
    }
    #[inline(always)]
    fn value(&self, i: usize) -> f64 {
        let d = self.x[i + 1] - self.x[i];
        if self.absolute { d.abs() } else { d }
    }
}

/// i64 values shifted by `origin` (exact; the vector path requires no overflow, checked by the caller),
/// as f64.
pub(crate) struct ShiftedI64<'a> {
    pub x: &'a [i64],
    pub origin: i64,
}

impl<S: Isa> Source<S> for ShiftedI64<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.x.len()
    }
    #[inline(always)]
    fn vector(&self, s: S, i: usize) -> S::F {
        s.to_f64(s.sub_i64(s.load_i64(self.x, i), s.splat_i64(self.origin)))
    }
    #[inline(always)]
    fn value(&self, i: usize) -> f64 {
        (i128::from(self.x[i]) - i128::from(self.origin)) as f64
    }
}

/// Consecutive i64 differences (exact; the vector path requires no overflow, checked by the caller), as f64.
pub(crate) struct DiffsI64<'a>(pub &'a [i64]);

impl<S: Isa> Source<S> for DiffsI64<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len().saturating_sub(1)
    }
    #[inline(always)]
    fn vector(&self, s: S, i: usize) -> S::F {
        s.to_f64(s.sub_i64(s.load_i64(self.0, i + 1), s.load_i64(self.0, i)))
    }
    #[inline(always)]
    fn value(&self, i: usize) -> f64 {
        (i128::from(self.0[i + 1]) - i128::from(self.0[i])) as f64
    }
}

/// i64 vectors for the exact sums: `LANES` values from `i`.
pub(crate) trait SourceI64<S: Isa> {
    fn vector_i64(&self, s: S, i: usize) -> S::I;
}

/// The i64 values themselves.
pub(crate) struct ValuesI64<'a>(pub &'a [i64]);

impl<S: Isa> SourceI64<S> for ValuesI64<'_> {
    #[inline(always)]
    fn vector_i64(&self, s: S, i: usize) -> S::I {
        s.load_i64(self.0, i)
    }
}

impl<S: Isa> SourceI64<S> for ShiftedI64<'_> {
    /// Wrapping `x - origin`.
    #[inline(always)]
    fn vector_i64(&self, s: S, i: usize) -> S::I {
        s.sub_i64(s.load_i64(self.x, i), s.splat_i64(self.origin))
    }
}

/// `|x[i+1] - x[i]|` with wrapping arithmetic (read as u64; the caller checks overflow).
pub(crate) struct AbsDiffsI64<'a>(pub &'a [i64]);

impl<S: Isa> SourceI64<S> for AbsDiffsI64<'_> {
    #[inline(always)]
    fn vector_i64(&self, s: S, i: usize) -> S::I {
        s.abs_i64(s.sub_i64(s.load_i64(self.0, i + 1), s.load_i64(self.0, i)))
    }
}
