//! The library's messages name settings; the command line spells them as its flags (issue 24 item 8). One
//! test per message that names a setting only the command line has (output paths, checkpoints); the messages
//! Python can reach too are compared between both front ends by `python/tests/test_setting_names.py`.

mod common;

use common::{barsmith, day_config, error_line, fixture, s, write_daily_zip};

fn refused(args: &[&str]) -> String {
    let output = barsmith(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    error_line(&output)
}

#[test]
fn output_paths_are_named_by_their_flag() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture();
    let unknown = dir.path().join("bars.xlsx");
    let line = refused(&["bars", "--threshold-dbps", "10", s(&input), "-o", s(&unknown)]);
    assert!(line.starts_with(&format!("error: -o {}: unknown output extension", s(&unknown))), "{line}");
    assert!(line.contains("(or pass --format)"), "{line}");

    let one_file = dir.path().join("bars.csv");
    let line = refused(&["bars", "--threshold-dbps", "10,20", s(&input), "-o", s(&one_file)]);
    assert!(line.starts_with(&format!("error: -o {} names one file", s(&one_file))), "{line}");

    let existing = dir.path().join("existing");
    std::fs::write(&existing, "keep").unwrap();
    let line = refused(&["bars", "--threshold-dbps", "10", s(&input), "-o", s(&existing)]);
    assert!(line.starts_with(&format!("error: -o {0} has no extension", s(&existing))), "{line}");
}

#[test]
fn checkpoint_refusals_are_named_by_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = write_daily_zip(dir.path(), "FLGUSDT", 1, &day_config(7, 1, 4_000));
    let day2 = write_daily_zip(dir.path(), "FLGUSDT", 2, &day_config(7, 2, 4_000));
    let checkpoint = dir.path().join("day1.json");
    let output =
        barsmith(&["bars", "--threshold-dbps", "10", s(&day1), "-o", "-", "-q", "--checkpoint-out", s(&checkpoint)]);
    assert!(output.status.success());
    let resume = ["bars", "--threshold-dbps", "10", s(&day2), "--checkpoint-in", s(&checkpoint)];

    let line = refused(&[&resume[..], &["-o", "-", "--pe-order", "4", "--no-hurst"]].concat());
    assert!(line.contains("--no-hurst: checkpoint on, this run off; --pe-order: checkpoint 3, this run 4"), "{line}");
    assert!(line.ends_with("or start without --checkpoint-in"), "{line}");

    let line = refused(&[&resume[..], &["-o", s(&checkpoint), "--format", "csv"]].concat());
    assert!(line.contains(&format!("-o {} is the --checkpoint-in file", s(&checkpoint))), "{line}");

    let line = refused(&[&resume[..], &["-o", "-", "--checkpoint-out", s(&day2)]].concat());
    assert!(line.contains(&format!("--checkpoint-out {} is the input", s(&day2))), "{line}");

    let not_one = dir.path().join("not.json");
    std::fs::write(&not_one, "{}").unwrap();
    let line = refused(&["bars", "--threshold-dbps", "10", s(&day2), "-o", "-", "--checkpoint-in", s(&not_one)]);
    assert!(line.contains("pass the file --checkpoint-out wrote"), "{line}");
}
