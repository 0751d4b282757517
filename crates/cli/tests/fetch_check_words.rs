//! Trial finding 38: `fetch --json` spells markets as `--market` takes them, `check -q` prints nothing and
//! answers by its exit code, and `fetch`/`check --help` end with an example.

mod common;

use barsmith::fetch::Market;
use common::{barsmith, day_config, s, write_daily_zip};

#[test]
fn markets_are_spelled_as_the_flag_takes_them() {
    for market in Market::ALL {
        assert_eq!(serde_json::to_value(market).unwrap(), serde_json::Value::from(market.name()));
    }
}

#[test]
fn check_quiet_answers_by_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = write_daily_zip(dir.path(), "EEEUSDT", 1, &day_config(5, 1, 2_000));
    let clean = barsmith(&["check", "-q", s(&day1)]);
    assert_eq!((clean.status.code(), clean.stdout.len()), (Some(0), 0));
    let day3 = write_daily_zip(dir.path(), "EEEUSDT", 3, &day_config(5, 3, 2_000));
    let found = barsmith(&["check", "-q", s(&day1), s(&day3)]);
    assert_eq!((found.status.code(), found.stdout.len()), (Some(1), 0));
    assert!(!barsmith(&["check", s(&day1), s(&day3)]).stdout.is_empty());
}

#[test]
fn fetch_and_check_help_end_with_an_example() {
    for command in ["fetch", "check"] {
        let help = String::from_utf8(barsmith(&[command, "--help"]).stdout).unwrap();
        assert!(help.contains(&format!("Example:\n  barsmith {command} ")), "{help}");
    }
}
