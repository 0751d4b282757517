//! Parsing on several threads (`IngestOptions::parse_threads`) is the sequential reader: the same trades,
//! the same records count, and the same error (kind, line, column, text) for any thread count, piece size,
//! batch size and source (stream, zstd stream, mapped file), including faults at piece edges.

use std::io::Write;
use std::path::Path;

use barsmith_core::{Trade, TradeBatch};
use barsmith_ingest::{Error, ErrorKind, IngestOptions, TradeReader, open};
use proptest::prelude::*;

/// A spot record line (without its terminator).
fn line(id: i64, timestamp_ms: i64, price_cents: i64, quantity: u64) -> String {
    let maker = if id % 3 == 0 { "True" } else { "False" };
    format!(
        "{id},{}.{:02},{}.{:08},{},{},{timestamp_ms},{maker},True",
        price_cents / 100,
        price_cents % 100,
        quantity / 100_000_000,
        quantity % 100_000_000,
        id * 2,
        id * 2 + (id % 2)
    )
}

/// What goes wrong at one record.
#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    BadNumber,
    IdBackwards,
    TimestampBackwards,
    /// The previous line repeated this many times.
    Repeats(usize),
    /// The previous id again with another quantity.
    Conflicting,
    BlankLine,
    /// The file ends inside this record, without a newline.
    CutShort,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => Just(Fault::None),
        1 => Just(Fault::BadNumber),
        1 => Just(Fault::IdBackwards),
        1 => Just(Fault::TimestampBackwards),
        2 => (1usize..4).prop_map(Fault::Repeats),
        1 => Just(Fault::Conflicting),
        1 => Just(Fault::BlankLine),
        1 => Just(Fault::CutShort),
    ]
}

/// The shape of one generated input.
#[derive(Clone, Debug)]
struct Input {
    records: usize,
    fault: Fault,
    /// Where the fault goes, as a fraction of `records`.
    fault_at: f64,
    header: bool,
    crlf: bool,
    final_newline: bool,
    seed: u64,
}

fn input() -> impl Strategy<Value = Input> {
    (1usize..400, fault(), 0.0f64..1.0, any::<bool>(), any::<bool>(), any::<bool>(), any::<u64>()).prop_map(
        |(records, fault, fault_at, header, crlf, final_newline, seed)| Input {
            records,
            fault,
            fault_at,
            header,
            crlf,
            final_newline,
            seed,
        },
    )
}

fn text(input: &Input) -> Vec<u8> {
    let newline = if input.crlf { "\r\n" } else { "\n" };
    let mut lines = Vec::new();
    if input.header {
        lines.push(
            "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match"
                .to_owned(),
        );
    }
    let fault_index = ((input.records as f64) * input.fault_at) as usize;
    let mut state = input.seed | 1;
    let (mut id, mut timestamp, mut price) = (1_000i64, 1_767_225_600_000i64, 4_200_000i64);
    let mut cut = false;
    for index in 0..input.records {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        id += 1 + (state % 2) as i64;
        timestamp += (state >> 8) as i64 % 3;
        price += (state >> 16) as i64 % 5 - 2;
        let quantity = 1 + (state >> 24) % 1_000_000_000;
        let mut current = line(id, timestamp, price, quantity);
        if index == fault_index && index > 0 {
            let previous = lines.last().cloned().unwrap_or_default();
            match input.fault {
                Fault::None => {}
                Fault::BadNumber => current = current.replacen(',', ",1e5", 1),
                Fault::IdBackwards => current = line(id - 5, timestamp, price, quantity),
                Fault::TimestampBackwards => current = line(id, timestamp - 10, price, quantity),
                Fault::Repeats(count) => {
                    for _ in 0..count {
                        lines.push(previous.clone());
                    }
                }
                Fault::Conflicting => {
                    let mut fields: Vec<&str> = previous.split(',').collect();
                    if fields.len() > 2 {
                        fields[2] = "9.99999999";
                    }
                    lines.push(fields.join(","));
                }
                Fault::BlankLine => lines.push(String::new()),
                Fault::CutShort => {
                    current.truncate(current.len() / 2);
                    cut = true;
                }
            }
        }
        lines.push(current);
        if cut {
            break;
        }
    }
    let mut text = lines.join(newline);
    if input.final_newline && !cut {
        text.push_str(newline);
    }
    text.into_bytes()
}

/// Every trade read before the end or the first error, and that error.
fn read(reader: Result<TradeReader, Error>, batch_size: usize) -> (Vec<Trade>, Option<Error>, u64) {
    let mut reader = match reader {
        Ok(reader) => reader,
        Err(error) => return (Vec::new(), Some(error), 0),
    };
    let mut batch = TradeBatch::new();
    let mut trades = Vec::new();
    loop {
        match reader.next_batch(&mut batch) {
            Ok(true) => {
                assert!(batch.len() <= batch_size, "batch of {} > {batch_size}", batch.len());
                trades.extend(batch.iter());
            }
            Ok(false) => return (trades, None, reader.records_read()),
            Err(error) => return (trades, Some(error), reader.records_read()),
        }
    }
}

/// Checks one parallel read against the sequential read of the same input.
fn assert_same(sequential: (Vec<Trade>, Option<Error>, u64), parallel: (Vec<Trade>, Option<Error>, u64)) {
    let (seq_trades, seq_error, seq_records) = sequential;
    let (par_trades, par_error, par_records) = parallel;
    assert_eq!(par_error, seq_error, "errors differ");
    match seq_error {
        None => {
            assert_eq!(par_trades, seq_trades, "trades differ");
            assert_eq!(par_records, seq_records, "records differ");
        }
        Some(_) => {
            let shorter = par_trades.len().min(seq_trades.len());
            assert_eq!(par_trades[..shorter], seq_trades[..shorter], "trades before the error differ");
        }
    }
}

fn sequential_options(dedupe: bool, chunk_size: usize) -> IngestOptions {
    IngestOptions { dedupe, chunk_size, ..IngestOptions::default() }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_threads_and_pieces_equal_sequential(
        input in input(),
        dedupe in any::<bool>(),
        threads in 2usize..6,
        piece_size in 1usize..600,
        batch_size in 1usize..200,
        chunk_size in prop_oneof![Just(256usize), Just(4096), Just(1 << 20)],
        zstd in any::<bool>(),
    ) {
        let plain = text(&input);
        let bytes = if zstd { zstd::encode_all(&plain[..], 1).expect("zstd") } else { plain };
        let name = Path::new("generated.csv");
        let sequential = sequential_options(dedupe, chunk_size);
        let parallel = IngestOptions { parse_threads: threads, parse_piece_size: piece_size, batch_size, ..sequential.clone() };
        let expected = read(TradeReader::from_bytes(bytes.clone(), name, &sequential), sequential.batch_size);
        let got = read(TradeReader::from_bytes(bytes, name, &parallel), batch_size);
        assert_same(expected, got);
    }

    #[test]
    fn mapped_file_equals_sequential(
        input in input(),
        dedupe in any::<bool>(),
        threads in 2usize..5,
        piece_size in 1usize..2000,
    ) {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&text(&input)).expect("write");
        file.flush().expect("flush");
        let sequential = sequential_options(dedupe, 1 << 20);
        let parallel = IngestOptions { parse_threads: threads, parse_piece_size: piece_size, ..sequential.clone() };
        let expected = read(open(file.path(), &sequential), sequential.batch_size);
        let got = read(open(file.path(), &parallel), parallel.batch_size);
        assert_same(expected, got);
    }
}

/// A large file (several map windows, hundreds of pieces) with one fault deep in a later window.
fn deep_fault(records: usize, fault_line: usize, corrupt: impl Fn(&str) -> String) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    let mut out = std::io::BufWriter::new(file.as_file_mut());
    for index in 0..records as i64 {
        let record = line(10_000 + index, 1_767_225_600_000 + index / 3, 4_200_000 + index % 17, 12_345_678);
        let record = if index as usize + 1 == fault_line { corrupt(&record) } else { record };
        writeln!(out, "{record}").expect("write");
    }
    out.flush().expect("flush");
    drop(out);
    file
}

fn parallel_options() -> IngestOptions {
    IngestOptions {
        parse_threads: 4,
        parse_piece_size: 64 * 1024,
        map_window_size: 1 << 20,
        ..IngestOptions::default()
    }
}

#[test]
fn error_deep_in_a_later_chunk_names_its_line() {
    let file = deep_fault(200_000, 173_457, |record| record.replacen(",42", ",4x2", 1));
    let sequential = IngestOptions { map_window_size: 1 << 20, ..IngestOptions::default() };
    let expected = read(open(file.path(), &sequential), sequential.batch_size);
    let got = read(open(file.path(), &parallel_options()), parallel_options().batch_size);
    let error = got.1.clone().expect("the bad record is an error");
    assert_eq!(error.line(), Some(173_457), "{error}");
    assert_eq!(*error.kind(), ErrorKind::InvalidNumber, "{error}");
    assert_eq!(error.column(), Some("price"), "{error}");
    assert_same(expected, got);
}

#[test]
fn disorder_deep_in_a_later_chunk_names_both_lines() {
    let file = deep_fault(200_000, 151_001, |_| line(10_000 + 100, 1_767_225_600_000 + 50_000, 4_200_000, 1));
    let got = read(open(file.path(), &parallel_options()), parallel_options().batch_size);
    let error = got.1.clone().expect("disorder is an error");
    assert_eq!(error.line(), Some(151_001), "{error}");
    match error.kind() {
        ErrorKind::OutOfOrder { previous, current } => {
            assert_eq!((previous.line, current.line), (151_000, 151_001), "{error}");
        }
        other => panic!("expected OutOfOrder, got {other:?}"),
    }
    let sequential = read(open(file.path(), &IngestOptions::default()), IngestOptions::default().batch_size);
    assert_same(sequential, got);
}

#[test]
fn clean_large_file_equals_sequential_on_every_thread_count() {
    let file = deep_fault(120_000, 0, str::to_owned);
    let sequential = read(open(file.path(), &IngestOptions::default()), IngestOptions::default().batch_size);
    assert_eq!(sequential.0.len(), 120_000);
    for threads in [2, 3, 8] {
        let options = IngestOptions { parse_threads: threads, ..parallel_options() };
        assert_same(sequential.clone(), read(open(file.path(), &options), options.batch_size));
    }
}
