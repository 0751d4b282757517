//! `--bars` and `--min-duration`: several kinds in one pass, outputs named by their specification (range
//! bars keep their names and bytes), bad specifications refused naming the flag, checkpoints of other kinds.

mod common;

use common::{cmd, fixture};

use barsmith_test_support::command::Dir;

/// (open_time, close_time, agg_record_count) of each row of a bars CSV.
fn rows(csv: &[u8]) -> Vec<(i64, i64, u64)> {
    let text = String::from_utf8_lossy(csv);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (open, close, count) = (at("open_time"), at("close_time"), at("agg_record_count"));
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[open].parse().unwrap(), fields[close].parse().unwrap(), fields[count].parse().unwrap())
        })
        .collect()
}

#[test]
fn several_kinds_in_one_pass_are_named_by_their_specification_and_range_bars_keep_their_bytes() {
    let dir = Dir::new();
    let out = dir.join("out");
    let bars = "tick:1000,dollar:5e5,time:10m,tick-imbalance:ewma:init=200:span=10,volume-run:3.5";
    cmd()
        .args(["bars", "--threshold-dbps", "10", "--bars", bars, "--backend", "scalar", "-q", "-o"])
        .arg(&out)
        .arg(fixture())
        .assert_ok();
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SYNTHUSDT-10dbps-2026-01-01.csv",
            "SYNTHUSDT-dollar-500000-2026-01-01.csv",
            "SYNTHUSDT-tick-1000-2026-01-01.csv",
            "SYNTHUSDT-tick-imbalance-ewma-init=200-span=10-2026-01-01.csv",
            "SYNTHUSDT-time-10m-2026-01-01.csv",
            "SYNTHUSDT-volume-run-3.5-2026-01-01.csv",
        ]
    );
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    assert!(read("SYNTHUSDT-10dbps-2026-01-01.csv") == common::golden_bars(), "range bars beside other kinds changed");
    let ticks = rows(&read("SYNTHUSDT-tick-1000-2026-01-01.csv"));
    assert_eq!(ticks.len(), 20, "20 000 records make 20 bars of 1000");
    assert!(ticks.iter().all(|&(_, _, n)| n == 1000));
    // The fixture spans 85 minutes: 8 complete intervals of 10 minutes (the ninth is forming).
    let hours = rows(&read("SYNTHUSDT-time-10m-2026-01-01.csv"));
    let hour = 600_000_000;
    assert_eq!(hours.len(), 8);
    for &(open, close, _) in &hours {
        assert_eq!(open.div_euclid(hour), close.div_euclid(hour), "a time bar stays in its hour");
    }
    for pair in hours.windows(2) {
        assert!(pair[1].0.div_euclid(hour) > pair[0].0.div_euclid(hour));
    }
    // `--bars range:10` is `--threshold-dbps 10`.
    let same =
        cmd().args(["bars", "--bars", "range:10", "--backend", "scalar", "-q", "-o", "-"]).arg(fixture()).assert_ok();
    assert!(same.output.stdout == common::golden_bars());
}

#[test]
fn a_bad_specification_is_one_error_naming_the_flag() {
    for (spec, why) in
        [("tick:1.5", "whole number of records"), ("candles:5", "unknown kind"), ("volume:", "positive decimal")]
    {
        let ran = cmd().args(["bars", "--bars", spec, "-o", "-"]).arg(fixture()).assert_exit(2);
        let error = ran.stderr_text();
        assert!(error.contains("--bars") && error.contains(why) && error.contains(spec), "{spec}: {error}");
        assert!(ran.output.stdout.is_empty());
    }
    let ran = cmd().args(["bars", "--bars", "tick:5,tick:5", "-o", "-"]).arg(fixture()).assert_exit(2);
    assert!(ran.stderr_text().contains("tick:5 is given twice"), "{}", ran.stderr_text());
    let ran =
        cmd().args(["bars", "--min-duration", "2y", "--threshold-dbps", "10", "-o", "-"]).arg(fixture()).assert_exit(2);
    assert!(ran.stderr_text().contains("--min-duration 2y"), "{}", ran.stderr_text());
    let ran = cmd().args(["bars", "-o", "-"]).arg(fixture()).assert_exit(2);
    assert!(ran.stderr_text().contains("--threshold-dbps") || ran.stderr_text().contains("--bars"));
}

#[test]
fn a_checkpoint_of_other_bars_is_refused_naming_the_flag_and_resumes_its_own() {
    let dir = Dir::new();
    let checkpoint = dir.join("c.json");
    let run = |spec: &str| cmd().args(["bars", "--bars", spec, "--features", "bar", "-q", "-o"]).arg(dir.join("o"));
    run("tick:300").arg("--checkpoint-out").arg(&checkpoint).arg(fixture()).assert_ok();
    let text = std::fs::read_to_string(&checkpoint).unwrap();
    assert!(text.contains("\"bars\":\"tick:300\""), "{text}");
    let ran = run("tick:301").arg("--checkpoint-in").arg(&checkpoint).arg(fixture()).assert_exit(2);
    assert!(ran.stderr_text().contains("--bars"), "{}", ran.stderr_text());
}

#[test]
fn min_duration_holds_range_bars_open_until_they_have_lasted() {
    let run = |extra: &[&str]| {
        let ran = cmd()
            .args(["bars", "--threshold-dbps", "10", "--features", "none", "-q", "-o", "-"])
            .args(extra)
            .arg(fixture())
            .assert_ok();
        rows(&ran.output.stdout)
    };
    let plain = run(&[]);
    let gated = run(&["--min-duration", "20m"]);
    assert!(plain.iter().any(|&(open, close, _)| close - open < 1_200_000_000));
    assert!(!gated.is_empty() && gated.len() < plain.len(), "{} vs {}", gated.len(), plain.len());
    assert!(gated.iter().all(|&(open, close, _)| close - open >= 1_200_000_000));
    assert_eq!(run(&["--min-duration", "0"]), plain);
}

#[test]
fn plot_titles_a_parquet_file_of_another_kind_by_its_specification() {
    let dir = Dir::new();
    let bars = dir.join("ticks.parquet");
    cmd().args(["bars", "--bars", "tick:500", "--features", "none", "-q", "-o"]).arg(&bars).arg(fixture()).assert_ok();
    let chart = dir.join("chart.svg");
    cmd().arg("plot").arg(&bars).arg("-o").arg(&chart).assert_ok();
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("tick:500 bars"), "the title names the specification");
    assert!(!svg.contains("threshold not recorded"));
}

/// The data rows of the only file in `dir`.
fn only_file_rows(dir: &std::path::Path) -> Vec<String> {
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read_to_string(&files[0]).unwrap().lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn a_chain_of_runs_through_checkpoints_and_threads_equal_one_pass_for_other_kinds() {
    let dir = Dir::new();
    let text = std::fs::read_to_string(fixture()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first = dir.create("first.csv", lines[..12_345].join("\n") + "\n");
    let second = dir.create("second.csv", lines[12_345..].join("\n") + "\n");
    let specs = ["tick:300", "time:10m", "volume-imbalance:ewma:init=100:span=5", "dollar-run:2e5:tick-rule"];
    for (k, spec) in specs.into_iter().enumerate() {
        let run = |out: &str, threads: &str| {
            cmd()
                .args(["bars", "--symbol", "SYNTHUSDT", "--bars", spec, "--lookback", "bars:2", "-q", "--threads"])
                .arg(threads)
                .arg("-o")
                .arg(dir.join(out))
        };
        run(&format!("{k}-one"), "1").arg(fixture()).assert_ok();
        let one = only_file_rows(&dir.join(format!("{k}-one")));
        run(&format!("{k}-threads"), "2").arg(fixture()).assert_ok();
        assert_eq!(only_file_rows(&dir.join(format!("{k}-threads"))), one, "{spec}: --threads 2");
        let checkpoint = dir.join(format!("{k}.json"));
        run(&format!("{k}-a"), "1").arg("--checkpoint-out").arg(&checkpoint).arg(&first).assert_ok();
        run(&format!("{k}-b"), "1").arg("--checkpoint-in").arg(&checkpoint).arg(&second).assert_ok();
        let mut chained = only_file_rows(&dir.join(format!("{k}-a")));
        chained.extend(only_file_rows(&dir.join(format!("{k}-b"))));
        assert!(one.len() > 3, "{spec}: {} bars", one.len());
        assert_eq!(chained, one, "{spec}: a chain through a checkpoint");
    }
}
