//! One fixture per error class under `fixtures/ingest/`: the error kind, and a message that names the
//! path, the 1-based line, the column and the offending text.

use std::path::{Path, PathBuf};

use barsmith_ingest::{Error, ErrorKind, IngestOptions, MultiFileReader, open};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ingest").join(name)
}

/// Reads a fixture to the end with `options`, returning the error it must produce.
fn error_of(name: &str, options: &IngestOptions) -> Error {
    let result = open(&fixture(name), options).and_then(|mut reader| reader.read_to_end());
    match result {
        Err(error) => error,
        Ok(batch) => panic!("{name}: expected an error, read {} trades", batch.len()),
    }
}

/// Checks the error for every reading mode (mapped, buffered, tiny batches, parsed on several threads).
fn check(name: &str, line: Option<u64>, column: Option<&str>, text: Option<&str>, kind: impl Fn(&ErrorKind) -> bool) {
    let modes = [
        IngestOptions { memory_map: true, ..IngestOptions::default() },
        IngestOptions { memory_map: false, threaded_decode: false, ..IngestOptions::default() },
        IngestOptions { memory_map: true, batch_size: 1, chunk_size: 64, ..IngestOptions::default() },
        IngestOptions { parse_threads: 3, parse_piece_size: 1, ..IngestOptions::default() },
        IngestOptions { parse_threads: 2, memory_map: false, chunk_size: 256, ..IngestOptions::default() },
    ];
    for options in &modes {
        let error = error_of(name, options);
        let message = error.to_string();
        assert!(kind(error.kind()), "{name}: unexpected kind {:?}", error.kind());
        assert_eq!(error.path(), fixture(name), "{name}");
        assert!(message.starts_with(&fixture(name).display().to_string()), "{name}: {message}");
        assert_eq!(error.line(), line, "{name}: {message}");
        if let Some(line) = line {
            assert!(message.contains(&format!(":{line}: ")), "{name}: {message}");
        }
        assert_eq!(error.column(), column, "{name}: {message}");
        if let Some(column) = column {
            assert!(message.contains(&format!("column `{column}`")), "{name}: {message}");
        }
        if let Some(text) = text {
            assert!(message.contains(&format!("\"{text}")), "{name}: {message}");
        }
    }
}

#[test]
fn wrong_field_count() {
    let line = "1000002,42000.6,0.25,2000002,2000002,1767225600000001,True";
    check("error_field_count.csv", Some(2), Some("is_best_match"), Some(line), |k| {
        *k == ErrorKind::FieldCount { expected: 8, found: 7 }
    });
}

/// The fixtures whose line 2 has one bad field: (file, column, offending text, kind).
#[test]
fn one_bad_field_on_line_2() {
    let cases = [
        ("error_empty_field.csv", "price", "", ErrorKind::EmptyField),
        ("error_non_numeric.csv", "price", "1e5", ErrorKind::InvalidNumber),
        ("error_too_many_decimals.csv", "price", "42000.123456789", ErrorKind::TooManyDecimals),
        ("error_negative_price.csv", "price", "-42000.5", ErrorKind::NonPositivePrice),
        ("error_zero_price.csv", "price", "0.00000000", ErrorKind::NonPositivePrice),
        ("error_negative_quantity.csv", "quantity", "-0.25", ErrorKind::NegativeQuantity),
        ("error_bad_boolean.csv", "is_buyer_maker", "yes", ErrorKind::InvalidBoolean),
    ];
    for (name, column, text, kind) in cases {
        check(name, Some(2), Some(column), Some(text), |k| *k == kind);
    }
}

#[test]
fn partial_last_line() {
    check(
        "error_partial_last_line.csv",
        Some(2),
        Some("transact_time"),
        Some("1000002,42000.6,0.25,2000002,20"),
        |k| matches!(k, ErrorKind::PartialLastLine { cause } if matches!(**cause, ErrorKind::FieldCount { .. })),
    );
}

#[test]
fn invalid_utf8() {
    check("error_invalid_utf8.csv", Some(2), Some("is_buyer_maker"), Some("Tr\\xffe"), |k| {
        *k == ErrorKind::InvalidUtf8
    });
}

#[test]
fn timestamp_out_of_range() {
    check("error_timestamp_too_early.csv", Some(2), Some("transact_time"), Some("1199145600000"), |k| {
        *k == ErrorKind::TimestampOutOfRange { timestamp_us: 1_199_145_600_000_000 }
    });
    check("error_timestamp_too_late.csv", Some(2), Some("transact_time"), Some("4133980800000000"), |k| {
        matches!(k, ErrorKind::TimestampOutOfRange { .. })
    });
}

#[test]
fn trade_ids_reversed() {
    check("error_trade_ids_reversed.csv", Some(2), Some("last_trade_id"), Some("2000002"), |k| {
        matches!(k, ErrorKind::TradeIdsReversed { first_trade_id: 2_000_005, last_trade_id: 2_000_002 })
    });
}

#[test]
fn empty_file() {
    check("error_empty.csv", None, None, None, |k| *k == ErrorKind::EmptyFile);
}

#[test]
fn header_only() {
    check("error_header_only.csv", Some(1), None, None, |k| *k == ErrorKind::HeaderOnly);
}

#[test]
fn unknown_header_name() {
    check(
        "error_unknown_header.csv",
        Some(1),
        None,
        Some("agg_trade_id,price,qty"),
        |k| matches!(k, ErrorKind::Header { problem } if problem.contains("\"qty\"")),
    );
}

#[test]
fn truncated_or_corrupt_zstd() {
    // No line (a corrupt frame has none): the byte offset in the compressed file instead.
    let offset = |k: &ErrorKind| matches!(k, ErrorKind::Decompress { compressed_offset: Some(_), .. });
    check("error_truncated.csv.zst", None, None, None, offset);
    check("error_corrupt.csv.zst", None, None, None, offset);
    let message = error_of("error_truncated.csv.zst", &IngestOptions::default()).to_string();
    assert!(message.contains("byte") && message.contains("of the compressed file"), "{message}");
    assert_eq!(message.matches("corrupt").count(), 1, "said once: {message}");
}

#[test]
fn zip_with_no_csv_or_several() {
    check(
        "error_zip_no_csv.zip",
        None,
        None,
        None,
        |k| matches!(k, ErrorKind::ArchiveMembers { csv_members } if csv_members.is_empty()),
    );
    check(
        "error_zip_two_csv.zip",
        None,
        None,
        None,
        |k| matches!(k, ErrorKind::ArchiveMembers { csv_members } if csv_members == &["a.csv", "b.csv"]),
    );
    let message = error_of("error_zip_two_csv.zip", &IngestOptions::default()).to_string();
    assert!(message.contains("2 .csv members (a.csv, b.csv)"), "{message}");
}

#[test]
fn corrupt_zip_member() {
    check("error_zip_corrupt_member.zip", None, None, None, |k| matches!(k, ErrorKind::Decompress { .. }));
}

#[test]
fn out_of_order_names_both_records() {
    check(
        "error_out_of_order.csv",
        Some(2),
        Some("agg_trade_id"),
        Some("1000000"),
        |k| matches!(k, ErrorKind::OutOfOrder { previous, current } if previous.line == 1 && current.line == 2),
    );
    check(
        "error_timestamp_backwards.csv",
        Some(2),
        Some("transact_time"),
        Some("1767225599999999"),
        |k| matches!(k, ErrorKind::OutOfOrder { previous, .. } if previous.agg_trade_id == 1_000_001),
    );
    let message = error_of("error_out_of_order.csv", &IngestOptions::default()).to_string();
    assert!(message.contains("agg_trade_id 1000000") && message.contains("agg_trade_id 1000001"), "{message}");
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn duplicate_is_an_error_unless_deduped() {
    check(
        "error_duplicate.csv",
        Some(2),
        Some("agg_trade_id"),
        Some("1000001"),
        |k| matches!(k, ErrorKind::Duplicate { previous, current } if previous.line == 1 && current.line == 2),
    );
    let options = IngestOptions { dedupe: true, ..IngestOptions::default() };
    let trades = open(&fixture("error_duplicate.csv"), &options).unwrap().read_to_end().unwrap();
    assert_eq!(trades.agg_trade_id, [1_000_001, 1_000_009]);
}

#[test]
fn conflicting_duplicate_stays_an_error_under_dedupe() {
    let options = IngestOptions { dedupe: true, ..IngestOptions::default() };
    let error = error_of("error_conflicting_duplicate.csv", &options);
    assert!(matches!(error.kind(), ErrorKind::ConflictingDuplicate { .. }), "{error}");
    assert_eq!(error.line(), Some(2));
    assert!(error.to_string().contains("different content"), "{error}");
}

#[test]
fn sort_repairs_disorder_and_dedupe_drops_scattered_repeats() {
    let rows = [
        "1000003,42000.4,1,2000005,2000005,1767225600000300,True,True",
        "1000001,42000.5,0.01,2000001,2000001,1767225600000100,True,True",
        "1000003,42000.4,1,2000005,2000005,1767225600000300,True,True",
        "1000002,42000.6,0.25,2000002,2000004,1767225600000100,False,True",
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shuffled.csv");
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
    let sorted = IngestOptions { sort: true, dedupe: true, ..IngestOptions::default() };
    let trades = open(&path, &sorted).unwrap().read_to_end().unwrap();
    assert_eq!(trades.agg_trade_id, [1_000_001, 1_000_002, 1_000_003]);
    assert_eq!(trades.timestamp_us, [1_767_225_600_000_100, 1_767_225_600_000_100, 1_767_225_600_000_300]);
    let error =
        open(&path, &IngestOptions { sort: true, ..IngestOptions::default() }).unwrap().read_to_end().unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Duplicate { previous, current } if previous.line == 1 && current.line == 3)
    );
    // Sorting orders by time; ids that disagree with time stay an error.
    let error = error_of("error_out_of_order.csv", &IngestOptions { sort: true, ..IngestOptions::default() });
    assert!(matches!(error.kind(), ErrorKind::OutOfOrder { .. }), "{error}");
}

#[test]
fn without_the_order_check_records_come_as_the_file_holds_them() {
    let unchecked = IngestOptions { check_order: false, ..IngestOptions::default() };
    for (name, ids) in [
        ("error_out_of_order.csv", vec![1_000_001, 1_000_000, 1_000_009]),
        ("error_duplicate.csv", read_ids("error_duplicate.csv")),
        ("error_timestamp_backwards.csv", read_ids("error_timestamp_backwards.csv")),
    ] {
        let trades = open(&fixture(name), &unchecked).unwrap().read_to_end().unwrap();
        assert_eq!(trades.agg_trade_id, ids, "{name}");
        assert!(open(&fixture(name), &IngestOptions::default()).unwrap().read_to_end().is_err(), "{name}");
    }
}

/// The first field of every line (these fixtures have no header).
fn read_ids(name: &str) -> Vec<i64> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    text.lines().map(|line| line.split(',').next().unwrap().parse().unwrap()).collect()
}

#[test]
fn multi_file_checks_order_across_the_boundary() {
    let paths = [fixture("good_spot.csv"), fixture("good_spot.csv")];
    let mut reader = MultiFileReader::new(&paths, &IngestOptions::default()).unwrap();
    let mut batch = barsmith_core::TradeBatch::new();
    assert!(reader.next_batch(&mut batch).unwrap());
    let error = reader.next_batch(&mut batch).unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::OutOfOrder { previous, .. } if previous.path.as_deref() == Some(paths[0].as_path())),
        "{error}"
    );
    assert_eq!(error.line(), Some(1));
    let message = error.to_string();
    assert!(message.contains(&format!("line 3 of {}", paths[0].display())), "{message}");
    assert!(message.contains("reorder the inputs"), "{message}");
}

/// Trial finding 15: damaged bytes inside a zip member's deflate stream can decode into other text, which the
/// line parser rejects first. Whatever the damage, the error must be the archive's (the member's CRC-32 or
/// size check, or the deflate stream itself), never a CSV error that sends the user looking at the data.
#[test]
fn a_damaged_zip_member_is_an_archive_fault_never_a_csv_error() {
    use std::io::Write;
    let mut csv = String::new();
    for i in 0..20_000i64 {
        let price = 8_700_000 + (i * 7919) % 5_000;
        csv.push_str(&format!(
            "{},{}.{:02}000000,0.{:08},{},{},{},{},True\n",
            1_000_000 + i,
            price / 100,
            price % 100,
            1 + (i * 104_729) % 99_999_999,
            2_000_000 + 2 * i,
            2_000_001 + 2 * i,
            1_767_225_600_000_000 + 1_000 * i,
            if i % 3 == 0 { "True" } else { "False" },
        ));
    }
    let mut zipped = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut zipped);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    writer.start_file("BTCUSDT-aggTrades-2026-01-01.csv", options).unwrap();
    writer.write_all(csv.as_bytes()).unwrap();
    writer.finish().unwrap();
    let archive = zipped.into_inner();
    let dir = tempfile::tempdir().unwrap();
    let data_start = 30 + "BTCUSDT-aggTrades-2026-01-01.csv".len();
    let compressed_end = archive.len() - 200;
    let mut csv_errors = Vec::new();
    for step in 1..40 {
        let at = data_start + (compressed_end - data_start) * step / 40;
        let mut damaged = archive.clone();
        for byte in &mut damaged[at..at + 4] {
            *byte ^= 0x5A;
        }
        let path = dir.path().join(format!("BTCUSDT-aggTrades-2026-01-{step:02}.zip"));
        std::fs::write(&path, &damaged).unwrap();
        let one_thread = IngestOptions::default();
        let parsed_in_parallel = IngestOptions { parse_threads: 2, ..IngestOptions::default() };
        for options in [&one_thread, &parsed_in_parallel] {
            match open(&path, options).and_then(|mut reader| reader.read_to_end()) {
                Err(error) if matches!(error.kind(), ErrorKind::Decompress { .. } | ErrorKind::Archive { .. }) => {}
                Err(error) => csv_errors.push(format!("byte {at}, {} thread(s): {error}", options.parse_threads)),
                Ok(batch) => panic!("byte {at}: damaged, yet {} records read", batch.len()),
            }
        }
    }
    assert!(csv_errors.is_empty(), "damage reported as CSV errors:\n{}", csv_errors.join("\n"));
}
