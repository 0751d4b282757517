//! Every backend against the golden files written by the independent oracles (tools/oracles/).

mod common;

use std::collections::HashMap;

use barsmith_kernels::{Kernels, Moments};
use barsmith_test_support::{backends, real_data};
use common::{close, close_opt};
use serde_json::Value;

fn golden(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("golden JSON")
}

struct Series {
    f64: HashMap<String, Vec<f64>>,
    i64: HashMap<String, Vec<i64>>,
    real_present: bool,
}

fn series() -> Series {
    let g = golden("series.json");
    let mut f64s: HashMap<String, Vec<f64>> = g["series"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()))
        .collect();
    let mut i64s: HashMap<String, Vec<i64>> = g["series_i64"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().parse().unwrap()).collect()))
        .collect();
    let real_present = match real_data::sample("the golden cases on the real BTCUSDT series (btc:*)") {
        Some(path) => {
            add_real_series(&path, &mut f64s, &mut i64s);
            true
        }
        None => false,
    };
    Series { f64: f64s, i64: i64s, real_present }
}

/// Rebuilds the `btc:` series exactly as tools/oracles/make_goldens.py derives them.
fn add_real_series(path: &std::path::Path, f64s: &mut HashMap<String, Vec<f64>>, i64s: &mut HashMap<String, Vec<i64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let (mut price, mut signed_qty, mut price_e8, mut time) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        price.push(cols[1].parse::<f64>().unwrap());
        let sign = if cols[6] == "True" { -1.0 } else { 1.0 };
        signed_qty.push(cols[2].parse::<f64>().unwrap() * sign);
        price_e8.push(decimal_e8(cols[1]));
        time.push(cols[5].parse::<i64>().unwrap());
    }
    f64s.insert("btc:dprice".into(), price.windows(2).map(|w| w[1] - w[0]).collect());
    f64s.insert("btc:signed_qty".into(), signed_qty[1..].to_vec());
    f64s.insert("btc:price".into(), price);
    i64s.insert("btc:price_e8".into(), price_e8);
    i64s.insert("btc:time_us".into(), time);
}

fn decimal_e8(s: &str) -> i64 {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<8}");
    int.parse::<i64>().unwrap() * 100_000_000 + frac[..8].parse::<i64>().unwrap()
}

fn lookup<'a>(series: &'a Series, name: &str) -> Option<&'a Vec<f64>> {
    let found = series.f64.get(name);
    assert!(found.is_some() || (name.starts_with("btc:") && !series.real_present), "unknown series {name}");
    found
}

fn expected(case: &Value) -> Option<f64> {
    case["expected"].as_f64()
}

/// A golden test must have compared something: a file whose cases all went missing (renamed series, an empty
/// list) would otherwise pass. Reports the count on the raw standard error.
fn assert_checked(backend: barsmith_kernels::Backend, label: &str, checked: usize) {
    assert!(checked > 0, "{backend}: no {label} golden case was checked");
    eprintln!("{backend}: {checked} {label} goldens");
}

/// Runs `check` on every case of `cases` with every available backend, then asserts that each backend checked
/// some: `check` answers `None` for a case it passes over (a real-data series absent here).
fn each_case(cases: &Value, label: &str, mut check: impl FnMut(&Kernels, &Value) -> Option<()>) {
    for k in backends::available() {
        let checked = cases.as_array().unwrap().iter().filter(|case| check(&k, case).is_some()).count();
        assert_checked(k.backend(), label, checked);
    }
}

/// A permutation entropy against antropy's: within 1e-12, or both None.
fn same_entropy(got: Option<f64>, want: Option<f64>) -> bool {
    match (got, want) {
        (Some(g), Some(w)) => (g - w).abs() <= 1e-12,
        (g, w) => g == w,
    }
}

fn nvals(case: &Value) -> Option<Vec<usize>> {
    case["nvals"].as_array().map(|a| a.iter().map(|v| v.as_u64().unwrap() as usize).collect())
}

#[test]
fn permutation_entropy_matches_antropy() {
    let series = series();
    each_case(&golden("permutation_entropy.json")["cases"], "PE", |k, case| {
        let x = lookup(&series, case["series"].as_str().unwrap())?;
        let (m, tau) = (case["order"].as_u64().unwrap() as usize, case["delay"].as_u64().unwrap() as usize);
        let (got, want) = (k.permutation_entropy(x, m, tau), expected(case));
        assert!(
            same_entropy(got, want),
            "{}: PE {} m={m} τ={tau}: got {got:?}, antropy {want:?}",
            k.backend(),
            case["series"]
        );
        Some(())
    });
}

#[test]
fn kyle_lambda_matches_numpy_polyfit() {
    let series = series();
    each_case(&golden("kyle_lambda.json")["cases"], "Kyle", |k, case| {
        let dp = lookup(&series, case["dp"].as_str().unwrap())?;
        let q = lookup(&series, case["q"].as_str().unwrap())?;
        let n = case["len"].as_u64().unwrap() as usize;
        let got = k.kyle_lambda(&dp[..n], &q[..n]);
        let exact = case["exact"].as_f64();
        assert!(close_opt(got, exact, 1e-12, 0.0), "{}: kyle {case}: got {got:?}", k.backend());
        if let (Some(got), Some(numpy), Some(exact)) = (got, expected(case), exact) {
            // numpy's lstsq loses ~cond·ε on regressors with an offset: allow its own distance to exact.
            let slack = 1e-12 * numpy.abs() + (numpy - exact).abs();
            assert!((got - numpy).abs() <= slack, "{}: kyle vs numpy {case}: got {got}", k.backend());
        }
        Some(())
    });
}

fn check_hurst(file: &str, label: &str, run: impl Fn(&Kernels, &[f64], Option<&[usize]>) -> Option<f64>) {
    let series = series();
    each_case(&golden(file)["cases"], label, |k, case| {
        let x = lookup(&series, case["series"].as_str().unwrap())?;
        let nv = nvals(case);
        let got = run(k, x, nv.as_deref());
        let want = expected(case);
        assert!(
            close_opt(got, want, 1e-9, 0.0),
            "{}: {label} {} nvals={nv:?}: got {got:?}, oracle {want:?}",
            k.backend(),
            case["series"]
        );
        // R/S goldens also carry plain float64 nolds, whose own error on near-constant blocks is allowed.
        if let (Some(got), Some(plain), Some(want)) = (got, case["nolds_float64"].as_f64(), want) {
            let slack = 1e-9 * plain.abs() + (plain - want).abs();
            assert!((got - plain).abs() <= slack, "{}: {label} vs float64 nolds {case}", k.backend());
        }
        Some(())
    });
}

#[test]
fn hurst_dfa_matches_nolds() {
    check_hurst("hurst_dfa.json", "DFA", |k, x, nv| k.hurst_dfa(x, nv));
}

#[test]
fn hurst_rs_matches_nolds() {
    check_hurst("hurst_rs.json", "R/S", |k, x, nv| k.hurst_rs(x, nv));
}

fn check_moments(label: &str, got: Option<Moments>, want: &Value, scale: f64) {
    if want.is_null() {
        assert!(got.is_none(), "{label}: expected None, got {got:?}");
        return;
    }
    let got = got.unwrap_or_else(|| panic!("{label}: got None"));
    let field = |f: &str| want[f].as_f64().unwrap();
    assert!(close(got.mean, field("mean"), 1e-12, scale), "{label}: mean {} vs {}", got.mean, field("mean"));
    let m2 = field("m2");
    assert!(close(got.m2, m2, 1e-10, 0.0), "{label}: m2 {} vs {m2}", got.m2);
    // Odd moments can cancel to ~0: compare against the natural scale m2^1.5.
    assert!(close(got.m3, field("m3"), 1e-10, m2 * m2.sqrt()), "{label}: m3 {} vs {}", got.m3, field("m3"));
    assert!(close(got.m4, field("m4"), 1e-10, 0.0), "{label}: m4 {} vs {}", got.m4, field("m4"));
}

#[test]
fn f64_reductions_match_exact_arithmetic() {
    let series = series();
    each_case(&golden("reductions.json")["f64"], "f64 reduction", |k, case| {
        let name = case["series"].as_str().unwrap();
        let x = lookup(&series, name)?;
        let label = format!("{} {name}", k.backend());
        let mm = k.min_max_f64(x).unwrap();
        assert_eq!((mm.min, mm.max), (case["min"].as_f64().unwrap(), case["max"].as_f64().unwrap()), "{label}");
        let abs_sum = case["abs_sum"].as_f64().unwrap();
        let sum = k.sum_f64(x);
        assert!(close(sum, case["sum"].as_f64().unwrap(), 1e-12, abs_sum), "{label}: sum {sum}");
        let ads = k.abs_diff_sum_f64(x);
        assert!(close(ads, case["abs_diff_sum"].as_f64().unwrap(), 1e-12, 0.0), "{label}: Σ|Δx| {ads}");
        check_moments(&format!("{label} moments"), k.moments_f64(x), &case["moments"], abs_sum / x.len() as f64);
        let diff_scale = ads / x.len().saturating_sub(1).max(1) as f64;
        check_moments(&format!("{label} diff moments"), k.diff_moments_f64(x), &case["diff_moments"], diff_scale);
        Some(())
    });
}

#[test]
fn i64_reductions_match_exact_arithmetic() {
    let series = series();
    each_case(&golden("reductions.json")["i64"], "i64 reduction", |k, case| {
        let name = case["series"].as_str().unwrap();
        let Some(x) = series.i64.get(name) else {
            assert!(name.starts_with("btc:") && !series.real_present, "unknown series {name}");
            return None;
        };
        let label = format!("{} {name}", k.backend());
        let mm = k.min_max_i64(x);
        assert_eq!(mm.map(|m| m.min), case["min"].as_i64(), "{label}");
        assert_eq!(mm.map(|m| m.max), case["max"].as_i64(), "{label}");
        assert_eq!(k.sum_i64(x).to_string(), case["sum"].as_str().unwrap(), "{label}");
        assert_eq!(k.abs_diff_sum_i64(x).to_string(), case["abs_diff_sum"].as_str().unwrap(), "{label}");
        for (got, which, exact, moments) in [
            (k.moments_i64(x), "mean", "moments_mean_exact", "moments"),
            (k.diff_moments_i64(x), "diff mean", "diff_mean_exact", "diff_moments"),
        ] {
            if let Some(m) = got {
                let want = case[exact].as_f64().unwrap();
                assert!(close(m.mean, want, 4e-16, 0.0), "{label}: {which} {} vs exact {want}", m.mean);
            }
            check_moments(&format!("{label} {}", moments.replace('_', " ")), got, &case[moments], 0.0);
        }
        Some(())
    });
}

/// The streaming forms (`barsmith_kernels::streaming`) against the same oracles, on the cases with nolds'
/// default sizes (the only ones the streams compute), PE and Kyle on every case; pushed in slices of 7.
#[test]
fn streaming_forms_match_the_oracles() {
    use barsmith_kernels::streaming::{DfaStream, KyleStream, PermutationStream, RescaledRangeBlocks};
    let series = series();
    let mut checked = [0usize; 4];
    for (file, slot) in [("hurst_dfa.json", 0), ("hurst_rs.json", 1)] {
        for case in golden(file)["cases"].as_array().unwrap() {
            let Some(x) = lookup(&series, case["series"].as_str().unwrap()) else { continue };
            if nvals(case).is_some() {
                continue;
            }
            let got = if slot == 0 {
                let mut s = DfaStream::new();
                x.chunks(7).for_each(|c| s.push_slice(c));
                s.finish()
            } else {
                let mut s = RescaledRangeBlocks::new(x.len());
                x.chunks(7).for_each(|c| s.push_slice(c));
                s.finish()
            };
            let want = expected(case);
            assert!(close_opt(got, want, 1e-9, 0.0), "stream {file} {}: got {got:?}, oracle {want:?}", case["series"]);
            checked[slot] += 1;
        }
    }
    for case in golden("permutation_entropy.json")["cases"].as_array().unwrap() {
        let Some(x) = lookup(&series, case["series"].as_str().unwrap()) else { continue };
        let (m, tau) = (case["order"].as_u64().unwrap() as usize, case["delay"].as_u64().unwrap() as usize);
        let mut s = PermutationStream::new(m, tau);
        x.iter().for_each(|&v| s.push(v));
        let (got, want) = (s.finish(), expected(case));
        assert!(same_entropy(got, want), "stream PE {} m={m} τ={tau}: got {got:?}, antropy {want:?}", case["series"]);
        checked[2] += 1;
    }
    for case in golden("kyle_lambda.json")["cases"].as_array().unwrap() {
        let Some(dp) = lookup(&series, case["dp"].as_str().unwrap()) else { continue };
        let Some(q) = lookup(&series, case["q"].as_str().unwrap()) else { continue };
        let n = case["len"].as_u64().unwrap() as usize;
        let mut s = KyleStream::new();
        dp[..n].iter().zip(&q[..n]).for_each(|(&p, &v)| s.push(p, v));
        let got = s.finish();
        assert!(close_opt(got, case["exact"].as_f64(), 1e-12, 0.0), "stream kyle {case}: got {got:?}");
        checked[3] += 1;
    }
    assert!(checked.iter().all(|&c| c > 0), "cases checked: {checked:?}");
}
