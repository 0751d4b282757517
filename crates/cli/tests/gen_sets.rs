//! `barsmith gen` for multi-day sets and at any price scale: daily files in a directory that continue one
//! stream, the flags that carry a stream over, and values `bars` would refuse (trial findings 6 and 30).

mod common;

use common::{barsmith, error_line, stderr, workspace_file};

fn s(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

fn rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|line| line.split(',').map(str::to_owned).collect()).collect()
}

/// Runs `barsmith gen ARGS -o DIR/NAME`, asserts that it succeeded, and returns the directory and the file.
fn gen_file(name: &str, args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    let args: Vec<&str> = ["gen"].iter().chain(args).copied().chain(["-o", s(&out)]).collect();
    let output = barsmith(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    (dir, out)
}

#[test]
fn a_directory_gets_one_file_per_day_continuing_one_stream() {
    let dir = tempfile::tempdir().unwrap();
    let out = format!("{}/", s(&dir.path().join("set")));
    let output = barsmith(&["gen", "--days", "3", "--trades-per-day", "20000", "--symbol", "ABCUSDT", "-o", &out]);
    assert!(output.status.success(), "{}", stderr(&output));
    let day_us = 86_400_000_000_i64;
    let start = 1_767_225_600_000_000_i64;
    let mut last: Option<Vec<String>> = None;
    for day in 0..3 {
        let path = dir.path().join(format!("set/ABCUSDT-aggTrades-2026-01-0{}.csv", day + 1));
        let rows = rows(&path);
        assert!((15_000..25_000).contains(&rows.len()), "{}: {} rows", path.display(), rows.len());
        for row in &rows {
            let time: i64 = row[5].parse().unwrap();
            assert!((start + day * day_us..start + (day + 1) * day_us).contains(&time), "{time} outside its day");
        }
        if let Some(last) = &last {
            let id = |row: &[String], col: usize| row[col].parse::<i64>().unwrap();
            assert_eq!(id(&rows[0], 0), id(last, 0) + 1, "agg ids continue");
            assert_eq!(id(&rows[0], 3), id(last, 4) + 1, "trade ids continue");
        }
        last = rows.last().cloned();
    }
    assert_eq!(std::fs::read_dir(dir.path().join("set")).unwrap().count(), 3);
    let bars = barsmith(&["bars", "-q", "--threshold-dbps", "50", "--features", "none", &out, "-o", "-"]);
    assert!(bars.status.success(), "bars reads the set: {}", stderr(&bars));
}

#[test]
fn first_trade_id_and_agg_id_carry_a_stream_over() {
    let (_dir, out) = gen_file("t.csv", &["--trades", "10", "--first-agg-trade-id", "77", "--first-trade-id", "900"]);
    let rows = rows(&out);
    assert_eq!((rows[0][0].as_str(), rows[0][3].as_str()), ("77", "900"));
}

#[test]
fn volatility_zero_writes_the_bundled_fixture() {
    let (_dir, out) = gen_file("f.csv", &["--trades", "20000", "--seed", "42", "--volatility", "0"]);
    let fixture = std::fs::read(workspace_file("fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv")).unwrap();
    assert!(std::fs::read(&out).unwrap() == fixture, "gen --volatility 0 no longer writes the fixture");
}

#[test]
fn a_small_price_on_a_fine_tick_stays_near_its_start() {
    let (_dir, out) = gen_file("low.csv", &["--trades", "50000", "--start-price", "1.5", "--tick", "0.0001"]);
    for row in rows(&out) {
        let price: f64 = row[1].parse().unwrap();
        assert!((1.2..1.9).contains(&price), "{price} strays from 1.5");
    }
}

#[test]
fn values_that_bars_refuses_are_refused_with_exit_2_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let cases: [(&[&str], &str); 6] = [
        (&["--trades", "0"], "--trades 0"),
        (&["--start-time-us", "1000"], "--start-time-us 1000"),
        (&["--volatility", "2"], "--volatility 2"),
        (&["--volatility", "0", "--trades-per-day", "5"], "--trades-per-day"),
        (&["--start-price", "0.001", "--tick", "0.01"], "--start-price"),
        (&["--zst"], "--zst"),
    ];
    for (flags, named) in cases {
        let mut args = vec!["gen"];
        args.extend_from_slice(flags);
        args.extend(["-o", s(&out)]);
        let output = barsmith(&args);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {}", stderr(&output));
        assert!(error_line(&output).contains(named), "{flags:?}: {}", stderr(&output));
        assert!(!out.exists(), "{flags:?} left a file");
    }
    let output = barsmith(&["gen", "--trades", "10", "-o", &format!("{}/", s(&dir.path().join("d")))]);
    assert_eq!(output.status.code(), Some(2), "a directory without --days: {}", stderr(&output));
    assert!(error_line(&output).contains("--days"), "{}", stderr(&output));
}
