//! Integer column kernels for the range-bar builder, scalar reference: the ordering check, the breach
//! search, the exact money sums and the trade-count sums of one run of records.

use crate::summary::{ProductSums, SpanSums};

/// Position of the first value outside the open interval `(lower, upper)`, i.e. `x <= lower || x >= upper`.
pub(crate) fn first_outside_i64(x: &[i64], lower: i64, upper: i64) -> Option<usize> {
    x.iter().position(|&v| v <= lower || v >= upper)
}

/// First position `i >= 1` where the pairs `(major, minor)` fail to increase strictly:
/// `(major[i], minor[i]) <= (major[i-1], minor[i-1])` in lexicographic order.
///
/// # Panics
/// When the two slices differ in length.
pub(crate) fn first_unordered_pair(major: &[i64], minor: &[i64]) -> Option<usize> {
    assert_columns(major.len(), minor.len(), minor.len());
    // Blocks of 64 pairs are checked without a branch per pair; the position is searched only in a failing block.
    let mut start = 1;
    while start < major.len() {
        let end = (start + 64).min(major.len());
        let (previous, current) = (&major[start - 1..end - 1], &major[start..end]);
        let (previous_minor, current_minor) = (&minor[start - 1..end - 1], &minor[start..end]);
        let increasing = current
            .iter()
            .zip(previous)
            .zip(current_minor.iter().zip(previous_minor))
            .fold(true, |all, ((&t, &t_before), (&id, &id_before))| {
                all & ((t > t_before) | ((t == t_before) & (id > id_before)))
            });
        if !increasing {
            return (start..end).find(|&i| (major[i], minor[i]) <= (major[i - 1], minor[i - 1]));
        }
        start = end;
    }
    None
}

/// `Σ w`, `Σ v·w` and the same two sums over the positions where `selected` is true, in exact `i128`.
/// A product sum beyond the `i128` range (only reachable with values and weights near 2^63) wraps modulo
/// 2^128 in every backend alike.
///
/// # Panics
/// When the three slices differ in length.
pub(crate) fn product_sums(values: &[i64], weights: &[i64], selected: &[bool]) -> ProductSums {
    assert_columns(values.len(), weights.len(), selected.len());
    let mut out = ProductSums::default();
    for ((&v, &w), &chosen) in values.iter().zip(weights).zip(selected) {
        let (w, product) = (i128::from(w), i128::from(v) * i128::from(w));
        // All ones when selected, else zero: a mask, not a branch, because the selection is unpredictable.
        let mask = -i128::from(chosen);
        out.weights += w;
        out.products = out.products.wrapping_add(product);
        out.selected_weights += w & mask;
        out.selected_products = out.selected_products.wrapping_add(product & mask);
    }
    out
}

/// `Σ (last - first + 1)` and the same sum over the positions where `selected` is true, in exact `i128`.
///
/// # Panics
/// When the three slices differ in length.
pub(crate) fn span_sums(first: &[i64], last: &[i64], selected: &[bool]) -> SpanSums {
    assert_columns(first.len(), last.len(), selected.len());
    let mut out = SpanSums::default();
    for ((&a, &b), &chosen) in first.iter().zip(last).zip(selected) {
        let span = i128::from(b) - i128::from(a) + 1;
        out.spans += span;
        out.selected_spans += span & -i128::from(chosen);
    }
    out
}

/// The column kernels take parallel columns; a length mismatch is a caller bug.
pub(crate) fn assert_columns(a: usize, b: usize, c: usize) {
    assert!(a == b && b == c, "columns of different lengths: {a}, {b}, {c}");
}
