//! `barsmith live` against the stand-in Binance (127.0.0.1 only). The property: a batch run over day 1 with
//! `--checkpoint-out`, then `live` over day 2 from that checkpoint, writes exactly the bars of one batch run over
//! both days — under each fault alone, all together, and `kill -9` at random moments with restarts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use barsmith_test_support::archives::day_csv;
use barsmith_test_support::kill::kill_9_until_done;
use barsmith_test_support::live_faults::every_fault;
use barsmith_test_support::live_server::{Fault, Market, Script, StandIn, trades_from_csv};

const SYMBOL: &str = "BTCUSDT";
/// 2026-01-01 in days since the epoch.
const DAY1: i64 = 20_454;
const TRADES_PER_DAY: u64 = 3_000;
const THRESHOLDS: &str = "3,10";

fn barsmith(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_barsmith")).args(args).output().unwrap();
    assert!(output.status.success(), "barsmith {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

/// Day 1 and day 2 as Binance spot CSVs (ids and trade ids continue), the second without `skip` ids.
fn write_days(dir: &Path, skip: &[i64]) -> (PathBuf, PathBuf, Vec<u8>) {
    let day1 = dir.join(format!("{SYMBOL}-aggTrades-2026-01-01.csv"));
    let day2 = dir.join(format!("{SYMBOL}-aggTrades-2026-01-02.csv"));
    std::fs::write(&day1, day_csv(0, DAY1, 0, TRADES_PER_DAY)).unwrap();
    let second = day_csv(0, DAY1 + 1, 1, TRADES_PER_DAY);
    let kept: Vec<u8> = String::from_utf8(second)
        .unwrap()
        .lines()
        .filter(|line| !skip.iter().any(|id| line.starts_with(&format!("{id},"))))
        .flat_map(|line| format!("{line}\n").into_bytes())
        .collect();
    std::fs::write(&day2, &kept).unwrap();
    (day1, day2, kept)
}

/// The rows (headers dropped) of every file of `dir`, files in name order.
fn rows(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut rows = Vec::new();
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "csv")) {
        let text = std::fs::read_to_string(file).unwrap();
        rows.extend(text.lines().skip(1).map(str::to_string));
    }
    rows
}

/// Per threshold, the rows of `dir`'s files of that threshold.
fn rows_per_threshold(dir: &Path) -> Vec<(String, Vec<String>)> {
    THRESHOLDS
        .split(',')
        .map(|dbps| {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().contains(&format!("-{dbps}dbps")))
                .collect();
            files.sort();
            let rows = files
                .iter()
                .flat_map(|f| {
                    std::fs::read_to_string(f).unwrap().lines().skip(1).map(str::to_string).collect::<Vec<_>>()
                })
                .collect();
            (dbps.to_string(), rows)
        })
        .collect()
}

struct Setup {
    dir: tempfile::TempDir,
    day2: Vec<u8>,
}

impl Setup {
    /// Writes the days, the batch over both (`all/`) and the batch over day 1 with its checkpoint (`hist/`).
    fn new(skip: &[i64]) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let (day1, day2, kept) = write_days(dir.path(), skip);
        let (all, hist, cp) = (dir.path().join("all"), dir.path().join("hist"), dir.path().join("day1.json"));
        let s = |p: &Path| p.to_str().unwrap().to_string();
        barsmith(&["bars", "--threshold-dbps", THRESHOLDS, &s(&day1), &s(&day2), "-o", &format!("{}/", s(&all)), "-q"]);
        barsmith(&[
            "bars",
            "--threshold-dbps",
            THRESHOLDS,
            &s(&day1),
            "-o",
            &format!("{}/", s(&hist)),
            "--checkpoint-out",
            &s(&cp),
            "-q",
        ]);
        Setup { dir, day2: kept }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn script(&self, faults: Vec<Fault>, rate: f64) -> Script {
        let mut script = Script::new(Market::Spot, trades_from_csv(SYMBOL, &self.day2), rate);
        script.faults = faults;
        script.lifetime = Duration::from_secs(60);
        script
    }

    fn last_id(&self) -> i64 {
        trades_from_csv(SYMBOL, &self.day2).last().unwrap().1.agg_trade_id
    }

    fn live_command(&self, server: &StandIn, checkpoint_in: &str) -> Command {
        self.live_command_until(server, checkpoint_in, self.last_id())
    }

    fn live_command_until(&self, server: &StandIn, checkpoint_in: &str, until_id: i64) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_barsmith"));
        command.args(["live", SYMBOL, "--market", "spot", "--threshold-dbps", THRESHOLDS]);
        command.args(["--ws-url", &server.ws_url, "--rest-url", &server.rest_url]);
        command.args(["--checkpoint-in", checkpoint_in, "--checkpoint-out", &self.path("live.json")]);
        command.args(["--checkpoint-every", "20ms", "--stall-timeout", "300ms"]);
        command.args(["--until-id", &until_id.to_string(), "-o", &format!("{}/", self.path("live"))]);
        command
    }

    /// hist + live == all, per threshold, row for row.
    fn assert_continues(&self, what: &str) {
        let all = rows_per_threshold(&self.dir.path().join("all"));
        let hist = rows_per_threshold(&self.dir.path().join("hist"));
        let live = rows_per_threshold(&self.dir.path().join("live"));
        for ((dbps, all), ((_, hist), (_, live))) in all.iter().zip(hist.iter().zip(&live)) {
            let joined: Vec<&String> = hist.iter().chain(live).collect();
            assert!(!live.is_empty(), "{what}: live wrote no bar at {dbps} dbps");
            assert_eq!(joined.len(), all.len(), "{what}: {dbps} dbps: bar counts differ");
            for (index, (a, b)) in joined.iter().zip(all).enumerate() {
                assert_eq!(*a, b, "{what}: {dbps} dbps: row {index} differs");
            }
        }
    }
}

fn live_once(faults: Vec<Fault>) -> (Setup, Output) {
    let setup = Setup::new(&[]);
    let server = StandIn::start(setup.script(faults, 20_000.0));
    let output = setup.live_command(&server, &setup.path("day1.json")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (setup, output)
}

#[test]
fn batch_then_live_equals_one_batch_without_faults() {
    let (setup, _) = live_once(Vec::new());
    setup.assert_continues("no fault");
    let live = rows(&setup.dir.path().join("live")).len();
    assert!(live >= 20, "only {live} live bars");
}

#[test]
fn batch_then_live_equals_one_batch_under_each_fault() {
    let each = [
        vec![Fault::Drop { after: 700 }],
        vec![Fault::Stall { after: 1_000 }],
        vec![Fault::Duplicate { at: 500 }, Fault::Duplicate { at: 501 }],
        vec![Fault::Swap { at: 900 }],
        vec![Fault::Hole { from: 1_200, len: 25 }],
        vec![Fault::RateLimit { requests: 2, retry_after_s: 0 }],
        vec![Fault::ServerShutdown { after: 1_500, close_after: Duration::from_millis(50) }],
    ];
    for faults in each {
        let (setup, _) = live_once(faults.clone());
        setup.assert_continues(&format!("{faults:?}"));
    }
}

#[test]
fn batch_then_live_equals_one_batch_under_every_fault_together() {
    let (setup, _) = live_once(every_fault(TRADES_PER_DAY as usize, 1));
    setup.assert_continues("every fault");
}

#[test]
fn an_exchange_gap_is_reported_and_the_bars_equal_a_batch_without_those_ids() {
    let first_day2 = 1_000_000 + TRADES_PER_DAY as i64;
    let gap: Vec<i64> = (first_day2 + 1_500..=first_day2 + 1_509).collect();
    let setup = Setup::new(&gap);
    // The stand-in serves the day with the ids missing: neither its socket nor its REST has them.
    let server = StandIn::start(setup.script(vec![Fault::Drop { after: 1_200 }], 20_000.0));
    let output = setup.live_command(&server, &setup.path("day1.json")).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let expected = format!("exchange gap: agg_trade_ids {}..={} (10 ids)", gap[0], gap[9]);
    assert!(stderr.contains(&expected), "{stderr}");
    setup.assert_continues("exchange gap");
    // Visible in the bars: the bar spanning the hole has fewer records than its id range.
    let spans_hole = rows(&setup.dir.path().join("live")).iter().any(|row| {
        let fields: Vec<&str> = row.split(',').collect();
        let (count, first, last) = (
            fields[13].parse::<i64>().unwrap(),
            fields[17].parse::<i64>().unwrap(),
            fields[18].parse::<i64>().unwrap(),
        );
        last - first + 1 > count
    });
    assert!(spans_hole, "no bar shows the hole");
    let checkpoint = std::fs::read_to_string(setup.path("live.json")).unwrap();
    assert!(checkpoint.contains(r#""exchange_gaps":1,"missing_ids":10"#), "{checkpoint}");
}

#[test]
fn kill_9_at_random_moments_then_restart_yields_every_bar_exactly_once() {
    let setup = Setup::new(&[]);
    let server = StandIn::start(setup.script(vec![Fault::Drop { after: 1_700 }], 4_000.0));
    let (checkpoint, first) = (PathBuf::from(setup.path("live.json")), PathBuf::from(setup.path("day1.json")));
    let kills = kill_9_until_done(&checkpoint, &first, 0x5eed, Duration::from_secs(60), |checkpoint_in| {
        setup.live_command(&server, checkpoint_in.to_str().unwrap())
    });
    setup.assert_continues(&format!("{kills} kills"));
}

#[test]
fn sigterm_flushes_checkpoints_and_exits_143_and_the_rerun_continues() {
    let setup = Setup::new(&[]);
    let server = StandIn::start(setup.script(Vec::new(), 3_000.0));
    let mut child = setup.live_command(&server, &setup.path("day1.json")).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    let output = setup.live_command(&server, &setup.path("live.json")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    setup.assert_continues("SIGTERM then rerun");
}

#[test]
fn stdout_gets_a_flushed_csv_and_plain_remote_urls_warn() {
    let setup = Setup::new(&[]);
    let server = StandIn::start(setup.script(Vec::new(), 20_000.0));
    let output = Command::new(env!("CARGO_BIN_EXE_barsmith"))
        .args(["live", SYMBOL, "--threshold-dbps", "10", "--ws-url", &server.ws_url, "--rest-url", &server.rest_url])
        .args(["--checkpoint-in", &setup.path("day1.json"), "--until-id", &setup.last_id().to_string(), "-o", "-"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let live: Vec<String> = String::from_utf8(output.stdout).unwrap().lines().skip(1).map(str::to_string).collect();
    let all = &rows_per_threshold(&setup.dir.path().join("all"))[1].1;
    let hist = &rows_per_threshold(&setup.dir.path().join("hist"))[1].1;
    assert_eq!(hist.iter().chain(&live).collect::<Vec<_>>(), all.iter().collect::<Vec<_>>());
    // A plain ws:// to a host that is not loopback warns (a refused symbol then ends the run before any
    // connection: nothing but 127.0.0.1 is touched).
    let output = Command::new(env!("CARGO_BIN_EXE_barsmith"))
        .args(["live", "BTC-USDT", "--threshold-dbps", "60", "--ws-url", "ws://example.invalid"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: --ws-url ws://example.invalid is not encrypted"), "{stderr}");
    assert!(stderr.contains("\"BTC-USDT\" is not a Binance symbol") && output.status.code() == Some(2), "{stderr}");
}

#[test]
fn a_checkpoint_that_does_not_fit_is_refused_naming_what_differs() {
    let setup = Setup::new(&[]);
    let refused = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_barsmith")).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let day1 = setup.path("day1.json");
    // Other feature settings than the checkpoint's (nothing is connected: ws://127.0.0.1:9 is never reached).
    let base = ["live", SYMBOL, "--ws-url", "ws://127.0.0.1:9", "--rest-url", "http://127.0.0.1:9"];
    let stderr = refused(
        &[&base[..], &["--threshold-dbps", THRESHOLDS, "--features", "bar", "--checkpoint-in", &day1]].concat(),
    );
    assert!(stderr.contains("--features: checkpoint bar,intra,lookback, this run bar"), "{stderr}");
    // Another symbol than the checkpoint holds.
    let other =
        ["live", "ETHUSDT", "--ws-url", "ws://127.0.0.1:9", "--threshold-dbps", THRESHOLDS, "--checkpoint-in", &day1];
    let stderr = refused(&other);
    assert!(stderr.contains("holds BTCUSDT at 3, 10 dbps, none of this run's ETHUSDT"), "{stderr}");
    // A checkpoint and --from-id together.
    let stderr =
        refused(&[&base[..], &["--threshold-dbps", THRESHOLDS, "--checkpoint-in", &day1, "--from-id", "5"]].concat());
    assert!(stderr.contains("--from-id is given but the checkpoint already says where BTCUSDT continues"), "{stderr}");
    // A live cursor behind its own bar state (a stale or edited file) would rebuild written bars.
    let text = std::fs::read_to_string(&day1).unwrap();
    let stale = text.trim_end().strip_suffix('}').unwrap().to_string()
        + r#","live":{"cursors":[{"symbol":"BTCUSDT","next_id":5,"exchange_gaps":0,"missing_ids":0}],"outputs":[]}}"#;
    std::fs::write(setup.path("stale.json"), stale).unwrap();
    let stderr =
        refused(&[&base[..], &["--threshold-dbps", THRESHOLDS, "--checkpoint-in", &setup.path("stale.json")]].concat());
    assert!(stderr.contains("the trade-id cursor (5) is at or before the bar state's last trade"), "{stderr}");
}

#[test]
fn a_live_checkpoint_resumes_bars_the_other_way_round() {
    let setup = Setup::new(&[]);
    let trades = trades_from_csv(SYMBOL, &setup.day2);
    let stop = trades[1_800].1.agg_trade_id;
    let server = StandIn::start(setup.script(Vec::new(), 20_000.0));
    let output = setup.live_command_until(&server, &setup.path("day1.json"), stop).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // The rest of day 2 as a file, from the live run's cursor on, built by `bars` from the live checkpoint.
    let rest_dir = setup.dir.path().join("rest-input");
    std::fs::create_dir_all(&rest_dir).unwrap();
    let rest: String = String::from_utf8(setup.day2.clone())
        .unwrap()
        .lines()
        .filter(|line| line.split(',').next().unwrap().parse::<i64>().unwrap() > stop)
        .map(|line| format!("{line}\n"))
        .collect();
    let rest_file = rest_dir.join(format!("{SYMBOL}-aggTrades-2026-01-02.csv"));
    std::fs::write(&rest_file, rest).unwrap();
    let out = format!("{}/", setup.path("rest"));
    barsmith(&[
        "bars",
        "--threshold-dbps",
        THRESHOLDS,
        rest_file.to_str().unwrap(),
        "-o",
        &out,
        "--checkpoint-in",
        &setup.path("live.json"),
        "-q",
    ]);
    let all = rows_per_threshold(&setup.dir.path().join("all"));
    let parts: Vec<Vec<(String, Vec<String>)>> =
        ["hist", "live", "rest"].iter().map(|d| rows_per_threshold(&setup.dir.path().join(d))).collect();
    for (index, (dbps, all)) in all.iter().enumerate() {
        let joined: Vec<&String> = parts.iter().flat_map(|p| &p[index].1).collect();
        assert_eq!(joined, all.iter().collect::<Vec<_>>(), "{dbps} dbps");
    }
}
