//! `barsmith fetch` and `barsmith check` end to end, against a local mirror on 127.0.0.1: fetch → check → bars
//! equals bars on the same CSVs; exit codes; the findings of `check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use barsmith::calendar::Day;
use barsmith::check::checksum::{checksum_path, format_checksum};
use barsmith_test_support::archives::{day_csv, zip_one};
use barsmith_test_support::mirror::Mirror;
use barsmith_test_support::read_dir_sorted;

const PROXY_VARIABLES: [&str; 8] =
    ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"];

/// Runs the binary with no proxy variables, so that requests go straight to 127.0.0.1.
fn barsmith(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_barsmith"));
    command.args(args);
    for variable in PROXY_VARIABLES {
        command.env_remove(variable);
    }
    command.output().expect("run barsmith")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SYMBOLS: [&str; 2] = ["AAAUSDT", "BBBUSDT"];
const DAYS: [&str; 3] = ["2024-03-01", "2024-03-02", "2024-03-03"];

/// Serves three days of two symbols; writes the same CSVs under Binance names into `csv_dir`.
fn serve_three_days(mirror: &Mirror, csv_dir: &Path) {
    for (s, symbol) in SYMBOLS.iter().enumerate() {
        for (d, day) in DAYS.iter().enumerate() {
            let csv = day_csv(s as u64, day.parse::<Day>().unwrap().days_since_epoch(), d as u64, 4_000);
            let remote = format!("data/spot/daily/aggTrades/{symbol}/{symbol}-aggTrades-{day}.zip");
            mirror.put_archive(&remote, &csv, true);
            std::fs::write(csv_dir.join(format!("{symbol}-aggTrades-{day}.csv")), csv).unwrap();
        }
    }
}

fn fetch_args<'a>(mirror: &'a Mirror, output: &'a str) -> Vec<&'a str> {
    vec![
        "fetch",
        "--market",
        "spot",
        "--from",
        DAYS[0],
        "--to",
        DAYS[2],
        "--daily",
        "-o",
        output,
        "--base-url",
        &mirror.base_url,
        "--retry-wait",
        "10ms",
        "--timeout",
        "2s",
    ]
}

#[test]
fn fetch_then_check_then_bars_equals_bars_on_the_csvs() {
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    let csv_dir = work.path().join("csv");
    std::fs::create_dir(&csv_dir).unwrap();
    serve_three_days(&mirror, &csv_dir);
    let data = work.path().join("data");
    let data_text = data.to_str().unwrap();

    let mut args = fetch_args(&mirror, data_text);
    args.splice(1..1, SYMBOLS);
    let fetched = barsmith(&args);
    let stderr = text(&fetched.stderr);
    assert_eq!(fetched.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("fetched 6") && stderr.contains("failed 0"), "{stderr}");

    let checked = barsmith(&["check", data_text]);
    let report = text(&checked.stdout);
    assert_eq!(checked.status.code(), Some(0), "{report}{}", text(&checked.stderr));
    assert!(report.ends_with("clean\n"), "{report}");
    assert!(report.contains("AAAUSDT: 3 file(s), 2024-03-01 .. 2024-03-03, 12000 records"), "{report}");
    assert!(report.contains("checksums: 3 verified, 0 without a .CHECKSUM"), "{report}");

    let (from_archives, from_csvs) = (work.path().join("bars-archives"), work.path().join("bars-csvs"));
    let symbol_dirs: Vec<PathBuf> = SYMBOLS.iter().map(|s| data.join(format!("spot/daily/aggTrades/{s}"))).collect();
    for (inputs, out) in [(symbol_dirs, &from_archives), (vec![csv_dir.clone()], &from_csvs)] {
        let mut args = vec!["bars".to_owned(), "--threshold-dbps".into(), "5,20".into(), "-q".into()];
        args.extend(inputs.iter().map(|p| p.display().to_string()));
        args.extend(["-o".to_owned(), format!("{}/", out.display())]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let bars = barsmith(&args);
        assert_eq!(bars.status.code(), Some(0), "{}", text(&bars.stderr));
    }
    let (archives, csvs) = (read_dir_sorted(&from_archives), read_dir_sorted(&from_csvs));
    assert_eq!(archives.len(), 4);
    assert!(archives.iter().all(|(_, bytes)| bytes.iter().filter(|&&b| b == b'\n').count() > 10));
    assert_eq!(archives, csvs);
    let header = text(&archives[0].1).lines().next().unwrap().to_owned();
    assert!(header.contains(",last_trade_id,max_gap_us,"), "{header}");
}

#[test]
fn fetch_exit_codes_missing_archives_and_checksum_failures() {
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    serve_three_days(&mirror, work.path());
    let bad = "data/spot/daily/aggTrades/CCCUSDT/CCCUSDT-aggTrades-2024-03-02.zip";
    mirror.put_archive(bad, &day_csv(2, "2024-03-02".parse::<Day>().unwrap().days_since_epoch(), 1, 500), false);
    let data = work.path().join("data");
    let data_text = data.to_str().unwrap();

    // CCCUSDT has one day, with a wrong checksum; its other two days are missing.
    let mut args = fetch_args(&mirror, data_text);
    args.splice(1..1, ["AAAUSDT", "CCCUSDT"]);
    args.push("--json");
    let output = barsmith(&args);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("fetched 3") && stderr.contains("missing 2") && stderr.contains("failed 1"), "{stderr}");
    assert!(stderr.contains("failed: CCCUSDT 2024-03-02 (spot daily)"), "{stderr}");
    assert!(stderr.contains("missing on the server (404"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((json["fetched"].as_u64(), json["failed"].as_u64()), (Some(3), Some(1)));
    assert_eq!(json["archives"][3]["outcome"], "missing");
    assert!(!data.join("spot/daily/aggTrades/CCCUSDT/CCCUSDT-aggTrades-2024-03-02.zip").exists());

    // Only what exists, all verified: exit 0 even with a missing day.
    let mut args = fetch_args(&mirror, data_text);
    args[6] = "2024-03-04";
    args.insert(1, "AAAUSDT");
    let output = barsmith(&args);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("fetched 0") && stderr.contains("skipped 3") && stderr.contains("missing 1"), "{stderr}");

    // Trial finding 10: a symbol with no archive at all (a typo) is a failure, and leaves no folder for it.
    let mut args = fetch_args(&mirror, data_text);
    args.insert(1, "AAAUSTD");
    let output = barsmith(&args);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("none of the 3 requested archive(s) exists on the server"), "{stderr}");
    assert!(!data.join("spot/daily/aggTrades/AAAUSTD").exists(), "no empty tree for a symbol that has nothing");

    let requests_before_usage_errors = mirror.request_count();
    // The library names settings; the command names them as its flags.
    for (bad_args, says) in [
        (vec!["fetch", "AAAUSDT", "--from", "2024-02-30", "-o", data_text], "--from: \"2024-02-30\" is not a date"),
        (
            vec!["fetch", "AAAUSDT", "--from", "2024-03", "--to", "2024-01", "-o", data_text],
            "--from 2024-03 is after --to 2024-01",
        ),
        (vec!["fetch", "AAA-USDT", "--from", "2024-03", "-o", data_text], "\"AAA-USDT\" is not a symbol"),
        (
            vec!["fetch", "AAAUSDT", "--from", "2024-03", "--jobs", "0", "-o", data_text],
            "error: --jobs must be at least 1",
        ),
        (vec!["fetch", "AAAUSDT", "--from", "2024-03", "--monthly", "--daily"], "cannot be used with"),
        (vec!["fetch", "AAAUSDT", "--from", "2024-03", "--timeout", "soon"], "is not a duration"),
    ] {
        let mut bad_args = bad_args.clone();
        bad_args.extend(["--base-url", &mirror.base_url]);
        let output = barsmith(&bad_args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad_args:?}: {stderr}");
        assert!(stderr.contains(says), "{bad_args:?}: {stderr}");
    }
    assert_eq!(mirror.request_count(), requests_before_usage_errors, "usage errors make no request");
}

/// Writes a day of trades as a zip archive with a correct `.CHECKSUM` beside it; returns the archive path.
fn write_day(dir: &Path, symbol: &str, day: &str, csv: &[u8]) -> PathBuf {
    let name = format!("{symbol}-aggTrades-{day}.zip");
    let archive = zip_one(&name.replace(".zip", ".csv"), csv);
    let path = dir.join(&name);
    std::fs::write(&path, &archive).unwrap();
    let sha = barsmith::check::checksum::sha256_reader(&archive[..]).unwrap();
    std::fs::write(checksum_path(&path), format_checksum(&sha, &name)).unwrap();
    path
}

/// The records of `csv` as fields.
fn records(csv: &[u8]) -> Vec<Vec<String>> {
    text(csv).lines().map(|line| line.split(',').map(str::to_owned).collect()).collect()
}

fn to_csv(records: &[Vec<String>]) -> Vec<u8> {
    records.iter().map(|fields| fields.join(",") + "\n").collect::<String>().into_bytes()
}

#[test]
fn check_reports_missing_days_gaps_repeats_order_time_gaps_and_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let day = |text: &str| text.parse::<Day>().unwrap().days_since_epoch();
    // Day 1: ids jump from line 20 to line 21 (two ids missing), line 31 is earlier than line 30, and line 52
    // repeats line 51. Day 2 is missing; day 3 starts about two days later, after an id gap.
    let mut first = records(&day_csv(0, day("2024-03-01"), 0, 2_000));
    for fields in &mut first[20..] {
        fields[0] = (fields[0].parse::<i64>().unwrap() + 2).to_string();
    }
    first[30][5] = (first[29][5].parse::<i64>().unwrap() - 1).to_string();
    first.insert(51, first[50].clone());
    let first = to_csv(&first);
    write_day(dir.path(), "AAAUSDT", "2024-03-01", &first);
    let third = write_day(dir.path(), "AAAUSDT", "2024-03-03", &day_csv(0, day("2024-03-03"), 2, 2_000));
    // The other symbol: a clean day whose checksum does not match.
    let clean = write_day(dir.path(), "BBBUSDT", "2024-03-01", &day_csv(1, day("2024-03-01"), 0, 2_000));
    std::fs::write(checksum_path(&clean), format_checksum(&"0".repeat(64), "BBBUSDT-aggTrades-2024-03-01.zip"))
        .unwrap();

    let output = barsmith(&["check", dir.path().to_str().unwrap()]);
    let report = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{report}{}", text(&output.stderr));
    assert!(report.contains("missing days (1): 2024-03-02"), "{report}");
    assert!(report.contains("AAAUSDT: 2 file(s), 2024-03-01 .. 2024-03-03, 4001 records"), "{report}");
    assert!(report.contains("agg_trade_id gaps (2):"), "{report}");
    assert!(report.contains("(AAAUSDT-aggTrades-2024-03-01.zip:20) -> id 1000022"), "{report}");
    assert!(report.contains("repeated agg_trade_ids (1):"), "{report}");
    assert!(report.contains("out-of-order records (1):"), "{report}");
    assert!(report.contains("time gaps over 1h 0m 0s (1):"), "{report}");
    assert!(report.contains("checksum mismatch: ") && report.contains("BBBUSDT-aggTrades-2024-03-01.zip"), "{report}");
    assert!(report.contains("checksums: 2 verified"), "{report}");

    let json = barsmith(&["check", "--json", "--max-gap", "30m", dir.path().to_str().unwrap()]);
    assert_eq!(json.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let symbol = &value["symbols"][0];
    assert_eq!(symbol["symbol"], "AAAUSDT");
    assert_eq!(symbol["missing_days"], serde_json::json!(["2024-03-02"]));
    let gap = &symbol["findings"]["id_gaps"]["listed"][0];
    assert_eq!((gap["before"]["line"].as_u64(), gap["after"]["line"].as_u64()), (Some(20), Some(21)));
    assert_eq!(gap["after"]["agg_trade_id"].as_i64().unwrap() - gap["before"]["agg_trade_id"].as_i64().unwrap(), 3);
    let boundary = &symbol["findings"]["time_gaps"]["listed"][0];
    assert!(boundary["after"]["path"].as_str().unwrap().ends_with("AAAUSDT-aggTrades-2024-03-03.zip"));
    assert_eq!(value["symbols"][1]["files"][0]["checksum"]["status"], "mismatch");

    // Trial finding 9: an unfinished download that fetch left is a finding, named with its remedy.
    let part = dir.path().join("BBBUSDT-aggTrades-2024-03-02.zip.part");
    std::fs::write(&part, b"PK\x03\x04 partial").unwrap();
    let clean_only = barsmith(&["check", "--no-checksums", part.parent().unwrap().to_str().unwrap()]);
    let report = text(&clean_only.stdout);
    assert_eq!(clean_only.status.code(), Some(1), "{report}");
    assert!(
        report.contains("unfinished download of `barsmith fetch`: ")
            && report.contains("BBBUSDT-aggTrades-2024-03-02.zip.part (run the same fetch again to resume it)"),
        "{report}"
    );
    let json = barsmith(&["check", "--json", "--no-checksums", dir.path().to_str().unwrap()]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(value["unfinished_downloads"][0].as_str().unwrap().ends_with(".zip.part"), "{value}");
    std::fs::remove_file(&part).unwrap();

    // A corrupt archive is unreadable input: exit code 2, with the other files still reported.
    std::fs::write(&third, b"PK\x03\x04 not really a zip").unwrap();
    let output = barsmith(&["check", "--no-checksums", dir.path().to_str().unwrap()]);
    let report = text(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(report.contains("unreadable: ") && report.contains("AAAUSDT-aggTrades-2024-03-03.zip"), "{report}");
    assert!(report.contains("BBBUSDT: 1 file(s)"), "{report}");
    let missing = barsmith(&["check", dir.path().join("nothing-here").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
}
