//! Issue 18, data safety: what `-o` is pointed at is never destroyed, an input is never overwritten, and a
//! run is atomic as a whole (a failure, an unwritable checkpoint path, SIGINT or SIGTERM leave nothing).

mod common;

use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::time::{Duration, Instant};

use barsmith_test_support::command::{Ran, TestCommand};
use common::{assert_golden_bars, cmd, command, error_line, fixture, s, stderr, tree, write_month};

fn bars_10() -> TestCommand {
    cmd().args(["bars", "--threshold-dbps", "10"])
}

fn bars_to(output: &Path) -> Ran {
    bars_10().arg(fixture()).arg("-o").arg(output).arg("-q").assert_ok()
}

#[test]
fn a_device_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("null");
    let made = std::process::Command::new("mknod").args([s(&device), "c", "1", "3"]).status().unwrap();
    assert!(made.success(), "mknod needs root (CI runs as root)");
    bars_to(&device);
    assert!(std::fs::symlink_metadata(&device).unwrap().file_type().is_char_device(), "the device was replaced");
    assert_eq!(tree(dir.path()), ["null"], "no temporary file left");
}

#[test]
fn a_fifo_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    bars_to(&fifo);
    assert_golden_bars(&reader.join().unwrap(), "the reader got the bars");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
}

#[test]
fn a_symlink_is_followed_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/bars.csv");
    std::fs::write(&target, "yesterday").unwrap();
    let link = dir.path().join("bars.csv");
    std::os::unix::fs::symlink("real/bars.csv", &link).unwrap();
    bars_to(&link);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert_golden_bars(&std::fs::read(&target).unwrap(), "the link's target holds the bars");
    assert_eq!(tree(dir.path()), ["bars.csv", "real", "real/bars.csv"]);
}

#[test]
fn a_path_without_an_extension_is_a_directory_and_a_file_there_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A new path becomes a directory of outputs.
    bars_to(&dir.path().join("mybars"));
    assert_eq!(tree(&dir.path().join("mybars")), ["SYNTHUSDT-10dbps-2026-01-01.csv"]);
    // An existing regular file there (also through a symlink) is left alone, with one or several outputs.
    std::fs::write(dir.path().join("notes"), "precious").unwrap();
    std::os::unix::fs::symlink("notes", dir.path().join("link")).unwrap();
    let input = fixture();
    for (name, thresholds) in [("notes", "10"), ("link", "10"), ("notes", "10,20")] {
        let path = dir.path().join(name);
        let ran = cmd().args(["bars", "--threshold-dbps", thresholds]).arg(&input).arg("-o").arg(&path).arg("-q");
        let line = error_line(&ran.assert_exit(2).output);
        assert!(line.contains("has no extension, so it names a directory") && line.contains(".csv"), "{line}");
        assert_eq!(std::fs::read_to_string(dir.path().join("notes")).unwrap(), "precious");
    }
    // The --output help states the rule.
    let help = cmd().args(["bars", "--help"]).assert_ok().stdout_text();
    assert!(help.contains("without an extension is a directory"), "{help}");
}

#[test]
fn an_output_or_checkpoint_that_is_an_input_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("trades.csv");
    std::fs::copy(fixture(), &input).unwrap();
    let alias = dir.path().join("alias.csv");
    std::os::unix::fs::symlink(&input, &alias).unwrap();
    let other_spelling = dir.path().join("sub/../trades.csv");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let original = std::fs::read(&input).unwrap();
    for extra in [
        vec!["-o", s(&input)],
        vec!["-o", s(&alias)],
        vec!["-o", s(&other_spelling)],
        vec!["-o", "-", "--checkpoint-out", s(&alias)],
    ] {
        let output = bars_10().arg(&input).args(&extra).assert_exit(2).output;
        let line = error_line(&output);
        assert!(line.contains("is the input") && line.contains("trades.csv"), "{line}");
        assert!(output.stdout.is_empty(), "nothing was built: {extra:?}");
        assert_eq!(std::fs::read(&input).unwrap(), original, "{extra:?}: the input changed");
    }
}

#[test]
fn one_bad_symbol_commits_no_output_and_creates_no_directory() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    write_month(&inputs, &["AAAUSDT", "BBBUSDT"], 2, 5_000);
    // BBBUSDT's second day is cut in the middle of its archive.
    let bad = inputs.join("BBBUSDT-aggTrades-2026-01-02.zip");
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() - 40]).unwrap();
    let out = dir.path().join("out/nested");
    let checkpoint = dir.path().join("state/checkpoint.json");
    let ran = cmd().args(["bars", "--threshold-dbps", "10,20"]).arg(&inputs).arg("-o").arg(&out);
    let ran = ran.arg("--checkpoint-out").arg(&checkpoint).args(["--threads", "2"]).assert_exit(2);
    assert!(ran.stderr_text().contains("BBBUSDT-aggTrades-2026-01-02.zip"), "{}", ran.stderr_text());
    assert_eq!(tree(dir.path()).iter().filter(|p| !p.starts_with("in")).count(), 0, "{:?}", tree(dir.path()));
}

#[test]
fn a_checkpoint_in_a_missing_directory_is_created_with_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bars.csv");
    let checkpoint = dir.path().join("state/daily/checkpoint.json");
    bars_10().arg(fixture()).arg("-o").arg(&out).arg("--checkpoint-out").arg(&checkpoint).assert_ok();
    assert_golden_bars(&std::fs::read(&out).unwrap(), "the output beside the checkpoint");
    assert!(std::fs::read_to_string(&checkpoint).unwrap().starts_with("{\"version\":1"));
}

#[test]
fn an_unusable_checkpoint_path_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "not a directory").unwrap();
    let out = dir.path().join("bars.csv");
    let checkpoint = dir.path().join("file/checkpoint.json");
    let ran = bars_10().arg(fixture()).arg("-o").arg(&out).arg("--checkpoint-out").arg(&checkpoint).assert_exit(1);
    let line = error_line(&ran.output);
    assert!(line.contains("file/checkpoint.json") && line.contains("not a directory"), "{line}");
    assert_eq!(tree(dir.path()), ["file"], "no output, no temporary file");
}

/// Starts a run that reads standard input, feeds it some trades and keeps it open (the run cannot end), waits
/// until its temporary outputs exist, sends `signal`, and checks the exit code and that nothing is left.
fn interrupt(signal: &str, expected_code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let checkpoint = dir.path().join("checkpoint.json");
    let mut child = command()
        .args(["bars", "--threshold-dbps", "5,10", "--symbol", "X", "-", "-o", s(&out)])
        .args(["--checkpoint-out", s(&checkpoint)])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&common::csv_of(&common::day_config(1, 1, 20_000))).unwrap();
    let started = Instant::now();
    while tree(dir.path()).iter().filter(|name| name.ends_with(".partial")).count() < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be interrupted");
        assert!(started.elapsed() < Duration::from_secs(60), "no temporary output appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let killed = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(expected_code), "{status:?}");
    assert_eq!(tree(dir.path()), Vec::<String>::new(), "temporary files or outputs left");
}

#[test]
fn sigint_removes_temporary_files_and_exits_130() {
    interrupt("-INT", 130);
}

#[test]
fn sigterm_removes_temporary_files_and_exits_143() {
    interrupt("-TERM", 143);
}

/// `-o /dev/stdout` is standard output even when the shell sent it to a regular file (`> bars.csv`): it has no
/// extension, but it is not a directory name (and the file behind it is the shell's, written through).
#[test]
fn dev_stdout_redirected_to_a_file_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("bars.csv");
    let output = command()
        .args(["bars", "--threshold-dbps", "10", s(&fixture()), "-o", "/dev/stdout", "-q"])
        .stdout(std::fs::File::create(&target).unwrap())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_golden_bars(&std::fs::read(&target).unwrap(), "-o /dev/stdout > bars.csv");
    let parquet = command()
        .args(["bars", "--threshold-dbps", "10", s(&fixture()), "-o", "/dev/stdout", "--format", "parquet"])
        .stdout(std::fs::File::create(dir.path().join("p")).unwrap())
        .output()
        .unwrap();
    assert_eq!(parquet.status.code(), Some(2));
    assert!(error_line(&parquet).contains("standard output (/dev/stdout)"), "trial finding 39: names what was given");
}
