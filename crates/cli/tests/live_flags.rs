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

/// `GET /metrics` from `address` (`None` when nothing answers).
fn scrape(address: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    write!(stream, "GET /metrics HTTP/1.1\r\nHost: {address}\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// The value of the metric `name` in a scrape.
fn metric(answer: &str, name: &str) -> Option<f64> {
    answer.lines().find_map(|line| line.strip_prefix(&format!("{name} "))?.parse().ok())
}

#[test]
fn metrics_serves_prometheus_text_on_a_free_port_while_the_run_goes() {
    use barsmith_test_support::archives::day_csv;
    use barsmith_test_support::live_server::{Fault, Market, Script, StandIn, trades_from_csv};
    use std::io::BufRead;
    let trades = trades_from_csv("BTCUSDT", &day_csv(0, 20_454, 0, 3_000));
    let (first, last) = (trades[0].1.agg_trade_id, trades.last().unwrap().1.agg_trade_id);
    let mut script = Script::new(Market::Spot, trades, 1_000.0);
    script.faults = vec![Fault::Drop { after: 800 }, Fault::Hole { from: 1_500, len: 10 }];
    script.lifetime = Duration::from_secs(60);
    let server = StandIn::start(script);
    let mut child = Command::new(env!("CARGO_BIN_EXE_barsmith"))
        .args(["live", "BTCUSDT", "--threshold-dbps", "5", "--ws-url", &server.ws_url, "--rest-url", &server.rest_url])
        .args(["--from-id", &first.to_string(), "--until-id", &last.to_string(), "--metrics", "127.0.0.1:0"])
        .args(["-o", "-"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("live: metrics at http://")
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("no metrics address in {line:?}"))
        .to_string();
    assert!(!address.ends_with(":0"), "{address}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = None;
    while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        if let Some(answer) = scrape(&address)
            && metric(&answer, "barsmith_live_bars_total").is_some_and(|bars| bars > 0.0)
        {
            seen = Some(answer);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let answer = seen.expect("the metrics never showed a bar while the run went");
    assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.contains("text/plain; version=0.0.4"), "{answer}");
    assert!(metric(&answer, "barsmith_live_trades_total").unwrap() > 0.0, "{answer}");
    assert!(metric(&answer, "barsmith_live_queue_capacity") == Some(8192.0), "{answer}");
    for name in ["trades_per_second", "lag_seconds", "reconnects_total", "rest_trades_total", "exchange_gaps_total"] {
        assert!(answer.contains(&format!("# TYPE barsmith_live_{name} ")), "{name}: {answer}");
        assert!(metric(&answer, &format!("barsmith_live_{name}")).is_some(), "{name}: {answer}");
    }
    assert!(child.wait().unwrap().success());
}
