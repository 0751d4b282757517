//! The integer column kernels of the range-bar builder (`first_unordered_pair`, `first_outside_i64`,
//! `product_sums`, `span_sums`): the scalar reference against hand-computed values, and every SIMD backend
//! whose entries are not the scalar functions themselves (pulp's are, `arch/pulp.rs`) against the scalar
//! reference (integer results must be identical) for every length 0..=130 at start offsets 0..8, on
//! price-like, huge, negative and overflowing columns, plus proptest. Then the Python front end's column
//! conversions (below).

use barsmith_kernels::{Backend, Kernels, ProductSums, SpanSums};
use barsmith_test_support::{SplitMix, backends};
use proptest::prelude::*;

/// The backends to compare with the scalar reference on the builder's column kernels: every SIMD backend but
/// pulp, whose table runs the scalar reference for them (comparing it would compare a function with itself).
fn column_backends() -> Vec<Kernels> {
    backends::simd().into_iter().filter(|k| k.backend() != Backend::Pulp).collect()
}

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
    let backends = column_backends();
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
fn mismatched_columns_panic_on_every_backend() {
    for k in backends::available() {
        let b = k.backend();
        let calls: [(&str, &(dyn Fn() + std::panic::RefUnwindSafe)); 5] = [
            ("product_sums", &|| {
                let _ = k.product_sums(&[1, 2], &[1], &[true, true]);
            }),
            ("span_sums", &|| {
                let _ = k.span_sums(&[1, 2], &[1, 2], &[true]);
            }),
            ("first_unordered_pair", &|| {
                let _ = k.first_unordered_pair(&[1, 2], &[1]);
            }),
            ("float_to_scaled", &|| {
                let _ = k.float_to_scaled(&[1.0, 2.0], &mut [0], 0);
            }),
            ("non_negative", &|| {
                let _ = k.non_negative(&[1], &mut [0, 0]);
            }),
        ];
        for (name, call) in calls {
            assert!(std::panic::catch_unwind(call).is_err(), "{b}: {name} accepts columns of different lengths");
        }
    }
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
            for k in &column_backends() {
                check(&reference, k, &v, &w, &selected, "proptest");
                prop_assert_eq!(k.first_outside_i64(&v, lower, upper), reference.first_outside_i64(&v, lower, upper));
            }
        }
    }
}

// The Python front end's column conversions (`float_to_scaled`, `i128_to_i64`, `non_negative`, `u64_to_i64`,
// `millis_to_micros`, `records_ok`): the scalar reference against an exact oracle and by hand, and every
// other backend (pulp included: its table runs the generic loops) against it bit for bit, outputs and flags,
// for every length 0..=70 at offsets 0..8 with one odd value moved through every position.

/// The exact conversion: the shortest decimal text of `x` (Rust's `Display`, never an exponent), at scale
/// 10^8 (`-0` is 0); `None` when it has more than 8 decimals or is not a finite number below 2^63 · 10^-8.
fn scaled_by_text(x: f64) -> Option<i64> {
    let text = format!("{x}");
    let (sign, magnitude) = text.strip_prefix('-').map_or((1, text.as_str()), |m| (-1, m));
    let (whole, fraction) = magnitude.split_once('.').unwrap_or((magnitude, ""));
    if fraction.len() > 8 || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<8}").parse().ok()?;
    Some(sign * whole.checked_mul(100_000_000)?.checked_add(fraction)?)
}

/// NaN, infinities, zeros of both signs, subnormals, the fast test's limits and their neighbours, powers of
/// two (the spacing halves below them) and their neighbours, ties of `x · 10^8`, 9-decimal floats, negative
/// and huge values, and ordinary prices.
fn float_edges() -> Vec<f64> {
    let limit = barsmith_kernels::FLOAT_TO_SCALED_LIMIT;
    let mut out = vec![
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        1e-8,
        -1e-8,
        5e-9,
        1.5e-8,
        2.5e-8,
        0.000000015,
        0.123456789,
        0.1,
        0.3,
        87_650.01,
        99_999.99999999,
        1e7,
        limit,
        limit.next_down(),
        limit.next_up(),
        (1u64 << 51) as f64 / 1e8,
        (1u64 << 62) as f64 / 1e8,
        9.3e10,
        1e300,
        -87_650.01,
    ];
    for power in -30..24 {
        let p = 2f64.powi(power);
        out.extend([p, p.next_down(), p.next_up(), p + 1e-8, p - 1e-8]);
    }
    for k in [1i64, 3, 7, 12_345, 8_765_001, 1 << 40, (1 << 50) - 1] {
        // Halfway between two scaled decimals: `x · 10^8` is (about) k + 0.5.
        let x = (k as f64 + 0.5) / 1e8;
        out.extend([x, x.next_up(), x.next_down()]);
    }
    out
}

#[test]
fn float_to_scaled_reference_is_exact() {
    let k = backends::scalar();
    let mut bits = SplitMix(99);
    let mut values = float_edges();
    for _ in 0..20_000 {
        let digits = 1 + bits.below(15) as u32;
        values.push(bits.below(10i64.pow(digits) as u64) as f64 / 1e8);
        values.push(f64::from_bits(bits.next_u64()));
    }
    let mut accepted = 0;
    for &x in &values {
        let mut out = [0];
        let ok = k.float_to_scaled(&[x], &mut out, 0);
        if ok {
            assert_eq!(Some(out[0]), scaled_by_text(x), "{x:e} ({:#x}) is accepted with {}", x.to_bits(), out[0]);
            accepted += 1;
        }
        let candidate = (x * 1e8).round_ties_even();
        let want = if candidate.abs() < (1u64 << 51) as f64 { candidate as i64 } else { 0 };
        assert_eq!(out[0], want, "{x:e}: the candidate");
    }
    assert!(accepted > 20_000, "the fast test takes the ordinary decimals: {accepted} of {}", values.len());
    for price in [0.1, 0.3, 1e-8, 87_650.01, 99_999.99999999, 1e7, 0.0, -0.0] {
        assert!(k.float_to_scaled(&[price], &mut [0], 0), "{price} is taken");
    }
    for (x, least) in [(0.0, 1), (1e-8, 2), (0.123456789, 0), (-1e-8, -5), (f64::NAN, 0), (f64::INFINITY, 0)] {
        assert!(!k.float_to_scaled(&[x], &mut [0], least), "{x} with least {least} is refused");
    }
    assert!(!k.float_to_scaled(&[barsmith_kernels::FLOAT_TO_SCALED_LIMIT], &mut [0], 0));
    assert!(k.float_to_scaled(&[], &mut [], 1));
}

#[test]
fn integer_conversions_by_hand() {
    let k = backends::scalar();
    let mut out = [0; 4];
    let wide = halves(&[i128::from(i64::MAX), i128::from(i64::MIN), 5, -1]);
    assert!(k.i128_to_i64(&wide, &mut out, i64::MIN));
    assert_eq!(out, [i64::MAX, i64::MIN, 5, -1]);
    assert!(!k.i128_to_i64(&wide, &mut out, 0), "a value below least");
    assert!(!k.i128_to_i64(&halves(&[i128::from(i64::MAX) + 1]), &mut [0], 0), "2^63 does not fit");
    assert!(!k.i128_to_i64(&halves(&[i128::from(i64::MIN) - 1]), &mut [0], i64::MIN), "-2^63 - 1 does not fit");
    assert!(!k.i128_to_i64(&halves(&[1 << 64]), &mut [0], 0), "2^64 has a zero low half but does not fit");
    assert!(!k.i128_to_i64(&halves(&[i128::MIN, i128::MAX]), &mut [0; 2], i64::MIN), "the extremes do not fit");
    assert!(k.non_negative(&[0, i64::MAX], &mut [0; 2]));
    assert!(!k.non_negative(&[0, i64::MIN], &mut [0; 2]));
    let mut out = [0; 3];
    assert!(!k.u64_to_i64(&[1, 1 << 63, u64::MAX], &mut out));
    assert_eq!(out, [1, i64::MIN, -1]);
    assert!(k.u64_to_i64(&[(1 << 63) - 1], &mut [0]));
    let (cutoff, range) = (10_000_000_000_000, 1_230_768_000_000_000..4_102_444_800_000_000);
    let mut out = [0; 3];
    assert!(k.millis_to_micros(
        &[1_700_000_000_000, 1_700_000_000_000_123, 4_000_000_000_000],
        &mut out,
        cutoff,
        range.clone()
    ));
    assert_eq!(out, [1_700_000_000_000_000, 1_700_000_000_000_123, 4_000_000_000_000_000]);
    assert!(!k.millis_to_micros(&[-1_700_000_000_000], &mut [0], cutoff, range.clone()), "negative");
    assert!(!k.millis_to_micros(&[cutoff], &mut [0], cutoff, range.clone()), "µs before 2009");
    assert!(!k.millis_to_micros(&[i64::MIN], &mut [0], cutoff, range), "wraps into the range but is negative");
}

/// The i128s as their two i64 halves in memory order (what Arrow's `typed_data::<i64>()` gives).
fn halves(values: &[i128]) -> Vec<i64> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    bytes.chunks_exact(8).map(|half| i64::from_ne_bytes(half.try_into().unwrap())).collect()
}

#[test]
#[should_panic(expected = "input and output of different lengths")]
fn i128_halves_must_pair_with_the_output() {
    backends::scalar().i128_to_i64(&[1, 0, 2], &mut [0], 0);
}

#[test]
fn records_ok_by_hand() {
    let k = backends::scalar();
    let (ids, times, first, last) = ([5, 6, 9], [10, 10, 11], [1, 2, 3], [1, 4, 3]);
    assert!(k.records_ok(&ids, &times, &first, &last, None, 10..12));
    assert!(k.records_ok(&ids, &times, &first, &last, Some((4, 10)), 10..12));
    assert!(!k.records_ok(&ids, &times, &first, &last, Some((5, 9)), 10..12), "id repeats the previous one");
    assert!(!k.records_ok(&ids, &times, &first, &last, Some((4, 11)), 10..12), "time before the previous one");
    assert!(!k.records_ok(&ids, &times, &first, &last, None, 10..11), "time at the end of the range");
    assert!(!k.records_ok(&ids, &times, &first, &last, None, 11..12), "time before the range");
    assert!(!k.records_ok(&[5, 5, 9], &times, &first, &last, None, 10..12), "ids not strictly increasing");
    assert!(!k.records_ok(&ids, &[10, 9, 11], &first, &last, None, 0..12), "times decreasing");
    assert!(!k.records_ok(&ids, &times, &first, &[1, 1, 3], None, 10..12), "last below first");
    assert!(k.records_ok(&[], &[], &[], &[], Some((1, 1)), 0..1));
}

/// Bit-for-bit equality of every conversion between `k` and the scalar reference on these columns.
fn check_conversions(k: &Kernels, floats: &[f64], integers: &[i64], label: &str) {
    let reference = backends::scalar();
    let b = k.backend();
    let n = floats.len();
    let run = |k: &Kernels, f: &dyn Fn(&Kernels, &mut [i64]) -> bool| {
        let mut out = vec![0x5A5A; n];
        let ok = f(k, &mut out);
        (ok, out)
    };
    let same = |what: &str, f: &dyn Fn(&Kernels, &mut [i64]) -> bool| {
        let (got, want) = (run(k, f), run(&reference, f));
        assert_eq!(got.0, want.0, "{b} {label}: {what} flag");
        // Bits, not values: equal results must be the same integers (no NaN here, but be explicit).
        assert!(got.1 == want.1, "{b} {label}: {what} values\n got {:?}\nwant {:?}", got.1, want.1);
    };
    for least in [0, 1, 5_000_000_000] {
        same(&format!("float_to_scaled least {least}"), &|k, out| k.float_to_scaled(floats, out, least));
    }
    let wide: Vec<i128> = integers
        .iter()
        .enumerate()
        .map(|(i, &v)| if i % 5 == 4 { i128::from(v) << 3 } else { i128::from(v) })
        .collect();
    let wide = halves(&wide);
    for least in [i64::MIN, 0, 1] {
        same(&format!("i128_to_i64 least {least}"), &|k, out| k.i128_to_i64(&wide, out, least));
    }
    let unsigned: Vec<u64> = integers.iter().map(|&v| v as u64).collect();
    same("non_negative", &|k, out| k.non_negative(integers, out));
    same("u64_to_i64", &|k, out| k.u64_to_i64(&unsigned, out));
    let times: Vec<i64> = integers.iter().map(|&v| v.rem_euclid(1 << 53) + 1_600_000_000_000).collect();
    for (cutoff, range) in [(10_000_000_000_000, 1_230_768_000_000_000..4_102_444_800_000_000), (0, i64::MIN..i64::MAX)]
    {
        same("millis_to_micros", &|k, out| k.millis_to_micros(&times, out, cutoff, range.clone()));
        same("millis_to_micros (raw)", &|k, out| k.millis_to_micros(integers, out, cutoff, range.clone()));
    }
    let ids: Vec<i64> = (0..n as i64).map(|i| 1000 + 2 * i).collect();
    let ids = ids.as_slice();
    for (previous, columns) in [(None, [ids, ids, ids, ids]), (Some((999, 1000)), [ids, integers, integers, ids])] {
        let [a, t, f, l] = columns;
        let (got, want) =
            (k.records_ok(a, t, f, l, previous, 0..2000), reference.records_ok(a, t, f, l, previous, 0..2000));
        assert_eq!(got, want, "{b} {label}: records_ok");
    }
}

#[test]
fn conversions_agree_for_every_length_offset_and_position() {
    let edges = float_edges();
    let mut bits = SplitMix(7);
    for len in 0..=70usize {
        // Ordinary prices and non-negative integers, then one odd value at each position in turn.
        let prices: Vec<f64> = (0..len + 8).map(|_| bits.below(10_000_000_000_000) as f64 / 1e8).collect();
        let integers: Vec<i64> = (0..len + 8).map(|_| bits.below(1 << 62)).collect();
        for offset in 0..8 {
            let (prices, integers) = (&prices[offset..offset + len], &integers[offset..offset + len]);
            for k in &backends::simd() {
                check_conversions(k, prices, integers, &format!("len={len} offset={offset}"));
                for at in 0..len {
                    let (mut p, mut v) = (prices.to_vec(), integers.to_vec());
                    p[at] = edges[(len * 8 + offset + at) % edges.len()];
                    v[at] = [-1, i64::MIN, i64::MAX, 0, 1 << 53][at % 5];
                    check_conversions(k, &p, &v, &format!("len={len} offset={offset} odd at {at}"));
                }
            }
        }
    }
}

#[test]
fn every_float_edge_agrees_in_every_lane() {
    let edges = float_edges();
    for k in &backends::simd() {
        for window in 1..=17 {
            for start in 0..edges.len() {
                let floats: Vec<f64> = (0..window).map(|i| edges[(start + i) % edges.len()]).collect();
                let integers: Vec<i64> = floats.iter().map(|x| x.to_bits() as i64).collect();
                check_conversions(k, &floats, &integers, &format!("edges {start}+{window}"));
            }
        }
    }
}

proptest! {
    #[test]
    fn random_conversions_agree(
        floats in prop::collection::vec(any::<f64>(), 0..100),
        decimals in prop::collection::vec(0i64..1 << 50, 0..100),
    ) {
        let prices: Vec<f64> = decimals.iter().map(|&d| d as f64 / 1e8).collect();
        for k in &backends::simd() {
            let integers: Vec<i64> = floats.iter().map(|x| x.to_bits() as i64).collect();
            check_conversions(k, &floats, &integers, "proptest floats");
            check_conversions(k, &prices, &decimals, "proptest decimals");
        }
    }
}
