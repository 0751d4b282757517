//! Trial finding 37: `barsmith kernel` takes the names of Python's functions and of the feature columns too.

mod common;

use common::cmd;

fn kernel(name: &str, input: &str) -> (Option<i32>, String) {
    let ran = cmd().args(["kernel", name, "-"]).output_with_stdin(input.as_bytes());
    (ran.output.status.code(), ran.stdout_text())
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
