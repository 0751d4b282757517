//! The record parser: the fast path and the reference parser must agree on every line, and neither
//! may panic. The first byte picks the layout (7 or 8 headerless columns, or a header given by the
//! bytes up to the first newline); the rest is the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use barsmith_ingest::{Layout, record, reference};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (layout, line) = match selector % 3 {
        0 => (Layout::headerless(7).expect("7 columns"), rest),
        1 => (Layout::headerless(8).expect("8 columns"), rest),
        _ => {
            let (header, line) = match rest.iter().position(|&b| b == b'\n') {
                Some(newline) => (&rest[..newline], &rest[newline + 1..]),
                None => (rest, &[][..]),
            };
            match Layout::detect(header) {
                Ok(layout) => (layout, line),
                Err(_) => return,
            }
        }
    };
    let fast = record::parse_record(line, &layout);
    let reference = reference::parse_record(line, &layout);
    assert_eq!(fast, reference, "line {:?}", String::from_utf8_lossy(line));
    if let Err(error) = fast {
        assert!(error.span.end <= line.len());
        assert!(error.field.is_none_or(|field| field < layout.len()));
    }
});
