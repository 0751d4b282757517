//! The one run every front end uses: a `Job` over files (in one pass or in shards) and over the same trades
//! handed over as batches gives the same bars, annotations and metadata; a front end can stop it.

use std::path::{Path, PathBuf};

use barsmith::inputs::SymbolStream;
use barsmith::pipeline::{BarConsumer, CollectBars};
use barsmith::run::{ConsumerFactory, Job, NoProgress, Progress};
use barsmith::settings::Settings;
use barsmith::{Error, ErrorKind, FeaturedBar, IngestOptions, Threshold, TradeBatch};

/// Bars and annotations of one stream, and the metadata its outputs would record.
#[derive(Debug, Default, PartialEq)]
struct Kept {
    bars: CollectBars,
    annotations: Vec<(String, String)>,
    metadata: Vec<Vec<(String, String)>>,
    finished: bool,
}

impl BarConsumer for Kept {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        self.bars.bar(index, bar, complete)
    }

    fn annotate(&mut self, key: &str, value: &str) {
        self.annotations.push((key.to_string(), value.to_string()));
    }

    fn annotate_threshold(&mut self, threshold: usize, key: &str, value: &str) {
        self.annotations.push((format!("{threshold}.{key}"), value.to_string()));
    }

    fn finish(&mut self) -> Result<(), Error> {
        self.finished = true;
        Ok(())
    }
}

struct Keep;

impl ConsumerFactory for Keep {
    type Consumer = Kept;

    fn open(&self, job: &Job, streams: &[SymbolStream]) -> Result<Vec<Kept>, Error> {
        let metadata = |stream| (0..job.settings.thresholds.len()).map(|i| job.metadata(stream, i).pairs()).collect();
        Ok(streams.iter().map(|stream| Kept { metadata: metadata(stream), ..Kept::default() }).collect())
    }
}

/// The bundled fixture's records cut into `days` daily files.
fn write_days(dir: &Path, days: usize) -> Vec<PathBuf> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv");
    let text = std::fs::read(fixture).unwrap();
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let per_day = lines.len() / days;
    (0..days)
        .map(|day| {
            let path = dir.join(format!("BTCUSDT-aggTrades-2026-01-{:02}.csv", day + 1));
            let end = if day + 1 == days { lines.len() } else { (day + 1) * per_day };
            std::fs::write(&path, lines[day * per_day..end].concat()).unwrap();
            path
        })
        .collect()
}

fn job(threads: usize) -> Job {
    let mut settings = Settings::new(vec![Threshold::from_dbps(10).unwrap(), Threshold::from_dbps(25).unwrap()]);
    settings.set("include_incomplete", "true").unwrap();
    settings.set("threads", &threads.to_string()).unwrap();
    settings.set("sharding", "always").unwrap();
    let mut job = Job::new(settings);
    job.symbol = Some("BTCUSDT".to_string());
    job
}

#[test]
fn files_in_one_pass_in_shards_and_as_batches_give_the_same_bars_and_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_days(dir.path(), 3);
    let run = |threads| {
        let job = job(threads);
        let plan = job.plan(&[dir.path().to_path_buf()], true).unwrap();
        let mut output = job.run(plan, &Keep, &NoProgress).unwrap();
        assert_eq!(output.summary.streams[0].shards, if threads > 1 { 3 } else { 1 });
        output.consumers.remove(0)
    };
    let one = run(1);
    assert!(one.finished && one.bars.completed.len() > 50 && one.bars.incomplete.len() == 2);
    assert_eq!(run(3), one);
    let annotations: Vec<(&str, &str)> = one.annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let expected = [
        ("0.id_gaps", "0"),
        ("0.missing_ids", "0"),
        ("1.id_gaps", "0"),
        ("1.missing_ids", "0"),
        ("dropped_duplicates", "0"),
    ];
    assert_eq!(annotations, expected);

    // The same trades from the caller, 777 at a time: the same bars; no files in the metadata.
    let mut trades = TradeBatch::new();
    for file in &files {
        let mut reader = barsmith::ingest::open(file, &IngestOptions::default()).unwrap();
        reader.read_to_end().unwrap().iter().for_each(|trade| trades.push(&trade));
    }
    let mut at = 0;
    let next = |batch: &mut TradeBatch| -> Result<bool, Error> {
        batch.clear();
        let end = (at + 777).min(trades.len());
        (at..end).for_each(|i| batch.push(&trades.get(i).unwrap()));
        at = end;
        Ok(!batch.is_empty())
    };
    let mut output = job(1).run_batches(&Keep, &NoProgress, next).unwrap();
    let batches = output.consumers.remove(0);
    // Bars of different thresholds interleave by batch; each threshold's bars are the same.
    for threshold in 0..2 {
        let of = |kept: &Kept| -> Vec<FeaturedBar> {
            let all = kept.bars.completed.iter().chain(&kept.bars.incomplete);
            all.filter(|(i, _)| *i == threshold).map(|(_, bar)| *bar).collect()
        };
        assert_eq!(of(&batches), of(&one), "threshold {threshold}");
    }
    assert_eq!(batches.annotations, one.annotations);
    let inputs = |kept: &Kept| kept.metadata[0].iter().find(|(k, _)| k == "barsmith.inputs").unwrap().1.clone();
    assert_eq!(inputs(&batches), "[]");
    assert!(inputs(&one).contains("BTCUSDT-aggTrades-2026-01-03.csv"));
    let without_inputs = |kept: &Kept| kept.metadata[1].iter().filter(|(k, _)| k != "barsmith.inputs").count();
    assert_eq!(without_inputs(&batches), without_inputs(&one));
}

/// Stops at once.
struct Stop;

impl Progress for Stop {
    fn advanced(&self, _bytes: u64, _trades: u64) {}

    fn cancelled(&self) -> bool {
        true
    }
}

#[test]
fn a_front_end_stops_a_run_between_batches() {
    let dir = tempfile::tempdir().unwrap();
    write_days(dir.path(), 2);
    for threads in [1, 2] {
        let job = job(threads);
        let plan = job.plan(&[dir.path().to_path_buf()], true).unwrap();
        let error = job.run(plan, &Keep, &Stop).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Cancelled), "{threads} threads: {error}");
    }
}
