//! End-to-end tests of the `barsmith` binary: exit codes, atomic output, thread-count independence,
//! checkpointed daily runs, and the README's fixture command.

mod common;

use std::path::{Path, PathBuf};

use barsmith_test_support::command::Dir;
use barsmith_test_support::read_dir_sorted;
use common::{cmd, fixture, workspace_file, write_month};

#[test]
fn readme_fixture_command_prints_bars() {
    let fixture = workspace_file("fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv");
    let text = cmd()
        .args(["bars", "--threshold-dbps", "10"])
        .arg(&fixture)
        .args(["-o", "-", "--quiet"])
        .assert_ok()
        .stdout_text();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("open_time,close_time,open,high,low,close,volume,turnover"));
    assert!(lines.count() > 50);
}

#[test]
fn malformed_input_exits_2_naming_the_record_and_leaves_no_output() {
    let dir = Dir::new();
    let input = dir
        .create("bad.csv", "1,100.0,1.0,1,1,1767225600000000,True,True\n2,1e5,1.0,2,2,1767225600000001,False,True\n");
    let out = dir.join("bars.csv");
    let ran =
        cmd().args(["bars", "--threshold-dbps", "250", "--symbol", "X"]).arg(&input).arg("-o").arg(&out).assert_exit(2);
    let message = ran.stderr_text();
    assert!(message.contains("bad.csv:2"), "{message}");
    assert!(message.contains("price") && message.contains("1e5"), "{message}");
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "only the input remains: {leftovers:?}");
}

#[test]
fn usage_errors_exit_2() {
    let fixture = workspace_file("fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv");
    let fixture = fixture.to_str().unwrap();
    for args in [
        vec!["bars", "--threshold-dbps", "0", fixture],
        vec!["bars", "--threshold-dbps", "250", "/no/such/file.csv"],
        vec!["bars", "--threshold-dbps", "250", "--backend", "no-such-backend", fixture],
        vec!["bars", "--threshold-dbps", "250", "--lookback", "weeks:3", fixture],
        vec!["bars", "--threshold-dbps", "250,500", fixture, "-o", "single.csv"],
    ] {
        let ran = cmd().args(&args).assert_exit(2);
        assert!(ran.stderr_text().starts_with("error:"), "{args:?}");
    }
}

#[test]
fn zips_of_two_symbols_at_three_thresholds_are_identical_for_one_and_two_threads() {
    let dir = Dir::new();
    let inputs = dir.create_dir("in");
    write_month(&inputs, &["AAAUSDT", "BBBUSDT"], 3, 20_000);
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.join(format!("out{threads}/"));
        let ran = cmd()
            .args(["bars", "--threshold-dbps", "5,10,25", "--threads", threads, "--features", "bar,intra,lookback"])
            .arg("--no-hurst")
            .arg(&inputs)
            .arg("-o")
            .arg(&out)
            .assert_ok();
        assert!(ran.stderr_text().contains("AAAUSDT: 60000 aggTrades records"), "{}", ran.stderr_text());
        outputs.push(read_dir_sorted(&out));
    }
    assert_eq!(outputs[0].len(), 6);
    assert!(outputs[0].iter().all(|(_, bytes)| bytes.iter().filter(|&&b| b == b'\n').count() > 2));
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn daily_runs_with_checkpoints_equal_one_run() {
    let dir = Dir::new();
    let inputs = dir.create_dir("in");
    let files = write_month(&inputs, &["CCCUSDT"], 4, 15_000);
    let bars = || cmd().args(["bars", "--threshold-dbps", "10", "--lookback", "count:200", "--quiet"]);
    let whole = dir.join("whole.csv");
    bars().args(&files).arg("-o").arg(&whole).assert_ok();
    let whole_text = std::fs::read_to_string(&whole).unwrap();
    let (header, whole_rows) = whole_text.split_once('\n').unwrap();

    let mut daily_rows = String::new();
    let mut previous: Option<PathBuf> = None;
    for (day, file) in files.iter().enumerate() {
        let out = dir.join(format!("day{day}.csv"));
        let checkpoint = dir.join(format!("day{day}.json"));
        let mut run = bars().arg(file).arg("-o").arg(&out).arg("--checkpoint-out").arg(&checkpoint);
        if let Some(previous) = &previous {
            run = run.arg("--checkpoint-in").arg(previous);
        }
        run.assert_ok();
        let text = std::fs::read_to_string(&out).unwrap();
        let (day_header, rows) = text.split_once('\n').unwrap();
        assert_eq!(day_header, header);
        daily_rows.push_str(rows);
        previous = Some(checkpoint);
    }
    assert!(whole_rows.lines().count() > 10);
    assert_eq!(daily_rows, whole_rows);
}

#[test]
fn gen_is_deterministic_and_zst_round_trips_through_bars() {
    let dir = Dir::new();
    let plain = dir.join("ZZZUSDT-aggTrades-2026-02-01.csv");
    let packed = dir.join("ZZZUSDT-aggTrades-2026-02-02.csv.zst");
    for path in [&plain, &packed] {
        cmd().args(["gen", "--trades", "30000", "--seed", "9", "-o"]).arg(path).assert_ok();
    }
    let decoded = zstd::decode_all(std::fs::File::open(&packed).unwrap()).unwrap();
    assert_eq!(decoded, std::fs::read(&plain).unwrap());
    let bars = |path: &Path| {
        cmd()
            .args(["bars", "--threshold-dbps", "10", "--features", "none"])
            .arg(path)
            .args(["-o", "-", "-q"])
            .assert_ok()
            .output
            .stdout
    };
    assert_eq!(bars(&plain), bars(&packed));
}

#[test]
fn every_ingest_error_fixture_exits_2_with_its_path_and_leaves_no_output() {
    let fixtures = workspace_file("fixtures/ingest");
    let mut checked = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("error_") {
            continue;
        }
        let out_dir = Dir::new();
        let out = out_dir.join("bars.csv");
        let ran = cmd()
            .args(["bars", "--threshold-dbps", "250", "--symbol", "X"])
            .arg(&path)
            .arg("-o")
            .arg(&out)
            .assert_exit(2);
        assert!(ran.stderr_text().contains(&name), "{name}: message lacks the path: {}", ran.stderr_text());
        assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0, "{name}: output left behind");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} error fixtures found");
}

#[test]
fn every_good_ingest_fixture_builds_bars() {
    let fixtures = workspace_file("fixtures/ingest");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("good_") {
            continue;
        }
        cmd().args(["bars", "--threshold-dbps", "1", "--symbol", "X"]).arg(&path).args(["-o", "-", "-q"]).assert_ok();
    }
}

#[test]
fn cpu_available_lists_the_backends_that_run_here() {
    let text = cmd().args(["cpu", "--available"]).assert_ok().stdout_text();
    let listed: Vec<&str> = text.trim().split(',').collect();
    let expected: Vec<&str> = barsmith::kernels::cpu_report().available.iter().map(|b| b.name()).collect();
    assert_eq!(listed, expected);
    assert!(listed.contains(&"scalar"), "{text}");
}

/// The reproducibility promise (docs/OUTPUT.md, "What is reproducible"): with `--backend scalar` the bars are
/// identical, byte for byte, to the committed golden on every machine of this architecture, whatever the CPU.
#[test]
fn scalar_output_is_byte_identical_to_the_committed_scalar_bars() {
    // fixtures/cli/SYNTHUSDT-10dbps.csv was written by this command; regenerate it (with `--backend scalar`)
    // only when the output is meant to change (last: permutation entropy's `ln count − ln total` with a table of
    // logarithms, which moved `intra_permutation_entropy` and `lookback_permutation_entropy` by at most 5.4e-16
    // relative; before it, Kyle's λ in one certified pass, by at most 5.1e-14).
    let command =
        cmd().args(["bars", "--threshold-dbps", "10", "--backend", "scalar"]).arg(fixture()).args(["-o", "-", "-q"]);
    assert!(command.assert_ok().output.stdout == common::golden_bars(), "the fixture's scalar bars changed");
}

/// With the automatic backend (or the one `BARSMITH_BACKEND` forces), the exact columns are the golden's to
/// the byte and the float features are within the documented cross-backend bound.
#[test]
fn automatic_backend_output_matches_the_scalar_bars_within_the_bound() {
    let ran = cmd().args(["bars", "--threshold-dbps", "10"]).arg(fixture()).args(["-o", "-", "-q"]).assert_ok();
    common::assert_golden_bars(&ran.output.stdout, "automatic backend");
}
