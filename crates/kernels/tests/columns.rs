//! The integer column kernels of the range-bar builder (`first_outside_i64`, `product_sums`, `span_sums`):
//! the scalar reference against hand-computed values, and every SIMD backend against the scalar reference
//! (integer results must be identical) for every length 0..=130 at start offsets 0..8, on price-like,
//! huge, negative and overflowing columns, plus proptest.

use barsmith_kernels::{Kernels, ProductSums, SpanSums};
use barsmith_test_support::{SplitMix, backends};
use proptest::prelude::*;

/// Named (values, weights) column pairs of length `n`.
fn column_families(n: usize, seed: u64) -> Vec<(&'static str, Vec<i64>, Vec<i64>)> {
    let mut bits = SplitMix(seed);
    let mut walk = 8_765_000_000_000i64;
    let mut family = |f: &mut dyn FnMut(&mut SplitMix, usize) -> (i64, i64)| -> (Vec<i64>, Vec<i64>) {
        (0..n).map(|i| f(&mut bits, i)).unzip()
    };
    let (prices, quantities) = family(&mut |b, _| {
        walk += b.below(2_001) - 1_000;
        (walk, b.below(50_000_000_000))
    });
    let (huge_v, huge_w) = family(&mut |b, i| match i % 5 {
        0 => (i64::MAX, i64::MAX),
        1 => (0, i64::MAX),
        2 => ((b.next_u64() >> 1) as i64, (b.next_u64() >> 1) as i64),
        3 => ((b.next_u64() >> 33) as i64, (b.next_u64() >> 2) as i64),
        _ => (1, 0),
    });
    let (signed_v, signed_w) = family(&mut |b, i| {
        let v = (b.next_u64() >> 2) as i64;
        if i % 7 == 3 { (-v, b.below(1 << 40)) } else { (v, -(b.below(1 << 40))) }
    });
    let (ids_first, ids_last) = family(&mut |b, i| {
        let first = 4_000_000_000 + 10 * i as i64;
        (first, first + b.below(9))
    });
    let (wide_first, wide_last) = family(&mut |b, i| match i % 4 {
        0 => (i64::MIN, i64::MAX),
        1 => (i64::MAX, i64::MIN),
        2 => (-(b.below(1 << 62)), b.below(1 << 62)),
        _ => (b.below(1000), b.below(1000)),
    });
    vec![
        ("prices/quantities", prices, quantities),
        ("huge", huge_v, huge_w),
        ("negative", signed_v, signed_w),
        ("trade ids", ids_first, ids_last),
        ("overflowing spans", wide_first, wide_last),
    ]
}

fn check(reference: &Kernels, k: &Kernels, v: &[i64], w: &[i64], selected: &[bool], label: &str) {
    let b = k.backend();
    assert_eq!(k.first_unordered_pair(v, w), reference.first_unordered_pair(v, w), "{b} {label}: unordered pair");
    let (sorted_v, sorted_w) = ordered_pairs(v, w);
    for cut in [0, sorted_v.len() / 2, sorted_v.len().saturating_sub(1)] {
        // A strictly increasing stream, then one pair disturbed at `cut`.
        let mut disturbed = sorted_w.clone();
        assert_eq!(reference.first_unordered_pair(&sorted_v, &disturbed), None, "{label}: the stream is ordered");
        assert_eq!(
            k.first_unordered_pair(&sorted_v, &disturbed),
            reference.first_unordered_pair(&sorted_v, &disturbed)
        );
        if let Some(slot) = disturbed.get_mut(cut) {
            *slot = i64::MIN;
        }
        let (got, want) =
            (k.first_unordered_pair(&sorted_v, &disturbed), reference.first_unordered_pair(&sorted_v, &disturbed));
        assert_eq!(got, want, "{b} {label}: unordered pair at cut {cut}");
    }
    assert_eq!(k.product_sums(v, w, selected), reference.product_sums(v, w, selected), "{b} {label}: products");
    assert_eq!(k.span_sums(v, w, selected), reference.span_sums(v, w, selected), "{b} {label}: spans");
    for (lower, upper) in bounds(v) {
        let (got, want) = (k.first_outside_i64(v, lower, upper), reference.first_outside_i64(v, lower, upper));
        assert_eq!(got, want, "{b} {label}: first outside ({lower}, {upper})");
    }
}

/// A strictly increasing (major, minor) sequence of the same length built from the columns: the major key
/// ascending with repeats, the minor key increasing within equal major keys.
fn ordered_pairs(v: &[i64], w: &[i64]) -> (Vec<i64>, Vec<i64>) {
    let mut major: Vec<i64> = v.iter().map(|&x| x >> 40).collect();
    major.sort_unstable();
    let minor = (0..major.len()).map(|i| w.get(i).map_or(0, |&x| ((x >> 50) & 1023) + 4096 * i as i64)).collect();
    (major, minor)
}

/// Intervals around the data: the whole range (open, so the extremes are outside), a tight band around the
/// first value, and the full i64 range.
fn bounds(v: &[i64]) -> Vec<(i64, i64)> {
    let mut out = vec![(i64::MIN, i64::MAX)];
    if let (Some(&lo), Some(&hi), Some(&first)) = (v.iter().min(), v.iter().max(), v.first()) {
        out.push((lo, hi));
        out.push((lo.saturating_sub(1), hi.saturating_add(1)));
        out.push((first.saturating_sub(3_000), first.saturating_add(3_000)));
    }
    out
}

#[test]
fn scalar_reference_by_hand() {
    let k = backends::scalar();
    let v = [10, 20, 30, 40];
    let w = [1, 2, 3, 4];
    let selected = [true, false, true, false];
    let want = ProductSums { weights: 10, products: 300, selected_weights: 4, selected_products: 100 };
    assert_eq!(k.product_sums(&v, &w, &selected), want);
    let big = ProductSums {
        weights: 2 * i128::from(i64::MAX),
        products: 2 * i128::from(i64::MAX) * i128::from(i64::MAX),
        selected_weights: i128::from(i64::MAX),
        selected_products: i128::from(i64::MAX) * i128::from(i64::MAX),
    };
    assert_eq!(k.product_sums(&[i64::MAX; 2], &[i64::MAX; 2], &[true, false]), big);
    assert_eq!(k.product_sums(&[-3], &[5], &[true]).products, -15);
    let spans = k.span_sums(&[5, 7, i64::MIN], &[5, 9, i64::MAX], &[false, true, true]);
    let full = 1i128 << 64;
    assert_eq!(spans, SpanSums { spans: 1 + 3 + full, selected_spans: 3 + full });
    assert_eq!(k.first_outside_i64(&[5, 6, 7, 4], 4, 8), Some(3));
    assert_eq!(k.first_outside_i64(&[5, 6, 8], 4, 8), Some(2));
    assert_eq!(k.first_outside_i64(&[5, 6, 7], 4, 8), None);
    assert_eq!(k.first_outside_i64(&[], 4, 8), None);
    assert_eq!(k.first_unordered_pair(&[1, 1, 2, 2], &[5, 6, 1, 1]), Some(3));
    assert_eq!(k.first_unordered_pair(&[1, 2, 1], &[5, 1, 9]), Some(2));
    assert_eq!(k.first_unordered_pair(&[1, 1, 2], &[5, 6, 1]), None);
    assert_eq!(k.first_unordered_pair(&[7], &[1]), None);
}

#[test]
fn every_length_and_offset() {
    let reference = backends::scalar();
    let backends = backends::simd();
    for len in 0..=130 {
        let mut bits = SplitMix(len as u64 + 17);
        let selections: Vec<Vec<bool>> =
            vec![(0..len + 8).map(|_| bits.next_u64() & 1 == 1).collect(), vec![true; len + 8], vec![false; len + 8]];
        for (name, v, w) in column_families(len + 8, len as u64) {
            for offset in 0..8 {
                let (v, w) = (&v[offset..offset + len], &w[offset..offset + len]);
                for (s, selected) in selections.iter().enumerate() {
                    let selected = &selected[offset..offset + len];
                    for k in &backends {
                        check(
                            &reference,
                            k,
                            v,
                            w,
                            selected,
                            &format!("{name} selection {s} len={len} offset={offset}"),
                        );
                    }
                }
            }
        }
    }
}

#[test]
#[should_panic(expected = "columns of different lengths")]
fn mismatched_columns_panic() {
    let k = Kernels::detect();
    k.product_sums(&[1, 2], &[1], &[true, true]);
}

proptest! {
    #[test]
    fn random_columns_agree(
        rows in prop::collection::vec((any::<i64>(), any::<i64>(), any::<bool>()), 0..200),
        small in prop::collection::vec((0i64..1 << 40, 0i64..1 << 50, any::<bool>()), 0..200),
        lower in any::<i64>(),
        width in any::<u64>(),
    ) {
        let reference = backends::scalar();
        for rows in [&rows, &small] {
            let v: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let w: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let selected: Vec<bool> = rows.iter().map(|r| r.2).collect();
            let upper = lower.saturating_add_unsigned(width);
            for k in &backends::simd() {
                check(&reference, k, &v, &w, &selected, "proptest");
                prop_assert_eq!(k.first_outside_i64(&v, lower, upper), reference.first_outside_i64(&v, lower, upper));
            }
        }
    }
}
