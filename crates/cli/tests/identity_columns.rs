//! Trial finding 32: `--identity-columns` begins every output with `symbol` and `threshold_dbps`, so that a glob
//! over a dataset stays self-describing; without it the outputs are as before (the goldens).

mod common;

use std::path::Path;

use arrow_array::{Array, Int64Array, StringArray};
use common::{barsmith, day_config, error_line, s, stderr, write_daily_zip};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn run(args: &[&str]) {
    let output = barsmith(args);
    assert!(output.status.success(), "{}", stderr(&output));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn csv_rows_begin_with_the_symbol_and_threshold_and_the_rest_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let day = write_daily_zip(dir.path(), "EEEUSDT", 1, &day_config(5, 1, 6_000));
    let (plain, identified) = (dir.path().join("plain"), dir.path().join("identified"));
    run(&["bars", "-q", "--threshold-dbps", "10,20", s(&day), "-o", s(&plain)]);
    run(&["bars", "-q", "--threshold-dbps", "10,20", s(&day), "-o", s(&identified), "--identity-columns"]);
    for dbps in [10, 20] {
        let name = format!("EEEUSDT-{dbps}dbps-2026-01-01.csv");
        let (plain, identified) = (read(&plain.join(&name)), read(&identified.join(&name)));
        assert!(plain.lines().count() > 2);
        assert_eq!(plain.lines().count(), identified.lines().count());
        assert!(plain.starts_with("open_time,"), "{plain:.40}");
        for (i, (a, b)) in plain.lines().zip(identified.lines()).enumerate() {
            let prefix = if i == 0 { "symbol,threshold_dbps,".to_string() } else { format!("EEEUSDT,{dbps},") };
            assert_eq!(b, format!("{prefix}{a}"), "line {i} at {dbps} dbps");
        }
    }
}

#[test]
fn parquet_has_the_columns_first_and_input_without_a_symbol_gives_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let day = write_daily_zip(dir.path(), "EEEUSDT", 1, &day_config(5, 1, 6_000));
    let named = dir.path().join("named.parquet");
    run(&["bars", "-q", "--threshold-dbps", "10", s(&day), "-o", s(&named), "--identity-columns"]);
    let trades = dir.path().join("trades.csv");
    std::fs::write(&trades, common::csv_of(&day_config(5, 1, 3_000))).unwrap();
    let unnamed = dir.path().join("unnamed.parquet");
    run(&["bars", "-q", "--threshold-dbps", "10", s(&trades), "-o", s(&unnamed), "--identity-columns"]);
    for (path, symbol) in [(&named, Some("EEEUSDT")), (&unnamed, None)] {
        let file = std::fs::File::open(path).unwrap();
        let mut reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
        let batch = reader.next().unwrap().unwrap();
        let names: Vec<String> = batch.schema().fields().iter().take(3).map(|f| f.name().clone()).collect();
        assert_eq!(names, ["symbol", "threshold_dbps", "open_time"]);
        let symbols = batch.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        let dbps = batch.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
        assert!(batch.num_rows() > 0);
        for row in 0..batch.num_rows() {
            assert_eq!(symbols.is_valid(row).then(|| symbols.value(row)), symbol);
            assert_eq!(dbps.value(row), 10);
        }
    }
}

#[test]
fn a_chain_that_turns_the_columns_on_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = write_daily_zip(dir.path(), "EEEUSDT", 1, &day_config(5, 1, 4_000));
    let day2 = write_daily_zip(dir.path(), "EEEUSDT", 2, &day_config(5, 2, 4_000));
    let (out, state) = (dir.path().join("out"), dir.path().join("day1.json"));
    run(&["bars", "-q", "--threshold-dbps", "10", s(&day1), "-o", s(&out), "--checkpoint-out", s(&state)]);
    assert!(!read(&state).contains("identity_columns"), "the default writes no key");
    let args = ["bars", "-q", "--threshold-dbps", "10", s(&day2), "-o", s(&out), "--checkpoint-in", s(&state)];
    let refused = barsmith(&[&args[..], &["--identity-columns"]].concat());
    assert_eq!(refused.status.code(), Some(2));
    assert!(error_line(&refused).contains("--identity-columns: checkpoint off, this run on"), "{}", stderr(&refused));
    run(&args);
}
