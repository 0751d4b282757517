//! Messages for inputs that are not (or not quite) aggTrades CSV: other compressions, cut archives, blank
//! lines, a byte-order mark before a headerless first record.

use std::path::Path;

use barsmith_ingest::{ErrorKind, IngestOptions, TradeReader};

const RECORD: &str = "1000001,42000.5,0.25,2000001,2000001,1767225600000000,True,True\n";

fn read(bytes: &[u8]) -> Result<usize, barsmith_ingest::Error> {
    let mut reader = TradeReader::from_bytes(bytes.to_vec(), Path::new("in.csv"), &IngestOptions::default())?;
    Ok(reader.read_to_end()?.len())
}

#[test]
fn other_compressions_are_named() {
    for (bytes, name) in [(&b"BZh91AY&SY"[..], "bzip2"), (&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00][..], "xz")] {
        let error = read(bytes).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Unsupported { .. }), "{name}: {error}");
        let message = error.to_string();
        assert!(message.starts_with("in.csv: ") && message.contains(&format!("{name}-compressed")), "{message}");
        assert!(!message.contains("\\x"), "no byte dump: {message}");
    }
}

#[test]
fn a_cut_zip_says_incomplete_archive() {
    let zip =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ingest/good_zip_stored.zip")).unwrap();
    let error = read(&zip[..zip.len() / 2]).unwrap_err();
    assert!(error.to_string().contains("incomplete archive (truncated download?)"), "{error}");
}

#[test]
fn a_blank_line_is_named_not_blamed_on_price() {
    let error = read(format!("{RECORD}\n{RECORD}").as_bytes()).unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::BlankLine, "{error}");
    assert_eq!(error.line(), Some(2));
    let message = error.to_string();
    assert!(message.starts_with("in.csv:2: blank line") && !message.contains("price"), "{message}");
}

#[test]
fn a_byte_order_mark_before_a_headerless_record_is_skipped() {
    let text = format!("\u{feff}{RECORD}{}", RECORD.replace("1000001,", "1000002,"));
    assert_eq!(read(text.as_bytes()).unwrap(), 2);
}
