//! The library's messages name settings; the command line spells them as its flags (issue 24 item 8). One
//! test per message that names a setting only the command line has (output paths, checkpoints); the messages
//! Python can reach too are compared between both front ends by `python/tests/test_setting_names.py`.

mod common;

use barsmith_test_support::command::{Dir, TestCommand};
use common::{cmd, day_config, error_line, fixture, write_daily_zip};

fn refused(command: TestCommand) -> String {
    error_line(&command.assert_exit(2).output)
}

fn bars_10() -> TestCommand {
    cmd().args(["bars", "--threshold-dbps", "10"])
}

#[test]
fn output_paths_are_named_by_their_flag() {
    let dir = Dir::new();
    let unknown = dir.join("bars.xlsx");
    let line = refused(bars_10().arg(fixture()).arg("-o").arg(&unknown));
    assert!(line.starts_with(&format!("error: -o {}: unknown output extension", unknown.display())), "{line}");
    assert!(line.contains("(or pass --format)"), "{line}");

    let one_file = dir.join("bars.csv");
    let line = refused(cmd().args(["bars", "--threshold-dbps", "10,20"]).arg(fixture()).arg("-o").arg(&one_file));
    assert!(line.starts_with(&format!("error: -o {} names one file", one_file.display())), "{line}");

    let existing = dir.create("existing", "keep");
    let line = refused(bars_10().arg(fixture()).arg("-o").arg(&existing));
    assert!(line.starts_with(&format!("error: -o {0} has no extension", existing.display())), "{line}");
}

#[test]
fn checkpoint_refusals_are_named_by_their_flags() {
    let dir = Dir::new();
    let day1 = write_daily_zip(dir.path(), "FLGUSDT", 1, &day_config(7, 1, 4_000));
    let day2 = write_daily_zip(dir.path(), "FLGUSDT", 2, &day_config(7, 2, 4_000));
    let checkpoint = dir.join("day1.json");
    bars_10().arg(&day1).args(["-o", "-", "-q", "--checkpoint-out"]).arg(&checkpoint).assert_ok();
    let resume = || bars_10().arg(&day2).arg("--checkpoint-in").arg(&checkpoint);

    let line = refused(resume().args(["-o", "-", "--pe-order", "4", "--no-hurst"]));
    assert!(line.contains("--no-hurst: checkpoint on, this run off; --pe-order: checkpoint 3, this run 4"), "{line}");
    assert!(line.ends_with("or start without --checkpoint-in"), "{line}");

    let line = refused(resume().arg("-o").arg(&checkpoint).args(["--format", "csv"]));
    assert!(line.contains(&format!("-o {} is the --checkpoint-in file", checkpoint.display())), "{line}");

    let line = refused(resume().args(["-o", "-", "--checkpoint-out"]).arg(&day2));
    assert!(line.contains(&format!("--checkpoint-out {} is the input", day2.display())), "{line}");

    let not_one = dir.create("not.json", "{}");
    let line = refused(bars_10().arg(&day2).args(["-o", "-", "--checkpoint-in"]).arg(&not_one));
    assert!(line.contains("pass the file --checkpoint-out wrote"), "{line}");
}
