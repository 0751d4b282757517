//! `barsmith live`'s errors name its flags (the library names settings; the CLI spells them), and
//! `--max-reconnect-attempts` bounds the attempts in a row (127.0.0.1 only: a port nothing listens on).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn live(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_barsmith")).arg("live").args(args).output().unwrap()
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn max_reconnect_attempts_ends_a_run_that_cannot_connect_naming_the_flag() {
    let port = closed_port();
    let (ws, rest) = (format!("ws://127.0.0.1:{port}"), format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    let output = live(&[
        "BTCUSDT",
        "--threshold-dbps",
        "10",
        "--ws-url",
        &ws,
        "--rest-url",
        &rest,
        "--max-reconnect-attempts",
        "2",
        "--from-id",
        "1",
        "-q",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("2 connection attempts failed") && stderr.contains("(--max-reconnect-attempts)"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

#[test]
fn setting_errors_are_spelled_as_flags() {
    let base = ["--rest-url", "http://127.0.0.1:9", "--threshold-dbps", "10"];
    let cases: [(&[&str], &str); 4] = [
        (&["BTCUSDT", "--ws-url", "ftp://127.0.0.1:9"], "--ws-url: \"ftp://127.0.0.1:9\" must start with ws://"),
        (
            &["BTCUSDT", "--ws-url", "ws://127.0.0.1:9", "--max-reconnect-attempts", "0"],
            "--max-reconnect-attempts: must be at least 1",
        ),
        (&["BTC-USDT", "--ws-url", "ws://127.0.0.1:9"], "SYMBOL: \"BTC-USDT\" is not a Binance symbol"),
        (
            &["BTCUSDT", "ETHUSDT", "--ws-url", "ws://127.0.0.1:9", "-o", "-"],
            "-o stdout takes one symbol at one threshold",
        ),
    ];
    for (args, expected) in cases {
        let output = live(&[args, &base[..]].concat());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("stall_timeout") && !stderr.contains("max_reconnect"), "{stderr}");
    }
}
