//! The record parser used on every line: a fused single pass over the fields, falling back to the
//! [`reference`] parser for any line it does not accept, so that accepted values and reported errors are
//! always exactly the reference's.

use barsmith_core::{FixedPoint, Trade, normalize_timestamp_us};

use crate::layout::{Column, Layout, Standard};
use crate::number::{fast_boolean, fast_decimal, fast_integer};
use crate::reference::{self, END_TIMESTAMP_US, MIN_TIMESTAMP_US, RecordError};

/// Parses one record (a line without its terminator; a trailing `\r` must already be removed).
#[inline]
pub fn parse_record(line: &[u8], layout: &Layout) -> Result<Trade, Box<RecordError>> {
    match parse_fields(line, layout) {
        Some((trade, end)) if end == line.len() => Ok(trade),
        _ => reference::parse_record(line, layout),
    }
}

/// The fast path on the rest of a chunk: a well-formed record followed by `\n`, `\r\n` or the end of the
/// chunk gives the trade and the bytes it used (terminator included). `None` sends the line to
/// [`parse_record`], which either accepts it after all or says exactly what is wrong.
#[inline(always)]
pub(crate) fn parse_line_start(rest: &[u8], layout: &Layout) -> Option<(Trade, usize)> {
    let (trade, end) = parse_fields(rest, layout)?;
    match rest.get(end) {
        None => Some((trade, end)),
        Some(b'\n') => Some((trade, end + 1)),
        Some(b'\r') if rest.get(end + 1) == Some(&b'\n') => Some((trade, end + 2)),
        Some(_) => None,
    }
}

/// Parses the fields at the start of `bytes` in layout order: the valid trade and where its last field
/// ends, or `None` for anything unusual.
#[inline(always)]
fn parse_fields(bytes: &[u8], layout: &Layout) -> Option<(Trade, usize)> {
    let (trade, end) = match layout.standard() {
        Some(Standard::Spot) => parse_standard::<true>(bytes)?,
        Some(Standard::Futures) => parse_standard::<false>(bytes)?,
        None => parse_any_order(bytes, layout.columns())?,
    };
    let mut trade = trade;
    trade.timestamp_us = normalize_timestamp_us(trade.timestamp_us);
    let valid = trade.price.0 > 0
        && trade.last_trade_id >= trade.first_trade_id
        && (MIN_TIMESTAMP_US..END_TIMESTAMP_US).contains(&trade.timestamp_us);
    valid.then_some((trade, end))
}

/// Reads one field with `parse` at `*position`, then the `,` after it unless it is the last field.
#[inline(always)]
fn field<T>(bytes: &[u8], position: &mut usize, parse: fn(&[u8]) -> Option<(T, usize)>, last: bool) -> Option<T> {
    let (value, used) = parse(bytes.get(*position..)?)?;
    *position += used;
    if !last {
        if bytes.get(*position) != Some(&b',') {
            return None;
        }
        *position += 1;
    }
    Some(value)
}

/// The Binance column order, straight-line: 7 columns, or 8 with `is_best_match` when `SPOT`.
#[inline(always)]
fn parse_standard<const SPOT: bool>(bytes: &[u8]) -> Option<(Trade, usize)> {
    let mut position = 0;
    let trade = Trade {
        agg_trade_id: field(bytes, &mut position, fast_integer, false)?,
        price: FixedPoint(field(bytes, &mut position, fast_decimal, false)?),
        quantity: FixedPoint(field(bytes, &mut position, fast_decimal, false)?),
        first_trade_id: field(bytes, &mut position, fast_integer, false)?,
        last_trade_id: field(bytes, &mut position, fast_integer, false)?,
        timestamp_us: field(bytes, &mut position, fast_integer, false)?,
        is_buyer_maker: field(bytes, &mut position, fast_boolean, !SPOT)?,
    };
    if SPOT {
        field(bytes, &mut position, fast_boolean, true)?;
    }
    Some((trade, position))
}

/// Any column order (from a header), one field at a time.
#[inline(always)]
fn parse_any_order(bytes: &[u8], columns: &[Column]) -> Option<(Trade, usize)> {
    let mut trade = Trade {
        agg_trade_id: 0,
        price: FixedPoint::ZERO,
        quantity: FixedPoint::ZERO,
        first_trade_id: 0,
        last_trade_id: 0,
        timestamp_us: 0,
        is_buyer_maker: false,
    };
    let mut position = 0;
    let last = columns.len() - 1;
    for (index, &column) in columns.iter().enumerate() {
        let p = &mut position;
        let is_last = index == last;
        match column {
            Column::AggTradeId => trade.agg_trade_id = field(bytes, p, fast_integer, is_last)?,
            Column::FirstTradeId => trade.first_trade_id = field(bytes, p, fast_integer, is_last)?,
            Column::LastTradeId => trade.last_trade_id = field(bytes, p, fast_integer, is_last)?,
            Column::Price => trade.price.0 = field(bytes, p, fast_decimal, is_last)?,
            Column::Quantity => trade.quantity.0 = field(bytes, p, fast_decimal, is_last)?,
            Column::TransactTime => trade.timestamp_us = field(bytes, p, fast_integer, is_last)?,
            Column::IsBuyerMaker => trade.is_buyer_maker = field(bytes, p, fast_boolean, is_last)?,
            Column::IsBestMatch => {
                field(bytes, p, fast_boolean, is_last)?;
            }
        }
    }
    Some((trade, position))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;

    fn spot() -> Layout {
        Layout::headerless(8).unwrap()
    }

    #[test]
    fn parses_a_spot_line() {
        let line = b"3800397495,87648.21000000,0.08185000,5723703861,5723703861,1767225600039409,True,True";
        let trade = parse_record(line, &spot()).unwrap();
        assert_eq!(trade.agg_trade_id, 3_800_397_495);
        assert_eq!(trade.price, FixedPoint(8_764_821_000_000));
        assert_eq!(trade.quantity, FixedPoint(8_185_000));
        assert_eq!(trade.timestamp_us, 1_767_225_600_039_409);
        assert!(trade.is_buyer_maker);
        assert_eq!(parse_fields(line, &spot()), Some((trade, line.len())));
    }

    #[test]
    fn milliseconds_become_microseconds() {
        let futures = Layout::headerless(7).unwrap();
        let trade = parse_record(b"1,2.5,0,4,4,1767225600039,false", &futures).unwrap();
        assert_eq!(trade.timestamp_us, 1_767_225_600_039_000);
        assert_eq!(trade.quantity, FixedPoint(0));
    }

    #[test]
    fn errors_name_the_field() {
        let futures = Layout::headerless(7).unwrap();
        let error = parse_record(b"1,1e5,0,4,4,1767225600039,false", &futures).unwrap_err();
        assert_eq!(*error, RecordError { kind: ErrorKind::InvalidNumber, field: Some(1), span: 2..5 });
        let error = parse_record(b"1,-2,1,4,4,1767225600039,false", &futures).unwrap_err();
        assert_eq!(error.kind, ErrorKind::NonPositivePrice);
        let error = parse_record(b"1,2,-1,4,4,1767225600039,false", &futures).unwrap_err();
        assert_eq!(error.kind, ErrorKind::NegativeQuantity);
        let error = parse_record(b"1,2,1,5,4,1767225600039,false", &futures).unwrap_err();
        assert_eq!(error.field, Some(4));
        assert!(matches!(error.kind, ErrorKind::TradeIdsReversed { .. }));
    }

    /// Lines built from plausible and implausible pieces, to reach every branch of both parsers.
    fn field() -> impl Strategy<Value = String> {
        barsmith_test_support::trades::record_field("[0-9]{1,20}", "[0-9]{1,12}\\.[0-9]{0,10}")
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_reference(fields in proptest::collection::vec(field(), 6..10), spot_layout: bool) {
            let layout = Layout::headerless(if spot_layout { 8 } else { 7 }).unwrap();
            let line = fields.join(",");
            let expected = reference::parse_record(line.as_bytes(), &layout);
            if let Some((trade, end)) = parse_fields(line.as_bytes(), &layout).filter(|&(_, end)| end == line.len()) {
                prop_assert_eq!(end, line.len());
                prop_assert_eq!(Ok(trade), expected);
            } else {
                prop_assert_eq!(parse_record(line.as_bytes(), &layout), expected);
            }
        }

        #[test]
        fn well_formed_lines_take_the_fast_path(
            id in 0i64..1_000_000_000_000, whole in 1u64..10_000_000_000, fraction in 0u32..100_000_000,
            quantity in 0u64..100_000_000_000, first in 0i64..1_000_000_000, span in 0i64..1000,
            ts in MIN_TIMESTAMP_US..END_TIMESTAMP_US, maker: bool)
        {
            let line = format!("{id},{whole}.{fraction:08},{}.{:08},{first},{},{ts},{},True",
                quantity / 100_000_000, quantity % 100_000_000, first + span, if maker { "True" } else { "False" });
            let parsed = parse_line_start(format!("{line}\n").as_bytes(), &spot());
            prop_assert_eq!(parsed.map(|(_, used)| used), Some(line.len() + 1));
            prop_assert_eq!(Ok(parsed.unwrap().0), reference::parse_record(line.as_bytes(), &spot()));
        }
    }
}
