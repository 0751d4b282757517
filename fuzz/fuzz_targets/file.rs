//! Whole-input parsing: any bytes (plain text, zstd, zip) must give trades or an error, never a panic,
//! and the single-threaded and threaded readers, with large and tiny buffers, must agree.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use barsmith_core::TradeBatch;
use barsmith_ingest::{Error, IngestOptions, TradeReader};

fn read(data: &[u8], options: &IngestOptions) -> Result<TradeBatch, Error> {
    TradeReader::from_bytes(data.to_vec(), Path::new("fuzz.csv"), options)?.read_to_end()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, data)) = data.split_first() else { return };
    // Compressed input can expand a thousandfold; sorting holds it all, so sort plain text only.
    let compressed = data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) || data.starts_with(b"PK");
    let sort = selector & 1 == 1 && !compressed;
    let base = IngestOptions { sort, dedupe: selector & 2 == 2, ..IngestOptions::default() };
    let threaded = read(data, &base);
    let single = read(data, &IngestOptions { threaded_decode: false, batch_size: 3, ..base.clone() });
    assert_eq!(threaded, single);
    let small_chunks = read(data, &IngestOptions { chunk_size: 512, ..base });
    // A tiny buffer can only add a line-too-long error; otherwise the result is the same.
    match (&threaded, &small_chunks) {
        (_, Err(error)) if matches!(error.kind(), barsmith_ingest::ErrorKind::LineTooLong { .. }) => {}
        _ => assert_eq!(threaded, small_chunks),
    }
    if let Ok(trades) = &threaded {
        assert!(trades.is_consistent());
        if !compressed {
            assert!(trades.len() <= data.len() / 15 + 1, "a record takes at least 15 bytes");
        }
    }
});
