//! Issues 12 and 18, inputs and output names: directories, Binance names, symbols, the daily chain, and the
//! three commands of issue 12 (with `.zip`, `.csv.zst` and stdin).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use barsmith_test_support::archives::write_zip;
use barsmith_test_support::command::TestCommand;
use barsmith_test_support::read_dir_sorted;
use common::{cmd, command, csv_of, day_config, error_line, s, stderr, tree, write_daily_zip};

/// `barsmith bars --threshold-dbps DBPS`.
fn bars(dbps: &str) -> TestCommand {
    cmd().args(["bars", "--threshold-dbps", dbps])
}

/// A directory with one good day in each of several spellings and places, plus files to skip.
fn messy_directory(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("spot/daily/aggTrades/XUSDT")).unwrap();
    let write = |name: &str, day: u32| std::fs::write(data.join(name), csv_of(&day_config(1, day, 3_000))).unwrap();
    write("XUSDT-aggTrades-2026-01-01.csv", 1);
    write("XUSDT-aggTrades-2026-01-02.CSV", 2);
    write("xusdt-aggTrades-2026-01-03.csv", 3);
    write("spot/daily/aggTrades/XUSDT/XUSDT-aggTrades-2026-01-04.csv", 4);
    write_daily_zip(&data, "BTCUSD_PERP", 1, &day_config(2, 1, 3_000));
    std::fs::write(data.join("XUSDT-aggTrades-2026-01-01.csv.CHECKSUM"), "0  x\n").unwrap();
    std::fs::write(data.join("notes.txt"), "hello").unwrap();
    data
}

#[test]
fn a_directory_is_searched_recursively_and_skipped_files_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = messy_directory(dir.path());
    let out = dir.path().join("out");
    let messages =
        bars("10").args(["--features", "none"]).arg(&data).arg("-o").arg(&out).arg("-q").assert_ok().stderr_text();
    assert!(messages.contains("notes.txt: not an aggTrades file name"), "{messages}");
    assert!(!messages.contains("checksum file"), "checksum files are not noted under -q: {messages}");
    assert_eq!(
        tree(&out),
        ["BTCUSD_PERP-10dbps-2026-01-01.csv", "XUSDT-10dbps-2026-01-01_2026-01-04.csv"],
        "COIN-M recognised; four days of XUSDT in one stream"
    );
}

#[test]
fn a_near_miss_name_in_a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = messy_directory(dir.path());
    std::fs::write(data.join("XUSDT-aggTrades-2026-01-02 (1).csv"), csv_of(&day_config(1, 2, 3_000))).unwrap();
    let out = dir.path().join("out");
    let line = error_line(&bars("10").arg(&data).arg("-o").arg(&out).assert_exit(2).output);
    assert!(line.contains("XUSDT-aggTrades-2026-01-02 (1).csv") && line.contains("second copy"), "{line}");
    assert!(!out.exists());
}

#[test]
fn symbol_refuses_files_of_another_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let btc = write_daily_zip(dir.path(), "BTCUSDT", 1, &day_config(1, 1, 2_000));
    let eth = write_daily_zip(dir.path(), "ETHUSDT", 2, &day_config(2, 2, 2_000));
    let output = bars("10").args(["--symbol", "BTCUSDT"]).arg(&btc).arg(&eth).args(["-o", "-"]).assert_exit(2).output;
    let line = error_line(&output);
    assert!(line.contains("--symbol BTCUSDT") && line.contains("ETHUSDT-aggTrades-2026-01-02.zip"), "{line}");
    assert!(output.stdout.is_empty());
    // Without --symbol, one output file cannot take two symbols either.
    let output = bars("10").arg(&btc).arg(&eth).args(["-o", "-"]).assert_exit(2).output;
    assert!(error_line(&output).contains("BTCUSDT at 10 dbps, ETHUSDT at 10 dbps"));
}

/// CSV rows of `text` whose last field (`is_complete`) is `true`, without that field.
fn complete_rows(text: &str) -> Vec<String> {
    text.lines().skip(1).filter_map(|line| line.strip_suffix(",true").map(str::to_string)).collect()
}

#[test]
fn a_three_day_chain_into_one_directory_reads_back_as_one_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let days: Vec<PathBuf> =
        (1..=3).map(|day| write_daily_zip(&inputs, "CCCUSDT", day, &day_config(7, day, 12_000))).collect();
    let common = ["--threshold-dbps", "10", "--lookback", "count:200", "--include-incomplete", "-q"];
    for format in ["csv", "parquet"] {
        let out = dir.path().join(format!("{format}-out"));
        let mut previous: Option<PathBuf> = None;
        for (day, file) in days.iter().enumerate() {
            let checkpoint = dir.path().join(format!("{format}-day{day}.json"));
            let run = cmd().arg("bars").arg(file).arg("-o").arg(&out).args(["--format", format, "--checkpoint-out"]);
            let mut run = run.arg(&checkpoint).args(common);
            if let Some(previous) = &previous {
                run = run.arg("--checkpoint-in").arg(previous);
            }
            run.assert_ok();
            previous = Some(checkpoint);
        }
        let names: Vec<String> = (1..=3).map(|d| format!("CCCUSDT-10dbps-2026-01-0{d}.{format}")).collect();
        assert_eq!(tree(&out), names, "one file per day, yesterday's kept");
    }
    // The same three days in one run: its complete bars are the chain's complete bars, in order.
    let whole = dir.path().join("whole.csv");
    cmd().arg("bars").args(&days).arg("-o").arg(&whole).args(common).assert_ok();
    let whole_rows = complete_rows(&std::fs::read_to_string(&whole).unwrap());
    let mut chained = Vec::new();
    for name in read_dir_sorted(&dir.path().join("csv-out")) {
        chained.extend(complete_rows(std::str::from_utf8(&name.1).unwrap()));
    }
    assert!(whole_rows.len() > 20);
    assert_eq!(chained, whole_rows);
    // Parquet: every file read as one dataset, `is_complete` rows only, gives the same bars.
    let first_ids: Vec<i64> = whole_rows.iter().map(|r| r.split(',').nth(17).unwrap().parse().unwrap()).collect();
    assert_eq!(parquet_complete_first_ids(&dir.path().join("parquet-out")), first_ids);
}

/// `first_agg_trade_id` of the `is_complete` rows of every Parquet file in `dir`, files in name order.
fn parquet_complete_first_ids(dir: &Path) -> Vec<i64> {
    use arrow_array::{Array, BooleanArray, Int64Array};
    let mut ids = Vec::new();
    for (name, _) in read_dir_sorted(dir) {
        let file = std::fs::File::open(dir.join(&name)).unwrap();
        let reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let id = batch.column_by_name("first_agg_trade_id").unwrap().as_any().downcast_ref::<Int64Array>().unwrap();
            let complete =
                batch.column_by_name("is_complete").unwrap().as_any().downcast_ref::<BooleanArray>().unwrap();
            ids.extend((0..batch.num_rows()).filter(|&i| complete.value(i)).map(|i| id.value(i)));
        }
        assert!(name.ends_with(".parquet"));
    }
    ids
}

/// Issue 12's three commands: the first needs no symbol (also from .zip, .csv.zst and stdin).
#[test]
fn one_stream_to_one_output_needs_no_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let csv = csv_of(&day_config(5, 1, 5_000));
    let plain = dir.path().join("BTCUSDT-aggTrades-2026-01-01.head5000.csv");
    std::fs::write(&plain, &csv).unwrap();
    let packed = dir.path().join("sample.csv.zst");
    std::fs::write(&packed, zstd::encode_all(&csv[..], 3).unwrap()).unwrap();
    let zipped = dir.path().join("sample.zip");
    write_zip(&zipped, "sample.csv", &csv);
    let bars_of = |input: &Path| {
        let out = dir.path().join("bars.csv");
        bars("10").arg(input).arg("-o").arg(&out).assert_ok();
        std::fs::read(&out).unwrap()
    };
    let expected = bars_of(&plain);
    assert!(expected.iter().filter(|&&b| b == b'\n').count() > 5);
    assert_eq!(bars_of(&packed), expected);
    assert_eq!(bars_of(&zipped), expected);
    let mut child = command()
        .args(["bars", "--threshold-dbps", "10", "-", "-o", "-", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&csv).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(output.stdout, expected, "stdin");
}

/// Issue 12's second command: `-o out` for several outputs is a directory, parents included, no slash needed.
#[test]
fn several_outputs_go_to_a_directory_unless_the_path_has_an_output_extension() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for (symbol, seed) in [("AAAUSDT", 1), ("BBBUSDT", 2)] {
        write_daily_zip(&data, symbol, 1, &day_config(seed, 1, 4_000));
    }
    let out = dir.path().join("results/today");
    bars("5,10,25").args(["--features", "none"]).arg(&data).arg("-o").arg(&out).assert_ok();
    assert_eq!(tree(&out).len(), 6, "{:?}", tree(&out));
    let single = dir.path().join("bars.parquet");
    let line = error_line(&bars("5,10,25").arg(&data).arg("-o").arg(&single).assert_exit(2).output);
    assert!(line.contains("6 outputs") && line.contains("AAAUSDT at 5 dbps") && line.contains("collide"), "{line}");
}

/// Issue 12's third command: corrupt compressed data, said once with the byte offset.
#[test]
fn corrupt_compressed_input_is_said_once_with_its_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.csv.zst");
    let packed = zstd::encode_all(&csv_of(&day_config(5, 1, 20_000))[..], 3).unwrap();
    std::fs::write(&broken, &packed[..packed.len() / 2]).unwrap();
    let out = dir.path().join("bars.csv");
    let line = error_line(&bars("10").arg(&broken).arg("-o").arg(&out).assert_exit(2).output);
    assert!(
        line.starts_with(&format!("error: {}: corrupt or truncated compressed data near byte ", s(&broken))),
        "{line}"
    );
    assert!(line.contains("of the compressed file") && line.contains("fetch it again"), "{line}");
    assert_eq!(line.matches("corrupt").count(), 1, "{line}");
    assert_eq!(tree(dir.path()), ["broken.csv.zst"]);
}

/// Trial findings 9 and 17: what `fetch` leaves in a folder (`.CHECKSUM` files, and a `.zip.part` when it was
/// interrupted) does not stop `bars`: the unfinished download is one note with the remedy, the checksum files
/// one note in all, and none under `-q`.
#[test]
fn unfinished_downloads_and_checksum_files_are_skipped_with_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for day in [1, 2] {
        let zip = write_daily_zip(&data, "PUSDT", day, &day_config(4, day, 2_000));
        std::fs::write(format!("{}.CHECKSUM", zip.display()), "0  name\n").unwrap();
    }
    std::fs::write(data.join("PUSDT-aggTrades-2026-01-03.zip.part"), b"PK\x03\x04 partial").unwrap();
    let out = dir.path().join("out");
    let text = bars("10").arg(&data).arg("-o").arg(&out).assert_ok().stderr_text();
    let notes: Vec<&str> = text.lines().filter(|l| l.starts_with("note: ignored")).collect();
    assert_eq!(notes.len(), 2, "one line per reason: {text}");
    assert!(
        notes.iter().any(|l| l.contains("2026-01-03.zip.part") && l.contains("run the same fetch again")),
        "{text}"
    );
    assert!(notes.iter().any(|l| l.contains("ignored 2 files (checksum file)")), "{text}");
    let quiet = cmd().args(["bars", "-q", "--threshold-dbps", "10"]).arg(&data).arg("-o").arg(dir.path().join("q"));
    let text = quiet.assert_ok().stderr_text();
    assert!(!text.contains("checksum file"), "no checksum note under -q: {text}");
    assert!(text.contains(".zip.part"), "the unfinished download is still said under -q: {text}");
}
