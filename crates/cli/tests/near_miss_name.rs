//! Trial finding 31: a file given by name that begins like a Binance name but does not parse (a renamed copy
//! such as `BTCUSDT-aggTrades-2026-01-01.head5000.csv`) keeps its symbol, instead of becoming `input`.

mod common;

use common::{barsmith, csv_of, day_config, s, stderr};

#[test]
fn a_renamed_binance_file_keeps_its_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("BTCUSDT-aggTrades-2026-01-01.head5000.csv");
    std::fs::write(&file, csv_of(&day_config(5, 1, 5_000))).unwrap();
    let out = dir.path().join("realdir");
    let run = barsmith(&["bars", "--threshold-dbps", "10,20", s(&file), "-o", s(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["BTCUSDT-10dbps.csv", "BTCUSDT-20dbps.csv"]);
    assert!(stderr(&run).contains("BTCUSDT"), "{}", stderr(&run));
    // A name that says nothing of a symbol stays without one.
    let plain = dir.path().join("trades.csv");
    std::fs::copy(&file, &plain).unwrap();
    let run = barsmith(&["bars", "--threshold-dbps", "10", s(&plain), "-o", s(&dir.path().join("other"))]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(dir.path().join("other/10dbps.csv").exists());
}
