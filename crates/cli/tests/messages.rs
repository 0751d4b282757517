//! Issue 18 "errors that say what is wrong, once", issue 12's help and version, and the small commands:
//! every refusal is one line naming the flag or file, the offending text and what to do.

mod common;

use std::path::Path;

use barsmith_test_support::command::{Dir, TestCommand};
use common::{
    cmd, command, csv_of, day_config, error_line, fixture, parquet_metadata, s, stderr, tree, write_daily_zip,
};

/// `barsmith bars --threshold-dbps 10`.
fn bars_10() -> TestCommand {
    cmd().args(["bars", "--threshold-dbps", "10"])
}

fn bars_fails(extra: &[&str]) -> String {
    error_line(&bars_10().arg(fixture()).args(extra).assert_exit(2).output)
}

#[test]
fn flag_values_are_echoed_under_the_flag_name() {
    // Each refusal: the flags given, and every part the line must hold (the flag and the value it echoes).
    for (flags, parts) in [
        (&["--features", "bar,none"][..], &["--features bar,none", "`none` cannot be combined"][..]),
        (&["--features", "bar,intr"], &["unknown group \"intr\""]),
        (&["--threshold-dbps", "25,25"], &["--threshold-dbps: 25 is given twice"]), // trial finding 25
        (&["--threads", "0"], &["--threads 0"]),
        (&["--pe-order", "9"], &["--pe-order 9"]),
        (&["--lookback", "count:0"], &["--lookback count:0"]),
        (&["--pe-min-records", "2"], &["--pe-min-records 2: must be at least 3", "--pe-order"]),
        (&["--hurst-min-records", "8"], &["--hurst-min-records 8: must be at least 16"]),
        (&["--max-window-records", "0"], &["--max-window-records 0: must be at least 1"]),
        (&["-o", "bars.txt"], &["unknown output extension .txt"]),
        (&["-o", "out.v2"], &["for a directory end the path with a slash (out.v2/)"]), // trial finding 22
    ] {
        let line = bars_fails(flags);
        assert!(parts.iter().all(|part| line.contains(part)), "{parts:?} in {line}");
        assert!(!line.contains("pe_order"), "a setting named as the library names it: {line}");
    }
    for lookback in ["count:0", "500", "time:0s", "time:1d", "bars:0"] {
        let line = bars_fails(&["--lookback", lookback]);
        assert_eq!(line.matches("(expected").count(), 1, "the hint is said once: {line}");
        assert_eq!(line.matches(lookback).count(), 1, "the value is echoed once: {line}");
    }
    let line = error_line(&cmd().args(["kernel", "pe", "--order", "9", "--delay", "0", "-"]).assert_exit(2).output);
    assert!(
        line.contains("--order 9 must be between 2 and 7") && line.contains("--delay 0 must be at least 1"),
        "{line}"
    );
}

#[test]
fn compressed_and_upper_case_csv_outputs() {
    let dir = Dir::new();
    for name in ["bars.csv.zst", "BARS.CSV", "bars.csv.gz"] {
        let out = dir.join(name);
        bars_10().arg(fixture()).arg("-o").arg(&out).arg("-q").assert_ok();
        let bytes = std::fs::read(&out).unwrap();
        let text = match name {
            "bars.csv.zst" => zstd::decode_all(&bytes[..]).unwrap(),
            "bars.csv.gz" => {
                let mut text = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
                text
            }
            _ => bytes,
        };
        common::assert_golden_bars(&text, name);
    }
    let ran = cmd().args(["gen", "--trades", "10", "-o"]).arg(dir.join("trades.json")).assert_exit(2);
    assert!(error_line(&ran.output).contains("unknown extension"));
}

#[test]
fn checkpoint_refusals_name_the_setting_and_covered_input() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = write_daily_zip(dir.path(), "CCCUSDT", 1, &day_config(3, 1, 8_000));
    let day2 = write_daily_zip(dir.path(), "CCCUSDT", 2, &day_config(3, 2, 8_000));
    let checkpoint = dir.path().join("day1.json");
    bars_10().arg(&day1).args(["-o", "-", "-q", "--checkpoint-out"]).arg(&checkpoint).assert_ok();
    let resume = |extra: &[&str], input: &Path| {
        bars_10().arg(input).args(["-o", "-", "--checkpoint-in"]).arg(&checkpoint).args(extra).assert_exit(2).output
    };
    let line = error_line(&resume(&["--lookback", "time:30s"], &day2));
    assert!(line.contains("--lookback: checkpoint count:500, this run time:30s"), "{line}");
    let line = error_line(&resume(&[], &day1));
    assert!(line.contains("at or before the checkpoint's last record") && line.contains("processed already"), "{line}");
    // A threshold the checkpoint does not hold starts fresh, with a note (also under -q).
    let ran = cmd().args(["bars", "--threshold-dbps", "10,20"]).arg(&day2).arg("-o").arg(dir.path().join("out"));
    let messages = ran.arg("-q").arg("--checkpoint-in").arg(&checkpoint).assert_ok().stderr_text();
    assert!(messages.contains("CCCUSDT at 20 dbps: not in"), "{messages}");
}

#[test]
fn quiet_keeps_warnings_and_dedupe_reports_what_it_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = csv_of(&day_config(4, 1, 3_000));
    let lines: Vec<&[u8]> = first.split_inclusive(|&b| b == b'\n').collect();
    let repeated = [lines[0], lines[1], lines[1], lines[2]].concat();
    let rest: Vec<u8> = lines[3..].concat();
    first = [repeated, rest].concat();
    let day1 = dir.path().join("DDDUSDT-aggTrades-2026-01-01.csv");
    std::fs::write(&day1, &first).unwrap();
    // Day 3 follows day 1: the ids of day 2 are missing.
    let day3 = dir.path().join("DDDUSDT-aggTrades-2026-01-03.csv");
    std::fs::write(&day3, csv_of(&day_config(4, 3, 3_000))).unwrap();
    let messages = bars_10().arg("--dedupe").arg(&day1).arg(&day3).args(["-o", "-", "-q"]).assert_ok().stderr_text();
    assert!(messages.contains("--dedupe dropped 1 exact duplicate record"), "{messages}");
    assert!(messages.contains("warning: DDDUSDT: 1 agg_trade_id gap(s)"), "{messages}");
    assert!(!messages.contains("records/s"), "no summary under -q: {messages}");
    // The same facts reach the Parquet metadata, in one pass and in shards (two files, two threads).
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("bars-{threads}.parquet"));
        bars_10().args(["--dedupe", "--threads", threads]).arg(&day1).arg(&day3).arg("-o").arg(&out).assert_ok();
        let pairs = parquet_metadata(&out);
        assert_eq!(pairs["barsmith.id_gaps"], "1", "{threads} threads");
        assert_eq!(pairs["barsmith.dropped_duplicates"], "1", "{threads} threads");
        assert!(pairs["barsmith.missing_ids"].parse::<u64>().unwrap() > 0, "{pairs:?}");
    }
}

#[test]
fn help_has_an_example_everywhere_and_bars_help_lists_groups_and_lookbacks() {
    for args in [
        vec!["--help"],
        vec!["bars", "--help"],
        vec!["gen", "--help"],
        vec!["kernel", "--help"],
        vec!["plot", "--help"],
        vec!["cpu", "--help"],
    ] {
        let text = cmd().args(&args).assert_ok().stdout_text();
        assert!(text.contains("Example:\n  barsmith "), "{args:?}: {text}");
        assert!(!text.contains("width"), "{args:?}: the threshold is not a width");
    }
    let text = cmd().args(["bars", "--help"]).assert_ok().stdout_text();
    for needle in ["bar,intra,lookback", "intra  ", "count:N", "time:D", "bars:K", "default count:500"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let text = cmd().args(["kernel", "--help"]).assert_ok().stdout_text();
    assert!(text.contains("increments (returns, not prices)"), "{text}");
}

#[test]
fn version_names_the_commit_and_the_backends() {
    let text = cmd().arg("--version").assert_ok().stdout_text();
    assert!(text.starts_with(&format!("barsmith {} (commit ", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains("backends: scalar") && text.contains("automatic: "), "{text}");
    assert!(text.contains("selected: "), "{text}");
    let forced = command().args(["--version"]).env("BARSMITH_BACKEND", "scalar").output().unwrap();
    let text = String::from_utf8(forced.stdout).unwrap();
    assert!(text.contains("selected: scalar (from BARSMITH_BACKEND)"), "{text}");
    let unset = command().args(["--version"]).env_remove("BARSMITH_BACKEND").output().unwrap();
    let text = String::from_utf8(unset.stdout).unwrap();
    assert!(text.contains(" (automatic)"), "{text}");
}

#[test]
fn kernel_input_must_be_numbers_and_output_is_the_bars_format() {
    let run =
        |kernel: &str, input: &str| cmd().args(["kernel", kernel, "-"]).output_with_stdin(input.as_bytes()).output;
    for (kernel, input, needle) in [("dfa", "", "no numbers"), ("rs", "0.1 NaN 0.2", "\"NaN\" is not a finite number")]
    {
        let output = run(kernel, input);
        assert_eq!(output.status.code(), Some(2), "{kernel}");
        assert!(error_line(&output).contains(needle), "{}", stderr(&output));
    }
    let series: Vec<String> = (0..200).map(|i| format!("{}", ((i * 7919) % 101) as f64 / 50.0 - 1.0)).collect();
    let output = run("pe", &series.join(" "));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let value: f64 = text.trim().parse().unwrap();
    assert_eq!(text.trim(), format!("{value}"), "shortest round-trip text, no exponent");
}

#[test]
fn gen_days_bounds_the_file_to_its_date_and_tick_sets_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("SYNTHUSDT-aggTrades-2026-01-01.csv");
    cmd().args(["gen", "--days", "1", "--tick", "0.5", "--seed", "2", "-o"]).arg(&out).assert_ok();
    let text = std::fs::read_to_string(&out).unwrap();
    let start = 1_767_225_600_000_000i64;
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert!(rows.len() > 100_000, "a day of trades: {}", rows.len());
    for row in &rows {
        let time: i64 = row[5].parse().unwrap();
        assert!((start..start + 86_400_000_000).contains(&time), "{time}");
        let price: f64 = row[1].parse().unwrap();
        assert_eq!((price * 2.0).fract(), 0.0, "{price} is on the 0.5 grid");
    }
    assert_eq!(tree(dir.path()).len(), 1);
}

#[test]
fn a_long_table_on_a_terminal_gets_a_hint_on_stderr_and_a_pipe_does_not() {
    let bars = format!("{} bars --threshold-dbps 10 {} -o -", env!("CARGO_BIN_EXE_barsmith"), s(&fixture()));
    // `script` (util-linux) runs the command on a pseudo-terminal.
    let output = std::process::Command::new("script")
        .args(["-qec", &bars, "/dev/null"])
        .output()
        .expect("`script` (util-linux) runs the command on a terminal");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("rows went to the terminal; the columns are described in docs/OUTPUT.md"), "{text}");
    let piped = bars_10().arg(fixture()).args(["-o", "-"]).assert_ok().stderr_text();
    assert!(!piped.contains("docs/OUTPUT.md"), "{piped}");
}

/// `--max-window-records`: a bar whose window is longer gets null window columns and one warning naming its
/// open time and the flag; the bars and every other value are those of the run without the limit.
#[test]
fn the_window_guard_warns_once_per_bar_and_nulls_only_that_group() {
    let input = fixture();
    let run = |extra: &[&str]| {
        let ran = bars_10().args(["--features", "bar,intra"]).arg(&input).args(["-o", "-"]).args(extra).assert_ok();
        (ran.stdout_text(), ran.stderr_text())
    };
    let (free, _) = run(&[]);
    let (guarded, warnings) = run(&["--max-window-records", "40"]);
    let header: Vec<&str> = free.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let (records, intra_count, intra_ofi) =
        (column("agg_record_count"), column("intra_record_count"), column("intra_ofi"));
    let mut long_bars = 0;
    for (free, guarded) in free.lines().zip(guarded.lines()).skip(1) {
        let (free, guarded): (Vec<&str>, Vec<&str>) = (free.split(',').collect(), guarded.split(',').collect());
        if free[records].parse::<u64>().unwrap() > 40 {
            long_bars += 1;
            assert_eq!((guarded[intra_count], guarded[intra_ofi]), ("", ""), "null intra columns");
            let open_time = guarded[column("open_time")];
            assert!(warnings.contains(&format!("({open_time} µs) exceeds --max-window-records 40")), "{warnings}");
            for (i, name) in header.iter().enumerate() {
                if !name.starts_with("intra_") {
                    assert_eq!(free[i], guarded[i], "{name} does not depend on the guard");
                }
            }
        } else {
            assert_eq!(free, guarded, "a bar within the limit is unchanged");
        }
    }
    assert!(long_bars > 0, "the fixture has bars longer than 40 records");
    assert_eq!(warnings.lines().filter(|l| l.starts_with("warning:")).count(), long_bars, "{warnings}");
}

/// Parquet metadata records every setting that shaped the output (issue 18), the window settings included.
#[test]
fn parquet_metadata_records_the_settings_that_shaped_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bars.parquet");
    let args = ["--pe-min-records", "80", "--hurst-min-records", "100", "--max-window-records", "5000", "--dedupe"];
    let input = fixture();
    bars_10().arg(&input).arg("-o").arg(&out).arg("-q").args(args).assert_ok();
    let pairs = parquet_metadata(&out);
    for (key, value) in [
        ("barsmith.pe_min_records", "80"),
        ("barsmith.hurst_min_records", "100"),
        ("barsmith.max_window_records", "5000"),
        ("barsmith.dedupe", "true"),
        ("barsmith.threshold_dbps", "10"),
        ("barsmith.id_gaps", "0"),
        ("barsmith.dropped_duplicates", "0"),
    ] {
        assert_eq!(pairs.get(key).map(String::as_str), Some(value), "{key}: {pairs:?}");
    }
}
