//! Trial finding 37: `barsmith kernel` takes the names of Python's functions and of the feature columns too.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::command;

fn kernel(name: &str, input: &str) -> (Option<i32>, String) {
    let mut child = command()
        .args(["kernel", name, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn python_and_column_names_are_aliases() {
    let series: String = (1..400).map(|i| format!("{}\n", (f64::from(i) * 0.37).sin())).collect();
    let pairs: String = (1..400).map(|i| format!("{} {}\n", (f64::from(i) * 0.37).sin(), i % 7)).collect();
    for (short, aliases, input) in [
        ("dfa", ["hurst_dfa", "hurst-dfa"], &series),
        ("rs", ["hurst_rs", "hurst-rs"], &series),
        ("pe", ["permutation_entropy", "permutation-entropy"], &series),
        ("kyle", ["kyle_lambda", "kyle-lambda"], &pairs),
    ] {
        let expected = kernel(short, input);
        assert_eq!(expected.0, Some(0), "{short}");
        for alias in aliases {
            assert_eq!(kernel(alias, input), expected, "{alias}");
        }
    }
}
