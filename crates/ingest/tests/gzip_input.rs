//! gzip input (trial finding 23): `bars` writes `.csv.gz`, so it reads it: a file, a stream, concatenated
//! members; a damaged stream or a CRC-32 that does not match is an error of the read, never data.

use std::io::Write;
use std::path::Path;

use barsmith_ingest::{ErrorKind, IngestOptions, TradeReader};

fn records(n: u64) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{},42000.{},0.25,{},{},{},True,True\n",
                1_000_001 + i,
                i % 10,
                2_000_001 + i,
                2_000_001 + i,
                1_767_225_600_000_000 + i
            )
        })
        .collect()
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

fn ids(reader: &mut TradeReader) -> Result<Vec<i64>, barsmith_ingest::Error> {
    Ok(reader.read_to_end()?.agg_trade_id)
}

#[test]
fn a_gzip_file_reads_as_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = records(5_000);
    let (plain, packed) =
        (dir.path().join("BTCUSDT-aggTrades-2026-01-01.csv"), dir.path().join("BTCUSDT-aggTrades-2026-01-01.csv.gz"));
    std::fs::write(&plain, &text).unwrap();
    std::fs::write(&packed, gzip(&text)).unwrap();
    let options = IngestOptions::default();
    let expected = ids(&mut barsmith_ingest::open(&plain, &options).unwrap()).unwrap();
    let got = ids(&mut barsmith_ingest::open(&packed, &options).unwrap()).unwrap();
    assert_eq!(expected.len(), 5_000);
    assert_eq!(got, expected);
    let name = barsmith_ingest::parse_binance_name(&packed).expect("a .csv.gz Binance name is recognised");
    assert_eq!(name.symbol, "BTCUSDT");
}

#[test]
fn concatenated_members_and_streams_read_whole() {
    let (first, second) = (records(300), records(600)[records(300).len()..].to_string());
    let mut bytes = gzip(&first);
    bytes.extend(gzip(&second));
    let mut reader = TradeReader::from_bytes(bytes.clone(), Path::new("in.csv.gz"), &IngestOptions::default()).unwrap();
    assert_eq!(ids(&mut reader).unwrap().len(), 600);
    let mut reader =
        TradeReader::from_reader(std::io::Cursor::new(bytes), Path::new("-"), &IngestOptions::default()).unwrap();
    assert_eq!(ids(&mut reader).unwrap().len(), 600);
}

#[test]
fn damage_is_an_error_never_data() {
    let packed = gzip(&records(2_000));
    // A changed CRC-32 (the trailer's first four bytes): every byte decodes, the check fails.
    let mut bad_crc = packed.clone();
    let crc_at = bad_crc.len() - 8;
    bad_crc[crc_at] ^= 0xff;
    // Cut short, and damaged in the middle of the deflate stream.
    let cut = packed[..packed.len() / 2].to_vec();
    let mut flipped = packed.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    for (case, bytes) in [("crc", bad_crc), ("cut", cut), ("flipped", flipped)] {
        let result = TradeReader::from_bytes(bytes, Path::new("in.csv.gz"), &IngestOptions::default())
            .and_then(|mut reader| ids(&mut reader));
        let error = result.expect_err(case);
        assert!(
            matches!(error.kind(), ErrorKind::Decompress { .. } | ErrorKind::PartialLastLine { .. }),
            "{case}: {error}"
        );
        assert!(error.to_string().starts_with("in.csv.gz"), "{case}: {error}");
    }
}
