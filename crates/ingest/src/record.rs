//! The record parser used on every line: a fused single pass over the fields, falling back to the
//! [`reference`] parser for any line it does not accept, so that accepted values and reported errors are
//! always exactly the reference's.

use rangebar_core::{FixedPoint, Trade, normalize_timestamp_us};

use crate::layout::{Column, Layout};
use crate::number::{fast_boolean, fast_decimal, fast_integer};
use crate::reference::{self, END_TIMESTAMP_US, MIN_TIMESTAMP_US, RecordError};

/// Parses one record (a line without its terminator; a trailing `\r` must already be removed).
#[inline]
pub fn parse_record(line: &[u8], layout: &Layout) -> Result<Trade, Box<RecordError>> {
    match parse_common_record(line, layout.columns()) {
        Some(trade) => Ok(trade),
        None => reference::parse_record(line, layout),
    }
}

/// The fast path: well-formed fields only, `None` for anything else (the reference then decides).
#[inline(always)]
fn parse_common_record(line: &[u8], columns: &[Column]) -> Option<Trade> {
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
        let rest = line.get(position..)?;
        let used = match column {
            Column::AggTradeId => store(fast_integer(rest)?, &mut trade.agg_trade_id),
            Column::FirstTradeId => store(fast_integer(rest)?, &mut trade.first_trade_id),
            Column::LastTradeId => store(fast_integer(rest)?, &mut trade.last_trade_id),
            Column::Price => store(fast_decimal(rest)?, &mut trade.price.0),
            Column::Quantity => store(fast_decimal(rest)?, &mut trade.quantity.0),
            Column::TransactTime => store(fast_integer(rest)?, &mut trade.timestamp_us),
            Column::IsBuyerMaker => store(fast_boolean(rest)?, &mut trade.is_buyer_maker),
            Column::IsBestMatch => fast_boolean(rest)?.1,
        };
        position += used;
        if index == last {
            if position != line.len() {
                return None;
            }
        } else if line.get(position) != Some(&b',') {
            return None;
        } else {
            position += 1;
        }
    }
    trade.timestamp_us = normalize_timestamp_us(trade.timestamp_us);
    let valid = trade.price.0 > 0
        && trade.last_trade_id >= trade.first_trade_id
        && (MIN_TIMESTAMP_US..END_TIMESTAMP_US).contains(&trade.timestamp_us);
    valid.then_some(trade)
}

#[inline(always)]
fn store<T>((value, used): (T, usize), slot: &mut T) -> usize {
    *slot = value;
    used
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
        assert_eq!(parse_common_record(line, spot().columns()), Some(trade));
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
        prop_oneof![
            "[0-9]{1,20}",
            "[0-9]{1,12}\\.[0-9]{0,10}",
            Just("True".to_owned()),
            Just("false".to_owned()),
            Just("1767225600039409".to_owned()),
            Just("1767225600039".to_owned()),
            "-?[0-9.eE+x]{0,6}",
            Just(String::new()),
        ]
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_reference(fields in proptest::collection::vec(field(), 6..10), spot_layout: bool) {
            let layout = Layout::headerless(if spot_layout { 8 } else { 7 }).unwrap();
            let line = fields.join(",");
            let expected = reference::parse_record(line.as_bytes(), &layout);
            if let Some(trade) = parse_common_record(line.as_bytes(), layout.columns()) {
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
            let trade = parse_common_record(line.as_bytes(), spot().columns());
            prop_assert!(trade.is_some());
            prop_assert_eq!(Ok(trade.unwrap()), reference::parse_record(line.as_bytes(), &spot()));
        }
    }
}
