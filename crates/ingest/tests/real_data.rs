//! The real Binance spot file from `../shared/data` (not run, saying so on stderr, when the folder is absent;
//! a failure when it is present and unreadable).

use std::path::PathBuf;

use barsmith_ingest::{Compression, IngestOptions, TimestampUnit, open};

fn real_file() -> Option<PathBuf> {
    barsmith_test_support::real_data::sample("reading the real spot file")
}

/// Sums a decimal column exactly by splitting on '.', independently of `FixedPoint` and of our parser.
fn naive_sum_scaled(text: &str, column: usize) -> i128 {
    text.lines()
        .map(|line| {
            let field = line.split(',').nth(column).unwrap();
            let (whole, fraction) = field.split_once('.').unwrap_or((field, ""));
            let fraction = format!("{fraction:0<8}");
            whole.parse::<i128>().unwrap() * 100_000_000 + fraction.parse::<i128>().unwrap()
        })
        .sum()
}

#[test]
fn reads_the_real_spot_file() {
    let Some(path) = real_file() else { return };
    let text = std::fs::read_to_string(&path).unwrap();
    for options in [
        IngestOptions::default(),
        IngestOptions { memory_map: false, batch_size: 777, ..IngestOptions::default() },
        IngestOptions { map_window_size: 1, chunk_size: 4096, ..IngestOptions::default() },
        IngestOptions { sort: true, dedupe: true, ..IngestOptions::default() },
    ] {
        let mut reader = open(&path, &options).unwrap();
        let format = reader.format().clone();
        assert_eq!(format.compression, Compression::None);
        assert_eq!(format.layout.len(), 8);
        assert!(!format.layout.has_header());
        assert_eq!(format.timestamp_unit, Some(TimestampUnit::Microseconds));
        let all = reader.read_to_end().unwrap();
        assert_eq!(all.len(), 5000);
        assert_eq!(all.agg_trade_id[0], 3_800_397_495);
        assert_eq!(all.agg_trade_id[4999], 3_800_397_495 + 4999);
        assert_eq!(all.first_trade_id[0], 5_723_703_861);
        assert_eq!(all.timestamp_us[0], 1_767_225_600_039_409);
        let quantity: i128 = all.quantity.iter().map(|&q| i128::from(q)).sum();
        assert_eq!(quantity, naive_sum_scaled(&text, 2));
        let price: i128 = all.price.iter().map(|&p| i128::from(p)).sum();
        assert_eq!(price, naive_sum_scaled(&text, 1));
        let trades: i64 = all.last_trade_id.iter().zip(&all.first_trade_id).map(|(l, f)| l - f + 1).sum();
        assert_eq!(trades, 16_028, "the README's count of individual trades");
        assert_eq!(reader.bytes_read(), text.len() as u64);
    }
}
