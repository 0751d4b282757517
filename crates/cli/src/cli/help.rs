//! Help texts: one example per command, the feature groups and lookback forms, the long version.

/// After `barsmith --help`.
pub const MAIN_EXAMPLE: &str = "\
Example:
  barsmith bars --threshold-dbps 250 BTCUSDT-aggTrades-2026-01-01.zip -o bars.parquet

Output columns: docs/OUTPUT.md. Inputs and their errors: docs/INGEST.md.";

/// After `barsmith bars --help`.
pub const BARS_AFTER_HELP: &str = "\
Feature groups (--features, default bar,intra,lookback; `none` for bars only):
  bar       10 columns from the bar's own totals (ofi, price_impact, trade_intensity, ...)
  intra     19 intra_* columns over the bar's own records (PE, Hurst, Kyle lambda, ...)
  lookback  19 lookback_* columns over the records before the bar's open
  --no-pe and --no-hurst drop the permutation-entropy and Hurst columns of intra and lookback.

Lookback forms (--lookback, default count:500):
  count:N     the N records before the bar's opening record
  time:D      the records in the D before the open (D: 500ms, 30s, 5m, 1h)
  bars:K      the records of the K bars before this one

Threshold: --threshold-dbps T closes a bar when a price moves T dbps (T/100000 of the open) away from the
open, up or down; so high - low can reach twice the threshold.

Bar kinds (--bars, comma-separated, built in the same pass; docs/BARS.md):
  range:250              range bars (= --threshold-dbps 250); --min-duration 2s holds them open 2 s at least
  tick:1000              closes on the 1000th record
  volume:50.5            closes on the record at which the base quantity reaches 50.5 (:carry keeps the excess)
  dollar:1e7             closes on the record at which price x quantity reaches 10 000 000
  time:5m                one bar per UTC 5-minute interval holding records (us, ms, s, m, h, d)
  tick-imbalance:ewma    AFML imbalance bars, expected threshold (init=1000:span=20); tick-, volume-, dollar-
  volume-run:12.5        AFML run bars, fixed threshold; add :tick-rule to sign records by the tick rule

Example:
  barsmith bars --threshold-dbps 250,500 data/ -o out/            # one file per symbol and threshold
  barsmith bars --threshold-dbps 10 trades.csv.zst -o bars.csv    # one stream, one file, no symbol needed
  barsmith bars --bars range:250,dollar:1e7,time:5m data/ -o out/ # out/BTCUSDT-dollar-10000000-….csv, …

Columns: docs/OUTPUT.md.";

/// After `barsmith gen --help`.
pub const GEN_EXAMPLE: &str = "\
Example:
  barsmith gen --days 1 --seed 7 -o SYNTHUSDT-aggTrades-2026-01-01.csv.zst";

/// After `barsmith kernel --help`.
pub const KERNEL_EXAMPLE: &str = "\
Example:
  barsmith kernel dfa --backend avx2 returns.txt    # whitespace-separated returns (increments)";

/// After `barsmith plot --help`.
pub const PLOT_EXAMPLE: &str = "\
Example:
  barsmith plot out/BTCUSDT-250dbps-2026-01-01.parquet -o chart.png --last 300 --feature intra_ofi";

/// After `barsmith fetch --help`.
pub const FETCH_EXAMPLE: &str = "\
Example:
  barsmith fetch BTCUSDT --market spot --from 2024-03-01 --to 2024-03-03 -o data/";

/// After `barsmith check --help`.
pub const CHECK_EXAMPLE: &str = "\
Example:
  barsmith check data/spot/daily/aggTrades/BTCUSDT/    # exit 0 clean, 1 something reported, 2 unreadable";

/// After `barsmith cpu --help`.
pub const CPU_EXAMPLE: &str = "\
Example:
  barsmith cpu";

/// `0.1.0 (commit abc123def456)` and, on the following lines, the compiled backends, the automatic choice and
/// the backend a run without `--backend` uses.
pub fn long_version() -> String {
    let report = barsmith::kernels::cpu_report();
    let names = |list: &[barsmith::kernels::Backend]| list.iter().map(|b| b.name()).collect::<Vec<_>>().join(" ");
    // What a run without `--backend` uses: the float features' last digits depend on it (docs/OUTPUT.md).
    let selected = match std::env::var("BARSMITH_BACKEND").ok().filter(|v| !v.is_empty()) {
        Some(name) => format!("{name} (from BARSMITH_BACKEND)"),
        None => format!("{} (automatic)", report.automatic.name()),
    };
    format!(
        "{} (commit {})\nbackends: {} (compiled), {} (available on this CPU)\nautomatic: {}\nselected: {selected}",
        env!("CARGO_PKG_VERSION"),
        env!("BARSMITH_GIT_COMMIT"),
        names(&report.compiled),
        names(&report.available),
        report.automatic.name()
    )
}

/// After `barsmith live --help`.
pub const LIVE_EXAMPLE: &str = "\
Example (history, then live from where it ends; the two folders read as one dataset):
  barsmith bars --threshold-dbps 250 BTCUSDT-aggTrades-2026-01-01.zip -o hist/ --checkpoint-out day1.json
  barsmith live BTCUSDT --threshold-dbps 250 --checkpoint-in day1.json --checkpoint-out live.json -o live/
  # after a crash or kill -9, the same command with --checkpoint-in live.json continues exactly

Each closed bar is written once, in order; SIGINT/SIGTERM flush, save the checkpoint and exit 130/143.
Hand-off, faults and guarantees: docs/LIVE.md.";
