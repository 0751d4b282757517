//! `barsmith_binance::fetch` (`barsmith::fetch`) against a local mirror (127.0.0.1 only): verified downloads, skips, checksum mismatches,
//! missing days, broken transfers resumed with Range, slow responses, 503s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use barsmith_binance::calendar::Day;
use barsmith_binance::check::checksum::{checksum_path, sha256_file, sha256_reader};
use barsmith_binance::fetch::{
    ArchiveOutcome, FetchRequest, FetchSummary, Granularity, Market, NoProgress, fetch, part_path,
};
use barsmith_test_support::archives::day_csv;
use barsmith_test_support::mirror::{Fault, Mirror};

const SYMBOLS: [&str; 2] = ["AAAUSDT", "BBBUSDT"];
const DAYS: [&str; 3] = ["2024-03-01", "2024-03-02", "2024-03-03"];

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn remote_path(symbol: &str, day: &str) -> String {
    format!("data/spot/daily/aggTrades/{symbol}/{symbol}-aggTrades-{day}.zip")
}

/// Two symbols × three days of archives with correct checksums; returns the served archive bytes by path.
fn serve_good_mirror(mirror: &Mirror) -> Vec<(String, Vec<u8>)> {
    let mut served = Vec::new();
    for (s, symbol) in SYMBOLS.iter().enumerate() {
        for (d, text) in DAYS.iter().enumerate() {
            let path = remote_path(symbol, text);
            let bytes =
                mirror.put_archive(&path, &day_csv(s as u64, day(text).days_since_epoch(), d as u64, 3_000), true);
            served.push((path, bytes));
        }
    }
    served
}

fn request(mirror: &Mirror, output: &Path) -> FetchRequest {
    let mut request = FetchRequest::new(
        SYMBOLS.iter().map(|s| s.to_string()).collect(),
        Market::Spot,
        (DAYS[0].parse().unwrap(), DAYS[2].parse().unwrap()),
        output.to_path_buf(),
    );
    request.base_url = mirror.base_url.clone();
    request.today = day("2024-03-10");
    request.jobs = 3;
    request.retries = 3;
    request.backoff = Duration::from_millis(10);
    request.connect_timeout = Duration::from_secs(5);
    request.read_timeout = Duration::from_millis(400);
    request
}

fn local(output: &Path, remote: &str) -> PathBuf {
    output.join(remote.strip_prefix("data/").unwrap())
}

fn outcome_of<'a>(summary: &'a FetchSummary, remote: &str) -> &'a ArchiveOutcome {
    let name = remote.rsplit('/').next().unwrap();
    &summary.archives.iter().find(|r| r.archive.file_name() == name).expect("planned").outcome
}

/// No `.part` file anywhere under `dir`.
fn assert_no_partial_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_no_partial_files(&path);
        } else {
            assert!(!path.to_string_lossy().ends_with(".part"), "left behind: {}", path.display());
        }
    }
}

#[test]
fn fetches_verified_archives_in_the_remote_layout_and_skips_them_on_rerun() {
    let mirror = Mirror::start();
    let served = serve_good_mirror(&mirror);
    let output = tempfile::tempdir().unwrap();
    let request = request(&mirror, output.path());
    let summary = fetch(&request, &NoProgress).unwrap();
    assert!(summary.is_complete());
    assert_eq!(summary.fetched().count(), 6);
    assert_eq!(summary.bytes_received(), served.iter().map(|(_, b)| b.len() as u64).sum::<u64>());
    for (remote, bytes) in &served {
        let path = local(output.path(), remote);
        assert_eq!(std::fs::read(&path).unwrap(), *bytes, "{remote}");
        let recorded = std::fs::read_to_string(checksum_path(&path)).unwrap();
        let name = remote.rsplit('/').next().unwrap();
        assert_eq!(recorded, format!("{}  {name}\n", sha256_reader(&bytes[..]).unwrap()));
    }
    assert_eq!(summary.files().len(), 6);
    assert!(summary.files()[0].ends_with("spot/daily/aggTrades/AAAUSDT/AAAUSDT-aggTrades-2024-03-01.zip"));
    assert_no_partial_files(output.path());

    let requests_before = mirror.request_count();
    let again = fetch(&request, &NoProgress).unwrap();
    assert_eq!(again.skipped().count(), 6);
    assert!(again.archives.iter().all(|r| r.outcome == ArchiveOutcome::Skipped { rehashed: false }));
    assert_eq!(mirror.request_count(), requests_before, "a rerun makes no request");

    // --verify re-hashes; a corrupted archive is fetched again.
    let corrupted = local(output.path(), &served[4].0);
    std::fs::write(&corrupted, b"not the archive").unwrap();
    let verify = FetchRequest { verify: true, ..request.clone() };
    let verified = fetch(&verify, &NoProgress).unwrap();
    assert!(verified.is_complete());
    assert_eq!(verified.fetched().count(), 1);
    assert!(matches!(outcome_of(&verified, &served[4].0), ArchiveOutcome::Fetched { .. }));
    assert_eq!(verified.skipped().filter(|r| r.outcome == ArchiveOutcome::Skipped { rehashed: true }).count(), 5);
    assert_eq!(std::fs::read(&corrupted).unwrap(), served[4].1);

    // An archive present without its record is hashed against the server's checksum and kept.
    std::fs::remove_file(checksum_path(&corrupted)).unwrap();
    let rerecorded = fetch(&request, &NoProgress).unwrap();
    assert_eq!(outcome_of(&rerecorded, &served[4].0), &ArchiveOutcome::Skipped { rehashed: true });
    assert!(checksum_path(&corrupted).is_file());
}

#[test]
fn a_wrong_checksum_is_retried_once_then_reported_and_nothing_is_kept() {
    let mirror = Mirror::start();
    serve_good_mirror(&mirror);
    let bad = remote_path("BBBUSDT", "2024-03-02");
    mirror.put_archive(&bad, &day_csv(1, day("2024-03-02").days_since_epoch(), 1, 3_000), false);
    let output = tempfile::tempdir().unwrap();
    let summary = fetch(&request(&mirror, output.path()), &NoProgress).unwrap();
    assert!(!summary.is_complete());
    assert_eq!((summary.fetched().count(), summary.failed().count()), (5, 1));
    let ArchiveOutcome::Failed { reason } = outcome_of(&summary, &bad) else { panic!("not a failure") };
    assert!(reason.contains("SHA-256 mismatch on two downloads"), "{reason}");
    assert_eq!(mirror.requests_for(&format!("/{bad}")).len(), 2, "one retry");
    assert_eq!(mirror.requests_for(&format!("/{bad}.CHECKSUM")).len(), 2, "the checksum is fetched afresh");
    let path = local(output.path(), &bad);
    assert!(!path.exists() && !checksum_path(&path).exists() && !part_path(&path).exists());
    assert!(!summary.files().contains(&path));
}

/// Records the checksum mismatches it hears of; says "cancelled" once `cancel_after` archives finished.
struct Watcher {
    mismatches: std::sync::Mutex<Vec<(String, String, String)>>,
    finished: std::sync::atomic::AtomicUsize,
    cancel_after: usize,
}

impl barsmith_binance::fetch::FetchProgress for Watcher {
    fn finished(&self, _report: &barsmith_binance::fetch::ArchiveReport) {
        self.finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn checksum_mismatch(&self, archive: &barsmith_binance::fetch::Archive, expected: &str, actual: &str) {
        self.mismatches.lock().unwrap().push((archive.file_name(), expected.to_owned(), actual.to_owned()));
    }
    fn cancelled(&self) -> bool {
        self.finished.load(std::sync::atomic::Ordering::SeqCst) >= self.cancel_after
    }
}

#[test]
fn progress_hears_of_checksum_mismatches_and_can_cancel() {
    let mirror = Mirror::start();
    serve_good_mirror(&mirror);
    let bad = remote_path("AAAUSDT", "2024-03-02");
    let served = mirror.put_archive(&bad, &day_csv(0, day("2024-03-02").days_since_epoch(), 1, 3_000), false);
    let output = tempfile::tempdir().unwrap();
    let watcher = Watcher { mismatches: Default::default(), finished: Default::default(), cancel_after: usize::MAX };
    let summary = fetch(&request(&mirror, output.path()), &watcher).unwrap();
    let expected = sha256_reader(&b"something else"[..]).unwrap();
    let actual = sha256_reader(&served[..]).unwrap();
    let name = bad.rsplit('/').next().unwrap().to_owned();
    assert_eq!(*watcher.mismatches.lock().unwrap(), vec![(name, expected, actual)]);
    assert_eq!(summary.failed().count(), 1);

    // Cancelled after the first archive: one job, so nothing else is begun.
    let output = tempfile::tempdir().unwrap();
    let watcher = Watcher { mismatches: Default::default(), finished: Default::default(), cancel_after: 1 };
    let summary = fetch(&FetchRequest { jobs: 1, ..request(&mirror, output.path()) }, &watcher).unwrap();
    assert_eq!(summary.archives.len(), 1);
    assert_eq!(summary.fetched().count(), 1);
}

#[test]
fn a_missing_day_is_listed_not_failed() {
    let mirror = Mirror::start();
    serve_good_mirror(&mirror);
    let output = tempfile::tempdir().unwrap();
    let mut request = request(&mirror, output.path());
    request.range.1 = "2024-03-04".parse().unwrap();
    let summary = fetch(&request, &NoProgress).unwrap();
    assert!(summary.is_complete());
    assert_eq!((summary.fetched().count(), summary.missing().count()), (6, 2));
    let missing = remote_path("AAAUSDT", "2024-03-04");
    assert_eq!(outcome_of(&summary, &missing), &ArchiveOutcome::Missing);
    assert_eq!(mirror.requests_for(&format!("/{missing}")), [("HEAD".to_owned(), None)]);
    assert!(!local(output.path(), &missing).exists());
}

#[test]
fn a_transfer_broken_half_way_resumes_with_a_range_request() {
    let mirror = Mirror::start();
    let served = serve_good_mirror(&mirror);
    let (remote, bytes) = &served[1];
    let half = bytes.len() / 2;
    mirror.fault(&format!("/{remote}"), Fault::BreakAfter { bytes: half, times: 1 });
    let output = tempfile::tempdir().unwrap();
    let summary = fetch(&request(&mirror, output.path()), &NoProgress).unwrap();
    assert!(summary.is_complete(), "{:?}", summary.failed().collect::<Vec<_>>());
    assert_eq!(outcome_of(&summary, remote), &ArchiveOutcome::Fetched { bytes: bytes.len() as u64, resumed_from: 0 });
    let requests = mirror.requests_for(&format!("/{remote}"));
    assert_eq!(requests, [("GET".to_owned(), None), ("GET".to_owned(), Some(format!("bytes={half}-")))]);
    let path = local(output.path(), remote);
    assert_eq!(sha256_file(&path).unwrap(), sha256_reader(&bytes[..]).unwrap());
}

#[test]
fn a_partial_file_from_an_earlier_run_is_continued_and_a_stale_one_replaced() {
    let mirror = Mirror::start();
    let served = serve_good_mirror(&mirror);
    let output = tempfile::tempdir().unwrap();
    let (resumable, bytes) = &served[0];
    let part = part_path(&local(output.path(), resumable));
    std::fs::create_dir_all(part.parent().unwrap()).unwrap();
    std::fs::write(&part, &bytes[..1000]).unwrap();
    let (stale, stale_bytes) = &served[5];
    let stale_part = part_path(&local(output.path(), stale));
    std::fs::create_dir_all(stale_part.parent().unwrap()).unwrap();
    std::fs::write(&stale_part, vec![0u8; 700]).unwrap();

    let summary = fetch(&request(&mirror, output.path()), &NoProgress).unwrap();
    assert!(summary.is_complete(), "{:?}", summary.failed().collect::<Vec<_>>());
    let expected = ArchiveOutcome::Fetched { bytes: bytes.len() as u64 - 1000, resumed_from: 1000 };
    assert_eq!(outcome_of(&summary, resumable), &expected);
    assert_eq!(mirror.requests_for(&format!("/{resumable}")), [("GET".to_owned(), Some("bytes=1000-".to_owned()))]);
    // The stale prefix gives a mismatch; the second download starts from zero.
    assert_eq!(std::fs::read(local(output.path(), stale)).unwrap(), *stale_bytes);
    let requests = mirror.requests_for(&format!("/{stale}"));
    assert_eq!(requests, [("GET".to_owned(), Some("bytes=700-".to_owned())), ("GET".to_owned(), None)]);
    assert_no_partial_files(output.path());
}

#[test]
fn a_slow_response_times_out_and_is_retried() {
    let mirror = Mirror::start();
    let served = serve_good_mirror(&mirror);
    let (remote, bytes) = &served[2];
    mirror.fault(&format!("/{remote}"), Fault::Delay { delay: Duration::from_secs(2), times: 1 });
    let checksum = format!("/{}.CHECKSUM", served[3].0);
    mirror.fault(&checksum, Fault::Delay { delay: Duration::from_secs(2), times: 1 });
    let output = tempfile::tempdir().unwrap();
    let summary = fetch(&request(&mirror, output.path()), &NoProgress).unwrap();
    assert!(summary.is_complete(), "{:?}", summary.failed().collect::<Vec<_>>());
    assert_eq!(summary.fetched().count(), 6);
    assert_eq!(mirror.requests_for(&format!("/{remote}")).len(), 2);
    assert_eq!(mirror.requests_for(&checksum).len(), 2);
    assert_eq!(std::fs::read(local(output.path(), remote)).unwrap(), *bytes);
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times_then_reported() {
    let mirror = Mirror::start();
    let served = serve_good_mirror(&mirror);
    let (flaky, _) = &served[3];
    mirror.fault(&format!("/{flaky}"), Fault::Status { code: 503, times: 1 });
    let (down, _) = &served[4];
    mirror.fault(&format!("/{down}"), Fault::Status { code: 503, times: 1000 });
    let output = tempfile::tempdir().unwrap();
    let summary = fetch(&request(&mirror, output.path()), &NoProgress).unwrap();
    assert!(matches!(outcome_of(&summary, flaky), ArchiveOutcome::Fetched { .. }));
    let ArchiveOutcome::Failed { reason } = outcome_of(&summary, down) else { panic!("not a failure") };
    assert!(reason.contains("HTTP 503") && reason.contains("gave up after 4 attempts"), "{reason}");
    assert_eq!(mirror.requests_for(&format!("/{down}")).len(), 4);
    assert!(!local(output.path(), down).exists());
}

#[test]
fn monthly_archives_and_bad_requests() {
    let mirror = Mirror::start();
    let monthly = "data/futures/um/monthly/aggTrades/AAAUSDT/AAAUSDT-aggTrades-2024-01.zip";
    let bytes = mirror.put_archive(monthly, &day_csv(0, day("2024-01-01").days_since_epoch(), 0, 500), true);
    let output = tempfile::tempdir().unwrap();
    let mut request = request(&mirror, output.path());
    request.symbols = vec!["aaausdt".into()];
    request.market = Market::UsdM;
    request.range = ("2024-01".parse().unwrap(), "2024-02".parse().unwrap());
    request.granularity = Granularity::Monthly;
    let summary = fetch(&request, &NoProgress).unwrap();
    assert_eq!((summary.fetched().count(), summary.missing().count()), (1, 1));
    assert_eq!(std::fs::read(output.path().join(monthly.strip_prefix("data/").unwrap())).unwrap(), bytes);

    let zero_jobs = FetchRequest { jobs: 0, ..request.clone() };
    let error = fetch(&zero_jobs, &NoProgress).unwrap_err();
    assert!(error.is_bad_input());
    // The library names the setting, not a flag; front ends spell it their way.
    assert_eq!(error.to_string(), "jobs must be at least 1");
    assert_eq!(error.describe(|_| "--jobs".to_owned()), "--jobs must be at least 1");
    let future = FetchRequest { range: ("2024-04".parse().unwrap(), "2024-05".parse().unwrap()), ..request.clone() };
    assert!(fetch(&future, &NoProgress).unwrap_err().to_string().contains("published"));
}
