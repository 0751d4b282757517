//! The fast path for the Binance column orders: a line read at the field bounds of the line before.
//!
//! The field scanner ([`record`](crate::record)) finds the end of each field before it can load the next, so
//! its fields, and its lines, form one serial chain of loads and compares. In a Binance file consecutive lines
//! almost always have the same shape (the same digit count in every numeric field), so this path takes the
//! previous line's field bounds as known, checks in one go that the separators are where they were, and then
//! reads every field independently of the others, eight digits per load, straight into fixed point. The two
//! booleans, whose lengths change from line to line, are read last, without a branch on their value.
//!
//! Like [`number`](crate::number), this path only accepts well-formed records: anything else (another shape, a
//! field of unusual length, a stray byte, a line near the end of the chunk) returns `None`, and the line goes
//! to the field scanner and then to the [`reference`](crate::reference) parser, which decides and words the
//! error; the shape is then learned again from the next line. `tests` check that this path agrees with the
//! reference on every line it accepts.

use barsmith_core::{FixedPoint, SCALE, Trade, normalize_timestamp_us};

use crate::number::{eight_digits_value, non_digit_bytes};
use crate::reference::{END_TIMESTAMP_US, MIN_TIMESTAMP_US};

/// Readable bytes a line needs after the start of its last field: every load then stays in the chunk.
const SLACK: usize = 24;

/// The bounds of the six numeric fields of the last line read (offsets from its start): each field's end, the
/// comma after it; the booleans follow the sixth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    ends: [u8; 6],
}

impl Shape {
    /// The shape of `line` (a record in the Binance column order) when its six numeric fields are 1 to 16
    /// bytes long.
    pub(crate) fn learn(line: &[u8]) -> Option<Shape> {
        let mut ends = [0u8; 6];
        let mut commas = memchr::memchr_iter(b',', line);
        let mut start = 0;
        for end in &mut ends {
            let comma = commas.next()?;
            if comma - start == 0 || comma - start > 16 || comma > 200 {
                return None;
            }
            *end = comma as u8;
            start = comma + 1;
        }
        Some(Shape { ends })
    }
}

/// Eight bytes of `chunk` from `at`, little-endian.
#[inline(always)]
fn load(chunk: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(chunk[at..at + 8].try_into().expect("8 bytes"))
}

/// `'0'` in every byte.
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// The value of the first `count` (1 to 8) bytes of `word` when all are ASCII digits.
#[inline(always)]
fn up_to_eight(word: u64, count: usize) -> Option<u64> {
    let shift = 8 * (8 - count) as u32;
    // The field's bytes move to the top; the bytes shifted in at the bottom become leading '0's.
    let word = (word << shift) | (ZEROS & ((1u64 << shift) - 1));
    (non_digit_bytes(word) == 0).then(|| eight_digits_value(word))
}

const POWERS_OF_TEN: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// An integer of 1 to 16 ASCII digits in `chunk[start..end]`.
#[inline(always)]
fn integer(chunk: &[u8], start: usize, end: usize) -> Option<i64> {
    let count = end.wrapping_sub(start);
    if count <= 8 {
        if count == 0 {
            return None;
        }
        return up_to_eight(load(chunk, start), count).map(|value| value as i64);
    }
    if count > 16 {
        return None;
    }
    let head = load(chunk, start);
    let tail = up_to_eight(load(chunk, start + 8), count - 8)?;
    (non_digit_bytes(head) == 0).then(|| (eight_digits_value(head) * POWERS_OF_TEN[count - 8] + tail) as i64)
}

/// A decimal `D{1,8}(.D{1,8})?` in `chunk[start..end]`, scaled by 10^8. The point is the first non-digit.
#[inline(always)]
fn decimal(chunk: &[u8], start: usize, end: usize) -> Option<i64> {
    let word = load(chunk, start);
    let whole_digits = (non_digit_bytes(word).trailing_zeros() / 8) as usize;
    if whole_digits == 0 || whole_digits == 8 {
        return None;
    }
    let count = end.wrapping_sub(start);
    if whole_digits >= count {
        // No point: the field is the whole number (the byte after it is the separator).
        if whole_digits != count {
            return None;
        }
        return up_to_eight(word, count).map(|whole| whole as i64 * SCALE);
    }
    let decimals = count - whole_digits - 1;
    if chunk[start + whole_digits] != b'.' || decimals == 0 || decimals > 8 {
        return None;
    }
    let whole = up_to_eight(word, whole_digits)? as i64;
    let fraction = up_to_eight(load(chunk, start + whole_digits + 1), decimals)? as i64;
    Some(whole * SCALE + fraction * POWERS_OF_TEN[8 - decimals] as i64)
}

/// `True`/`true` or `False`/`false` at `chunk[start..]`: the value and its length, without a branch on which.
#[inline(always)]
fn boolean_at(chunk: &[u8], start: usize) -> Option<(bool, usize)> {
    let word = load(chunk, start) | 0x20;
    let is_true = (word & 0xffff_ffff) == 0x6575_7274;
    let is_false = (word & 0xff_ffff_ffff) == 0x65_736c_6166;
    (is_true | is_false).then_some((is_true, 4 + usize::from(is_false)))
}
/// Parses the record at `chunk[position..]` in the Binance column order (7 columns, or 8 with `is_best_match`
/// when `SPOT`) at the bounds of `shape`: the trade and the bytes used, its newline included. `None` sends the
/// line to the field scanner.
#[inline(always)]
pub(crate) fn parse_shaped<const SPOT: bool>(shape: &Shape, chunk: &[u8], position: usize) -> Option<(Trade, usize)> {
    let ends = shape.ends.map(|end| position + usize::from(end));
    let booleans = ends[5] + 1;
    if booleans + SLACK > chunk.len() {
        return None;
    }
    let commas = ends.iter().fold(true, |all, &end| all & (chunk[end] == b','));
    let starts = [position, ends[0] + 1, ends[1] + 1, ends[2] + 1, ends[3] + 1, ends[4] + 1];
    let trade = Trade {
        agg_trade_id: integer(chunk, starts[0], ends[0])?,
        price: FixedPoint(decimal(chunk, starts[1], ends[1])?),
        quantity: FixedPoint(decimal(chunk, starts[2], ends[2])?),
        first_trade_id: integer(chunk, starts[3], ends[3])?,
        last_trade_id: integer(chunk, starts[4], ends[4])?,
        timestamp_us: normalize_timestamp_us(integer(chunk, starts[5], ends[5])?),
        is_buyer_maker: false,
    };
    let (maker, length) = boolean_at(chunk, booleans)?;
    let mut end = booleans + length;
    if SPOT {
        let (_, length) = boolean_at(chunk, end + 1)?;
        if chunk[end] != b',' {
            return None;
        }
        end += 1 + length;
    }
    let used = match chunk[end] {
        b'\n' => end + 1,
        b'\r' if chunk[end + 1] == b'\n' => end + 2,
        _ => return None,
    };
    let valid = commas
        && trade.price.0 > 0
        && trade.last_trade_id >= trade.first_trade_id
        && (MIN_TIMESTAMP_US..END_TIMESTAMP_US).contains(&trade.timestamp_us);
    valid.then_some((Trade { is_buyer_maker: maker, ..trade }, used - position))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Layout;
    use crate::reference;
    use proptest::prelude::*;

    const PAD: &[u8] = &[b'9'; 32];

    /// `first` and `second` as lines of one chunk (with `terminator`), `second`'s shaped parse after learning
    /// the shape of `first`.
    fn second_line(first: &str, second: &str, terminator: &str, spot: bool) -> Option<(Trade, usize)> {
        let shape = Shape::learn(first.as_bytes())?;
        let chunk = [first.as_bytes(), terminator.as_bytes(), second.as_bytes(), terminator.as_bytes(), PAD].concat();
        let position = first.len() + terminator.len();
        if spot {
            parse_shaped::<true>(&shape, &chunk, position)
        } else {
            parse_shaped::<false>(&shape, &chunk, position)
        }
    }

    fn spot_line(id: u64, price: &str, quantity: &str, maker: &str, best: &str) -> String {
        format!("{id},{price},{quantity},{},{},1767225600039409,{maker},{best}", id + 7, id + 9)
    }

    #[test]
    fn a_line_of_the_same_shape_is_read_at_the_known_bounds() {
        let first = spot_line(3_800_397_495, "87648.21000000", "0.08185000", "True", "True");
        let second = spot_line(3_800_397_496, "87650.01000000", "1.00000000", "false", "True");
        for terminator in ["\n", "\r\n"] {
            let (trade, used) = second_line(&first, &second, terminator, true).expect("same shape");
            assert_eq!(used, second.len() + terminator.len());
            assert_eq!(Ok(trade), reference::parse_record(second.as_bytes(), &Layout::headerless(8).unwrap()));
        }
        assert_eq!(second_line(&first, &second, "\n", true).unwrap().0.price, FixedPoint(8_765_001_000_000));
    }

    #[test]
    fn anything_else_goes_to_the_scanner() {
        let first = spot_line(3_800_397_495, "87648.21000000", "0.08185000", "True", "True");
        for second in [
            spot_line(3_800_397_496, "87648.21000000", "12.08185000", "True", "True"), // another shape
            spot_line(3_800_397_496, "87648.2100000x", "0.08185000", "True", "True"),
            spot_line(3_800_397_496, "87648.21000000", "0.08185000", "TRUE", "True"),
            spot_line(3_800_397_496, "87648.21000000", "0.08185000", "True", "Truth"),
            spot_line(3_800_397_496, "00000.00000000", "0.08185000", "True", "True"), // zero price
            spot_line(3_800_397_496, "87648.21000000", "0.08185000", "True", "True,x"), // a ninth field
            format!("{},", spot_line(3_800_397_496, "87648.21000000", "0.08185000", "True", "True")),
        ] {
            assert_eq!(second_line(&first, &second, "\n", true), None, "{second}");
        }
        // Futures: 7 fields; a spot line is not one.
        let futures = "1,2.50000000,0.10000000,4,4,1767225600039,false";
        let spot = spot_line(3, "2.50000000", "0.10000000", "False", "True");
        assert!(second_line(futures, futures, "\n", false).is_some());
        assert_eq!(second_line(futures, &spot, "\n", false), None);
    }

    #[test]
    fn a_line_near_the_end_of_the_chunk_goes_to_the_scanner() {
        let line = spot_line(3_800_397_495, "87648.21000000", "0.08185000", "True", "True");
        let shape = Shape::learn(line.as_bytes()).unwrap();
        let chunk = format!("{line}\n");
        assert_eq!(parse_shaped::<true>(&shape, chunk.as_bytes(), 0), None);
        let chunk = format!("{line}\n{}", "9".repeat(SLACK));
        assert!(parse_shaped::<true>(&shape, chunk.as_bytes(), 0).is_some());
    }

    /// Fields from plausible and implausible pieces, to reach every branch.
    fn field() -> impl Strategy<Value = String> {
        barsmith_test_support::trades::record_field("[0-9]{1,18}", "[0-9]{1,9}\\.[0-9]{0,9}")
    }

    proptest! {
        /// Whatever two lines are, the shaped parse of the second accepts only what the reference accepts, with
        /// the reference's trade.
        #[test]
        fn shaped_parse_agrees_with_reference(
            first in proptest::collection::vec(field(), 6..10),
            second in proptest::collection::vec(field(), 6..10),
            spot: bool, crlf: bool,
        ) {
            let layout = Layout::headerless(if spot { 8 } else { 7 }).unwrap();
            let (first, second) = (first.join(","), second.join(","));
            let terminator = if crlf { "\r\n" } else { "\n" };
            if let Some((trade, used)) = second_line(&first, &second, terminator, spot) {
                prop_assert_eq!(used, second.len() + terminator.len());
                prop_assert_eq!(Ok(trade), reference::parse_record(second.as_bytes(), &layout));
            }
        }

        /// Well-formed lines of one shape take this path.
        #[test]
        fn lines_of_one_shape_take_this_path(
            ids in (1_000_000_000u64..9_000_000_000, 1_000_000_000u64..9_000_000_000),
            fractions in (0u32..100_000_000, 0u32..100_000_000),
            makers: (bool, bool),
        ) {
            let boolean = |b: bool| if b { "True" } else { "False" };
            let first = spot_line(ids.0, &format!("87648.{:08}", fractions.0), "0.08185000", boolean(makers.0), "True");
            let second = spot_line(ids.1, "87649.00000000", &format!("3.{:08}", fractions.1), boolean(makers.1), "False");
            let parsed = second_line(&first, &second, "\n", true);
            prop_assert_eq!(parsed.map(|(_, used)| used), Some(second.len() + 1));
            prop_assert_eq!(Ok(parsed.unwrap().0), reference::parse_record(second.as_bytes(), &Layout::headerless(8).unwrap()));
        }
    }
}
