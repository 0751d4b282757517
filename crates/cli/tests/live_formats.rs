//! `barsmith live --format ndjson|parquet` against the stand-in Binance (127.0.0.1 only): a batch run over day 1
//! with `--checkpoint-out`, then `live` over days 2 and 3 (a UTC day ends during the run) from that checkpoint,
//! writes exactly the bars of one batch run over the three days — as NDJSON (the CSV rows' fields, on stdout and
//! in day files) and as Parquet (value by value against `barsmith bars --format parquet`), also through `kill -9`
//! at random moments with restarts.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use arrow_array::{Array, RecordBatch};
use barsmith_test_support::archives::day_csv;
use barsmith_test_support::kill;
use barsmith_test_support::live_server::{Fault, Market, Script, StandIn, trades_from_csv};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const SYMBOL: &str = "BTCUSDT";
/// 2026-01-01 in days since the epoch.
const DAY1: i64 = 20_454;
const TRADES_PER_DAY: u64 = 2_000;
const THRESHOLDS: [&str; 2] = ["2", "5"];

fn barsmith(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_barsmith")).args(args).output().unwrap();
    assert!(output.status.success(), "barsmith {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

/// Day 1 as history (a batch run with its checkpoint, in `format`), days 2 and 3 served live, and one batch
/// run over the three days (`all/`).
struct Setup {
    dir: tempfile::TempDir,
    live_trades: Vec<u8>,
}

impl Setup {
    fn new(format: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let days: Vec<PathBuf> = (0..3)
            .map(|i| {
                let path = dir.path().join(format!("{SYMBOL}-aggTrades-2026-01-0{}.csv", i + 1));
                std::fs::write(&path, day_csv(0, DAY1 + i, i as u64, TRADES_PER_DAY)).unwrap();
                path
            })
            .collect();
        let s = |p: &Path| p.to_str().unwrap().to_string();
        let (all, hist) = (format!("{}/", s(&dir.path().join("all"))), format!("{}/", s(&dir.path().join("hist"))));
        let thresholds = THRESHOLDS.join(",");
        let base = ["bars", "--threshold-dbps", &thresholds, "--format", format, "-q"];
        barsmith(&[&base[..], &[&s(&days[0]), &s(&days[1]), &s(&days[2]), "-o", &all]].concat());
        let checkpoint = s(&dir.path().join("day1.json"));
        barsmith(&[&base[..], &[&s(&days[0]), "-o", &hist, "--checkpoint-out", &checkpoint]].concat());
        let mut live_trades = std::fs::read(&days[1]).unwrap();
        live_trades.extend(std::fs::read(&days[2]).unwrap());
        Setup { dir, live_trades }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn server(&self, faults: Vec<Fault>, rate: f64) -> StandIn {
        let mut script = Script::new(Market::Spot, trades_from_csv(SYMBOL, &self.live_trades), rate);
        script.faults = faults;
        script.lifetime = Duration::from_secs(60);
        StandIn::start(script)
    }

    fn last_id(&self) -> String {
        trades_from_csv(SYMBOL, &self.live_trades).last().unwrap().1.agg_trade_id.to_string()
    }

    /// `barsmith live` from `checkpoint_in` to the last id, into `output`.
    fn live(&self, server: &StandIn, checkpoint_in: &str, format: &str, output: &str, thresholds: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_barsmith"));
        command.args(["live", SYMBOL, "--threshold-dbps", thresholds, "--format", format]);
        command.args(["--ws-url", &server.ws_url, "--rest-url", &server.rest_url]);
        command.args(["--checkpoint-in", checkpoint_in, "--checkpoint-out", &self.path("live.json")]);
        command.args(["--checkpoint-every", "20ms", "--stall-timeout", "300ms"]);
        command.args(["--until-id", &self.last_id(), "-o", output]);
        command
    }

    /// The files of `dir` at `dbps` with `extension`, in name order.
    fn files(&self, dir: &str, dbps: &str, extension: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.contains(&format!("-{dbps}dbps")) && name.ends_with(extension)
            })
            .collect();
        files.sort();
        files
    }

    /// The CSV rows (headers dropped) of `dir` at `dbps`.
    fn csv_rows(&self, dir: &str, dbps: &str) -> (String, Vec<String>) {
        let mut header = String::new();
        let mut rows = Vec::new();
        for file in self.files(dir, dbps, ".csv") {
            let text = std::fs::read_to_string(file).unwrap();
            header = text.lines().next().unwrap().to_string();
            rows.extend(text.lines().skip(1).map(str::to_string));
        }
        (header, rows)
    }

    /// The rows of `dir`'s Parquet files at `dbps`, one single-row batch each.
    fn parquet_rows(&self, dir: &str, dbps: &str) -> Vec<RecordBatch> {
        let mut rows = Vec::new();
        for file in self.files(dir, dbps, ".parquet") {
            let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(file).unwrap()).unwrap().build().unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                rows.extend((0..batch.num_rows()).map(|row| batch.slice(row, 1)));
            }
        }
        rows
    }

    /// hist + live == all in Parquet, per threshold, schema and every value of every row.
    fn assert_parquet_continues(&self, what: &str) {
        for dbps in THRESHOLDS {
            let all = self.parquet_rows("all", dbps);
            let joined: Vec<RecordBatch> =
                self.parquet_rows("hist", dbps).into_iter().chain(self.parquet_rows("live", dbps)).collect();
            assert!(joined.len() > self.parquet_rows("hist", dbps).len() + 10, "{what}: few live bars at {dbps}");
            assert_eq!(joined.len(), all.len(), "{what}: {dbps} dbps: bar counts differ");
            for (index, (a, b)) in joined.iter().zip(&all).enumerate() {
                assert_eq!(a.schema(), b.schema(), "{what}: {dbps} dbps: row {index}: schema");
                for column in 0..a.num_columns() {
                    let (x, y): (&dyn Array, &dyn Array) = (a.column(column).as_ref(), b.column(column).as_ref());
                    assert!(x == y, "{what}: {dbps} dbps: row {index}, column {}", a.schema().field(column).name());
                }
            }
        }
    }
}

/// A CSV row as the NDJSON object `barsmith live --format ndjson` documents.
fn expected_json(header: &str, row: &str) -> String {
    let fields: Vec<String> = header
        .split(',')
        .zip(row.split(','))
        .map(|(name, value)| match value {
            "" => format!("\"{name}\":null"),
            _ if name == "symbol" => format!("\"{name}\":\"{value}\""),
            _ => format!("\"{name}\":{value}"),
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

#[test]
fn ndjson_on_stdout_is_the_batch_csv_rows_one_object_per_line() {
    let setup = Setup::new("csv");
    let server = setup.server(vec![Fault::Drop { after: 900 }, Fault::Swap { at: 1_500 }], 20_000.0);
    let output = setup.live(&server, &setup.path("day1.json"), "ndjson", "-", "5").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (header, all) = setup.csv_rows("all", "5");
    let (_, hist) = setup.csv_rows("hist", "5");
    let live: Vec<&str> = std::str::from_utf8(&output.stdout).unwrap().lines().collect();
    assert!(
        live.len() > 10 && hist.len() + live.len() == all.len(),
        "{} + {} != {}",
        hist.len(),
        live.len(),
        all.len()
    );
    for (line, row) in live.iter().zip(&all[hist.len()..]) {
        assert_eq!(*line, expected_json(&header, row));
        let object: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(object.as_object().unwrap().len(), header.split(',').count());
    }
}

#[test]
fn parquet_day_files_equal_a_batch_parquet_run_value_by_value() {
    let setup = Setup::new("parquet");
    let server = setup.server(vec![Fault::Drop { after: 1_000 }, Fault::Hole { from: 2_500, len: 20 }], 20_000.0);
    let output = setup.live(&server, &setup.path("day1.json"), "parquet", &setup.path("live/"), "2,5").output();
    let output = output.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    setup.assert_parquet_continues("no kill");
    // The ended day's staging file is gone; the open day keeps its staging file beside its Parquet file.
    for dbps in THRESHOLDS {
        let staging: Vec<String> = setup
            .files("live", dbps, ".staging")
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(staging, [format!("{SYMBOL}-{dbps}dbps-2026-01-03.parquet.staging")]);
        assert_eq!(setup.files("live", dbps, ".parquet").len(), 2);
    }
}

/// `kill -9` at random moments with restarts (barsmith_test_support::kill) of `barsmith live` in `format`.
fn kill_9_until_done(setup: &Setup, server: &StandIn, format: &str) -> u32 {
    let (checkpoint, first) = (PathBuf::from(setup.path("live.json")), PathBuf::from(setup.path("day1.json")));
    let live = setup.path("live/");
    kill::kill_9_until_done(&checkpoint, &first, 0x9a7e, Duration::from_secs(60), |checkpoint_in| {
        setup.live(server, checkpoint_in.to_str().unwrap(), format, &live, "2,5")
    })
}

#[test]
fn kill_9_at_random_moments_then_restart_parquet_yields_every_bar_exactly_once() {
    let setup = Setup::new("parquet");
    let server = setup.server(vec![Fault::Drop { after: 2_300 }], 3_000.0);
    let kills = kill_9_until_done(&setup, &server, "parquet");
    setup.assert_parquet_continues(&format!("{kills} kills"));
}

#[test]
fn kill_9_at_random_moments_then_restart_ndjson_yields_every_bar_exactly_once() {
    let setup = Setup::new("csv");
    let server = setup.server(vec![Fault::Drop { after: 2_300 }], 3_000.0);
    let kills = kill_9_until_done(&setup, &server, "ndjson");
    for dbps in THRESHOLDS {
        let (header, all) = setup.csv_rows("all", dbps);
        let (_, hist) = setup.csv_rows("hist", dbps);
        let mut lines = Vec::new();
        for file in setup.files("live", dbps, ".ndjson") {
            lines.extend(std::fs::read_to_string(file).unwrap().lines().map(str::to_string));
        }
        assert_eq!(hist.len() + lines.len(), all.len(), "{kills} kills: {dbps} dbps: bar counts differ");
        for (index, (line, row)) in lines.iter().zip(&all[hist.len()..]).enumerate() {
            assert_eq!(*line, expected_json(&header, row), "{kills} kills: {dbps} dbps: live row {index}");
        }
    }
}

#[test]
fn parquet_to_stdout_is_refused_naming_the_output() {
    let output = Command::new(env!("CARGO_BIN_EXE_barsmith"))
        .args(["live", SYMBOL, "--threshold-dbps", "10", "--format", "parquet", "-o", "-"])
        .args(["--ws-url", "ws://127.0.0.1:9", "--rest-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Parquet cannot go to standard output") && stderr.contains("-o"), "{stderr}");
}
