//! Comparing a bar table (CSV text written by `barsmith bars`) with a golden one, as the reproducibility
//! promise of docs/OUTPUT.md states it:
//!
//! * **exact columns** — times, prices, volumes, turnovers, ids, counts and every integer feature — must be
//!   identical, character for character, on every machine and with every backend;
//! * **float feature columns** may differ between backends in their last digits: each value within
//!   [`CROSS_BACKEND_BOUND`] of its own magnitude, except Kyle lambda, within that bound of the larger of
//!   its magnitude and the column's root mean square (a slope near zero is a cancelled difference of sums,
//!   so its error relative to itself has no bound; docs/FEATURES.md, "Tests and oracles").
//!
//! Which columns are float features comes from the library's own column list
//! ([`barsmith_core::features::feature_columns`]), so a new feature column is classified without an edit here.
//!
//! A golden written with `--backend scalar` is compared byte for byte by a run with `--backend scalar`
//! (`assert_eq!` on the bytes); a run with the automatic backend (or `BARSMITH_BACKEND`) is compared with
//! [`assert_same_bars`].

use std::collections::HashSet;

use barsmith_core::features::{FeatureConfig, feature_columns};

/// The documented bound between backends for a float feature, relative to its magnitude (docs/FEATURES.md).
pub const CROSS_BACKEND_BOUND: f64 = 1e-9;

/// What a comparison looked at: rows, and cells compared exactly and within the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compared {
    pub rows: usize,
    pub exact_cells: usize,
    pub bounded_cells: usize,
}

/// Asserts that `actual` holds the bars of `golden` (both CSV text with a header): the same header, the same
/// number of rows, exact columns identical and float feature columns within the cross-backend bound. Panics
/// naming the row, the column and both values; returns what it compared (never nothing: an empty golden is
/// a failure, so the assertion cannot pass vacuously).
pub fn assert_same_bars(actual: &[u8], golden: &[u8], what: &str) -> Compared {
    let actual = Table::parse(actual, "actual");
    let golden = Table::parse(golden, "golden");
    assert_eq!(actual.header, golden.header, "{what}: the columns differ");
    assert_eq!(actual.rows.len(), golden.rows.len(), "{what}: the number of bars differs");
    assert!(!golden.rows.is_empty(), "{what}: the golden holds no bars");
    let floats = float_feature_names();
    let mut compared = Compared { rows: golden.rows.len(), exact_cells: 0, bounded_cells: 0 };
    for (column, name) in golden.header.iter().enumerate() {
        if floats.contains(name.as_str()) {
            compared.bounded_cells += compare_floats(&actual, &golden, column, name, what);
        } else {
            for (row, (a, g)) in actual.rows.iter().zip(&golden.rows).enumerate() {
                assert_eq!(a[column], g[column], "{what}: bar {row}, exact column {name}");
            }
            compared.exact_cells += golden.rows.len();
        }
    }
    compared
}

/// The names of the float feature columns of every feature configuration (all groups on).
fn float_feature_names() -> HashSet<&'static str> {
    feature_columns(&FeatureConfig::default()).into_iter().filter(|c| !c.integer).map(|c| c.name).collect()
}

fn compare_floats(actual: &Table, golden: &Table, column: usize, name: &str, what: &str) -> usize {
    let value = |text: &str, row: usize| -> Option<f64> {
        if text.is_empty() {
            return None;
        }
        Some(text.parse().unwrap_or_else(|e| panic!("{what}: bar {row}, {name}: {text:?} is not a number ({e})")))
    };
    let golden_values: Vec<Option<f64>> =
        golden.rows.iter().enumerate().map(|(row, cells)| value(&cells[column], row)).collect();
    let present: Vec<f64> = golden_values.iter().flatten().copied().collect();
    let rms = (present.iter().map(|v| v * v).sum::<f64>() / present.len().max(1) as f64).sqrt();
    let scale_floor = if name.ends_with("kyle_lambda") { rms } else { 0.0 };
    for (row, (cells, want)) in actual.rows.iter().zip(&golden_values).enumerate() {
        let got = value(&cells[column], row);
        let (Some(got), Some(want)) = (got, *want) else {
            assert_eq!(got.is_some(), want.is_some(), "{what}: bar {row}, {name}: null in one table only");
            continue;
        };
        if got.is_nan() || want.is_nan() {
            assert!(got.is_nan() && want.is_nan(), "{what}: bar {row}, {name}: {got} against {want}");
            continue;
        }
        let scale = got.abs().max(want.abs()).max(scale_floor).max(f64::MIN_POSITIVE);
        let relative = (got - want).abs() / scale;
        assert!(
            relative <= CROSS_BACKEND_BOUND,
            "{what}: bar {row}, {name}: {got} against {want} ({relative:.1e} relative, bound {CROSS_BACKEND_BOUND:e})"
        );
    }
    golden.rows.len()
}

/// CSV text split into a header and rows of cells (bar tables hold no quoted fields).
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn parse(bytes: &[u8], which: &str) -> Table {
        let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("the {which} table is not UTF-8: {e}"));
        let mut lines = text.lines();
        let split = |line: &str| line.split(',').map(str::to_owned).collect::<Vec<_>>();
        let header = split(lines.next().unwrap_or_else(|| panic!("the {which} table is empty")));
        let rows: Vec<Vec<String>> = lines.map(split).collect();
        for (row, cells) in rows.iter().enumerate() {
            assert_eq!(cells.len(), header.len(), "the {which} table: bar {row} has {} cells", cells.len());
        }
        Table { header, rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-bar table whose first bar is `first` and whose second is fixed.
    fn table(first: &str) -> Vec<u8> {
        format!("open,close,intra_hurst_dfa,intra_kyle_lambda,intra_record_count\n{first}\n100.5,99,,-2e-3,8\n")
            .into_bytes()
    }

    fn golden() -> Vec<u8> {
        table("100.5,101,0.5,1e-3,7")
    }

    #[test]
    fn equal_tables_compare_every_cell() {
        let compared = assert_same_bars(&golden(), &golden(), "same");
        assert_eq!(compared, Compared { rows: 2, exact_cells: 6, bounded_cells: 4 });
    }

    #[test]
    fn last_digits_of_a_float_feature_may_differ() {
        assert_same_bars(&table("100.5,101,0.50000000000001,1.0000000000001e-3,7"), &golden(), "last digits");
    }

    #[test]
    #[should_panic(expected = "exact column open")]
    fn an_exact_column_must_be_identical_to_the_character() {
        assert_same_bars(&table("100.50,101,0.5,1e-3,7"), &golden(), "exact");
    }

    #[test]
    #[should_panic(expected = "intra_hurst_dfa: 0.50001")]
    fn a_float_feature_beyond_the_bound_fails() {
        assert_same_bars(&table("100.5,101,0.50001,1e-3,7"), &golden(), "bound");
    }

    #[test]
    #[should_panic(expected = "null in one table only")]
    fn a_null_must_stay_a_null() {
        assert_same_bars(&table("100.5,101,,1e-3,7"), &golden(), "null");
    }

    #[test]
    #[should_panic(expected = "the golden holds no bars")]
    fn an_empty_golden_is_a_failure() {
        assert_same_bars(b"open\n", b"open\n", "empty");
    }
}
